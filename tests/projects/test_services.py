"""The project services: saving with parties and indicators as one edit, publication, derived search text, media."""

import io
import uuid
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext, override
from PIL import Image

from kyodo_portal.search import apply_search
from partners.models import Partner
from projects import services
from projects.models import OutcomeIndicator, Project, ProjectAttachment, ProjectParty, ProjectPhoto
from tests.factories import AdminFactory, PartnerFactory, ProjectFactory, ProjectPartyFactory
from tests.projects.helpers import bound_project_forms, edit_project_data, new_project_data

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def editor(db):
    return AdminFactory(display_name="編集する管理者")


@pytest.fixture
def npo(kawasaki, partner_types):
    return PartnerFactory(name="NPO法人かわさき森の会", partner_type=partner_types["npo"], municipality=kawasaki)


@pytest.fixture
def university(kawasaki, partner_types):
    return PartnerFactory(name="多摩川大学", partner_type=partner_types["university"], municipality=kawasaki)


@pytest.fixture
def new_data(kawasaki, schemes, collaboration_forms, activity_fields, kawasaki_wards, departments, npo, university):
    """A complete new project: two parties, one indicator, forms, fields and a ward."""

    def make(**overrides) -> dict:
        values = {
            "municipality": kawasaki,
            "scheme": schemes["kyodo_gata"],
            "responsible_department": departments["中原区役所 生涯学習支援課"],
            "parties": [(npo.name, "講座の企画と運営", True), (str(university.pk), "講師の派遣")],
            "indicators": [{"name": "受講者数", "planned_value": "60", "actual_value": "54", "unit": "名"}],
            "forms": [collaboration_forms["itaku"].pk],
            "fields": [activity_fields["環境の保全"].pk, activity_fields["社会教育"].pk],
            "wards": [kawasaki_wards["中原区"].pk],
            "amount": "1835000",
            "fiscal_year_start": "2015",
            "fiscal_year_end": "2017",
        }
        values.update(overrides)
        return new_project_data(**values)

    return make


def _save(data: dict, user, *, instance=None, token=None) -> Project:
    form, parties, indicators = bound_project_forms(data, instance=instance)
    assert form.is_valid(), form.errors
    assert parties.is_valid(), parties.errors
    assert indicators.is_valid(), indicators.errors
    return services.project_save(form=form, formsets=[parties, indicators], user=user, creation_token=token)


# project_save -----------------------------------------------------------------------------------


def test_project_save_creates_the_project_with_its_parties_and_indicators(new_data, editor, npo, university):
    with override("ja"):
        project = _save(new_data(), editor)
        created_reason = gettext("Created")

    project.refresh_from_db()
    assert project.title == "多摩川の森の清掃活動"
    assert project.amount == 1_835_000
    assert project.fiscal_years == [2015, 2016, 2017]
    assert not project.is_published
    parties = list(project.parties.select_related("partner"))
    assert [(party.partner, party.role, party.is_lead) for party in parties] == [
        (npo, "講座の企画と運営", True),
        (university, "講師の派遣", False),
    ]
    assert [(i.name, i.planned_value, i.actual_value, i.unit) for i in project.indicators.all()] == [
        ("受講者数", 60, 54, "名")
    ]
    assert project.forms.count() == 1
    assert project.fields.count() == 2
    assert project.wards.count() == 1

    (entry,) = project.history.all()
    assert entry.history_type == "+"
    assert entry.history_user == editor
    assert entry.history_change_reason == created_reason
    # The single entry already holds the relations saved after the project row.
    assert {form.collaborationform_id for form in entry.forms.all()} == {f.pk for f in project.forms.all()}
    assert {ward.ward_id for ward in entry.wards.all()} == {w.pk for w in project.wards.all()}
    assert len(entry.fields.all()) == 2


def test_project_save_fills_the_search_text_and_reading_order(new_data, editor):
    project = _save(new_data(title="カワサキの森"), editor)

    project.refresh_from_db()
    assert project.sort_key == "かわさきの森"
    assert "npo法人かわさき森の会" in project.search_document  # party names are folded and searchable
    assert "講師の派遣" in project.search_document  # and so are their roles
    assert list(apply_search(Project.objects.all(), "多摩川大学 講師")) == [project]


def test_project_save_is_one_transaction(new_data, editor, monkeypatch):
    """A failure while saving the indicators leaves no project, no party and no history behind."""
    form, parties, indicators = bound_project_forms(new_data())
    assert form.is_valid() and parties.is_valid() and indicators.is_valid()

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(indicators, "save", fail)
    with pytest.raises(RuntimeError):
        services.project_save(form=form, formsets=[parties, indicators], user=editor)

    assert not Project.objects.exists()
    assert not ProjectParty.objects.exists()
    assert not Project.history.exists()


