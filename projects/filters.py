"""The catalogue's filters. Each choice filter's options carry the number of projects they would leave."""

import django_filters
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kyodo_portal.dates import format_fiscal_year
from kyodo_portal.forms import style_form
from kyodo_portal.search import apply_search
from partners.models import ActivityField, PartnerType, Ward
from projects.models import CollaborationForm, Project, Scheme

CITYWIDE = "citywide"
AMOUNT_BUCKETS = {
    "lt100k": (_("under 100,000 yen"), Q(amount__lt=100_000)),
    "100k-500k": (_("100,000 – 499,999 yen"), Q(amount__gte=100_000, amount__lt=500_000)),
    "500k-1m": (_("500,000 – 999,999 yen"), Q(amount__gte=500_000, amount__lt=1_000_000)),
    "1m+": (_("1,000,000 yen or more"), Q(amount__gte=1_000_000)),
    "none": (_("no amount given"), Q(amount__isnull=True)),
}
SORTS = {
    "-fy": (_("Newest fiscal year first"), [F("fiscal_year_start").desc(nulls_last=True), "sort_key"]),
    "fy": (_("Oldest fiscal year first"), [F("fiscal_year_start").asc(nulls_last=True), "sort_key"]),
    "title": (_("Title (kana order)"), ["sort_key"]),
    "-amount": (_("Largest amount first"), [F("amount").desc(nulls_last=True), "sort_key"]),
    "amount": (_("Smallest amount first"), [F("amount").asc(nulls_last=True), "sort_key"]),
}


def fiscal_year_q(fiscal_year: int) -> Q:
    """Projects that ran in the fiscal year: from their first to their last year (or the first only)."""
    return Q(fiscal_year_start__lte=fiscal_year) & (
        Q(fiscal_year_end__gte=fiscal_year) | Q(fiscal_year_end__isnull=True, fiscal_year_start=fiscal_year)
    )


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Keyword"), method="filter_keyword")
    ward = django_filters.ChoiceFilter(label=_("Ward"), method="filter_ward", empty_label=_("All areas"))
    form = django_filters.ModelChoiceFilter(
        label=_("Form of collaboration"),
        field_name="forms",
        queryset=CollaborationForm.objects.all(),
        empty_label=_("All forms"),
    )
    scheme = django_filters.ModelChoiceFilter(
        label=_("Scheme"), queryset=Scheme.objects.all(), empty_label=_("All schemes")
    )
    field = django_filters.ModelChoiceFilter(
        label=_("Field of activity"),
        field_name="fields",
        queryset=ActivityField.objects.filter(is_active=True),
        empty_label=_("All fields"),
    )
    partner_type = django_filters.ModelChoiceFilter(
        label=_("Type of partner involved"),
        method="filter_partner_type",
        queryset=PartnerType.objects.all(),
        to_field_name="code",
        empty_label=_("All types"),
    )
    fy = django_filters.ChoiceFilter(
        label=_("Fiscal year"), method="filter_fiscal_year", empty_label=_("All fiscal years")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Project.Status.choices, empty_label=_("All statuses")
    )
    amount = django_filters.ChoiceFilter(
        label=_("Amount"),
        method="filter_amount",
        choices=[(key, label) for key, (label, _q) in AMOUNT_BUCKETS.items()],
        empty_label=_("Any amount"),
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        method="filter_sort",
        choices=[(key, label) for key, (label, _order) in SORTS.items()],
        empty_label=None,
    )

    class Meta:
        model = Project
        fields: list[str] = []

    def __init__(self, *args, wards: list[Ward] = (), fiscal_years: list[int] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.filters["ward"].extra["choices"] = [
            (CITYWIDE, _("The whole city")),
            *((str(ward.pk), ward.display_name) for ward in wards),
        ]
        self.filters["fy"].extra["choices"] = [
            (str(year), format_fiscal_year(year)) for year in sorted(fiscal_years, reverse=True)
        ]
        style_form(self.form)
        self.form.fields["q"].widget.attrs.update({"type": "search", "maxlength": 200})

    def filter_keyword(self, queryset, name, value):
        return apply_search(queryset, value)

    def filter_ward(self, queryset, name, value):
        if value == CITYWIDE:
            return queryset.filter(is_citywide=True)
        return queryset.filter(pk__in=Project.wards.through.objects.filter(ward_id=value).values("project_id"))

    def filter_partner_type(self, queryset, name, partner_type):
        from projects.models import ProjectParty

        involved = ProjectParty.objects.filter(partner__partner_type=partner_type).values("project_id")
        return queryset.filter(pk__in=involved)

    def filter_fiscal_year(self, queryset, name, value):
        return queryset.filter(fiscal_year_q(int(value)))

    def filter_amount(self, queryset, name, value):
        return queryset.filter(AMOUNT_BUCKETS[value][1])

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS[value][1], "id")
