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
