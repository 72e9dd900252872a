"""The public directory's filters: type, field of activity, ward, keyword, verification, sort order."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kyodo_portal.forms import style_form
from kyodo_portal.search import apply_search
from partners.models import ActivityField, Partner, PartnerType, Ward


class StableOrderingFilter(django_filters.OrderingFilter):
    """Ordering with the primary key last, so that equal names or dates page the same way every time."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        return qs.order_by(*qs.query.order_by, "id") if value else qs


class PartnerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Keyword"),
        method="filter_keyword",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. 環境, 森, 子育て")}),
    )
    type = django_filters.ModelChoiceFilter(
        label=_("Type"),
        field_name="partner_type",
        queryset=PartnerType.objects.all(),
        empty_label=_("All types"),
        to_field_name="code",
    )
    field = django_filters.ModelChoiceFilter(
        label=_("Field of activity"),
        field_name="fields",
        queryset=ActivityField.objects.filter(is_active=True),
        empty_label=_("All fields"),
    )
    ward = django_filters.ModelChoiceFilter(
        label=_("Ward"),
        method="filter_ward",
        queryset=Ward.objects.select_related("municipality"),
        empty_label=_("All wards"),
    )
    verified = django_filters.BooleanFilter(
        label=_("Verified partners only"),
        method="filter_verified",
        widget=forms.CheckboxInput,
    )
    sort = StableOrderingFilter(
        label=_("Sort by"),
        choices=[
            ("sort_key", _("Name (kana order)")),
            ("-created_at", _("Newest first")),
            ("-updated_at", _("Recently updated")),
        ],
        empty_label=None,
        null_label=None,
    )

    class Meta:
        model = Partner
        fields: list[str] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        style_form(self.form)
        self.form.fields["q"].widget.attrs["maxlength"] = 200
        # Wards grouped by their municipality, so that a ward's city is clear when several are listed.
        ward_field = self.form.fields["ward"]
        groups: dict[str, list] = {}
        for ward in ward_field.queryset:
            groups.setdefault(ward.municipality.display_name, []).append((ward.pk, ward.display_name))
        ward_field.widget.choices = [("", ward_field.empty_label), *groups.items()]

    def filter_keyword(self, queryset, name, value):
        return apply_search(queryset, value)

    def filter_ward(self, queryset, name, ward):
        # A partner that works across its whole city works in each of the city's wards too.
        in_ward = Partner.wards.through.objects.filter(ward=ward).values("partner_id")
        return queryset.filter(Q(pk__in=in_ward) | Q(works_citywide=True, municipality_id=ward.municipality_id))

    def filter_verified(self, queryset, name, value):
        return queryset.verified() if value else queryset
