"""The window's pages: the whole trail through HTTP, wrong input, attachments, statistics, English, and
query counts that do not grow with the rows listed."""

import datetime
import io
import re
import uuid

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from tests.factories import StaffAssignmentFactory, UserFactory
from window import services
from window.models import Referral, WindowAttachment, WindowEvent, WindowProposal
from window.workflow import ASK_INFO, DECLINE

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _text(response) -> str:
    return response.content.decode()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 20), color=(200, 80, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _draft_data(proposal: WindowProposal, **overrides) -> dict:
    data = {
        "kind": proposal.kind,
        "title": proposal.title,
        "problem": proposal.problem,
        "offer": proposal.offer,
        "ask": proposal.ask,
        "prior_contact": proposal.prior_contact,
        "contact_name": proposal.contact_name,
        "contact_phone": proposal.contact_phone,
        "edit_version": str(proposal.edit_version),
        "action": "save",
    }
    if proposal.citywide:
        data["citywide"] = "on"
    if proposal.public_consent:
        data["public_consent"] = "on"
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# ----------------------------------------------------------------------------------------------------------
# The whole trail


def test_the_whole_trail_through_the_pages(
    organisation, proposer, window_officer, kenko_officer, departments, client_for, django_capture_on_commit_callbacks
):
    client = client_for(proposer)
    start = client.get("/window/new/")
    assert start.status_code == 200
    token = str(start.context["creation_token"])
    assert f'value="{token}"' in _text(start)

    # Starting a draft: a second click with the same token opens the same draft.
    data = {"partner": str(organisation.pk), "kind": "consultation", "creation_token": token}
    first = client.post("/window/new/", data)
    assert first.status_code == 302
    proposal = WindowProposal.objects.get()
    assert first.url == f"/window/{proposal.public_id}/edit/"
    assert proposal.kind == "consultation"
    assert proposal.status == "draft"
    again = client.post("/window/new/", data)
    assert again.status_code == 302
    assert again.url == first.url
    assert WindowProposal.objects.count() == 1
    assert WindowEvent.objects.filter(action="create").count() == 1

    # ?check=1 lists what is missing; the confirm page sends an incomplete draft back there.
    check = client.get(f"/window/{proposal.public_id}/edit/?check=1")
    assert check.status_code == 200
    assert set(check.context["problems"]) >= {"title", "problem", "offer", "ask", "wards"}
    assert "提出の前に必要なこと" in _text(check)
    assert "提出前に記入してください。" in _text(check)
    assert "関係する区を選ぶか、「市全域」を選んでください。" in _text(check)
    incomplete = client.get(f"/window/{proposal.public_id}/submit/")
    assert incomplete.status_code == 302
    assert incomplete.url == f"/window/{proposal.public_id}/edit/?check=1"

    # Saving with the version shown.
    proposal.refresh_from_db()
    saved = client.post(
        f"/window/{proposal.public_id}/edit/",
        _draft_data(
            proposal,
            title="多摩川の清掃を流域の団体で",
            problem="河川敷のごみが多い。",
            offer="月1回の清掃。",
            ask="ごみ袋と収集。",
            citywide="on",
            contact_phone="044-000-1111",
            public_consent="on",
        ),
    )
    assert saved.status_code == 302
    assert saved.url == f"/window/{proposal.public_id}/edit/"
    proposal.refresh_from_db()
    assert proposal.title == "多摩川の清掃を流域の団体で"
    assert proposal.edit_version == 1

    # A save from a page opened before that one: the conflict is shown, the typed text kept, nothing saved.
    stale = client.post(
        f"/window/{proposal.public_id}/edit/",
        _draft_data(proposal, title="古い画面から打った題名", edit_version="0"),
    )
    assert stale.status_code == 200
    assert "この画面を開いたあとに、この下書きが保存されています" in _text(stale)
    assert stale.context["saved"].title == "多摩川の清掃を流域の団体で"
    assert 'value="古い画面から打った題名"' in _text(stale)
    assert "その間に保存された内容" in _text(stale)
    assert stale.context["edit_version"] == 1, "saving again from this page replaces the saved version"
    proposal.refresh_from_db()
    assert proposal.title == "多摩川の清掃を流域の団体で"
    assert proposal.edit_version == 1

    # Confirm, then submit (once).
    confirm = client.get(f"/window/{proposal.public_id}/submit/")
    assert confirm.status_code == 200
    assert "多摩川の清掃を流域の団体で" in _text(confirm)
    with django_capture_on_commit_callbacks(execute=True):
        submitted = client.post(f"/window/{proposal.public_id}/submit/", {"edit_version": "1"})
    assert submitted.status_code == 302
    assert submitted.url == proposal.get_absolute_url()
    proposal.refresh_from_db()
    assert proposal.status == "submitted"
    assert proposal.receipt_number
    twice = client.post(f"/window/{proposal.public_id}/submit/", {"edit_version": "1"})
    assert twice.status_code == 302
    assert WindowEvent.objects.filter(proposal=proposal, action="submit").count() == 1
    assert any(proposal.receipt_number in message for message in _messages(twice))

    # The window acknowledges and routes.
    window_client = client_for(window_officer)
    page = window_client.get(proposal.get_absolute_url())
    assert page.context["can_acknowledge"]
    assert f"/window/{proposal.public_id}/acknowledge/" in _text(page)
    acknowledged = window_client.post(
        f"/window/{proposal.public_id}/acknowledge/", {"comment": "担当は窓口の山田です。"}
    )
    assert acknowledged.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "acknowledged"
    route_page = window_client.get(f"/window/{proposal.public_id}/route/")
    assert route_page.status_code == 200
    assert "健康福祉局" in _text(route_page)
    routed = window_client.post(
        f"/window/{proposal.public_id}/route/",
        {"departments": [str(departments["健康福祉局"].pk)], "comment": "庁内メモ：福祉の観点で"},
    )
    assert routed.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "routed"
    referral = proposal.referrals.get()
    assert referral.department == departments["健康福祉局"]

    # The department finds it in its list and answers.
    department_client = client_for(kenko_officer)
    listed = department_client.get("/window/referrals/")
    assert "多摩川の清掃を流域の団体で" in _text(listed)
    page = department_client.get(proposal.get_absolute_url())
    assert [r.pk for r in page.context["answerable"]] == [referral.pk]
    answered = department_client.post(
        f"/window/referrals/{referral.pk}/answer/", {"answer": "accept", "comment": "来年度の事業で取り組みます。"}
    )
    assert answered.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "answered"

    # The proposer reads the answer and the trail, without the internal note.
    mine = client.get("/window/mine/")
    assert "多摩川の清掃を流域の団体で" in _text(mine)
    page = client.get(proposal.get_absolute_url())
    text = _text(page)
    assert "来年度の事業で取り組みます。" in text
    assert "担当は窓口の山田です。" in text
    assert "庁内メモ：福祉の観点で" not in text
    labels = [entry.label for entry in page.context["trail"]]
    assert labels == ["下書きを作成", "窓口で受付", *labels[2:]]
    assert "所管部署が受け止め" in labels
    assert len(labels) == 6  # create, submit, acknowledge, route, accept, answered
    assert not any(entry.actor for entry in page.context["trail"]), "the proposer reads departments, not names"


def test_the_start_page_without_an_organisation_says_what_to_do(citizen, window, client_for):
    response = client_for(citizen).get("/window/new/")
    assert response.status_code == 200
    assert "/partners/" in _text(response)
    refused = client_for(citizen).post("/window/new/", {"partner": "1", "creation_token": str(uuid.uuid4())})
    assert refused.status_code == 200
    assert WindowProposal.objects.count() == 0


@pytest.mark.parametrize("partner", ["abc", HUGE, "-1", ""])
def test_the_start_page_refuses_an_organisation_that_is_not_the_users(partner, proposer, window, client_for, kawasaki):
    from tests.factories import PartnerFactory

    other = PartnerFactory(municipality=kawasaki)
    for value in (partner, str(other.pk)):
        response = client_for(proposer).post(
            "/window/new/", {"partner": value, "kind": "proposal", "creation_token": str(uuid.uuid4())}
        )
        assert response.status_code == 200, value
        assert response.context["form"].errors["partner"]
    assert WindowProposal.objects.count() == 0


def test_a_bad_creation_token_still_starts_one_draft(organisation, proposer, window, client_for):
    response = client_for(proposer).post(
        "/window/new/", {"partner": str(organisation.pk), "kind": "proposal", "creation_token": "not-a-uuid"}
    )
    assert response.status_code == 302
    assert WindowProposal.objects.count() == 1


def test_a_bad_edit_version_is_a_conflict_not_an_error(make_proposal, proposer, client_for):
    proposal = make_proposal("draft")
    for version in ("abc", HUGE, ""):
        response = client_for(proposer).post(
            f"/window/{proposal.public_id}/edit/", _draft_data(proposal, title="別の題名", edit_version=version)
        )
        assert response.status_code == 200, version
        assert "この画面を開いたあとに" in _text(response)
    proposal.refresh_from_db()
    assert proposal.title == "公園の花壇を地域で育てる"
    submit = client_for(proposer).post(f"/window/{proposal.public_id}/submit/", {"edit_version": "abc"})
    assert submit.status_code == 302
    assert submit.url == f"/window/{proposal.public_id}/submit/"
    proposal.refresh_from_db()
    assert proposal.status == "draft"


def test_an_invalid_draft_keeps_the_typed_text(make_proposal, proposer, client_for):
    proposal = make_proposal("draft")
    response = client_for(proposer).post(
        f"/window/{proposal.public_id}/edit/",
        _draft_data(proposal, title="長" * 151, kind="bogus", wards=[HUGE, "abc"], problem="打ったばかりの課題"),
    )
    assert response.status_code == 200
    assert "下書きは保存されていません" in _text(response)
    assert "打ったばかりの課題" in _text(response)
    assert set(response.context["form"].errors) >= {"title", "kind", "wards"}
    proposal.refresh_from_db()
    assert proposal.problem == "花壇の手入れをする人がいない。"


def test_deleting_a_draft(make_proposal, proposer, client_for):
    proposal = make_proposal("draft")
    client = client_for(proposer)
    assert client.get(f"/window/{proposal.public_id}/delete/").status_code == 200
    response = client.post(f"/window/{proposal.public_id}/delete/")
    assert response.status_code == 302
    assert response.url == "/window/mine/"
    assert not WindowProposal.objects.filter(pk=proposal.pk).exists()
    assert client.get(proposal.get_absolute_url()).status_code == 404


def test_the_proposer_answers_a_question_and_withdraws(make_proposal, proposer, window_officer, client_for):
    proposal = make_proposal("info_requested")
    referral = proposal.referrals.get()
    client = client_for(proposer)
    page = client.get(proposal.get_absolute_url())
    assert "人数を教えてください。" in _text(page)
    assert f"/window/referrals/{referral.pk}/reply/" in _text(page)
    empty = client.post(f"/window/referrals/{referral.pk}/reply/", {"comment": "   "})
    assert empty.status_code == 200
    assert "何も行っていません" in _text(empty)
    assert empty.context["form"].errors["comment"]
    assert Referral.objects.get(pk=referral.pk).status == "info_requested"
    replied = client.post(f"/window/referrals/{referral.pk}/reply/", {"comment": "十人です。"})
    assert replied.status_code == 302
    assert Referral.objects.get(pk=referral.pk).status == "open"

    withdraw_page = client.get(f"/window/{proposal.public_id}/withdraw/")
    assert withdraw_page.status_code == 200
    no_reason = client.post(f"/window/{proposal.public_id}/withdraw/", {"comment": ""})
    assert no_reason.status_code == 200
    assert "何も行っていません" in _text(no_reason)
    assert no_reason.context["form"].errors["comment"]
    proposal.refresh_from_db()
    assert proposal.status == "routed"
    done = client.post(f"/window/{proposal.public_id}/withdraw/", {"comment": "事情が変わりました。"})
    assert done.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"
    assert Referral.objects.get(pk=referral.pk).status == "withdrawn"
    staff_page = client_for(window_officer).get(proposal.get_absolute_url())
    assert "事情が変わりました。" in _text(staff_page)


# ----------------------------------------------------------------------------------------------------------
# Wrong input: a Japanese message and the form again, never an error page


def _form_again(response, *fields) -> None:
    assert response.status_code == 200
    assert "何も行っていません" in _text(response) or response.context["form"].non_field_errors()
    assert re.search(r"[ぁ-んァ-ン一-龥]", " ".join(str(e) for e in response.context["form"].errors.values()))
    assert 'method="post"' in _text(response)
    for name in fields:
        assert response.context["form"].errors.get(name), name


@pytest.mark.parametrize(
    "departments_value",
    [[], ["abc"], [HUGE], ["99999"], ["-5"], ["1.5"]],
    ids=["none", "non_numeric", "huge", "unknown", "negative", "decimal"],
)
def test_routing_to_an_impossible_department(departments_value, make_proposal, window_officer, client_for):
    proposal = make_proposal("acknowledged")
    response = client_for(window_officer).post(
        f"/window/{proposal.public_id}/route/", {"departments": departments_value, "comment": "ご検討ください。"}
    )
    _form_again(response, "departments")
    assert "ご検討ください。" in _text(response), "the typed note is kept"
    proposal.refresh_from_db()
    assert proposal.status == "acknowledged"


def test_routing_without_a_note_or_to_a_department_without_staff(
    make_proposal, window_officer, client_for, departments
):
    proposal = make_proposal("acknowledged")
    client = client_for(window_officer)
    no_note = client.post(
        f"/window/{proposal.public_id}/route/",
        {"departments": [str(departments["健康福祉局"].pk)], "comment": ""},
    )
    _form_again(no_note, "comment")
    # 総務局 has no staff on the portal: it is not offered, and cannot be chosen.
    unstaffed = client.post(
        f"/window/{proposal.public_id}/route/", {"departments": [str(departments["総務局"].pk)], "comment": "メモ"}
    )
    _form_again(unstaffed, "departments")
    proposal.refresh_from_db()
    assert proposal.status == "acknowledged"


def test_routing_twice_to_the_same_department_is_a_message(make_proposal, window_officer, client_for, departments):
    proposal = make_proposal("routed")
    response = client_for(window_officer).post(
        f"/window/{proposal.public_id}/route/",
        {"departments": [str(departments["健康福祉局"].pk)], "comment": "もう一度"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert proposal.referrals.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"answer": "accept", "comment": ""},
        {"answer": "bogus", "comment": "受けます"},
        {"answer": "", "comment": "受けます"},
        {"comment": "受けます"},
        {"answer": "accept", "comment": "長" * 5000},
    ],
    ids=["empty_comment", "bad_choice", "empty_choice", "no_choice", "too_long"],
)
def test_a_bad_answer(data, make_proposal, kenko_officer, client_for):
    proposal = make_proposal("routed")
    referral = proposal.referrals.get()
    response = client_for(kenko_officer).post(f"/window/referrals/{referral.pk}/answer/", data)
    assert response.status_code == 200
    assert "何も行っていません" in _text(response)
    assert Referral.objects.get(pk=referral.pk).status == "open"


