"""Form helpers shared by the apps' pages."""

from django import forms


def style_form(form: forms.BaseForm) -> None:
    """Bootstrap classes on a form's widgets, and for a field with an error the ARIA link to its message
    (and to its hint, which Django would otherwise link on its own)."""
    for name, form_field in form.fields.items():
        widget = form_field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select | forms.SelectMultiple) and not isinstance(
            widget, forms.CheckboxSelectMultiple
        ):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.CheckboxSelectMultiple | forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control")
        if form.is_bound and form.errors.get(name):
            mark_invalid(form, name)


def mark_invalid(form: forms.BaseForm, name: str) -> None:
    """Say that a field is wanting, and where its message is (`<id>-error`, shown next to the field)."""
    auto_id = form[name].auto_id
    described_by = f"{auto_id}-error {auto_id}_helptext" if form.fields[name].help_text else f"{auto_id}-error"
    form.fields[name].widget.attrs.update({"aria-invalid": "true", "aria-describedby": described_by})


class StyledForm(forms.Form):
    """A form with the portal's styling. A form that adds fields in its own __init__ styles itself
    once they are there (styling a bound form validates it)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


# The databases' integer primary keys are signed 64-bit.
MAX_ID = 2**63 - 1


def id_from_form(value) -> int:
    """A database id from a form, or ValueError (also for numbers beyond the database's integer range)."""
    number = int(value or "")
    if not 1 <= number <= MAX_ID:
        raise ValueError(value)
    return number


def edit_version_from(data) -> int:
    """The version of a draft the page was made from (sent back with the form); -1 when it is missing or
    not a number, which never matches a saved version, so the save is refused as a conflict."""
    try:
        return int(data.get("edit_version", ""))
    except (TypeError, ValueError):
        return -1


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Choices by id: an id beyond the database's integer range is an invalid choice, not a failing query."""

    def _check_values(self, value):
        for pk in value or ():
            try:
                number = int(str(pk))
            except ValueError:
                continue  # not a number: Django's own check says so
            if not -MAX_ID <= number <= MAX_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)
