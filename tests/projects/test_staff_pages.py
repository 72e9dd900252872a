"""The staff pages: entering a project with its parties and indicators, editing it, its history and media."""

import io
import re
import uuid

import pytest
from django.contrib.messages import constants as message_levels
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from projects.models import Project, ProjectAttachment, ProjectParty, ProjectPhoto
from tests.factories import PartnerFactory
from tests.projects.helpers import form_values, new_project_data

CREATE_URL = reverse("projects:manage_create")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _edit_url(project) -> str:
    return reverse("projects:manage_edit", kwargs={"pk": project.pk})


def _page_data(response) -> dict:
    """What the browser submits for the edit page as it was rendered."""
    context = response.context
    data = form_values(context["form"])
    for formset in (context["parties"], context["indicators"]):
        data.update(form_values(formset.management_form))
        for form in formset.forms:
            data.update(form_values(form))
    data["creation_token"] = str(context["creation_token"])
    return data


def _field_errors(form, name) -> list[str]:
    return [error.code for error in form.errors.as_data().get(name, [])]


@pytest.fixture
def editor(nakahara_officer):
    return nakahara_officer


@pytest.fixture
def client(client_for, editor):
    return client_for(editor)


@pytest.fixture
def partners(kawasaki, partner_types):
    def make(name, type_code="civic_group"):
        return PartnerFactory(name=name, partner_type=partner_types[type_code], municipality=kawasaki)

    return {
        "npo": make("NPO法人かわさき森の会", "npo"),
        "university": make("多摩川大学", "university"),
        "company": make("株式会社ミライ", "company"),
        "association": make("小杉町内会", "neighbourhood_association"),
    }


@pytest.fixture
def project_data(kawasaki, schemes, departments, collaboration_forms, activity_fields, kawasaki_wards):
    def make(**overrides) -> dict:
        values = {
            "municipality": kawasaki,
            "scheme": schemes["kyodo_gata"],
            "responsible_department": departments["中原区役所 生涯学習支援課"],
            "forms": [collaboration_forms["itaku"].pk],
            "fields": [activity_fields["社会教育"].pk],
            "wards": [kawasaki_wards["中原区"].pk],
            "amount": "150000",
            "amount_label": "委託料",
            "fiscal_year_start": "2016",
        }
        values.update(overrides)
        return new_project_data(**values)

    return make


# Creating -----------------------------------------------------------------------------------------


def test_creating_a_project_with_parties_named_in_every_accepted_way(client, editor, project_data, partners):
    data = project_data(
        title="みやまえ文化魂",
        parties=[
            ("NPO法人かわさき森の会", "企画と運営", True),  # the exact name
            (str(partners["university"].pk), "講師の派遣"),  # the ID
            (f"株式会社ミライ (ID {partners['company'].pk})", "会場の提供"),  # as the page shows a saved party
            (f"  小杉町内会（ID {partners['association'].pk}）", "広報"),  # full-width brackets, stray spaces
        ],
        indicators=[
            {"name": "来場者数", "planned_value": "500", "actual_value": "612", "unit": "人"},
            {"name": "出展団体数", "planned_value": "20", "unit": "団体", "note": "見込み"},
        ],
    )

    response = client.post(CREATE_URL, data)

    project = Project.objects.get(title="みやまえ文化魂")
    assert response.status_code == 302
    assert response["Location"] == _edit_url(project)
    assert [(p.partner.name, p.role, p.is_lead) for p in project.parties.select_related("partner")] == [
        ("NPO法人かわさき森の会", "企画と運営", True),
        ("多摩川大学", "講師の派遣", False),
        ("株式会社ミライ", "会場の提供", False),
        ("小杉町内会", "広報", False),
    ]
    assert [(i.name, i.planned_value, i.actual_value, i.unit, i.note) for i in project.indicators.all()] == [
        ("来場者数", 500, 612, "人", ""),
        ("出展団体数", 20, None, "団体", "見込み"),
    ]
    assert not project.is_published
    (entry,) = project.history.all()
    assert entry.history_user == editor

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["project"] == project


