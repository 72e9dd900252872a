"""Form input for the project pages: a new project's POST data, and an existing project's as its page shows it."""

import uuid

from django import forms

from projects.forms import IndicatorFormSet, PartyFormSet, ProjectForm
from projects.models import Project


def new_project_data(
    *,
    municipality,
    scheme,
    responsible_department=None,
    parties=(),
    indicators=(),
    creation_token: uuid.UUID | str | None = None,
    **fields,
) -> dict:
    """POST data of the "new project" page.

    `parties`: (partner as typed, role) or (partner, role, is_lead); `indicators`: dicts of indicator
    fields. Each formset gets one more empty row, as the page shows, which must be skipped.
    """
    data = {
        "title": "多摩川の森の清掃活動",
        "municipality": municipality.pk,
        "responsible_department": responsible_department.pk if responsible_department else "",
        "scheme": scheme.pk,
        "problem": "川辺にごみが多い。",
        "activities": "月に一度、市民と清掃した。",
        "status": Project.Status.RUNNING,
        "creation_token": str(creation_token or uuid.uuid4()),
    }
    data.update(fields)
    data.update(_rows("parties", [_party_row(party) for party in parties]))
    data.update(_rows("indicators", list(indicators)))
    return data


def _party_row(party: tuple) -> dict:
    partner, role, *lead = party
    row = {"partner": partner, "role": role}
    if lead and lead[0]:
        row["is_lead"] = "on"
    return row


def _rows(prefix: str, rows: list[dict]) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows) + 1),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for name, value in {"order": str(index + 1), **row}.items():
            data[f"{prefix}-{index}-{name}"] = value
    data[f"{prefix}-{len(rows)}-order"] = "0"  # the empty row as rendered: only its initial order
    return data


def form_values(form: forms.BaseForm) -> dict:
    """What a browser submits for an unbound form as rendered (checkboxes only when ticked)."""
    data = {}
    for name, field in form.fields.items():
        bound = form[name]
        value = bound.value()
        if isinstance(field.widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif value is None:
            data[bound.html_name] = ""
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        else:
            data[bound.html_name] = str(value)
    return data


def edit_project_data(project: Project, **changes) -> dict:
    """POST data of a project's edit page, unchanged but for `changes` (keys as named in the form)."""
    data = form_values(ProjectForm(instance=project))
    for formset in (
        PartyFormSet(instance=project, prefix="parties"),
        IndicatorFormSet(instance=project, prefix="indicators"),
    ):
        data.update(form_values(formset.management_form))
        for form in formset.forms:
            data.update(form_values(form))
    data.update(changes)
    return data


def bound_project_forms(data: dict, *, instance: Project | None = None, departments=None):
    """The project form and its two formsets bound to `data`, as the edit page binds them."""
    instance = instance or Project()
    return (
        ProjectForm(data, instance=instance, departments=departments),
        PartyFormSet(data, instance=instance, prefix="parties"),
        IndicatorFormSet(data, instance=instance, prefix="indicators"),
    )
