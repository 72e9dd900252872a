"""The admin screens of projects and their reference data."""

import pytest
from django.urls import reverse

from kyodo_portal.search import apply_search
from projects.models import CollaborationForm, Project
from tests.factories import PartnerFactory, ProjectFactory
from tests.projects.helpers import form_values


def _admin_change_data(response) -> dict:
    """What the browser submits for an admin change page as rendered, inlines included."""
    data = form_values(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        data.update(form_values(inline.formset.management_form))
        for form in inline.formset.forms:
            data.update(form_values(form))
    return data


@pytest.mark.parametrize(
    "url",
    [
        lambda project: reverse("admin:projects_project_changelist"),
        lambda project: reverse("admin:projects_project_changelist") + "?q=里山",
        lambda project: reverse("admin:projects_project_change", args=[project.pk]),
        lambda project: reverse("admin:projects_project_history", args=[project.pk]),
        lambda project: reverse("admin:projects_collaborationform_changelist"),
        lambda project: reverse("admin:projects_scheme_changelist"),
        lambda project: reverse("admin:projects_agreement_changelist"),
    ],
)
def test_the_admin_pages_open(client_for, admin_user, kawasaki, url):
    project = ProjectFactory(title="里山の保全", municipality=kawasaki, parties=[PartnerFactory(municipality=kawasaki)])

    assert client_for(admin_user).get(url(project)).status_code == 200


def test_forms_of_collaboration_are_data_an_administrator_extends(client_for, admin_user, reference_data):
    response = client_for(admin_user).post(
        reverse("admin:projects_collaborationform_add"),
        {"code": "kyodo_kenkyu", "name": "共同研究", "name_en": "Joint research", "sort_order": "9"},
    )

    assert response.status_code == 302
    assert CollaborationForm.objects.filter(code="kyodo_kenkyu").exists()
    catalogue = client_for(None).get(reverse("projects:list"))
    assert "共同研究" in catalogue.content.decode()  # offered as a filter at once


def test_an_edit_in_the_admin_updates_the_search_text(client_for, admin_user, kawasaki):
    project = ProjectFactory(title="里山の保全", municipality=kawasaki, parties=[PartnerFactory(municipality=kawasaki)])
    client = client_for(admin_user)
    change_url = reverse("admin:projects_project_change", args=[project.pk])
    data = _admin_change_data(client.get(change_url))
    data["title"] = "ホタルの棲む水辺づくり"

    response = client.post(change_url, data)

    assert response.status_code == 302
    project.refresh_from_db()
    assert project.title == "ホタルの棲む水辺づくり"
    assert list(apply_search(Project.objects.all(), "ホタル")) == [project]
    assert project.sort_key.startswith("ほたる")