def test_a_name_typed_in_other_widths_finds_the_partner(client, project_data, partners):
    data = project_data(title="幅の違い", parties=[("ＮＰＯ法人かわさき森の会", "企画")])

    response = client.post(CREATE_URL, data)

    assert response.status_code == 302
    assert Project.objects.get(title="幅の違い").parties.get().partner == partners["npo"]


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("どこにもない会", "not_found"),
        ("999999", "not_found"),
        ("NPO法人かわさき森の会 (ID 999999)", "not_found"),
        ("同名の会", "ambiguous"),
    ],
)
def test_an_unknown_or_ambiguous_party_is_a_field_error(client, project_data, partners, kawasaki, typed, code):
    PartnerFactory(name="同名の会", municipality=kawasaki)
    PartnerFactory(name="同名の会", municipality=kawasaki)
    data = project_data(title="名前の誤り", parties=[("多摩川大学", "講師"), (typed, "企画")])

    response = client.post(CREATE_URL, data)

    assert response.status_code == 200
    parties = response.context["parties"]
    assert _field_errors(parties.forms[0], "partner") == []
    assert _field_errors(parties.forms[1], "partner") == [code]
    assert not Project.objects.filter(title="名前の誤り").exists()
    (partner_input,) = re.findall(r'<input[^>]*name="parties-1-partner"[^>]*>', response.content.decode())
    assert "is-invalid" in partner_input


def test_an_ambiguous_name_is_resolved_by_its_id(client, project_data, kawasaki):
    PartnerFactory(name="同名の会", municipality=kawasaki)
    second = PartnerFactory(name="同名の会", municipality=kawasaki)
    data = project_data(title="同名の解決", parties=[(f"同名の会 (ID {second.pk})", "企画")])

    assert client.post(CREATE_URL, data).status_code == 302
    assert Project.objects.get(title="同名の解決").parties.get().partner == second


def test_the_same_partner_twice_is_an_error(client, project_data, partners):
    data = project_data(title="二重の参加", parties=[("多摩川大学", "講師"), (str(partners["university"].pk), "会場")])

    response = client.post(CREATE_URL, data)

    assert response.status_code == 200
    parties = response.context["parties"]
    assert not parties.forms[0].errors
    assert parties.forms[1].errors
    assert parties.non_form_errors()
    assert not Project.objects.filter(title="二重の参加").exists()
    assert not ProjectParty.objects.exists()


def test_a_deleted_row_does_not_count_as_a_duplicate(client, project_data, partners):
    data = project_data(title="削除した行", parties=[("多摩川大学", "講師"), ("多摩川大学", "会場")])
    data["parties-1-DELETE"] = "on"

    assert client.post(CREATE_URL, data).status_code == 302
    assert Project.objects.get(title="削除した行").parties.count() == 1


def test_an_invalid_project_keeps_the_entered_rows(client, project_data, partners):
    data = project_data(title="", parties=[("多摩川大学", "講師")])

    response = client.post(CREATE_URL, data)

    assert response.status_code == 200
    assert _field_errors(response.context["form"], "title") == ["required"]
    assert response.context["parties"].forms[0]["partner"].value() == "多摩川大学"
    assert response.context["creation_token"] == data["creation_token"]  # a resubmission stays one project
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"fiscal_year_start": "2018", "fiscal_year_end": "2016"}, None),  # the constraint: a form-wide error
        ({"fiscal_year_start": "1949"}, "fiscal_year_start"),
        ({"fiscal_year_start": "", "fiscal_year_end": "2016"}, "fiscal_year_start"),
        ({"start_date": "2017-04-01", "end_date": "2017-03-31"}, "end_date"),
    ],
)
def test_dates_and_years_out_of_order_are_refused(client, project_data, overrides, field):
    response = client.post(CREATE_URL, project_data(**overrides))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors
    if field is None:
        assert form.non_field_errors()
    else:
        assert field in form.errors
    assert not Project.objects.exists()


