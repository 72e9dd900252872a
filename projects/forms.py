"""Input shapes of the staff pages: a project, its parties and roles, its indicators, its media."""

import re

from crispy_forms.helper import FormHelper
from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from kyodo_portal.text import normalize, tidy_line
from partners.models import Department, Municipality, Partner
from projects.models import OutcomeIndicator, Project, ProjectParty

_ID_SUFFIX = re.compile(r"[(（]\s*ID\s*(\d+)\s*[)）]\s*$")


class PartnerLookupField(forms.CharField):
    """A partner named by its exact name or its ID: a plain text field that works without JavaScript,
    however many partners there are."""

    default_error_messages = {
        "not_found": _("No partner is called %(value)s. Check the name in the partner directory, or give its ID."),
        "ambiguous": _("Several partners are called %(value)s; add the ID, e.g. %(value)s (ID 12)."),
    }

    def prepare_value(self, value):
        if isinstance(value, int) or (isinstance(value, str) and value.isdecimal()):
            partner = Partner.objects.filter(pk=int(value)).only("name").first()
            return f"{partner.name} (ID {partner.pk})" if partner else value
        if isinstance(value, Partner):
            return f"{value.name} (ID {value.pk})"
        return value

    def to_python(self, value):
        text = tidy_line(super().to_python(value))
        if not text:
            return None
        match = _ID_SUFFIX.search(text)
        # isdecimal, not isdigit: "²" is a digit that int() refuses; full-width １２ is decimal.
        if match or text.isdecimal():
            partner = Partner.objects.filter(pk=int(match.group(1) if match else text)).first()
            if partner is None:
                raise forms.ValidationError(self.error_messages["not_found"], code="not_found", params={"value": text})
            return partner
        partners = list(Partner.objects.filter(name_key=normalize(text))[:2])
        if not partners:
            raise forms.ValidationError(self.error_messages["not_found"], code="not_found", params={"value": text})
        if len(partners) > 1:
            raise forms.ValidationError(self.error_messages["ambiguous"], code="ambiguous", params={"value": text})
        return partners[0]


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "title",
            "title_en",
            "municipality",
            "responsible_department",
            "scheme",
            "forms",
            "agreement",
            "problem",
            "activities",
            "outcomes",
            "fields",
            "is_citywide",
            "wards",
            "other_municipalities",
            "amount",
            "amount_label",
            "fiscal_year_start",
            "fiscal_year_end",
            "start_date",
            "end_date",
            "status",
            "source",
        ]
        widgets = {
            "forms": forms.CheckboxSelectMultiple,
            "fields": forms.CheckboxSelectMultiple,
            "wards": forms.CheckboxSelectMultiple,
            "other_municipalities": forms.CheckboxSelectMultiple,
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "problem": forms.Textarea(attrs={"rows": 4}),
            "activities": forms.Textarea(attrs={"rows": 6}),
            "outcomes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, departments=None, **kwargs) -> None:
        """`departments`: those the user may choose as responsible (None: any, for administrators)."""
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["responsible_department"].queryset = departments.select_related("parent")
            self.fields["responsible_department"].required = True
            self.fields["responsible_department"].empty_label = None
            self.fields["municipality"].queryset = Municipality.objects.filter(
                pk__in=departments.values("municipality_id")
            )
        else:
            self.fields["responsible_department"].queryset = Department.objects.select_related("parent")
        self.fields["responsible_department"].label_from_instance = lambda department: (
            f"{department.parent.name} {department.name}" if department.parent_id else department.name
        )
        self.fields["wards"].queryset = self.fields["wards"].queryset.select_related("municipality")
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        cleaned = super().clean()
        municipality = cleaned.get("municipality")
        wards = cleaned.get("wards") or []
        foreign = [ward.name for ward in wards if municipality and ward.municipality_id != municipality.pk]
        if foreign:
            self.add_error(
                "wards",
                _("These wards are not in %(municipality)s: %(wards)s")
                % {"municipality": municipality.name, "wards": "、".join(foreign)},
            )
        return cleaned


class ProjectPartyForm(forms.ModelForm):
    partner = PartnerLookupField(
        label=_("Party"),
        widget=forms.TextInput(attrs={"maxlength": 250}),
        help_text=_("The partner's exact name as in the partner directory, or its ID."),
    )

    class Meta:
        model = ProjectParty
        fields = ["partner", "role", "is_lead", "order"]
        widgets = {"role": forms.Textarea(attrs={"rows": 2})}


PartyFormSet = inlineformset_factory(Project, ProjectParty, form=ProjectPartyForm, extra=2, can_delete=True)
IndicatorFormSet = inlineformset_factory(
    Project,
    OutcomeIndicator,
    fields=["name", "planned_value", "actual_value", "unit", "note", "order"],
    extra=2,
    can_delete=True,
)


class PhotoForm(forms.Form):
    # A plain file field: the service checks the image (and says precisely what is wrong with it).
    image = forms.FileField(label=_("Photo"), help_text=_("PNG, JPEG, GIF or WebP, up to 10 MB."))
    alt_text = forms.CharField(
        label=_("Text alternative"),
        max_length=200,
        help_text=_("What the photo shows, for people who cannot see it (e.g. 森づくりを体験する子どもたち)."),
    )
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("PDF file"), help_text=_("A PDF, up to 20 MB."))
    title = forms.CharField(label=_("Title"), max_length=200)
