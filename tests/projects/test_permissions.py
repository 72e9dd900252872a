"""Who may see and do what with projects: a matrix of roles × actions, each outcome with its effect on the data.

Each action is one test; it runs for every role (each in a savepoint that is rolled back, so roles do not
see each other's changes) and compares the whole row, so a failure shows every role's outcome at once.
"""

import io
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.shortcuts import resolve_url
from django.urls import reverse
from PIL import Image

from projects import services
from projects.models import Project, ProjectAttachment, ProjectPhoto
from tests.factories import PartnerFactory, ProjectFactory, StaffFactory
from tests.projects.helpers import edit_project_data, new_project_data

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

ROLES = (
    "anonymous",
    "citizen",
    "nakahara_officer",  # works for 中原区役所 and so for its sections
    "kankyo_officer",  # works for 環境局 (a bureau) and so for its sections
    "staff_without_assignment",  # may log in to the admin site; no project permission, no department
    "project_admin",  # staff with the change_project permission
    "superuser",
)

# What each role observes:
#   ok     200, nothing changed               done     302 to the edit page, the change made
#   login  302 to the login page              refused  200 with a form error, nothing saved
#   403    forbidden, nothing changed         404      not found, nothing changed
# fmt: off
MATRIX = {
    #                                anonymous  citizen    nakahara   kankyo     staff      proj_admin superuser
    "view_public_list":             ("ok",      "ok",      "ok",      "ok",      "ok",      "ok",      "ok"),
    "view_draft_detail":            ("404",     "404",     "ok",      "404",     "404",     "ok",      "ok"),
    "manage_list":                  ("login",   "403",     "ok",      "ok",      "403",     "ok",      "ok"),
    "create_get":                   ("login",   "403",     "ok",      "ok",      "403",     "ok",      "ok"),
    "create_inside_scope":          ("login",   "403",     "done",    "done",    "403",     "done",    "done"),
    "create_outside_scope":         ("login",   "403",     "refused", "refused", "403",     "done",    "done"),
    "edit_get_own":                 ("login",   "403",     "ok",      "403",     "403",     "ok",      "ok"),
    "edit_get_section":             ("login",   "403",     "ok",      "403",     "403",     "ok",      "ok"),
    "edit_get_other_ward":          ("login",   "403",     "403",     "403",     "403",     "ok",      "ok"),
    "edit_post_own":                ("login",   "403",     "done",    "403",     "403",     "done",    "done"),
    "edit_post_section":            ("login",   "403",     "done",    "403",     "403",     "done",    "done"),
    "edit_post_other_ward":         ("login",   "403",     "403",     "403",     "403",     "done",    "done"),
    "edit_post_bureau_section":     ("login",   "403",     "403",     "done",    "403",     "done",    "done"),
    "edit_post_without_department": ("login",   "403",     "403",     "403",     "403",     "done",    "done"),
    "publish":                      ("login",   "403",     "done",    "403",     "403",     "done",    "done"),
    "unpublish":                    ("login",   "403",     "done",    "403",     "403",     "done",    "done"),
    "photo_add":                    ("login",   "403",     "done",    "403",     "403",     "done",    "done"),
    "photo_delete":                 ("login",   "403",     "done",    "403",     "403",     "done",    "done"),
    "attachment_add":               ("login",   "403",     "done",    "403",     "403",     "done",    "done"),
    "attachment_delete":            ("login",   "403",     "done",    "403",     "403",     "done",    "done"),
    "history":                      ("login",   "403",     "ok",      "403",     "403",     "ok",      "ok"),
}
# fmt: on


@dataclass
class Scene:
    own: Project  # a draft of 中原区役所 itself, with a party
    section: Project  # a draft of 中原区役所 生涯学習支援課
    other_ward: Project  # a draft of 宮前区役所 生涯学習支援課
    bureau_section: Project  # a draft of 環境局 減量推進課
    without_department: Project  # published collaboration without the city (民民連携)
    published: Project  # a published project of 中原区役所
    departments: dict


@pytest.fixture
def project_admin(db):
    user = StaffFactory(display_name="事業管理者")
    user.user_permissions.add(Permission.objects.get(codename="change_project", content_type__app_label="projects"))
    return user


@pytest.fixture
def users(project_admin, nakahara_officer, kankyo_officer, staff_without_assignment, citizen, admin_user):
    return {
        "anonymous": None,
        "citizen": citizen,
        "nakahara_officer": nakahara_officer,
        "kankyo_officer": kankyo_officer,
        "staff_without_assignment": staff_without_assignment,
        "project_admin": project_admin,
        "superuser": admin_user,
    }