def test_wards_of_another_municipality_are_refused(client_for, project_data, reference_data, admin_user):
    from partners.models import Municipality

    higashikurume = Municipality.objects.get(code="132225")
    kawasaki = Municipality.objects.get(code="141305")
    data = project_data(municipality=higashikurume, responsible_department=None)
    data["wards"] = [str(kawasaki.wards.first().pk)]

    response = client_for(admin_user).post(CREATE_URL, data)

    assert response.status_code == 200
    assert "wards" in response.context["form"].errors
    assert not Project.objects.exists()


def test_a_double_submission_creates_one_project(client, project_data, partners):
    data = project_data(title="二度押し", creation_token=uuid.uuid4(), parties=[("多摩川大学", "講師")])

    first = client.post(CREATE_URL, data)
    second = client.post(CREATE_URL, data)

    project = Project.objects.get(title="二度押し")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == _edit_url(project)
    assert Project.objects.count() == 1
    assert project.parties.count() == 1
    assert project.history.count() == 1


def test_the_create_page_gives_each_form_a_new_token(client, db):
    first = client.get(CREATE_URL)
    second = client.get(CREATE_URL)

    assert first.context["creation_token"] != second.context["creation_token"]
    token = first.context["creation_token"]
    assert f'name="creation_token" value="{token}"' in first.content.decode()


def test_a_token_that_is_no_uuid_still_creates_the_project(client, project_data):
    data = project_data(title="壊れた識別子", creation_token="not-a-uuid")
    data["creation_token"] = "not-a-uuid"

    assert client.post(CREATE_URL, data).status_code == 302
    assert Project.objects.get(title="壊れた識別子").creation_token is None


def test_a_token_is_ignored_when_editing(client, project_data, partners):
    client.post(CREATE_URL, project_data(title="元の事業", parties=[("多摩川大学", "講師")]))
    project = Project.objects.get(title="元の事業")
    page = client.get(_edit_url(project))
    data = _page_data(page)
    data["creation_token"] = str(project.creation_token)
    data["title"] = "編集した事業"

    assert client.post(_edit_url(project), data).status_code == 302
    assert list(Project.objects.values_list("title", flat=True)) == ["編集した事業"]


# Editing ------------------------------------------------------------------------------------------


@pytest.fixture
def saved_project(client, project_data, partners) -> Project:
    data = project_data(
        title="中原の森の講座",
        parties=[("NPO法人かわさき森の会", "企画", True), ("多摩川大学", "講師"), ("株式会社ミライ", "協賛")],
        indicators=[{"name": "受講者数", "planned_value": "60", "actual_value": "54", "unit": "名"}],
    )
    response = client.post(CREATE_URL, data, follow=True)  # following it shows (and so clears) its message
    assert response.redirect_chain[0][1] == 302
    return Project.objects.get(title="中原の森の講座")


def test_the_edit_page_shows_saved_parties_by_name_and_id(client, saved_project, partners):
    response = client.get(_edit_url(saved_project))

    assert response.status_code == 200
    values = [form["partner"].value() for form in response.context["parties"].forms]
    npo, university = partners["npo"], partners["university"]
    assert values[:3] == [
        f"{npo.name} (ID {npo.pk})",
        f"{university.name} (ID {university.pk})",
        f"株式会社ミライ (ID {partners['company'].pk})",
    ]
    assert f'value="{npo.name} (ID {npo.pk})"' in response.content.decode()


