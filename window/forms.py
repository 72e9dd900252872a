"""Forms of the window: the proposal, and each move's comment (the rules are the services')."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kyodo_portal.forms import IdMultipleChoiceField, StyledForm, style_form
from partners.models import ActivityField, Department, Ward
from proposals.files import ACCEPT
from window.models import WindowProposal
from window.services import MAX_COMMENT
from window.workflow import Kind, Status


def department_label(department: Department) -> str:
    if department.parent_id:
        return f"{department.parent.name} {department.name}"
    return department.name


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return department_label(obj)


class DepartmentMultipleChoiceField(IdMultipleChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return department_label(obj)


class StartForm(forms.Form):
    partner = forms.ModelChoiceField(label=_("Organisation that proposes"), queryset=None, empty_label=None)
    kind = forms.ChoiceField(
        label=_("What it is"), choices=Kind.choices, initial=Kind.PROPOSAL, widget=forms.RadioSelect
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = organisations
        style_form(self)


class WindowProposalForm(forms.ModelForm):
    wards = IdMultipleChoiceField(
        label=_("Wards it touches"),
        queryset=Ward.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    activity_fields = IdMultipleChoiceField(
        label=_("Fields it touches"),
        queryset=ActivityField.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WindowProposal
        fields = [
            "kind",
            "title",
            "problem",
            "offer",
            "ask",
            "citywide",
            "wards",
            "activity_fields",
            "prior_contact",
            "contact_name",
            "contact_phone",
            "public_consent",
        ]
        widgets = {
            "kind": forms.RadioSelect,
            "problem": forms.Textarea(attrs={"rows": 6}),
            "offer": forms.Textarea(attrs={"rows": 5}),
            "ask": forms.Textarea(attrs={"rows": 5}),
            "prior_contact": forms.Textarea(attrs={"rows": 3}),
            "contact_phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "contact_name": forms.TextInput(attrs={"autocomplete": "name"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wards"].queryset = Ward.objects.filter(municipality_id=self.instance.window.municipality_id)
        for name in ("problem", "offer", "ask", "prior_contact"):
            self.fields[name].max_length = 8000
            self.fields[name].widget.attrs["maxlength"] = 8000
        style_form(self)


class AttachmentForm(StyledForm):
    file = forms.FileField(
        label=_("File to attach"),
        required=False,
        help_text=_("PDF, images (JPEG, PNG) or Office files, 10 MB at most each."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )


def _comment(label, help_text="", required=True) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class WithdrawForm(StyledForm):
    comment = _comment(_("Why you withdraw the proposal"), _("The window and the departments read this."))


class AcknowledgeForm(StyledForm):
    comment = _comment(
        _("A word to the proposer (optional)"),
        _("For example who at the window looks after it, or when they will hear next."),
        required=False,
    )


class RouteForm(forms.Form):
    departments = DepartmentMultipleChoiceField(
        label=_("Departments to answer it (所管部署)"),
        queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each department chosen owns the proposal and answers it by its deadline."),
    )
    comment = _comment(
        _("Note for the departments"),
        _("Why them and what to look at. The proposer sees which departments, not this note."),
    )

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = departments
        style_form(self)


class AnswerForm(forms.Form):
    """The department's answer: accept, decline or ask; the comment is what the proposer reads."""

    CHOICES = [
        ("accept", _("Accept: the department takes it forward")),
        ("decline", _("Decline, with the reasons")),
        ("ask_info", _("Ask the proposer for more information")),
    ]
    answer = forms.ChoiceField(label=_("Your answer"), choices=CHOICES, widget=forms.RadioSelect)

    comment = _comment(
        _("What you tell the proposer"),
        _(
            "How you take it forward, why you decline, or your question. With the proposer's consent the "
            "answer (not a question) is published."
        ),
    )

    def __init__(self, *args, waiting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if waiting:
            # A question is already out: the department may still accept or decline (no answer came).
            self.fields["answer"].choices = [choice for choice in self.CHOICES if choice[0] != "ask_info"]
        style_form(self)


class PassOnForm(forms.Form):
    department = DepartmentChoiceField(
        label=_("Department to pass it on to"), queryset=Department.objects.none(), empty_label=_("Choose …")
    )
    comment = _comment(_("Note for that department"), _("Why them. Their deadline starts anew."))

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        style_form(self)


class RecallForm(StyledForm):
    comment = _comment(
        _("Why the window takes it back"),
        _(
            "For example: nobody in the department can answer it, or it is the wrong department. The department "
            "is told; route the proposal again afterwards."
        ),
    )


class ReplyForm(StyledForm):
    comment = _comment(_("Your answer to the department"))


class FollowUpForm(forms.Form):
    project = forms.ModelChoiceField(label=_("Project it became"), queryset=None, required=False)
    call = forms.ModelChoiceField(label=_("Call it became"), queryset=None, required=False)
    comment = _comment(_("What became of it"), required=False)

    def __init__(self, *args, projects, calls, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects
        self.fields["call"].queryset = calls
        style_form(self)


class WithholdForm(StyledForm):
    withheld = forms.BooleanField(label=_("Withhold from the public page"), required=False)
    comment = _comment(
        _("Why (for the record)"), _("For example personal data or a third party named in the text."), required=False
    )


class PublicFilterForm(forms.Form):
    q = forms.CharField(label=_("Keyword"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *[(s.value, s.label) for s in (Status.ACKNOWLEDGED, Status.ROUTED, Status.ANSWERED)]],
    )
    fiscal_year = forms.TypedChoiceField(label=_("Fiscal year received"), required=False, coerce=int, choices=())
    ward = forms.ModelChoiceField(label=_("Ward"), required=False, queryset=Ward.objects.all(), empty_label=_("All"))
    field = forms.ModelChoiceField(
        label=_("Field"), required=False, queryset=ActivityField.objects.filter(is_active=True), empty_label=_("All")
    )

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].choices = [("", _("All")), *[(year, str(year)) for year in years]]
        style_form(self)


class QueueFilterForm(StyledForm):
    q = forms.CharField(label=_("Keyword"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *[c for c in Status.choices if c[0] != "draft"]]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class ReferralFilterForm(StyledForm):
    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("active", _("To answer")), ("done", _("Answered or passed on")), ("all", _("All"))],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
