"""Forms of the evaluation pages: a side's evaluation, the joint summary, and the comments of moves."""

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluations.models import EvaluationRound, PrincipleRating
from evaluations.services import Gap
from evaluations.workflow import SCORE_LABELS, SCORE_MAX, SCORE_MIN, NextStep, Side
from kyodo_portal.forms import style_form

SCORE_CHOICES = [("", _("Not scored yet"))] + [(str(n), SCORE_LABELS[n]) for n in range(SCORE_MAX, SCORE_MIN - 1, -1)]
# Ten trillion yen: far beyond any project, well inside the database's integer.
MAX_AMOUNT = 10**13


def score_field(label, help_text="") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=SCORE_CHOICES, coerce=int, empty_value=None, required=False, help_text=help_text
    )


def text_field(label, rows: int = 3, help_text="", required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
    )


class SideForm(forms.Form):
    """One side's evaluation: outcomes, cost, the principles one by one, and a word on the year.

    Every score may be left empty in a draft; submitting asks for all of them (services.side_problems).
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    cost_amount = forms.IntegerField(
        label=_("Cost in the fiscal year (yen)"),
        required=False,
        min_value=0,
        max_value=MAX_AMOUNT,
        help_text=_("What the city spent on the project in the year; the cost per participant is computed from it."),
    )
    achievement_score = score_field(
        _("Achievement of the planned outcomes"),
        _("Compare the planned and actual figures above: were the aims of the year reached?"),
    )
    achievement_comment = text_field(_("Comment on the outcomes"))
    cost_score = score_field(
        _("Cost-effectiveness"), _("Were the results worth what was spent (see the cost per unit above)?")
    )
    cost_comment = text_field(_("Comment on the cost"))
    overall_comment = text_field(_("How the year went: what went well, what did not, what we learnt"), rows=5)

    def __init__(self, *args, side: str, ratings: list[PrincipleRating], **kwargs):
        super().__init__(*args, **kwargs)
        self.ratings = ratings
        if side != Side.CITY:
            del self.fields["cost_amount"]
        for rating in ratings:
            principle = rating.principle
            self.fields[f"score_{principle.pk}"] = score_field(
                _("Score for “%(principle)s”") % {"principle": principle.name}, principle.description
            )
            self.fields[f"comment_{principle.pk}"] = text_field(
                _("Comment on “%(principle)s”") % {"principle": principle.name}, rows=2
            )
        style_form(self)

    def principle_rows(self):
        return [
            (rating.principle, self[f"score_{rating.principle_id}"], self[f"comment_{rating.principle_id}"])
            for rating in self.ratings
        ]

    def data_for_service(self) -> dict:
        return {
            name: self.cleaned_data.get(name) for name in self.fields if not name.startswith(("score_", "comment_"))
        }

    def principle_ratings(self) -> dict[int, tuple[int | None, str]]:
        return {
            rating.principle_id: (
                self.cleaned_data.get(f"score_{rating.principle_id}"),
                self.cleaned_data.get(f"comment_{rating.principle_id}", ""),
            )
            for rating in self.ratings
        }


def side_initial(side, ratings: list[PrincipleRating], cost_amount: int | None) -> dict:
    data = {
        "version": side.version,
        "cost_amount": cost_amount,
        "achievement_score": side.achievement_score,
        "achievement_comment": side.achievement_comment,
        "cost_score": side.cost_score,
        "cost_comment": side.cost_comment,
        "overall_comment": side.overall_comment,
    }
    for rating in ratings:
        data[f"score_{rating.principle_id}"] = rating.score
        data[f"comment_{rating.principle_id}"] = rating.comment
    return data


class SummaryForm(forms.ModelForm):
    """The joint summary: what was achieved and what remains, a word on each difference, the next step."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    independence_year = forms.IntegerField(
        label=EvaluationRound._meta.get_field("independence_year").verbose_name,
        help_text=EvaluationRound._meta.get_field("independence_year").help_text,
        required=False,
        min_value=1950,
        max_value=2100,
    )

    class Meta:
        model = EvaluationRound
        fields = ["summary", "next_step", "next_step_reasons", "independence_year", "cost_share_change"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 6}),
            "next_step_reasons": forms.Textarea(attrs={"rows": 3}),
            "cost_share_change": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "next_step": _("Hand over: the activity becomes a business, a city programme or a rule (事業化・制度化)."),
            "cost_share_change": _("For a project that goes on: who pays what next year and after."),
        }

    def __init__(self, *args, gaps: list[Gap], **kwargs):
        super().__init__(*args, **kwargs)
        self.gaps = gaps
        self.fields["next_step"].choices = [("", _("Not chosen yet")), *NextStep.choices]
        self.fields["next_step"].required = False
        for gap in gaps:
            self.fields[f"gap_{gap.principle.pk}"] = text_field(
                _("On “%(principle)s” (partner %(partner)s, city %(city)s)")
                % {"principle": gap.principle.name, "partner": gap.partner_score, "city": gap.city_score},
                rows=2,
            )
        style_form(self)

    def gap_rows(self):
        return [(gap, self[f"gap_{gap.principle.pk}"]) for gap in self.gaps]

    def data_for_service(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}

    def gap_notes(self) -> dict[int, str]:
        return {gap.principle.pk: self.cleaned_data.get(f"gap_{gap.principle.pk}", "") for gap in self.gaps}


def summary_initial(round: EvaluationRound, gap_notes: dict[int, str]) -> dict:
    return {"version": round.summary_version, **{f"gap_{pk}": note for pk, note in gap_notes.items()}}


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Reason"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["comment"].label = label
        style_form(self)