@pytest.mark.parametrize("department", ["abc", HUGE, "99999", ""], ids=["non_numeric", "huge", "unknown", "empty"])
def test_passing_on_to_an_impossible_department(department, make_proposal, kenko_officer, client_for):
    proposal = make_proposal("routed")
    referral = proposal.referrals.get()
    response = client_for(kenko_officer).post(
        f"/window/referrals/{referral.pk}/pass-on/", {"department": department, "comment": "所管外です"}
    )
    _form_again(response, "department")
    assert Referral.objects.get(pk=referral.pk).status == "open"


def test_passing_on_to_its_own_department_is_not_offered(make_proposal, kenko_officer, client_for):
    proposal = make_proposal("routed")
    referral = proposal.referrals.get()
    response = client_for(kenko_officer).post(
        f"/window/referrals/{referral.pk}/pass-on/", {"department": str(referral.department_id), "comment": "自分"}
    )
    _form_again(response, "department")


@pytest.mark.parametrize(
    "data",
    [{"project": HUGE, "comment": "x"}, {"call": "abc", "comment": "x"}, {"comment": ""}],
    ids=["huge_project", "bad_call", "nothing"],
)
def test_a_bad_follow_up(data, make_proposal, kenko_officer, client_for):
    proposal = make_proposal("accepted")
    referral = proposal.referrals.get()
    response = client_for(kenko_officer).post(f"/window/referrals/{referral.pk}/follow-up/", data)
    assert response.status_code == 200
    assert not WindowEvent.objects.filter(proposal=proposal, action="link").exists()


