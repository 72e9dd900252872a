"""Input shapes: a call with its documents, criteria and schedule; a proposal with its rows; uploads."""

from crispy_forms.helper import FormHelper
from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kyodo_portal.dates import fiscal_year_of
from kyodo_portal.forms import mark_invalid, style_form
from kyodo_portal.text import tidy_line
from partners.models import Department, PartnerType
from projects.models import Scheme
from proposals.files import ACCEPT
from proposals.models import (
    BudgetLine,
    Call,
    CallCriterion,
    CallDocument,
    CallMilestone,
    Proposal,
    ProposalIndicator,
    ProposalParticipant,
    ProposalRole,
    ProposalScheduleItem,
)

MILESTONE_NAMES = ("書類審査", "公開プレゼンテーション", "決定", "協定締結")


def mark_problems(form: forms.BaseForm, problems: dict) -> None:
    """Mark the fields the submission check found wanting, so their messages are announced with them."""
    for name in problems:
        if name in form.fields:
            mark_invalid(form, name)


class LocalDateTimeField(forms.SplitDateTimeField):
    """A date and a time, read in Asia/Tokyo."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", forms.SplitDateTimeWidget(date_attrs={"type": "date"}, time_attrs={"type": "time", "step": "1"})
        )
        super().__init__(**kwargs)


class CallForm(forms.ModelForm):
    opens_at = LocalDateTimeField(label=_("Submissions open"))
    closes_at = LocalDateTimeField(
        label=_("Deadline"),
        help_text=_("The last moment a submission is accepted, in Japan time (e.g. 2027-01-15 23:59:59)."),
    )

    class Meta:
        model = Call
        fields = [
            "title",
            "title_en",
            "scheme",
            "department",
            "fiscal_year",
            "purpose",
            "themes",
            "fields",
            "eligible_types",
            "verified_only",
            "eligibility_note",
            "amount_cap",
            "first_year_cap",
            "max_years",
            "opens_at",
            "closes_at",
            "consultation_required",
            "consultation_note",
            "contact",
        ]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 4}),
            "themes": forms.Textarea(attrs={"rows": 3}),
            "eligibility_note": forms.Textarea(attrs={"rows": 2}),
            "consultation_note": forms.Textarea(attrs={"rows": 2}),
            "contact": forms.Textarea(attrs={"rows": 3}),
            "fields": forms.CheckboxSelectMultiple,
            "eligible_types": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = (
            departments if departments is not None else Department.objects.all()
        ).select_related("parent")
        self.fields["department"].label_from_instance = lambda department: (
            f"{department.parent.name} {department.name}" if department.parent_id else department.name
        )
        self.fields["scheme"].queryset = Scheme.objects.filter(accepts_proposals=True)
        self.fields["eligible_types"].queryset = PartnerType.objects.filter(kind=PartnerType.Kind.ORGANISATION)
        for name in ("opens_at", "closes_at"):
            # A split date and time input has no single <label for>: each part names itself.
            date_widget, time_widget = self.fields[name].widget.widgets
            label = self.fields[name].label
            date_widget.attrs["aria-label"] = _("%(label)s: date") % {"label": label}
            time_widget.attrs["aria-label"] = _("%(label)s: time") % {"label": label}
        if not self.instance.pk and self.initial.get("fiscal_year") is None:
            # A call made now is usually for the projects of next fiscal year.
            self.initial["fiscal_year"] = fiscal_year_of() + 1
        # The page's own <form> holds this form and the rows; crispy must not open a second one.
        self.helper = FormHelper()
        self.helper.form_tag = False
        style_form(self)

    def clean_title(self):
        return tidy_line(self.cleaned_data["title"])

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The deadline must come after the opening."))
        cap, first = cleaned.get("amount_cap"), cleaned.get("first_year_cap")
        if first is not None and cap is None:
            self.add_error("amount_cap", _("Give the cap for the later years too, or leave both empty."))
        years = cleaned.get("max_years")
        if years is not None and not 1 <= years <= 10:
            self.add_error("max_years", _("Enter between 1 and 10 years."))
        return cleaned


class RowFormSet(BaseInlineFormSet):
    """Rows in the order shown; empty extra rows are ignored."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for form in self.forms:
            style_form(form)
        style_form(self.empty_form)


CallDocumentFormSet = inlineformset_factory(
    Call, CallDocument, fields=["name", "description", "is_required"], extra=2, can_delete=True, formset=RowFormSet
)
CallCriterionFormSet = inlineformset_factory(
    Call,
    CallCriterion,
    fields=["name", "weight", "description"],
    extra=2,
    can_delete=True,
    formset=RowFormSet,
    widgets={"description": forms.Textarea(attrs={"rows": 2})},
)


def call_formsets(data=None, *, instance: Call) -> dict[str, BaseInlineFormSet]:
    milestones_initial = None
    if instance.pk is None:
        milestones_initial = [{"name": name} for name in MILESTONE_NAMES]
    milestone_set = inlineformset_factory(
        Call,
        CallMilestone,
        fields=["name", "date", "when_text", "note"],
        extra=len(MILESTONE_NAMES) if instance.pk is None else 1,
        can_delete=True,
        formset=RowFormSet,
        widgets={"date": forms.DateInput(attrs={"type": "date"})},
    )
    return {
        "documents": CallDocumentFormSet(data, instance=instance, prefix="documents"),
        "criteria": CallCriterionFormSet(data, instance=instance, prefix="criteria"),
        "milestones": milestone_set(data, instance=instance, prefix="milestones", initial=milestones_initial),
    }


