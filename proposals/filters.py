"""The filters of the public list of open calls."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kyodo_portal.forms import style_form
from projects.models import Scheme
from proposals.models import Call

STATES = {
    "current": _("Open now or opening soon"),
    "open": _("Open now"),
    "closed": _("Closed"),
    "all": _("All calls"),
}


class CallFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=list(STATES.items()), method="filter_state", empty_label=None
    )
    scheme = django_filters.ModelChoiceFilter(
        label=_("Scheme"), queryset=Scheme.objects.filter(accepts_proposals=True), empty_label=_("All schemes")
    )

    class Meta:
        model = Call
        fields = ["state", "scheme"]

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not data.get("state"):
            data = data.copy()
            data["state"] = "current"
        super().__init__(data if data is not None else {"state": "current"}, *args, **kwargs)
        style_form(self.form)

    def filter_state(self, queryset, name, value):
        now = timezone.now()
        if value == "open":
            return queryset.open_at(now).order_by("closes_at", "id")
        if value == "closed":
            return queryset.closed_at(now).order_by("-closes_at", "id")
        if value == "all":
            return queryset.order_by("-closes_at", "id")
        return queryset.exclude(pk__in=queryset.closed_at(now).values("pk")).order_by("closes_at", "id")