@pytest.mark.parametrize("path", ["answer", "pass-on", "reply", "follow-up"])
@pytest.mark.parametrize("pk", [HUGE, "0", "99999"])
def test_referral_pages_of_impossible_ids(path, pk, kenko_officer, client_for, window):
    assert client_for(kenko_officer).get(f"/window/referrals/{pk}/{path}/").status_code == 404


@pytest.mark.parametrize("url", ["/window/referrals/abc/answer/", "/window/not-a-uuid/", "/window/123/edit/"])
def test_malformed_urls_are_not_found(url, admin_user, client_for, window):
    assert client_for(admin_user).get(url).status_code == 404


def test_a_proposal_that_does_not_exist(admin_user, client_for, window):
    missing = uuid.uuid4()
    client = client_for(admin_user)
    for path in ("", "edit/", "submit/", "withdraw/", "route/", f"attachments/{uuid.uuid4()}/"):
        assert client.get(f"/window/{missing}/{path}").status_code == 404, path


@pytest.mark.parametrize("page", ["abc", "0", "-1", HUGE, "99999", ""])
def test_bad_page_numbers(page, make_proposal, proposer, window_officer, kenko_officer, client_for):
    make_proposal("routed")
    pages = {
        "/window/": client_for(None),
        "/window/mine/": client_for(proposer),
        "/window/manage/": client_for(window_officer),
        "/window/referrals/": client_for(kenko_officer),
    }
    for url, client in pages.items():
        response = client.get(url, {"page": page})
        assert response.status_code == 200, url
        assert response.context["page"].number >= 1