class ProposalForm(forms.ModelForm):
    """The proposal's text. Nothing is required to save a draft; proposal_problems says what submission needs."""

    class Meta:
        model = Proposal
        fields = list(Proposal.CONTENT_FIELDS)
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 4}),
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "activities": forms.Textarea(attrs={"rows": 5}),
            "beneficiaries": forms.Textarea(attrs={"rows": 2}),
            "expected_effects": forms.Textarea(attrs={"rows": 3}),
            "collaboration_need": forms.Textarea(attrs={"rows": 4}),
            "exit_strategy": forms.Textarea(attrs={"rows": 3}),
            "consulted_on": forms.DateInput(attrs={"type": "date"}),
            "contact_phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "contact_name": forms.TextInput(attrs={"autocomplete": "name"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
        self.fields["project_year"].required = True
        self.fields["project_year"].widget.attrs.update({"min": 1, "max": 10})
        if not self.instance.call.consultation_required:
            del self.fields["consulted_on"]
            del self.fields["consultation_note"]
        style_form(self)

    def clean_title(self):
        return tidy_line(self.cleaned_data["title"])

    def clean_project_year(self):
        year = self.cleaned_data["project_year"]
        if not 1 <= year <= 10:
            raise forms.ValidationError(_("Enter a year between 1 and 10."))
        return year

    def clean_consulted_on(self):
        day = self.cleaned_data.get("consulted_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The consultation date cannot be in the future."))
        return day


class BudgetFormSet(RowFormSet):
    """The income or the expense lines of the budget plan."""

    side: str = ""

    def get_queryset(self):
        # Cached like Django's own: the formset asks for it once a row.
        if not hasattr(self, "_side_queryset"):
            self._side_queryset = super().get_queryset().filter(side=self.side)
        return self._side_queryset

    def save_new(self, form, commit=True):
        form.instance.side = self.side
        return super().save_new(form, commit=commit)


class IncomeFormSet(BudgetFormSet):
    side = BudgetLine.Side.INCOME


class ExpenseFormSet(BudgetFormSet):
    side = BudgetLine.Side.EXPENSE


_AMOUNT = forms.NumberInput(attrs={"min": 0, "step": 1, "inputmode": "numeric"})

PROPOSAL_ROWS = {
    "roles": (
        inlineformset_factory(
            Proposal,
            ProposalRole,
            fields=["task", "organisation_part", "city_part"],
            extra=2,
            can_delete=True,
            formset=RowFormSet,
            widgets={
                "organisation_part": forms.Textarea(attrs={"rows": 2}),
                "city_part": forms.Textarea(attrs={"rows": 2}),
            },
        ),
        "roles",
    ),
    "schedule": (
        inlineformset_factory(
            Proposal, ProposalScheduleItem, fields=["when", "what"], extra=2, can_delete=True, formset=RowFormSet
        ),
        "schedule",
    ),
    "indicators": (
        inlineformset_factory(
            Proposal,
            ProposalIndicator,
            fields=["name", "target", "unit"],
            extra=2,
            can_delete=True,
            formset=RowFormSet,
        ),
        "indicators",
    ),
    "income": (
        inlineformset_factory(
            Proposal,
            BudgetLine,
            fields=["source", "item", "note", "amount"],
            extra=2,
            can_delete=True,
            formset=IncomeFormSet,
            widgets={"amount": _AMOUNT},
        ),
        "income",
    ),
    "expense": (
        inlineformset_factory(
            Proposal,
            BudgetLine,
            fields=["item", "note", "amount"],
            extra=3,
            can_delete=True,
            formset=ExpenseFormSet,
            widgets={"amount": _AMOUNT},
        ),
        "expense",
    ),
    "participants": (
        inlineformset_factory(
            Proposal, ProposalParticipant, fields=["name", "role"], extra=1, can_delete=True, formset=RowFormSet
        ),
        "participants",
    ),
}


# The parts of a proposal besides its fields, by the keys the rows, the submission check and the revision
# comparison use.
SECTIONS = {
    "roles": _("Division of roles"),
    "schedule": _("Schedule"),
    "indicators": _("Indicators"),
    "income": _("Income"),
    "expense": _("Expenses"),
    "budget": _("Budget plan"),
    "participants": _("Other organisations taking part"),
    "attachments": _("Attachments"),
}


def proposal_formsets(data=None, *, instance: Proposal) -> dict[str, BaseInlineFormSet]:
    return {key: formset(data, instance=instance, prefix=prefix) for key, (formset, prefix) in PROPOSAL_ROWS.items()}


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File to attach"),
        required=False,
        help_text=_("PDF, images (JPEG, PNG) or Office files, 10 MB at most each."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    document = forms.ModelChoiceField(
        label=_("Which document it is"),
        queryset=CallDocument.objects.none(),
        required=False,
        empty_label=_("Other material"),
    )

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = call.documents.all()
        style_form(self)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you withdraw the proposal"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("The office reads this; it is not published."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class StartProposalForm(forms.Form):
    partner = forms.ModelChoiceField(label=_("Organisation that proposes"), queryset=None, empty_label=None)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = organisations
        style_form(self)
