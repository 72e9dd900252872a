"""The pages of calls and proposals through the test client: the applicant's way from call to receipt."""

import datetime
import uuid

import pytest
from django.core import mail
from django.utils import timezone

from proposals.models import Call, Proposal, ProposalAttachment, ProposalRevision
from proposals.views import STASH_KEY
from tests.proposals.conftest import fill_complete, pdf_upload

pytestmark = pytest.mark.django_db


def _management(data: dict, proposal: Proposal | None = None) -> dict:
    counts = {"roles": 0, "schedule": 0, "indicators": 0, "income": 0, "expense": 0, "participants": 0}
    if proposal is not None:
        counts.update(
            roles=proposal.roles.count(),
            schedule=proposal.schedule_items.count(),
            indicators=proposal.indicators.count(),
            income=proposal.budget_lines.filter(side="income").count(),
            expense=proposal.budget_lines.filter(side="expense").count(),
            participants=proposal.participants.count(),
        )
    for prefix, count in counts.items():
        data.setdefault(f"{prefix}-TOTAL_FORMS", str(count))
        data.setdefault(f"{prefix}-INITIAL_FORMS", str(count))
    return data


def test_the_call_list_shows_open_calls_first_with_the_days_left(call, make_call, client_for):
    now = timezone.now()
    closed = make_call(
        title="締切済みの募集", opens_at=now - datetime.timedelta(days=40), closes_at=now - datetime.timedelta(days=2)
    )
    page = client_for(None).get("/calls/").content.decode()
    assert call.title in page
    assert "募集中" in page
    assert f"締切まであと{call.days_left}日" in page
    assert closed.title not in page
    closed_page = client_for(None).get("/calls/?state=closed").content.decode()
    assert closed.title in closed_page
    assert client_for(None).get(closed.get_absolute_url()).status_code == 200


def test_the_last_day_says_deadline_today(make_call, client_for):
    tonight = timezone.localtime().replace(hour=23, minute=59, second=59, microsecond=0)
    call = make_call(closes_at=tonight)
    assert "本日締切" in client_for(None).get("/calls/").content.decode()
    assert call.days_left == 0


def test_bad_filter_values_do_not_break_the_list(call, client_for):
    response = client_for(None).get("/calls/?state=nope&scheme=abc&page=zz")
    assert response.status_code == 200


def test_the_call_page_shows_terms_criteria_and_schedule(call, required_document, client_for, member):
    call.milestones.create(name="公開プレゼンテーション", when_text="2月下旬", order=1)
    page = client_for(member).get(call.get_absolute_url()).content.decode()
    for text in (
        "500,000円",
        "700,000円",
        "最長3年",
        "協働の必要性",
        "公開プレゼンテーション",
        "団体の規約",
        "提案書を作成する",
    ):
        assert text in page, text


def test_from_sign_in_to_receipt(call, member, client_for, django_capture_on_commit_callbacks):
    client = client_for(member)
    token = str(uuid.uuid4())
    response = client.post(
        f"/calls/{call.pk}/propose/", {"partner": member.memberships.get().partner_id, "creation_token": token}
    )
    proposal = Proposal.objects.get()
    assert response.url == f"/proposals/{proposal.public_id}/edit/"
    # A second click opens the same draft.
    client.post(f"/calls/{call.pk}/propose/", {"partner": proposal.partner_id, "creation_token": token})
    assert Proposal.objects.count() == 1

    edit_url = f"/proposals/{proposal.public_id}/edit/"
    assert client.get(edit_url).status_code == 200
    response = client.post(edit_url, _management({"title": "子ども食堂", "project_year": "1", "edit_version": "0"}))
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.title == "子ども食堂"

    # Going on to submit with gaps shows them next to the fields.
    response = client.post(
        edit_url, _management({"title": "子ども食堂", "project_year": "1", "edit_version": "1", "action": "check"})
    )
    assert response.url == f"/proposals/{proposal.public_id}/submit/"
    response = client.get(response.url)
    assert response.url == f"{edit_url}?check=1"
    page = client.get(response.url).content.decode()
    assert "提出の前に必要なこと" in page
    assert '<a href="#id_problem">地域課題: 提出前に記入してください。</a>' in page
    assert '<a href="#section-roles">役割分担: 役割分担を1行以上記入してください。</a>' in page
    assert 'id="id_problem-error"' in page and 'aria-invalid="true"' in page

    fill_complete(proposal)
    proposal.refresh_from_db()
    confirm = client.get(f"/proposals/{proposal.public_id}/submit/")
    assert confirm.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/proposals/{proposal.public_id}/submit/", {"edit_version": proposal.edit_version})
        again = client.post(f"/proposals/{proposal.public_id}/submit/", {"edit_version": proposal.edit_version})
    proposal.refresh_from_db()
    assert proposal.status == "submitted"
    assert ProposalRevision.objects.filter(proposal=proposal).count() == 1
    assert again.status_code == 302
    detail = client.get(proposal.get_absolute_url()).content.decode()
    assert proposal.receipt_number in detail
    assert len([message for message in mail.outbox if member.email in message.to]) == 1
    # After submission the applicant cannot edit.
    assert client.get(edit_url).status_code == 302

    mine = client.get("/proposals/").content.decode()
    assert "提出済み" in mine and proposal.receipt_number in mine