def test_editing_writes_one_change_entry_with_the_relations(
    new_data, editor, kawasaki_wards, activity_fields, university
):
    project = _save(new_data(), editor)
    other_editor = AdminFactory(display_name="二人目の管理者")
    data = edit_project_data(
        project,
        title="多摩川の森の清掃活動（拡大）",
        wards=[str(kawasaki_wards["中原区"].pk), str(kawasaki_wards["高津区"].pk)],
        fields=[str(activity_fields["環境の保全"].pk)],
        **{"parties-1-DELETE": "on"},
    )

    with override("ja"):
        _save(data, other_editor, instance=Project.objects.get(pk=project.pk))
        edited_reason = gettext("Edited")

    assert project.history.count() == 2
    newer, older = project.history.order_by("-history_date", "-history_id")
    assert newer.history_type == "~"
    assert newer.history_user == other_editor
    assert newer.history_change_reason == edited_reason
    delta = newer.diff_against(older)
    assert set(delta.changed_fields) == {"title", "wards", "fields"}
    assert not ProjectParty.objects.filter(project=project, partner=university).exists()
    project.refresh_from_db()
    assert "多摩川大学" not in project.search_document  # the removed party leaves the search text


def test_the_same_creation_token_creates_one_project(new_data, editor):
    token = uuid.uuid4()
    first = _save(new_data(creation_token=token), editor, token=token)
    with pytest.raises(services.ProjectAlreadyCreated) as refused:
        _save(new_data(creation_token=token, title="二度目の送信"), editor, token=token)

    assert refused.value.project.pk == first.pk
    assert Project.objects.count() == 1
    assert Project.objects.get().title == "多摩川の森の清掃活動"
    assert ProjectParty.objects.count() == 2
    assert OutcomeIndicator.objects.count() == 1
    assert Project.history.count() == 1


def test_a_second_request_that_missed_the_first_project_is_refused_with_it(new_data, editor, monkeypatch):
    """Two requests with one token: the second does not see the first's row yet, then hits the unique token."""
    token = uuid.uuid4()
    first = _save(new_data(creation_token=token), editor, token=token)
    real_filter = Project.objects.filter
    blinded = []

    def filter_not_yet_seeing_the_first(*args, **kwargs):
        if "creation_token" in kwargs and not blinded:
            blinded.append(kwargs["creation_token"])
            return Project.objects.none()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Project.objects, "filter", filter_not_yet_seeing_the_first)
    with pytest.raises(services.ProjectAlreadyCreated) as refused:
        _save(new_data(creation_token=token, title="二度目の送信"), editor, token=token)
    monkeypatch.undo()

    assert blinded == [token]
    assert refused.value.project.pk == first.pk
    assert list(Project.objects.values_list("title", flat=True)) == ["多摩川の森の清掃活動"]
    assert ProjectParty.objects.count() == 2
    assert Project.history.count() == 1


def test_without_a_token_each_submission_creates_a_project(new_data, editor):
    _save(new_data(), editor)
    _save(new_data(), editor)

    assert Project.objects.count() == 2
    assert Project.objects.filter(creation_token__isnull=True).count() == 2


# publication ------------------------------------------------------------------------------------


def test_publish_refuses_a_project_without_parties(editor):
    draft = ProjectFactory(is_published=False)

    with pytest.raises(services.ProjectServiceError):
        services.project_publish(project=draft, user=editor)

    draft.refresh_from_db()
    assert not draft.is_published
    assert draft.published_at is None


def test_publish_sets_the_publication_time_once(editor):
    draft = ProjectFactory(is_published=False)
    ProjectPartyFactory(project=draft)
    entries_before = draft.history.count()

    with override("ja"):
        published = services.project_publish(project=draft, user=editor)
        reason = gettext("Published")

    published.refresh_from_db()
    assert published.is_published
    first_published_at = published.published_at
    assert first_published_at is not None
    assert draft.history.count() == entries_before + 1
    latest = draft.history.latest()
    assert (latest.history_user, latest.history_change_reason, latest.is_published) == (editor, reason, True)

    # Publishing again changes nothing; withdrawing and publishing again keeps the first date.
    services.project_publish(project=published, user=editor)
    assert draft.history.count() == entries_before + 1
    services.project_unpublish(project=published, user=editor)
    services.project_publish(project=published, user=editor)
    published.refresh_from_db()
    assert published.is_published
    assert published.published_at == first_published_at