NO_SUCH_YEAR = "その年度に受け付けた提案はありません。すべての年度を表示しています。"


@pytest.mark.parametrize("year", ["abc", HUGE, "1999", "-2025", "20x5", " ", ""])
def test_statistics_of_a_bad_year_show_every_year(year, make_proposal, client_for):
    make_proposal("accepted")
    response = client_for(None).get("/window/statistics/", {"year": year})
    assert response.status_code == 200
    assert response.context["stats"].fiscal_year is None
    assert response.context["stats"].years
    if year.strip() in ("", "abc", "20x5"):
        return
    assert NO_SUCH_YEAR in _messages(response)


@pytest.mark.parametrize("year", ["abc", "20x5", "2025年"])
def test_statistics_of_a_year_that_is_not_a_number_say_so(year, make_proposal, client_for):
    """A year that is not a number is as wrong as one without proposals: the reader is told that every year is
    shown, not left to believe the table is of the year asked for."""
    make_proposal("accepted")
    response = client_for(None).get("/window/statistics/", {"year": year})
    assert response.status_code == 200
    assert NO_SUCH_YEAR in _messages(response)


@pytest.mark.parametrize(
    "params",
    [
        {"status": "draft"},
        {"status": "bogus"},
        {"fiscal_year": "abc"},
        {"fiscal_year": HUGE},
        {"fiscal_year": "1999"},
        {"ward": HUGE},
        {"ward": "abc"},
        {"ward": "-1"},
        {"field": HUGE},
        {"field": "x"},
        {"q": "長" * 300},
    ],
    ids=lambda params: "-".join(f"{key}={value[:10]}" for key, value in params.items()),
)
def test_bad_filters_on_the_public_list(params, make_proposal, client_for):
    make_proposal("routed")
    response = client_for(None).get("/window/", params)
    assert response.status_code == 200
    assert "正しくない条件があります。直してからもう一度検索してください。" in _text(response)
    assert list(response.context["proposals"]) == []