@pytest.fixture
def scene(kawasaki, schemes, departments, admin_user) -> Scene:
    partner = PartnerFactory(name="中原まちづくりの会", municipality=kawasaki)

    def project(title, department, **values):
        return ProjectFactory(
            title=title,
            municipality=kawasaki,
            scheme=schemes["kyodo_gata"],
            responsible_department=department,
            parties=[(partner, "企画")],
            **{"is_published": False, **values},
        )

    scene = Scene(
        own=project("中原区役所の下書き", departments["中原区役所"]),
        section=project("生涯学習支援課の下書き", departments["中原区役所 生涯学習支援課"]),
        other_ward=project("宮前区の下書き", departments["宮前区役所 生涯学習支援課"]),
        bureau_section=project("減量推進課の下書き", departments["環境局 減量推進課"]),
        without_department=project("市民どうしの連携", None, is_published=True),
        published=project("中原区役所の公開事業", departments["中原区役所"], is_published=True),
        departments=departments,
    )
    services.project_photo_add(project=scene.own, upload=_png(), alt_text="既存の写真", caption="", user=admin_user)
    services.project_attachment_add(
        project=scene.own, upload=SimpleUploadedFile("既存.pdf", PDF), title="既存の資料", user=admin_user
    )
    return scene


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), color=(0, 128, 0)).save(buffer, format="PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def _login_url() -> str:
    return resolve_url(settings.LOGIN_URL)


# The actions: each returns the response and whether the data changed as the action intends.


def _get(url):
    return lambda client, scene, role: (client.get(url(scene)), False)


def _create(inside: bool):
    def act(client, scene, role):
        scope = {
            "nakahara_officer": ("中原区役所 生涯学習支援課", "宮前区役所 生涯学習支援課"),
            "kankyo_officer": ("環境局 減量推進課", "中原区役所"),
        }.get(role, ("中原区役所 生涯学習支援課", "宮前区役所 生涯学習支援課"))
        department = scene.departments[scope[0] if inside else scope[1]]
        data = new_project_data(
            municipality=department.municipality,
            scheme=scene.own.scheme,
            responsible_department=department,
            title="新しい事業",
        )
        before = Project.objects.count()
        response = client.post(reverse("projects:manage_create"), data)
        created = Project.objects.filter(title="新しい事業", responsible_department=department)
        changed = Project.objects.count() == before + 1 and created.exists()
        if changed and response.status_code == 302:
            assert response["Location"] == reverse("projects:manage_edit", kwargs={"pk": created.get().pk})
        return response, changed

    return act


def _edit(project_name: str):
    def act(client, scene, role):
        project = getattr(scene, project_name)
        data = edit_project_data(project, title=f"{project.title}（改）")
        response = client.post(reverse("projects:manage_edit", kwargs={"pk": project.pk}), data)
        project.refresh_from_db()
        return response, project.title.endswith("（改）")

    return act


def _publish(client, scene, role):
    response = client.post(reverse("projects:manage_publish", kwargs={"pk": scene.own.pk}))
    scene.own.refresh_from_db()
    return response, scene.own.is_published


def _unpublish(client, scene, role):
    response = client.post(reverse("projects:manage_unpublish", kwargs={"pk": scene.published.pk}))
    scene.published.refresh_from_db()
    return response, not scene.published.is_published


def _photo_add(client, scene, role):
    url = reverse("projects:manage_photo_add", kwargs={"pk": scene.own.pk})
    response = client.post(url, {"image": _png(), "alt_text": "新しい写真", "caption": ""})
    return response, ProjectPhoto.objects.filter(project=scene.own).count() == 2


def _photo_delete(client, scene, role):
    photo = scene.own.photos.get()
    url = reverse("projects:manage_photo_delete", kwargs={"pk": scene.own.pk, "photo_pk": photo.pk})
    response = client.post(url)
    return response, not ProjectPhoto.objects.filter(pk=photo.pk).exists()


def _attachment_add(client, scene, role):
    url = reverse("projects:manage_attachment_add", kwargs={"pk": scene.own.pk})
    response = client.post(url, {"file": SimpleUploadedFile("報告.pdf", PDF), "title": "報告書"})
    return response, ProjectAttachment.objects.filter(project=scene.own).count() == 2


def _attachment_delete(client, scene, role):
    attachment = scene.own.attachments.get()
    url = reverse("projects:manage_attachment_delete", kwargs={"pk": scene.own.pk, "attachment_pk": attachment.pk})
    response = client.post(url)
    return response, not ProjectAttachment.objects.filter(pk=attachment.pk).exists()


def _edit_url(name):
    return lambda scene: reverse("projects:manage_edit", kwargs={"pk": getattr(scene, name).pk})


ACTIONS = {
    "view_public_list": _get(lambda scene: reverse("projects:list")),
    "view_draft_detail": _get(lambda scene: scene.own.get_absolute_url()),
    "manage_list": _get(lambda scene: reverse("projects:manage")),
    "create_get": _get(lambda scene: reverse("projects:manage_create")),
    "create_inside_scope": _create(inside=True),
    "create_outside_scope": _create(inside=False),
    "edit_get_own": _get(_edit_url("own")),
    "edit_get_section": _get(_edit_url("section")),
    "edit_get_other_ward": _get(_edit_url("other_ward")),
    "edit_post_own": _edit("own"),
    "edit_post_section": _edit("section"),
    "edit_post_other_ward": _edit("other_ward"),
    "edit_post_bureau_section": _edit("bureau_section"),
    "edit_post_without_department": _edit("without_department"),
    "publish": _publish,
    "unpublish": _unpublish,
    "photo_add": _photo_add,
    "photo_delete": _photo_delete,
    "attachment_add": _attachment_add,
    "attachment_delete": _attachment_delete,
    "history": _get(lambda scene: reverse("projects:manage_history", kwargs={"pk": scene.own.pk})),
}


def _observed(response, changed: bool) -> str:
    status = response.status_code
    if status == 302 and response["Location"].startswith(_login_url()):
        outcome = "login"
    elif status == 302 and response["Location"].startswith("/projects/manage/"):
        outcome = "done"
    elif status == 200 and response.context is not None and _has_form_errors(response.context):
        outcome = "refused"
    else:
        outcome = {200: "ok", 403: "403", 404: "404"}.get(status, f"status {status}")
    # "done" must change the data; nothing else may.
    if (outcome == "done") != changed:
        return f"{outcome} ({'changed' if changed else 'unchanged'})"
    return outcome


def _has_form_errors(context) -> bool:
    form = context.get("form")
    return bool(form is not None and getattr(form, "is_bound", False) and form.errors)


def test_the_matrix_covers_every_action():
    assert set(MATRIX) == set(ACTIONS)
    assert all(len(row) == len(ROLES) for row in MATRIX.values())


@pytest.mark.parametrize("action", list(MATRIX))
def test_permission_matrix(client_for, scene, users, action):
    observed = []
    for role in ROLES:
        with transaction.atomic():
            client = client_for(users[role])
            response, changed = ACTIONS[action](client, scene, role)
            observed.append(_observed(response, changed))
            transaction.set_rollback(True)  # the next role finds the data as it was
        for project in (scene.own, scene.published):
            project.refresh_from_db()

    assert dict(zip(ROLES, observed, strict=True)) == dict(zip(ROLES, MATRIX[action], strict=True))


# Scope, in detail ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("nakahara_officer", {"own", "section", "published"}),
        ("kankyo_officer", {"bureau_section"}),
        ("project_admin", {"own", "section", "other_ward", "bureau_section", "without_department", "published"}),
        ("superuser", {"own", "section", "other_ward", "bureau_section", "without_department", "published"}),
    ],
)
def test_the_manage_list_shows_the_projects_of_ones_departments(client_for, scene, users, role, expected):
    response = client_for(users[role]).get(reverse("projects:manage"))

    assert response.status_code == 200
    assert {project.pk for project in response.context["page"].paginator.object_list} == {
        getattr(scene, name).pk for name in expected
    }
    html = response.content.decode()
    for name in ("own", "section", "other_ward", "bureau_section", "without_department", "published"):
        assert (getattr(scene, name).title in html) is (name in expected)