def test_unpublish_withdraws_and_records_who(editor):
    project = ProjectFactory(parties=[PartnerFactory()])
    entries_before = project.history.count()

    withdrawn = services.project_unpublish(project=project, user=editor)

    withdrawn.refresh_from_db()
    assert not withdrawn.is_published
    assert withdrawn.published_at is not None  # when it was first published stays known
    assert project.history.count() == entries_before + 1
    assert project.history.latest().history_user == editor

    services.project_unpublish(project=withdrawn, user=editor)  # a draft stays a draft, no new entry
    assert project.history.count() == entries_before + 1


# derived columns --------------------------------------------------------------------------------


def test_refresh_derived_includes_party_names_and_roles(kawasaki, schemes):
    partner = PartnerFactory(name="川崎ＳＤＧｓネット", municipality=kawasaki)
    project = Project.objects.create(
        title="ミライ環境フェア", municipality=kawasaki, scheme=schemes["kyodo_gata"], problem="p", activities="a"
    )
    ProjectParty.objects.create(project=project, partner=partner, role="出展者の募集と当日の運営")
    assert project.search_document == ""

    assert services.projects_refresh_derived() == 1

    project.refresh_from_db()
    assert project.sort_key == "みらい環境ふぇあ"
    assert "川崎sdgsネット" in project.search_document
    assert "出展者の募集と当日の運営" in project.search_document
    assert "環境" in project.search_grams.split(" ")
    assert list(apply_search(Project.objects.all(), "ＳＤＧｓ 出展")) == [project]
    assert services.projects_refresh_derived() == 0  # nothing left to change

    # A rename the project did not hear of (a bulk update): refreshing catches up.
    Partner.objects.filter(pk=partner.pk).update(name="かわさき未来ネット")
    assert services.projects_refresh_derived(projects=Project.objects.prefetch_related("parties__partner")) == 1
    assert list(apply_search(Project.objects.all(), "未来ネット")) == [project]
    assert not apply_search(Project.objects.all(), "sdgs").exists()


# photos -----------------------------------------------------------------------------------------


def _image_upload(width: int, height: int, image_format: str = "PNG", name: str = "photo.png", mode: str = "RGB"):
    buffer = io.BytesIO()
    Image.new(mode, (width, height), color=(30, 120, 60) if mode == "RGB" else 5).save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{image_format.lower()}")


@pytest.fixture
def small_photo_sizes(settings):
    """Sides small enough for quick tests; the service must take them from the settings."""
    settings.PROJECT_PHOTO = {**settings.PROJECT_PHOTO, "display_side": 300, "thumbnail_side": 80}
    return settings.PROJECT_PHOTO


def test_photo_is_stored_as_jpeg_within_the_configured_sizes(small_photo_sizes, editor):
    project = ProjectFactory()

    photo = services.project_photo_add(
        project=project,
        upload=_image_upload(600, 400, name="家族の写真 GPS付き.png"),
        alt_text="森づくりを体験する子どもたち",
        caption="2016年度の活動",
        user=editor,
    )

    photo.refresh_from_db()
    assert (photo.alt_text, photo.caption, photo.order) == ("森づくりを体験する子どもたち", "2016年度の活動", 1)
    for stored, expected_size in ((photo.image, (300, 200)), (photo.thumbnail, (80, 53))):
        assert stored.name.startswith("projects/photos/")
        assert stored.name.endswith(".jpg")
        assert "家族" not in stored.name  # the user's file name never reaches the disk
        with Image.open(stored.path) as stored_image:
            assert stored_image.format == "JPEG"
            assert stored_image.size == expected_size


def test_photos_are_not_enlarged_and_follow_each_other(small_photo_sizes, editor):
    project = ProjectFactory()
    services.project_photo_add(
        project=project, upload=_image_upload(120, 90), alt_text="一枚目", caption="", user=editor
    )
    second = services.project_photo_add(
        project=project,
        upload=_image_upload(50, 40, image_format="GIF", name="anim.gif", mode="P"),
        alt_text="二枚目",
        caption="",
        user=editor,
    )

    assert second.order == 2
    with Image.open(second.image.path) as image:
        assert (image.format, image.size, image.mode) == ("JPEG", (50, 40), "RGB")
    first = project.photos.get(order=1)
    with Image.open(first.thumbnail.path) as thumbnail:
        assert thumbnail.size == (80, 60)