def test_good_filters_on_the_public_list(make_proposal, client_for, kawasaki_wards, activity_fields):
    proposal = make_proposal("routed")
    ward = next(iter(kawasaki_wards.values()))
    for params in (
        {"status": "routed"},
        {"fiscal_year": str(proposal.fiscal_year)},
        {"ward": str(ward.pk)},  # a city-wide proposal touches every ward
        {"q": "花壇"},
    ):
        response = client_for(None).get("/window/", params)
        assert response.status_code == 200
        assert [p.pk for p in response.context["proposals"]] == [proposal.pk], params
    field = next(iter(activity_fields.values()))
    assert list(client_for(None).get("/window/", {"field": str(field.pk)}).context["proposals"]) == []


@pytest.mark.parametrize(
    "params",
    [{"status": "bogus"}, {"status": "draft"}, {"overdue": "maybe"}, {"q": "長" * 300}, {"status": "submitted"}],
)
def test_bad_filters_on_the_staff_lists(params, make_proposal, window_officer, kenko_officer, client_for):
    make_proposal("routed")
    assert client_for(window_officer).get("/window/manage/", params).status_code == 200
    for state in ("bogus", "", "done", "all"):
        response = client_for(kenko_officer).get("/window/referrals/", {"state": state, **params})
        assert response.status_code == 200


def test_the_overdue_filter_lists_a_proposal_once(make_proposal, window_officer, client_for):
    proposal = make_proposal("routed", to=("健康福祉局", "環境局", "中原区役所"))
    Referral.objects.filter(proposal=proposal).update(due_on=datetime.date(2020, 4, 1))
    response = client_for(window_officer).get("/window/manage/", {"overdue": "on"})
    assert response.status_code == 200
    assert [p.pk for p in response.context["proposals"]] == [proposal.pk]
    assert response.context["page"].paginator.count == 1
    overdue = client_for(window_officer).get("/window/manage/overdue/")
    assert len(overdue.context["items"]) == 3, "one item for each department late with its answer"


def test_save_and_check_goes_to_the_confirm_page(make_proposal, proposer, client_for):
    proposal = make_proposal("draft")
    response = client_for(proposer).post(
        f"/window/{proposal.public_id}/edit/", _draft_data(proposal, action="check", title="確認へ進む提案")
    )
    assert response.status_code == 302
    assert response.url == f"/window/{proposal.public_id}/submit/"
    page = client_for(proposer).get(response.url)
    assert page.status_code == 200
    assert "確認へ進む提案" in _text(page)