def test_invalid_input_is_kept_and_explained(draft, member, client_for):
    response = client_for(member).post(
        f"/proposals/{draft.public_id}/edit/",
        _management(
            {
                "title": "題名",
                "project_year": "1",
                "edit_version": "0",
                "expense-TOTAL_FORMS": "1",
                "expense-0-item": "講師謝礼",
                "expense-0-amount": "たくさん",
            }
        ),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "下書きは保存されていません" in page
    assert 'value="たくさん"' in page
    draft.refresh_from_db()
    assert draft.title == ""


def test_a_session_that_expired_mid_edit_loses_nothing(draft, member, client_for):
    anonymous = client_for(None)
    data = _management(
        {"title": "期限切れの間に書いた題名", "problem": "長い文章", "project_year": "1", "edit_version": "0"}
    )
    response = anonymous.post(f"/proposals/{draft.public_id}/edit/", data)
    assert response.status_code == 302
    assert "restore" in response.url
    draft.refresh_from_db()
    assert draft.title == ""
    # Logging in keeps the anonymous session's data; the form comes back filled in.
    anonymous.force_login(member)
    page = anonymous.get(f"/proposals/{draft.public_id}/edit/?restore=1").content.decode()
    assert "期限切れの間に書いた題名" in page and "長い文章" in page
    assert STASH_KEY not in anonymous.session


def test_someone_else_cannot_pick_up_a_stash(draft, member, client_for, citizen):
    anonymous = client_for(None)
    anonymous.post(f"/proposals/{draft.public_id}/edit/", _management({"title": "秘密", "edit_version": "0"}))
    anonymous.force_login(citizen)
    assert anonymous.get(f"/proposals/{draft.public_id}/edit/?restore=1").status_code == 404


def test_two_members_editing_at_once_lose_nothing(draft, member, member_of, npo, client_for):
    colleague = member_of(npo)
    client_for(colleague).post(
        f"/proposals/{draft.public_id}/edit/",
        _management({"title": "同僚の版", "project_year": "1", "edit_version": "0"}),
    )
    response = client_for(member).post(
        f"/proposals/{draft.public_id}/edit/",
        _management({"title": "わたしの版", "project_year": "1", "edit_version": "0"}),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "わたしの版" in page
    assert 'name="edit_version" value="1"' in page
    draft.refresh_from_db()
    assert draft.title == "同僚の版"


def test_attachments_upload_check_and_download(draft, member, client_for, required_document):
    client = client_for(member)
    url = f"/proposals/{draft.public_id}/edit/"
    data = _management({"project_year": "1", "edit_version": "0", "document": str(required_document.pk)})
    data["file"] = pdf_upload("../../etc/団体 規約?.pdf")
    client.post(url, data)
    attachment = ProposalAttachment.objects.get()
    assert attachment.original_name == "団体 規約.pdf"
    assert attachment.document == required_document
    assert "団体" not in attachment.file.name and "/etc" not in attachment.file.name
    response = client.get(attachment.get_absolute_url())
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")

    data = _management({"project_year": "1", "edit_version": "1"})
    data["file"] = pdf_upload("virus.pdf", b"MZ\x90\x00 not a pdf at all")
    response = client.post(url, data, follow=True)
    assert "添付できません" in response.content.decode()
    assert ProposalAttachment.objects.count() == 1

    data = _management({"project_year": "1", "edit_version": "2", "delete_attachment": str(attachment.public_id)})
    client.post(url, data)
    assert ProposalAttachment.objects.count() == 0


def test_withdrawal_asks_for_a_reason(complete_draft, member, client_for):
    from proposals import services

    services.proposal_submit(proposal=complete_draft, user=member)
    client = client_for(member)
    url = f"/proposals/{complete_draft.public_id}/withdraw/"
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "このフィールドは必須です" in response.content.decode()
    client.post(url, {"reason": "会場が確保できなくなったため"})
    complete_draft.refresh_from_db()
    assert complete_draft.status == "withdrawn"
    assert "会場が確保できなくなったため" in client.get(complete_draft.get_absolute_url()).content.decode()


def test_a_closed_call_refuses_the_submission(complete_draft, member, client_for):
    Call.objects.filter(pk=complete_draft.call_id).update(
        opens_at=timezone.now() - datetime.timedelta(days=20), closes_at=timezone.now() - datetime.timedelta(seconds=5)
    )
    response = client_for(member).post(f"/proposals/{complete_draft.public_id}/submit/", {"edit_version": "0"})
    assert response.status_code == 302
    complete_draft.refresh_from_db()
    assert complete_draft.status == "draft"


def test_staff_create_a_call_once_and_publish_it(nakahara_officer, schemes, departments, client_for):
    client = client_for(nakahara_officer)
    assert client.get("/calls/manage/new/").status_code == 200
    token = str(uuid.uuid4())
    data = {
        "title": "中原区 子育て支援の協働事業",
        "scheme": schemes["ward_proposal"].pk,
        "department": departments["中原区役所"].pk,
        "fiscal_year": "2027",
        "purpose": "目的",
        "max_years": "3",
        "amount_cap": "500000",
        "first_year_cap": "700000",
        "opens_at_0": "2026-12-01",
        "opens_at_1": "09:00:00",
        "closes_at_0": "2027-01-15",
        "closes_at_1": "23:59:59",
        "creation_token": token,
    }
    for prefix in ("documents", "criteria", "milestones"):
        data.update({f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "0"})
    data.update({"documents-0-name": "役員名簿", "documents-0-is_required": "on"})
    data.update({"criteria-0-name": "協働の必要性", "criteria-0-weight": "20", "milestones-0-name": "書類審査"})
    response = client.post("/calls/manage/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    client.post("/calls/manage/new/", data)
    call = Call.objects.get()
    assert call.closes_at == datetime.datetime(2027, 1, 15, 14, 59, 59, tzinfo=datetime.UTC)
    assert call.created_by == nakahara_officer
    assert list(call.criteria.values_list("name", "weight")) == [("協働の必要性", 20)]
    assert not call.is_published
    client.post(f"/calls/manage/{call.pk}/publish/", {"publish": "1"})
    call.refresh_from_db()
    assert call.is_published


def test_staff_cannot_put_a_call_under_another_ward(nakahara_officer, schemes, departments, client_for):
    data = {
        "title": "よその区の募集",
        "scheme": schemes["ward_proposal"].pk,
        "department": departments["宮前区役所"].pk,
        "fiscal_year": "2027",
        "purpose": "目的",
        "max_years": "1",
        "opens_at_0": "2026-12-01",
        "opens_at_1": "09:00",
        "closes_at_0": "2026-11-01",
        "closes_at_1": "09:00",
    }
    for prefix in ("documents", "criteria", "milestones"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client_for(nakahara_officer).post("/calls/manage/new/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "正しく選択してください" in page
    assert "締切は受付開始より後にしてください" in page
    assert not Call.objects.exists()


def test_rows_removed_by_another_member_never_block_a_save(draft, member, member_of, npo, client_for):
    row = draft.schedule_items.create(when="4月", what="準備会", order=1)
    url = f"/proposals/{draft.public_id}/edit/"
    stale = _management(
        {
            "title": "わたしの題名",
            "project_year": "1",
            "edit_version": "0",
            "schedule-TOTAL_FORMS": "1",
            "schedule-INITIAL_FORMS": "1",
            "schedule-0-id": str(row.pk),
            "schedule-0-when": "5月",
            "schedule-0-what": "わたしが書いた行",
        }
    )
    row.delete()  # another member removed the row and saved
    type(draft).objects.filter(pk=draft.pk).update(edit_version=1)
    response = client_for(member).post(url, stale)
    page = response.content.decode()
    assert response.status_code == 200
    assert "わたしの題名" in page and "わたしが書いた行" in page
    assert 'name="edit_version" value="1"' in page
    # Saving from the fresh page now works.
    response = client_for(member).post(
        url, _management({"title": "わたしの題名", "project_year": "1", "edit_version": "1"})
    )
    assert response.status_code == 302


def test_a_double_click_on_save_adds_a_row_once(draft, member, client_for):
    url = f"/proposals/{draft.public_id}/edit/"
    data = _management(
        {
            "project_year": "1",
            "edit_version": "0",
            "schedule-TOTAL_FORMS": "1",
            "schedule-0-when": "5月",
            "schedule-0-what": "本番",
        }
    )
    client = client_for(member)
    client.post(url, data)
    second = client.post(url, data)
    assert second.status_code == 200
    assert draft.schedule_items.count() == 1


def test_text_typed_while_another_member_submitted_is_shown_back(complete_draft, member, member_of, npo, client_for):
    from proposals import services

    services.proposal_submit(proposal=complete_draft, user=member_of(npo))
    response = client_for(member).post(
        f"/proposals/{complete_draft.public_id}/edit/",
        _management({"title": "提出後に書いた題名", "project_year": "1", "edit_version": "0"}),
    )
    assert response.status_code == 200
    assert "提出後に書いた題名" in response.content.decode()


def test_stashes_are_kept_only_for_real_proposals_of_a_sensible_size(draft, client_for):
    anonymous = client_for(None)
    anonymous.post(f"/proposals/{uuid.uuid4()}/edit/", {"title": "x"})
    assert STASH_KEY not in anonymous.session
    anonymous.post(f"/proposals/{draft.public_id}/edit/", {"title": "字" * 300_000})
    assert STASH_KEY not in anonymous.session