def test_a_file_that_is_no_image_is_refused(editor, settings):
    project = ProjectFactory()
    upload = SimpleUploadedFile("photo.jpg", b"GIF89a but not really an image", content_type="image/jpeg")

    with pytest.raises(ValidationError) as refused:
        services.project_photo_add(project=project, upload=upload, alt_text="写真", caption="", user=editor)

    assert refused.value.code == "invalid_image"
    assert not ProjectPhoto.objects.exists()
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.*"))


@pytest.mark.parametrize(("width", "height"), [(201, 100), (100, 201), (150, 150)])
def test_an_image_with_too_many_pixels_is_refused(settings, editor, width, height):
    settings.PROJECT_PHOTO = {**settings.PROJECT_PHOTO, "max_pixels": 20_000, "max_side": 200}
    project = ProjectFactory()

    with pytest.raises(ValidationError) as refused:
        services.project_photo_add(
            project=project, upload=_image_upload(width, height), alt_text="写真", caption="", user=editor
        )

    assert refused.value.code == "too_many_pixels"
    assert not ProjectPhoto.objects.exists()


def test_an_image_at_the_pixel_limit_is_accepted(settings, editor):
    settings.PROJECT_PHOTO = {**settings.PROJECT_PHOTO, "max_pixels": 20_000, "max_side": 200}
    project = ProjectFactory()

    services.project_photo_add(
        project=project, upload=_image_upload(200, 100), alt_text="写真", caption="", user=editor
    )

    assert ProjectPhoto.objects.filter(project=project).count() == 1


def test_a_photo_over_the_upload_size_is_refused(settings, editor):
    upload = _image_upload(300, 300)
    settings.PROJECT_PHOTO = {**settings.PROJECT_PHOTO, "max_upload_bytes": upload.size - 1}

    with pytest.raises(ValidationError) as refused:
        services.project_photo_add(project=ProjectFactory(), upload=upload, alt_text="写真", caption="", user=editor)

    assert refused.value.code == "file_too_large"


def test_photo_delete_removes_the_files(small_photo_sizes, editor, django_capture_on_commit_callbacks):
    photo = services.project_photo_add(
        project=ProjectFactory(), upload=_image_upload(400, 300), alt_text="写真", caption="", user=editor
    )
    paths = [Path(photo.image.path), Path(photo.thumbnail.path)]
    assert all(path.exists() for path in paths)

    with django_capture_on_commit_callbacks(execute=True):
        services.project_photo_delete(photo=photo, user=editor)

    assert not ProjectPhoto.objects.exists()
    assert not any(path.exists() for path in paths)


# attachments ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uploaded_name", "stored_suffix"),
    [
        ("../../evil name.pdf", "-evil_name.pdf"),
        ("..\\..\\windows\\報告書.PDF", "-報告書.PDF"),
        ("/etc/passwd", "-passwd.pdf"),
        ("活動報告", "-活動報告.pdf"),
    ],
)
def test_a_pdf_is_stored_under_a_sanitised_name(editor, settings, uploaded_name, stored_suffix):
    project = ProjectFactory()
    # A ContentFile keeps the name as given (Django's upload handling would already strip a path).
    upload = ContentFile(MINIMAL_PDF, name=uploaded_name)

    attachment = services.project_attachment_add(project=project, upload=upload, title="活動報告書", user=editor)

    attachment.refresh_from_db()
    stored = attachment.file.name
    assert stored.startswith("projects/attachments/")
    assert stored.endswith(stored_suffix)
    assert ".." not in stored
    assert "\\" not in stored
    assert stored.count("/") == 2
    media = Path(settings.MEDIA_ROOT).resolve()
    assert media in Path(attachment.file.path).resolve().parents
    assert Path(attachment.file.path).read_bytes() == MINIMAL_PDF
    assert (attachment.title, attachment.size, attachment.order) == ("活動報告書", len(MINIMAL_PDF), 1)


def test_a_pdf_whose_name_has_no_safe_character_gets_a_default_name(editor):
    attachment = services.project_attachment_add(
        project=ProjectFactory(), upload=ContentFile(MINIMAL_PDF, name="!!!"), title="報告書", user=editor
    )

    assert attachment.file.name.endswith("-attachment.pdf")


def test_a_file_renamed_to_pdf_is_refused(editor):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="PNG")
    upload = SimpleUploadedFile("報告書.pdf", buffer.getvalue(), content_type="application/pdf")

    with pytest.raises(ValidationError) as refused:
        services.project_attachment_add(project=ProjectFactory(), upload=upload, title="報告書", user=editor)

    assert refused.value.code == "not_pdf"
    assert not ProjectAttachment.objects.exists()