def test_a_department_outside_the_officers_scope_is_a_form_error(client_for, scene, nakahara_officer, departments):
    data = new_project_data(
        municipality=scene.own.municipality,
        scheme=scene.own.scheme,
        responsible_department=departments["宮前区役所 生涯学習支援課"],
    )

    response = client_for(nakahara_officer).post(reverse("projects:manage_create"), data)

    assert response.status_code == 200
    assert [error.code for error in response.context["form"].errors.as_data()["responsible_department"]] == [
        "invalid_choice"
    ]
    assert not Project.objects.filter(title=data["title"]).exists()


def test_an_officer_chooses_among_the_departments_of_their_work(client_for, scene, nakahara_officer, departments):
    form = client_for(nakahara_officer).get(reverse("projects:manage_create")).context["form"]

    choices = set(form.fields["responsible_department"].queryset)
    assert choices == {departments["中原区役所"], departments["中原区役所 生涯学習支援課"]}
    assert form.fields["responsible_department"].required  # an officer's project always has a department
    assert set(form.fields["municipality"].queryset) == {scene.own.municipality}


def test_an_officer_may_not_move_a_project_out_of_their_scope(client_for, scene, nakahara_officer, departments):
    data = edit_project_data(scene.own, responsible_department=str(departments["宮前区役所 生涯学習支援課"].pk))

    response = client_for(nakahara_officer).post(reverse("projects:manage_edit", kwargs={"pk": scene.own.pk}), data)

    assert response.status_code == 200
    assert "responsible_department" in response.context["form"].errors
    scene.own.refresh_from_db()
    assert scene.own.responsible_department == departments["中原区役所"]


