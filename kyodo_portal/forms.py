"""Form helpers shared by the apps' pages."""

from django import forms


def style_filter_form(form: forms.Form) -> None:
    """Bootstrap classes on a GET filter form, and the ARIA links from an invalid field to its message."""
    for name, form_field in form.fields.items():
        widget = form_field.widget
        if isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select"
        elif isinstance(widget, forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
        else:
            widget.attrs["class"] = "form-control"
        if form.errors.get(name):
            widget.attrs.update({"aria-invalid": "true", "aria-describedby": f"id_{name}-error"})


# The databases' integer primary keys are signed 64-bit.
MAX_ID = 2**63 - 1


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