def test_a_pdf_over_the_size_limit_is_refused(editor, settings):
    settings.PROJECT_ATTACHMENT_MAX_BYTES = len(MINIMAL_PDF) - 1

    with pytest.raises(ValidationError) as refused:
        services.project_attachment_add(
            project=ProjectFactory(),
            upload=SimpleUploadedFile("report.pdf", MINIMAL_PDF),
            title="報告書",
            user=editor,
        )

    assert refused.value.code == "file_too_large"
    assert not ProjectAttachment.objects.exists()


def test_a_pdf_at_the_size_limit_is_accepted_and_attachments_follow_each_other(editor, settings):
    settings.PROJECT_ATTACHMENT_MAX_BYTES = len(MINIMAL_PDF)
    project = ProjectFactory()

    first = services.project_attachment_add(
        project=project, upload=SimpleUploadedFile("a.pdf", MINIMAL_PDF), title="一つ目", user=editor
    )
    second = services.project_attachment_add(
        project=project, upload=SimpleUploadedFile("a.pdf", MINIMAL_PDF), title="二つ目", user=editor
    )

    assert (first.order, second.order) == (1, 2)
    assert first.file.name != second.file.name  # the same upload name never overwrites


def test_attachment_delete_removes_the_file(editor, django_capture_on_commit_callbacks):
    attachment = services.project_attachment_add(
        project=ProjectFactory(), upload=SimpleUploadedFile("a.pdf", MINIMAL_PDF), title="報告書", user=editor
    )
    path = Path(attachment.file.path)
    assert path.exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.project_attachment_delete(attachment=attachment, user=editor)

    assert not ProjectAttachment.objects.exists()
    assert not path.exists()


def test_a_long_pdf_name_is_shortened_to_fit_the_column(editor):
    """The file column holds 100 characters (PostgreSQL enforces it): a long name is cut, its extension kept."""
    name = "令和元年度" + "協働事業の実施報告書" * 12 + ".pdf"

    attachment = services.project_attachment_add(
        project=ProjectFactory(), upload=ContentFile(MINIMAL_PDF, name=name), title="長い名前", user=editor
    )

    attachment.refresh_from_db()
    assert len(attachment.file.name) <= ProjectAttachment._meta.get_field("file").max_length
    assert attachment.file.name.endswith(".pdf")
    assert Path(attachment.file.path).read_bytes() == MINIMAL_PDF


def test_photo_metadata_is_dropped_and_the_orientation_applied(small_photo_sizes, editor):
    """A phone photo's EXIF (here its maker and a rotation) never reaches the public file."""
    exif = Image.Exif()
    exif[0x010F] = "KyodoPhone"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    buffer = io.BytesIO()
    Image.new("RGB", (120, 60), color=(10, 20, 30)).save(buffer, format="JPEG", exif=exif)
    upload = SimpleUploadedFile("IMG_0001.jpg", buffer.getvalue(), content_type="image/jpeg")

    photo = services.project_photo_add(
        project=ProjectFactory(), upload=upload, alt_text="写真", caption="", user=editor
    )

    with Image.open(photo.image.path) as stored:
        assert stored.size == (60, 120)  # turned upright
        assert not dict(stored.getexif())
    assert b"KyodoPhone" not in Path(photo.image.path).read_bytes()


def test_a_huge_declared_size_is_refused_before_decoding(editor):
    """A few bytes of PNG header claiming 100,000 × 100,000 pixels (a decompression bomb)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    upload = SimpleUploadedFile("bomb.png", png, content_type="image/png")

    with pytest.raises(ValidationError) as refused:
        services.project_photo_add(project=ProjectFactory(), upload=upload, alt_text="写真", caption="", user=editor)

    assert refused.value.code == "too_many_pixels"


def test_renaming_a_partner_updates_the_search_text_of_its_projects(editor, kawasaki):
    from partners.forms import PartnerForm
    from partners.services import partner_save_from_form
    from tests.projects.helpers import form_values

    partner = PartnerFactory(name="旧名の会", municipality=kawasaki)
    project = ProjectFactory(municipality=kawasaki, parties=[(partner, "企画")])
    data = {key: value for key, value in form_values(PartnerForm(instance=partner)).items() if key != "logo"}
    data["name"] = "新名称の会"
    form = PartnerForm(data, instance=partner)
    assert form.is_valid(), form.errors

    partner_save_from_form(form=form, user=editor)

    assert list(apply_search(Project.objects.all(), "新名称")) == [project]
    assert not apply_search(Project.objects.all(), "旧名").exists()
