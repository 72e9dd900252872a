"""Forms of the external evaluation (外部評価): a new cycle, a member by e-mail, a comment, an unpublication."""

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluations.external import COMMENT_MAX_LENGTH, FISCAL_YEAR_MAX, FISCAL_YEAR_MIN, check_years
from kyodo_portal.forms import StyledForm, style_form


def fiscal_year_field(label) -> forms.IntegerField:
    """A fiscal year as its Western year; out of range (a number of any size included) is a message, not a query."""
    return forms.IntegerField(
        label=label,
        min_value=FISCAL_YEAR_MIN,
        max_value=FISCAL_YEAR_MAX,
        help_text=_("The Western year in which the fiscal year begins, e.g. 2024 for 令和6年度."),
        error_messages={
            "required": _("Give the fiscal year."),
            "invalid": _("Enter the fiscal year as a number, e.g. 2024."),
            "min_value": _("Enter a fiscal year between 1950 and 2100."),
            "max_value": _("Enter a fiscal year between 1950 and 2100."),
        },
        widget=forms.NumberInput(attrs={"min": FISCAL_YEAR_MIN, "max": FISCAL_YEAR_MAX, "inputmode": "numeric"}),
    )


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.display_name


class CycleCreateForm(forms.Form):
    department = DepartmentChoiceField(
        label=_("Department in charge"),
        queryset=None,
        empty_label=None,
        error_messages={
            "required": _("Choose the department that runs the external evaluation."),
            "invalid_choice": _("Choose one of the departments you serve."),
        },
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("e.g. External evaluation of the collaboration projects of Nakahara ward, FY2024–2025"),
        error_messages={"required": _("Give the external evaluation a title.")},
    )
    fiscal_year_start = fiscal_year_field(_("First fiscal year"))
    fiscal_year_end = fiscal_year_field(_("Last fiscal year"))

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        style_form(self)

    def clean(self):
        data = super().clean()
        start, end = data.get("fiscal_year_start"), data.get("fiscal_year_end")
        if start is not None and end is not None:
            for name, message in check_years(start, end).items():
                self.add_error(name, message)
        return data


class MemberAddForm(StyledForm):
    email = forms.EmailField(
        label=_("External member's e-mail address"),
        help_text=_("The address of the member's portal account."),
        error_messages={
            "required": _("Give the e-mail address of the member's portal account."),
            "invalid": _("Enter an e-mail address such as name@example.jp."),
        },
    )


class CommentForm(StyledForm):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("What the project achieved, how the partners and the city worked together, what to improve."),
        error_messages={"required": _("Write your comment.")},
    )


class UnpublishForm(StyledForm):
    reason = forms.CharField(
        label=_("Why it is withdrawn from publication"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the history of the external evaluation. The members can then change their comments."),
        error_messages={"required": _("Say why the external evaluation is withdrawn from publication.")},
    )