def test_editing_deletes_a_party_row_and_keeps_the_others(client, editor, saved_project, partners):
    data = _page_data(client.get(_edit_url(saved_project)))
    data["parties-1-DELETE"] = "on"  # 多摩川大学
    data["parties-2-role"] = "協賛と会場の提供"
    data["title"] = "中原の森の講座（第2期）"

    response = client.post(_edit_url(saved_project), data)

    assert response.status_code == 302
    assert response["Location"] == _edit_url(saved_project)
    saved_project.refresh_from_db()
    assert saved_project.title == "中原の森の講座（第2期）"
    assert [(p.partner.name, p.role) for p in saved_project.parties.select_related("partner")] == [
        ("NPO法人かわさき森の会", "企画"),
        ("株式会社ミライ", "協賛と会場の提供"),
    ]
    assert saved_project.indicators.count() == 1
    assert "多摩川大学" not in saved_project.search_document
    assert saved_project.history.count() == 2
    assert saved_project.history.latest().history_type == "~"


def test_resubmitting_an_unchanged_edit_page_changes_nothing_but_history(client, saved_project):
    data = _page_data(client.get(_edit_url(saved_project)))

    assert client.post(_edit_url(saved_project), data).status_code == 302

    assert saved_project.parties.count() == 3
    assert saved_project.indicators.count() == 1
    newer, older = saved_project.history.order_by("-history_date", "-history_id")
    assert newer.diff_against(older).changed_fields == []


def test_the_history_page_lists_who_when_and_what_changed(client_for, client, editor, saved_project, admin_user):
    data = _page_data(client.get(_edit_url(saved_project)))
    data["title"] = "中原の森の講座（改題）"
    data["amount"] = "180000"
    second_client = client_for(admin_user)
    assert second_client.post(_edit_url(saved_project), data).status_code == 302

    response = client.get(reverse("projects:manage_history", kwargs={"pk": saved_project.pk}))

    assert response.status_code == 200
    entries = response.context["entries"]
    assert [entry["record"].history_type for entry in entries] == ["~", "+"]
    assert [entry["record"].history_user for entry in entries] == [admin_user, editor]
    changes = {change.field: (change.old, change.new) for change in entries[0]["changes"]}
    assert changes == {"title": ("中原の森の講座", "中原の森の講座（改題）"), "amount": (150000, 180000)}
    assert entries[1]["changes"] == []
    html = response.content.decode()
    assert str(admin_user) in html and str(editor) in html
    assert "中原の森の講座（改題）" in html
    assert "180000" in html
    assert html.count("<tr>") == 1 + len(entries)  # the header and one row per entry


def test_publishing_from_the_edit_page(client, saved_project):
    response = client.post(reverse("projects:manage_publish", kwargs={"pk": saved_project.pk}), follow=True)

    assert response.redirect_chain == [(_edit_url(saved_project), 302)]
    saved_project.refresh_from_db()
    assert saved_project.is_published
    assert [m.level for m in response.context["messages"]] == [message_levels.SUCCESS]
    assert client.get(reverse("projects:list")).context["page"].paginator.count == 1


def test_publishing_without_parties_shows_why_it_was_refused(client, project_data):
    client.post(CREATE_URL, project_data(title="参加者のいない事業"), follow=True)
    project = Project.objects.get(title="参加者のいない事業")

    response = client.post(reverse("projects:manage_publish", kwargs={"pk": project.pk}), follow=True)

    assert response.status_code == 200
    assert [m.level for m in response.context["messages"]] == [message_levels.ERROR]
    project.refresh_from_db()
    assert not project.is_published


# Media --------------------------------------------------------------------------------------------


def _png(width=60, height=40) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color=(200, 80, 0)).save(buffer, format="PNG")
    return SimpleUploadedFile("活動の様子.png", buffer.getvalue(), content_type="image/png")


def test_a_photo_is_added_and_shown(client, saved_project):
    response = client.post(
        reverse("projects:manage_photo_add", kwargs={"pk": saved_project.pk}),
        {"image": _png(), "alt_text": "植樹する子どもたち", "caption": "第1回"},
        follow=True,
    )

    assert [m.level for m in response.context["messages"]] == [message_levels.SUCCESS]
    photo = ProjectPhoto.objects.get(project=saved_project)
    assert photo.thumbnail.url in response.content.decode()
    assert 'alt="植樹する子どもたち"' in response.content.decode()


