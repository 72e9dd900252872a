"""Input shapes for partner records (admin and CSV import share one set of rules)."""

from crispy_forms.helper import FormHelper
from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from kyodo_portal.forms import IdMultipleChoiceField
from kyodo_portal.text import tidy_line
from partners.images import process_logo
from partners.models import ActivityField, Membership, Municipality, Partner, PartnerType, Ward
from partners.validators import normalize_corporate_number


class PartnerForm(forms.ModelForm):
    # Wider than the stored 13 digits: full-width digits and hyphens are accepted and normalised.
    corporate_number = forms.CharField(
        label=_("corporate number (法人番号)"),
        max_length=40,
        required=False,
        help_text=_("13 digits; full-width digits and hyphens are accepted."),
    )
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = Partner
        fields = [
            "name",
            "name_kana",
            "name_en",
            "partner_type",
            "corporate_number",
            "municipality",
            "department",
            "represented_municipality",
            "wards",
            "works_citywide",
            "fields",
            "description",
            "founded_year",
            "website",
            "logo",
            "public_contact_name",
            "public_email",
            "public_phone",
            "public_address",
            "representative_name",
            "private_email",
            "private_phone",
            "private_address",
            "is_public",
        ]
        field_classes = {"wards": IdMultipleChoiceField, "fields": IdMultipleChoiceField}

    def clean_name(self) -> str:
        return tidy_line(self.cleaned_data["name"])

    def clean_corporate_number(self) -> str:
        number = normalize_corporate_number(self.cleaned_data.get("corporate_number"))
        if number:
            duplicate = Partner.objects.filter(corporate_number=number).exclude(pk=self.instance.pk).first()
            if duplicate is not None:
                raise forms.ValidationError(
                    _("Corporate number %(number)s is already registered for %(name)s."),
                    code="duplicate",
                    params={"number": number, "name": duplicate.name},
                )
        return number

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if isinstance(logo, UploadedFile):
            return process_logo(logo)
        return logo

    def clean(self):
        cleaned = super().clean()
        municipality = cleaned.get("municipality")
        wards = cleaned.get("wards")
        if municipality and wards:
            foreign = [ward.name for ward in wards if ward.municipality_id != municipality.pk]
            if foreign:
                self.add_error(
                    "wards",
                    _("These wards are not in %(municipality)s: %(wards)s")
                    % {"municipality": municipality.name, "wards": "、".join(foreign)},
                )
        founded_year = cleaned.get("founded_year")
        if founded_year is not None and not 1868 <= founded_year <= 2100:
            self.add_error("founded_year", _("Enter a year between 1868 and 2100."))
        return cleaned


class PartnerImportForm(PartnerForm):
    """One CSV row: the directory's fields, but not the logo nor the city-structure links."""

    class Meta(PartnerForm.Meta):
        fields = [
            name for name in PartnerForm.Meta.fields if name not in {"logo", "department", "represented_municipality"}
        ]

    def clean_partner_type(self):
        # A municipality or a department of the city needs its link, which only the admin form sets:
        # such a row may update a partner that has the link, but not create or convert one.
        partner_type = self.cleaned_data["partner_type"]
        instance = self.instance
        if partner_type.kind == PartnerType.Kind.DEPARTMENT and not instance.department_id:
            raise forms.ValidationError(
                _("Register a department of the city in the administration, not by CSV."), code="needs_admin"
            )
        if partner_type.kind == PartnerType.Kind.MUNICIPALITY and not instance.represented_municipality_id:
            raise forms.ValidationError(
                _("Register a municipality in the administration, not by CSV."), code="needs_admin"
            )
        if partner_type.kind == PartnerType.Kind.ORGANISATION and (
            instance.department_id or instance.represented_municipality_id
        ):
            raise forms.ValidationError(
                _("A municipality or department cannot become another type by CSV."), code="needs_admin"
            )
        return partner_type


class PartnerCsvUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 (with or without BOM) or Shift_JIS (cp932); the columns of the export."),
    )


KAWASAKI_CODE = "141305"


class OrganisationForm(PartnerForm):
    """An organisation registering itself on the portal: the directory's fields, no logo or admin links.

    Whether it is public and verified is the city's decision, so neither is a field here.
    """

    class Meta(PartnerForm.Meta):
        fields = [
            "name",
            "name_kana",
            "partner_type",
            "corporate_number",
            "municipality",
            "wards",
            "works_citywide",
            "fields",
            "description",
            "website",
            "public_contact_name",
            "public_email",
            "public_phone",
            "public_address",
            "representative_name",
            "private_email",
            "private_phone",
            "private_address",
        ]
        widgets = {
            "wards": forms.CheckboxSelectMultiple,
            "fields": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "representative_name": _("Seen only by the city's staff."),
            "private_email": _("Seen only by the city's staff, who may write to you about the record."),
            "private_phone": _("Seen only by the city's staff."),
            "private_address": _("Seen only by the city's staff."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner_type"].queryset = PartnerType.objects.filter(kind=PartnerType.Kind.ORGANISATION)
        municipality = self.fields["municipality"]
        # The city's own municipality first; other municipalities only for groups based elsewhere.
        if not self.is_bound and not self.initial.get("municipality"):
            municipality.initial = Municipality.objects.filter(code=KAWASAKI_CODE).values_list("pk", flat=True).first()
        self.fields["wards"].queryset = Ward.objects.select_related("municipality")
        self.fields["fields"].queryset = ActivityField.objects.filter(is_active=True)
        self.fields["name_kana"].help_text = _("In katakana, e.g. カワサキサトヤマノカイ; used for sorting.")
        for name in ("name", "partner_type", "municipality"):
            self.fields[name].required = True
        self.fields["website"].widget.attrs["autocomplete"] = "url"
        self.fields["public_email"].widget.attrs["autocomplete"] = "email"
        self.fields["public_phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["private_email"].widget.attrs["autocomplete"] = "email"
        self.fields["private_phone"].widget.attrs["autocomplete"] = "tel"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's own <form> carries the token


class MembershipRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the organisation"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional: who you are and what you do in the organisation (1,000 characters at most)."),
    )


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