def test_withholding_needs_a_reason(make_proposal, window_officer, client_for):
    proposal = make_proposal("routed")
    client = client_for(window_officer)
    response = client.post(f"/window/{proposal.public_id}/publication/", {"withheld": "on", "comment": ""})
    assert response.status_code == 200
    assert response.context["form"].errors.get("comment") or response.context["form"].non_field_errors()
    proposal.refresh_from_db()
    assert not proposal.withheld
    done = client.post(f"/window/{proposal.public_id}/publication/", {"withheld": "on", "comment": "個人名があるため"})
    assert done.status_code == 302
    assert client_for(None).get(proposal.get_absolute_url()).status_code == 404
    shown = client.post(f"/window/{proposal.public_id}/publication/", {"comment": ""})
    assert shown.status_code == 302
    assert client_for(None).get(proposal.get_absolute_url()).status_code == 200


# ----------------------------------------------------------------------------------------------------------
# Attachments


def test_attachments_are_checked_and_downloaded_by_the_parties_only(
    make_proposal, proposer, window_officer, kenko_officer, client_for, departments, officer_of
):
    proposal = make_proposal("draft")
    client = client_for(proposer)
    url = f"/window/{proposal.public_id}/edit/"
    added = client.post(url, {**_draft_data(proposal), "file": _upload("活動写真.png", png_bytes())}, follow=True)
    assert added.status_code == 200
    assert any("活動写真.png" in message for message in _messages(added))
    attachment = WindowAttachment.objects.get(proposal=proposal)
    assert attachment.original_name == "活動写真.png"
    assert attachment.content_type == "image/png"

    proposal.refresh_from_db()
    refused = client.post(
        url, {**_draft_data(proposal), "file": _upload("見積書.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200)}
    )
    assert refused.status_code == 302
    followed = client.get(refused.url)
    text = _text(followed)
    assert "見積書.pdfは添付できませんでした" in text
    assert "この種類のファイルは添付できません" in text
    assert WindowAttachment.objects.filter(proposal=proposal).count() == 1

    download = client.get(attachment.get_absolute_url())
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")
    # A draft's attachment is the organisation's only.
    for user in (None, window_officer, kenko_officer):
        assert client_for(user).get(attachment.get_absolute_url()).status_code == 404

    proposal.refresh_from_db()
    services.proposal_submit(proposal=proposal, user=proposer)
    services.proposal_acknowledge(proposal=proposal, user=window_officer)
    services.proposal_route(
        proposal=proposal, user=window_officer, departments=[departments["健康福祉局"]], note="ご検討ください。"
    )
    for user in (proposer, window_officer, kenko_officer):
        response = client_for(user).get(attachment.get_absolute_url())
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
    # Published, but the attachments never are.
    assert client_for(None).get(proposal.get_absolute_url()).status_code == 200
    for user in (None, UserFactory(), officer_of(departments["中原区役所"])):
        assert client_for(user).get(attachment.get_absolute_url()).status_code == 404
    # Another proposal's attachment id under this proposal's address.
    other = make_proposal("draft", title="別の提案")
    assert client.get(f"/window/{other.public_id}/attachments/{attachment.public_id}/").status_code == 404


@pytest.mark.parametrize("problem", ["invalid_form", "conflict"])
def test_a_file_chosen_with_a_draft_that_was_not_saved_is_asked_for_again(problem, make_proposal, proposer, client_for):
    """A file input cannot be kept like typed text: when the draft is not saved, the chosen file is not
    attached either, and the proposer is told to choose it again (as on a call proposal's draft)."""
    proposal = make_proposal("draft")
    overrides = {"title": "長" * 151} if problem == "invalid_form" else {"edit_version": "7"}
    response = client_for(proposer).post(
        f"/window/{proposal.public_id}/edit/",
        {**_draft_data(proposal, **overrides), "file": _upload("活動写真.png", png_bytes())},
    )
    assert response.status_code == 200
    assert not WindowAttachment.objects.exists()
    assert "活動写真.pngは添付されていません。もう一度選んでください。" in _messages(response)


def test_removing_an_attachment_from_a_draft(make_proposal, proposer, client_for):
    proposal = make_proposal("draft")
    client = client_for(proposer)
    client.post(f"/window/{proposal.public_id}/edit/", {**_draft_data(proposal), "file": _upload("a.png", png_bytes())})
    attachment = WindowAttachment.objects.get()
    proposal.refresh_from_db()
    response = client.post(
        f"/window/{proposal.public_id}/edit/",
        {**_draft_data(proposal), "delete_attachment": [str(attachment.public_id), "not-a-uuid", str(uuid.uuid4())]},
    )
    assert response.status_code == 302
    assert not WindowAttachment.objects.exists()


# ----------------------------------------------------------------------------------------------------------
# Statistics


def test_the_statistics_page_counts(make_proposal, client_for):
    make_proposal("accepted", title="受け止められた提案")
    make_proposal("declined", title="断られた提案")
    make_proposal("routed", title="検討中の提案")
    make_proposal("withdrawn", title="取り下げた提案")
    make_proposal("draft", title="下書き")
    response = client_for(None).get("/window/statistics/")
    assert response.status_code == 200
    stats = response.context["stats"]
    (row,) = stats.years
    assert (row.received, row.answered, row.open, row.withdrawn) == (4, 2, 1, 1)
    assert row.answered_in_time == 2
    kenko = next(r for r in stats.departments if r.department.name == "健康福祉局")
    assert (kenko.routed, kenko.answered, kenko.accepted, kenko.declined, kenko.open) == (3, 2, 1, 1, 1)
    text = _text(response)
    assert "健康福祉局" in text
    assert re.search(r'<td class="text-end">4</td>', text)
    by_year = client_for(None).get("/window/statistics/", {"year": str(row.fiscal_year)})
    assert by_year.status_code == 200
    assert by_year.context["stats"].fiscal_year == row.fiscal_year
    assert not _messages(by_year)


def test_the_statistics_page_with_nothing(window, client_for):
    response = client_for(None).get("/window/statistics/")
    assert response.status_code == 200
    assert response.context["stats"].years == []


# ----------------------------------------------------------------------------------------------------------
# English


@pytest.fixture
def english(client_for):
    def make(user):
        client = client_for(user)
        client.cookies["django_language"] = "en"
        return client

    return make


def test_the_window_pages_in_english(
    english, make_proposal, proposer, window_officer, kenko_officer, admin_user, citizen
):
    routed = make_proposal("routed")
    asked = make_proposal("info_requested", title="質問のある提案")
    draft = make_proposal("draft", title="下書きの提案")
    accepted = make_proposal("accepted", title="受け止められた提案")
    referral = asked.referrals.get()
    pages = {
        None: ["/window/", "/window/statistics/", routed.get_absolute_url(), accepted.get_absolute_url()],
        citizen: ["/window/new/", "/window/mine/"],
        proposer: [
            "/window/new/",
            "/window/mine/",
            draft.get_absolute_url(),
            f"/window/{draft.public_id}/edit/",
            f"/window/{draft.public_id}/edit/?check=1",
            f"/window/{draft.public_id}/submit/",
            f"/window/{draft.public_id}/delete/",
            asked.get_absolute_url(),
            f"/window/referrals/{referral.pk}/reply/",
            f"/window/{routed.public_id}/withdraw/",
        ],
        window_officer: [
            "/window/manage/",
            "/window/manage/overdue/",
            routed.get_absolute_url(),
            f"/window/{routed.public_id}/route/",
            f"/window/{routed.public_id}/publication/",
        ],
        kenko_officer: [
            "/window/referrals/",
            "/window/referrals/?state=all",
            routed.get_absolute_url(),
            f"/window/referrals/{routed.referrals.get().pk}/answer/",
            f"/window/referrals/{routed.referrals.get().pk}/pass-on/",
            f"/window/referrals/{accepted.referrals.get().pk}/follow-up/",
        ],
        admin_user: ["/window/manage/", "/window/manage/overdue/", "/window/referrals/"],
    }
    for user, urls in pages.items():
        client = english(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            text = _text(response)
            assert '<html lang="en"' in text, url
            assert "Collaboration window" in text or "collaboration window" in text, url
    home = _text(english(None).get("/window/"))
    assert "City-wide collaboration window" in home
    page = english(kenko_officer).get(routed.get_absolute_url())
    assert "Routed" in [entry.label for entry in page.context["trail"]] or "Route to departments" in [
        entry.label for entry in page.context["trail"]
    ]
    assert "With the departments" in _text(page)


# ----------------------------------------------------------------------------------------------------------
# Query counts: the same for 1 row as for 6


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def _staff_for(departments_by_name: dict, names) -> None:
    from partners.models import staff_serving

    for name in names:
        if not staff_serving(departments_by_name[name]).exists():
            StaffAssignmentFactory(department=departments_by_name[name], user=UserFactory())


SIX = ("健康福祉局", "環境局", "中原区役所", "総務局", "市民・こども局", "高津区役所")


@pytest.fixture
def add_rows(make_proposal, window_officer, departments):
    """Proposals in a mix of states, each routed to 健康福祉局 and 環境局, with deadlines passed."""
    _staff_for(departments, ("健康福祉局", "環境局"))
    states = ("routed", "info_requested", "passed_on", "accepted", "declined", "routed")

    def add(count: int, start: int = 0) -> list[WindowProposal]:
        made = []
        for index in range(start, start + count):
            state = states[index % len(states)]
            to = ("健康福祉局",) if state == "passed_on" else ("健康福祉局", "環境局")
            made.append(make_proposal(state, title=f"提案{index:02d}", to=to))
        past = datetime.date(2020, 4, 1)
        Referral.objects.filter(status="open").update(due_on=past)
        return made

    return add


QUERY_BOUNDS = {
    # url: (role, the smallest bound that holds for 6 rows; the count is the same for 1)
    "/window/": ("anonymous", 7),
    "/window/statistics/": ("anonymous", 5),
    "/window/manage/": ("window_officer", 7),
    "/window/referrals/": ("kenko_officer", 6),
    "/window/mine/": ("proposer", 6),
    "/window/manage/overdue/": ("window_officer", 7),
}


@pytest.mark.parametrize("url", list(QUERY_BOUNDS))
def test_list_query_counts_do_not_grow(
    url, add_rows, client_for, proposer, window_officer, kenko_officer, django_assert_max_num_queries
):
    role, bound = QUERY_BOUNDS[url]
    user = {"anonymous": None, "proposer": proposer, "window_officer": window_officer, "kenko_officer": kenko_officer}
    client = client_for(user[role])
    add_rows(1)
    client.get(url)  # the session and the caches warmed
    with django_assert_max_num_queries(bound):
        few = client.get(url)
    few_count = _count(client, url)
    add_rows(5, start=1)
    with django_assert_max_num_queries(bound):
        many = client.get(url)
    many_count = _count(client, url)
    assert few.status_code == many.status_code == 200
    if url == "/window/statistics/":
        assert [row.received for row in many.context["stats"].years] == [6]
    else:
        assert _text(many).count("提案0") > _text(few).count("提案0") > 0, "the page does list more rows"
    assert many_count == few_count, f"{few_count} queries for 1 proposal, {many_count} for 6"


DETAIL_BOUND = {"window_officer": 18, "proposer": 14, "anonymous": 7, "kenko_officer": 19}


@pytest.fixture
def routed_to(make_proposal, departments):
    """A proposal with 1 referral (accepted), or with 6 of every kind: accepted, declined, waiting for the
    proposer, two passed on (to the sixth and seventh departments) and those two open."""
    from partners.models import staff_serving

    def answer(referral, transition, text):
        user = staff_serving(referral.department).first()
        services.referral_answer(referral=referral, user=user, transition=transition, text=text)

    def make(n: int) -> WindowProposal:
        if n == 1:
            proposal = make_proposal("accepted", title="1部署に回付した提案")
            return WindowProposal.objects.get(pk=proposal.pk)
        names = ("健康福祉局", "環境局", "中原区役所", "総務局")
        _staff_for(departments, (*names, "市民・こども局", "高津区役所"))
        proposal = make_proposal("accepted", title="6部署に回付した提案", to=names)
        referrals = {r.department.name: r for r in Referral.objects.filter(proposal=proposal)}
        answer(referrals["環境局"], DECLINE, "断ります")
        for source, target in (("中原区役所", "市民・こども局"), ("総務局", "高津区役所")):
            referral = Referral.objects.get(pk=referrals[source].pk)
            user = staff_serving(referral.department).first()
            services.referral_pass_on(referral=referral, user=user, department=departments[target], note="所管です")
        answer(Referral.objects.get(proposal=proposal, department=departments["高津区役所"]), ASK_INFO, "質問")
        statuses = sorted(Referral.objects.filter(proposal=proposal).values_list("status", flat=True))
        assert statuses == ["accepted", "declined", "info_requested", "open", "passed_on", "passed_on"]
        return WindowProposal.objects.get(pk=proposal.pk)

    return make


@pytest.mark.parametrize("role", list(DETAIL_BOUND))
def test_proposal_page_query_count_does_not_grow(
    role, routed_to, client_for, proposer, window_officer, kenko_officer, django_assert_max_num_queries
):
    user = {"anonymous": None, "proposer": proposer, "window_officer": window_officer, "kenko_officer": kenko_officer}
    client = client_for(user[role])
    one = routed_to(1)
    six = routed_to(6)
    client.get(one.get_absolute_url())
    with django_assert_max_num_queries(DETAIL_BOUND[role]):
        response_one = client.get(one.get_absolute_url())
    with django_assert_max_num_queries(DETAIL_BOUND[role]):
        response_six = client.get(six.get_absolute_url())
    assert len(response_one.context["referrals"]) == 1
    assert len(response_six.context["referrals"]) == 6
    assert "市民・こども局" in _text(response_six)  # "passed on to …"
    assert _count(client, one.get_absolute_url()) == _count(client, six.get_absolute_url())
