"""Forms of the staff side: the review queue's filters, screening, returns, reviewers, scores, decisions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kyodo_portal.forms import StyledForm, style_form
from kyodo_portal.text import normalize
from proposals.models import MAX_AMOUNT, SCORE_MAX, SCORE_MIN, CallCriterion, Decision
from proposals.workflow import Outcome, Status


def date_input() -> forms.DateInput:
    """The browser's date picker, with the value in the ISO form it reads."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class QueueFilterForm(StyledForm):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses"))] + [c for c in Status.choices if c[0] != Status.DRAFT],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    q = forms.CharField(label=_("Title, organisation or receipt number"), required=False, max_length=100)

    def clean_q(self) -> str:
        return normalize(self.cleaned_data["q"]).strip()


class ScreeningForm(forms.Form):
    """The checklist: one box per item; the officer confirms each."""

    note = forms.CharField(label=_("Note for the record"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, checklist=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.checklist = list(checklist)
        for item in self.checklist:
            self.fields[f"check_{item.key}"] = forms.BooleanField(label=item.label, required=False)
        self.order_fields([f"check_{item.key}" for item in self.checklist] + ["note"])
        style_form(self)

    def items(self):
        """Each checklist item with its box, in order."""
        return [(item, self[f"check_{item.key}"]) for item in self.checklist]

    def confirmed(self) -> set[str]:
        return {item.key for item in self.checklist if self.cleaned_data.get(f"check_{item.key}")}


class ReturnForm(StyledForm):
    comment = forms.CharField(
        label=_("What to change"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The applicant reads this in the portal and by e-mail."),
    )
    due = forms.DateField(label=_("Resubmit by"), widget=date_input())


class ApproveForm(StyledForm):
    comment = forms.CharField(
        label=_("Comment on the approval (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SendBackForm(StyledForm):
    comment = forms.CharField(label=_("Why it is sent back"), widget=forms.Textarea(attrs={"rows": 3}))


class ConfirmConditionsForm(StyledForm):
    comment = forms.CharField(label=_("How the conditions were met"), widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(StyledForm):
    body = forms.CharField(
        label=_("Internal note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seen by the call's staff only, never by the applicant."),
    )


class PresentationForm(StyledForm):
    held_on = forms.DateField(label=_("Held on"), required=False, widget=date_input())
    result = forms.CharField(label=_("Result"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.ModelForm):
    amount = forms.IntegerField(label=_("Amount granted (yen)"), required=False, min_value=0, max_value=MAX_AMOUNT)

    class Meta:
        model = Decision
        fields = ["outcome", "public_reasons", "conditions", "amount", "internal_note"]
        widgets = {
            "public_reasons": forms.Textarea(attrs={"rows": 4}),
            "conditions": forms.Textarea(attrs={"rows": 2}),
            "internal_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The proposed decision is checked by the service (reasons, conditions, cap) with the same messages.
        for name in ("public_reasons",):
            self.fields[name].required = False
        style_form(self)


class ReviewerAddForm(StyledForm):
    email = forms.EmailField(
        label=_("Reviewer's e-mail address"), help_text=_("The address of the reviewer's portal account.")
    )


class ReviewDueForm(StyledForm):
    review_due = forms.DateField(label=_("Reviews due"), required=False, widget=date_input())


SCORE_CHOICES = [("", _("Not scored"))] + [(str(n), str(n)) for n in range(SCORE_MIN, SCORE_MAX + 1)]


class ReviewForm(forms.Form):
    """A score and a comment per criterion of the call, a recommendation and an overall comment."""

    recommendation = forms.ChoiceField(
        label=_("Recommendation"), required=False, choices=[("", _("Not decided")), *Outcome.choices]
    )
    comment = forms.CharField(label=_("Overall comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, criteria: list[CallCriterion], **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"score_{criterion.pk}"] = forms.TypedChoiceField(
                label=_("%(criterion)s (weight %(weight)s)")
                % {"criterion": criterion.name, "weight": criterion.weight},
                choices=SCORE_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
                help_text=criterion.description,
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Comment on %(criterion)s") % {"criterion": criterion.name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.order_fields(
            [name for criterion in criteria for name in (f"score_{criterion.pk}", f"comment_{criterion.pk}")]
            + ["recommendation", "comment"]
        )
        style_form(self)

    def scores(self) -> dict[int, tuple[int | None, str]]:
        return {
            criterion.pk: (
                self.cleaned_data.get(f"score_{criterion.pk}"),
                self.cleaned_data.get(f"comment_{criterion.pk}", ""),
            )
            for criterion in self.criteria
        }

    def criterion_rows(self):
        return [
            (criterion, self[f"score_{criterion.pk}"], self[f"comment_{criterion.pk}"]) for criterion in self.criteria
        ]


class ConflictForm(StyledForm):
    note = forms.CharField(
        label=_("What is the conflict of interest?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: you advise the organisation, or a relative works there."),
    )


def initial_review_data(review, criteria) -> dict:
    if review is None:
        return {}
    data = {"recommendation": review.recommendation, "comment": review.comment}
    for score in review.scores.all():
        data[f"score_{score.criterion_id}"] = str(score.score)
        data[f"comment_{score.criterion_id}"] = score.comment
    return data