@pytest.mark.parametrize(
    "post",
    [
        {"image": SimpleUploadedFile("photo.png", b"not an image"), "alt_text": "写真"},
        {"image": _png(), "alt_text": ""},  # a photo needs its text alternative
        {"alt_text": "写真だけの説明"},
    ],
)
def test_a_refused_photo_is_explained_and_not_stored(client, saved_project, post):
    response = client.post(reverse("projects:manage_photo_add", kwargs={"pk": saved_project.pk}), post, follow=True)

    assert response.status_code == 200
    assert [m.level for m in response.context["messages"]] == [message_levels.ERROR]
    assert not ProjectPhoto.objects.exists()


def test_a_pdf_is_added_under_a_safe_name(client, saved_project):
    upload = SimpleUploadedFile("../../evil name.pdf", PDF, content_type="application/pdf")

    response = client.post(
        reverse("projects:manage_attachment_add", kwargs={"pk": saved_project.pk}),
        {"file": upload, "title": "事業報告書"},
        follow=True,
    )

    assert [m.level for m in response.context["messages"]] == [message_levels.SUCCESS]
    attachment = ProjectAttachment.objects.get(project=saved_project)
    assert attachment.file.name.startswith("projects/attachments/")
    assert attachment.file.name.endswith("-evil_name.pdf")
    assert ".." not in attachment.file.name
    assert attachment.file.url in response.content.decode()


def test_a_renamed_file_is_not_taken_for_a_pdf(client, saved_project):
    upload = SimpleUploadedFile("報告書.pdf", _png().read(), content_type="application/pdf")

    response = client.post(
        reverse("projects:manage_attachment_add", kwargs={"pk": saved_project.pk}),
        {"file": upload, "title": "報告書"},
        follow=True,
    )

    assert [m.level for m in response.context["messages"]] == [message_levels.ERROR]
    assert not ProjectAttachment.objects.exists()


def test_removing_media(client, saved_project):
    client.post(
        reverse("projects:manage_photo_add", kwargs={"pk": saved_project.pk}), {"image": _png(), "alt_text": "写真"}
    )
    client.post(
        reverse("projects:manage_attachment_add", kwargs={"pk": saved_project.pk}),
        {"file": SimpleUploadedFile("a.pdf", PDF), "title": "資料"},
    )
    photo = ProjectPhoto.objects.get()
    attachment = ProjectAttachment.objects.get()

    client.post(reverse("projects:manage_photo_delete", kwargs={"pk": saved_project.pk, "photo_pk": photo.pk}))
    client.post(
        reverse("projects:manage_attachment_delete", kwargs={"pk": saved_project.pk, "attachment_pk": attachment.pk})
    )

    assert not ProjectPhoto.objects.exists()
    assert not ProjectAttachment.objects.exists()


def test_a_changed_resubmission_of_the_new_form_says_it_changed_nothing(client, project_data, partners):
    data = project_data(title="最初の題名", creation_token=uuid.uuid4(), parties=[("多摩川大学", "講師")])
    client.post(CREATE_URL, data)
    data["title"] = "戻って直した題名"
    response = client.post(CREATE_URL, data, follow=True)
    project = Project.objects.get()
    assert project.title == "最初の題名"
    assert [message.level_tag for message in response.context["messages"]][-1] == "warning"


@pytest.mark.parametrize("typed", ["²", "①", "³"])
def test_a_superscript_digit_as_partner_is_a_field_error_not_a_crash(client, project_data, partners, typed):
    data = project_data(title="変な入力", creation_token=uuid.uuid4(), parties=[("多摩川大学", "講師")])
    data["parties-0-partner"] = typed
    response = client.post(CREATE_URL, data)
    assert response.status_code == 200
    assert "partner" in response.context["parties"].forms[0].errors
    assert not Project.objects.exists()
