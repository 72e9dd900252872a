"""Deadlines in Asia/Tokyo to the second, and what an attachment may be."""

import io
import zipfile

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from proposals import services
from proposals.diff import revision_changes, text_segments
from proposals.files import check_upload, sanitize_filename
from proposals.models import Call
from tests.proposals.conftest import PDF_BYTES, fill_complete, png_bytes, tokyo

pytestmark = pytest.mark.django_db


@pytest.fixture
def deadline_call(make_call):
    """Open from 2027-01-05 09:00 to 2027-01-15 23:59:59, Japan time."""
    return make_call(opens_at=tokyo(2027, 1, 5, 9, 0, 0), closes_at=tokyo(2027, 1, 15, 23, 59, 59))


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (tokyo(2027, 1, 5, 8, 59, 59), False),
        (tokyo(2027, 1, 5, 9, 0, 0), True),
        (tokyo(2027, 1, 15, 23, 59, 59), True),
        (tokyo(2027, 1, 15, 23, 59, 59, 999_999), True),
        (tokyo(2027, 1, 16, 0, 0, 0), False),
    ],
)
def test_the_window_is_read_in_japan_time_to_the_second(deadline_call, moment, is_open):
    assert deadline_call.is_open_at(moment) is is_open
    assert Call.objects.open_at(moment).filter(pk=deadline_call.pk).exists() is is_open


@pytest.mark.parametrize(
    ("moment", "submitted"),
    [(tokyo(2027, 1, 15, 23, 59, 59), True), (tokyo(2027, 1, 16, 0, 0, 0), False)],
)
def test_submission_at_the_deadline(deadline_call, npo, member, moment, submitted):
    from proposals.models import Proposal

    proposal = fill_complete(Proposal.objects.create(call=deadline_call, partner=npo, created_by=member))
    with time_machine.travel(moment, tick=False):
        if submitted:
            assert services.proposal_submit(proposal=proposal, user=member).status == "submitted"
        else:
            with pytest.raises(services.ProposalIncomplete) as refused:
                services.proposal_submit(proposal=proposal, user=member)
            assert "受け付けていません" in refused.value.problems[None][0]


@pytest.mark.parametrize(
    ("today", "days"),
    [(tokyo(2027, 1, 14, 0, 0, 1), 1), (tokyo(2027, 1, 15, 0, 0, 0), 0), (tokyo(2027, 1, 5, 23, 59), 10)],
)
def test_days_left_count_calendar_days_in_japan(deadline_call, today, days):
    with time_machine.travel(today, tick=False):
        assert deadline_call.days_left == days


def _upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def _office(kind: str) -> bytes:
    folder = {"docx": "word", "xlsx": "xl", "pptx": "ppt"}[kind]
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}/document.xml", "<doc/>")
    return output.getvalue()


@pytest.mark.parametrize("kind", ["docx", "xlsx", "pptx"])
def test_office_files_are_recognised_by_their_content(kind):
    checked = check_upload(_upload(f"計画書.{kind}", _office(kind)))
    assert checked.extension == f".{kind}"
    assert checked.name == f"計画書.{kind}"


def test_a_pdf_is_kept_as_it_is():
    checked = check_upload(_upload("規約.PDF", PDF_BYTES))
    assert checked.content.read() == PDF_BYTES
    assert checked.name == "規約.pdf"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 64, "添付できません"),
        ("script.pdf", b"#!/bin/sh\nrm -rf /\n", "添付できません"),
        ("規約.docx", PDF_BYTES, "拡張子"),
        ("empty.pdf", b"", "空"),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused(name, content, message):
    with pytest.raises(ValidationError) as refused:
        check_upload(_upload(name, content))
    assert message in refused.value.messages[0]


def test_a_file_over_the_limit_is_refused(settings):
    settings.PROPOSAL_ATTACHMENT = {**settings.PROPOSAL_ATTACHMENT, "max_upload_bytes": 100}
    with pytest.raises(ValidationError, match="大きすぎ"):
        check_upload(_upload("big.pdf", PDF_BYTES + b"0" * 200))


def test_images_are_written_anew_without_their_metadata():
    image = Image.new("RGB", (20, 10), (0, 128, 0))
    exif = Image.Exif()
    exif[0x010E] = "secret location"
    output = io.BytesIO()
    image.save(output, format="JPEG", exif=exif)
    checked = check_upload(_upload("写真.jpeg", output.getvalue()))
    assert checked.name == "写真.jpg"
    assert b"secret location" not in checked.content.read()
    assert check_upload(_upload("図.png", png_bytes())).content_type == "image/png"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\me\\申請書.pdf", "申請書.pdf"),
        ("ｶﾀｶﾅ　全角.pdf", "カタカナ 全角.pdf"),
        ('a<b>c:"d|e?*.pdf', "abcde.pdf"),
        ("\x00\x1f.pdf", "添付資料.pdf"),
        ("名前" * 100 + ".pdf", "名前" * 58 + ".pdf"),
    ],
)
def test_names_are_sanitised_and_keep_japanese(raw, clean):
    assert sanitize_filename(raw, extension="pdf") == clean


def test_the_total_size_of_a_proposals_attachments_is_limited(draft, member, settings):
    settings.PROPOSAL_ATTACHMENT = {**settings.PROPOSAL_ATTACHMENT, "max_total_bytes": len(PDF_BYTES) + 10}
    services.proposal_attachment_add(proposal=draft, user=member, upload=_upload("a.pdf", PDF_BYTES))
    with pytest.raises(ValidationError, match="合計"):
        services.proposal_attachment_add(proposal=draft, user=member, upload=_upload("b.pdf", PDF_BYTES))
    assert draft.attachments.count() == 1
    stored = list((settings.PRIVATE_MEDIA_ROOT / "proposals" / str(draft.public_id)).iterdir())
    assert len(stored) == 1  # the refused file was removed again


def test_changes_between_revisions_are_shown_per_character():
    segments = text_segments("子ども食堂を開く", "子ども食堂を週2回開く")
    assert [(segment.kind, segment.text) for segment in segments] == [
        ("equal", "子ども食堂を"),
        ("insert", "週2回"),
        ("equal", "開く"),
    ]
    changes = revision_changes(
        {"fields": {"title": "A", "venue": "公民館"}, "budget": [{"side": "income", "item": "委託料", "amount": 1}]},
        {"fields": {"title": "A", "venue": "市民館"}, "budget": [{"side": "income", "item": "委託料", "amount": 2}]},
    )
    assert [change.label for change in changes] == ["実施場所", "収支計画"]