def test_an_officer_may_not_empty_the_responsible_department(client_for, scene, nakahara_officer):
    """Without a department, the project would leave the officer's hands (and only administrators see it)."""
    data = edit_project_data(scene.section, responsible_department="")

    response = client_for(nakahara_officer).post(reverse("projects:manage_edit", kwargs={"pk": scene.section.pk}), data)

    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["responsible_department"]] == ["required"]


def test_a_bureau_officer_covers_three_levels(client_for, kawasaki, schemes, departments, officer_of):
    """局 → 部 → 課: an officer of 市民・こども局 keeps the projects of 市民活動推進課 under 市民生活部."""
    section = departments["市民生活部 市民活動推進課"]
    project = ProjectFactory(
        municipality=kawasaki, scheme=schemes["kyodo_gata"], responsible_department=section, is_published=False
    )
    bureau_officer = officer_of(departments["市民・こども局"])
    division_officer = officer_of(departments["市民・こども局 市民生活部"])

    for officer in (bureau_officer, division_officer):
        response = client_for(officer).get(reverse("projects:manage_edit", kwargs={"pk": project.pk}))
        assert response.status_code == 200
    assert client_for(bureau_officer).get(project.get_absolute_url()).status_code == 200


def test_an_inactive_officer_is_not_city_staff(client_for, scene, nakahara_officer):
    nakahara_officer.is_active = False
    nakahara_officer.save()

    response = client_for(nakahara_officer).get(reverse("projects:manage"))

    assert response.status_code in (302, 403)


# Anonymous visitors and methods --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        lambda scene: reverse("projects:manage"),
        lambda scene: reverse("projects:manage_create"),
        lambda scene: reverse("projects:manage_edit", kwargs={"pk": scene.own.pk}),
        lambda scene: reverse("projects:manage_history", kwargs={"pk": scene.own.pk}),
    ],
)
def test_login_required_pages_send_anonymous_visitors_to_log_in(client, scene, url):
    path = url(scene)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{_login_url()}?next={quote(path)}"


@pytest.mark.parametrize("name", ["manage_publish", "manage_unpublish", "manage_photo_add", "manage_attachment_add"])
def test_the_actions_accept_only_post(client_for, scene, nakahara_officer, name):
    response = client_for(nakahara_officer).get(reverse(f"projects:{name}", kwargs={"pk": scene.own.pk}))

    assert response.status_code == 405


def test_a_photo_of_another_project_cannot_be_deleted_through_ones_own(client_for, scene, nakahara_officer, admin_user):
    foreign = services.project_photo_add(
        project=scene.other_ward, upload=_png(), alt_text="宮前の写真", caption="", user=admin_user
    )
    url = reverse("projects:manage_photo_delete", kwargs={"pk": scene.own.pk, "photo_pk": foreign.pk})

    response = client_for(nakahara_officer).post(url)

    assert response.status_code == 404
    assert ProjectPhoto.objects.filter(pk=foreign.pk).exists()


def test_an_attachment_of_another_project_cannot_be_deleted_through_ones_own(
    client_for, scene, nakahara_officer, admin_user
):
    foreign = services.project_attachment_add(
        project=scene.other_ward, upload=SimpleUploadedFile("a.pdf", PDF), title="宮前の資料", user=admin_user
    )
    url = reverse("projects:manage_attachment_delete", kwargs={"pk": scene.own.pk, "attachment_pk": foreign.pk})

    response = client_for(nakahara_officer).post(url)

    assert response.status_code == 404
    assert ProjectAttachment.objects.filter(pk=foreign.pk).exists()


def test_an_officer_of_two_departments_keeps_the_projects_of_both(client_for, scene, departments, officer_of):
    from tests.factories import StaffAssignmentFactory

    officer = officer_of(departments["宮前区役所"])
    StaffAssignmentFactory(user=officer, department=departments["環境局"])

    response = client_for(officer).get(reverse("projects:manage"))

    assert {p.pk for p in response.context["page"].paginator.object_list} == {
        scene.other_ward.pk,
        scene.bureau_section.pk,
    }


def test_a_department_of_another_municipality_is_refused(client_for, scene, admin_user, reference_data):
    from partners.models import Municipality
    from tests.factories import DepartmentFactory

    higashikurume = Municipality.objects.get(code="132225")
    foreign = DepartmentFactory(municipality=higashikurume, name="協働推進課")
    data = new_project_data(
        municipality=scene.own.municipality, scheme=scene.own.scheme, responsible_department=foreign, title="越境"
    )

    response = client_for(admin_user).post(reverse("projects:manage_create"), data)

    assert response.status_code == 200
    assert "responsible_department" in response.context["form"].errors
    assert not Project.objects.filter(title="越境").exists()
