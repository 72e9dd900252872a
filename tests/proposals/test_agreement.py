"""The agreement (協定書) of an adopted proposal: drawn up, edited, signed into a published project, printed as PDF."""

import datetime
import io
from urllib.parse import quote

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation

from partners.models import StaffAssignment
from projects.models import Agreement, Project
from projects.selectors import project_catalogue
from proposals import agreement as agreements
from proposals import review, services
from proposals.models import ProposalAgreement, ProposalEvent
from proposals.workflow import Outcome, Status
from tests.factories import PartnerFactory, StaffAssignmentFactory, UserFactory
from tests.projects.test_query_counts import DETAIL_QUERIES
from tests.proposals.conftest import publish_results

pytestmark = pytest.mark.django_db

TITLE = "多摩川の水辺で子ども自然教室"
AMOUNT = 600_000
# session, user, the agreement with its proposal, call, department and partner, the proposal's roles, the
# two permission checks, and the menu's check of the user's staff assignments
PRINT_QUERIES = 7


@pytest.fixture(autouse=True)
def messages_in_english():
    """The services' messages are matched in English (the catalogue's Japanese is tested elsewhere)."""
    with translation.override("en"):
        yield


# ----------------------------------------------------------------------------------------------------------
# An adopted proposal, by the real moves of the workflow


@pytest.fixture
def approver(departments):
    """A 決裁者 of 中原区役所: approves the decisions its officers propose."""
    return StaffAssignmentFactory(
        department=departments["中原区役所"],
        role=StaffAssignment.Role.APPROVER,
        user=UserFactory(display_name="中原区役所の決裁者"),
    ).user


@pytest.fixture
def other_ward_officer(departments, officer_of):
    return officer_of(departments["高津区役所"], display_name="高津区役所の職員")


def decide(proposal, *, applicant, officer, approver, outcome=Outcome.ADOPT, amount=AMOUNT, conditions=""):
    """Submit, screen, review and decide the proposal as the officer and the approver would."""
    services.proposal_submit(proposal=proposal, user=applicant)
    review.proposal_start_screening(proposal=proposal, user=officer)
    proposal.refresh_from_db()
    confirmed = {item.key for item in review.screening_checklist(proposal=proposal)}
    review.proposal_pass_screening(proposal=proposal, user=officer, confirmed=confirmed)
    review.decision_propose(
        proposal=proposal,
        user=officer,
        outcome=outcome,
        public_reasons="地域の課題に即した、実現性の高い提案である。",
        conditions=conditions,
        amount=amount,
    )
    review.decision_approve(proposal=proposal, user=approver)
    proposal.refresh_from_db()
    return proposal


@pytest.fixture
def decided(complete_draft, member, representative, nakahara_officer, approver, activity_fields):
    """Adopted, results not yet published. The call covers two fields; the project takes them over."""
    complete_draft.call.fields.set([activity_fields[name] for name in list(activity_fields)[:2]])
    complete_draft.title = TITLE
    complete_draft.purpose = "子どもが多摩川の自然に親しみ、水辺の安全を学ぶ機会をつくる。"
    complete_draft.save()
    return decide(complete_draft, applicant=member, officer=nakahara_officer, approver=approver)


@pytest.fixture
def adopted(decided, nakahara_officer):
    publish_results(decided.call, nakahara_officer)
    decided.refresh_from_db()
    return decided


@pytest.fixture
def prepared(adopted, nakahara_officer):
    return agreements.agreement_prepare(proposal=adopted, user=nakahara_officer)


@pytest.fixture
def signed(prepared, nakahara_officer):
    project = agreements.agreement_sign(agreement=prepared, user=nakahara_officer, signed_on=timezone.localdate())
    prepared.refresh_from_db()
    return project


# ----------------------------------------------------------------------------------------------------------
# Drawing it up


def test_the_agreement_is_drawn_up_from_the_proposal_and_its_decision(adopted, nakahara_officer, npo):
    agreement = agreements.agreement_prepare(proposal=adopted, user=nakahara_officer)

    assert agreement.city_party == "川崎市中原区長"
    assert agreement.partner_party == "NPO法人なかはら子ども応援団\u3000代表者\u3000代表 花子"
    assert agreement.purpose == adopted.purpose
    assert (agreement.period_start, agreement.period_end) == (datetime.date(2027, 4, 1), datetime.date(2028, 3, 31))
    assert "金600,000円" in agreement.cost_sharing
    assert "収支計画" in agreement.cost_sharing
    assert "情報" in agreement.information_sharing and "共有" in agreement.information_sharing
    assert "公開を原則とする" in agreement.disclosure
    assert "変更" in agreement.changes_termination and "解除" in agreement.changes_termination
    assert "事業終了後、甲乙共同で振り返り（評価）を行い、その結果を公表する" in agreement.evaluation
    assert agreement.prepared_by == nakahara_officer
    assert not agreement.is_signed
    event = ProposalEvent.objects.get(proposal=adopted, action="agreement_prepared")
    assert (event.actor, event.from_status, event.to_status) == (nakahara_officer, Status.ADOPTED, Status.ADOPTED)


def test_drawing_up_twice_finds_the_same_agreement(prepared, adopted, nakahara_officer):
    again = agreements.agreement_prepare(proposal=adopted, user=nakahara_officer)
    assert again == prepared
    assert ProposalAgreement.objects.count() == 1
    assert ProposalEvent.objects.filter(action="agreement_prepared").count() == 1


def test_a_bureau_is_the_city_party_of_its_sections(departments):
    assert agreements.city_party_of(departments["環境局 減量推進課"]) == "川崎市環境局長"
    assert agreements.city_party_of(departments["中原区役所 生涯学習支援課"]) == "川崎市中原区長"


def test_without_money_the_city_bears_no_cost():
    assert "負担しない" in agreements.cost_sharing_text(None)
    assert "1,250,000円" in agreements.cost_sharing_text(1_250_000)


def test_no_agreement_before_the_results_are_published(decided, nakahara_officer):
    with pytest.raises(services.ProposalServiceError, match="results"):
        agreements.agreement_prepare(proposal=decided, user=nakahara_officer)
    assert not ProposalAgreement.objects.exists()


def test_no_agreement_before_adoption(complete_draft, member, nakahara_officer):
    services.proposal_submit(proposal=complete_draft, user=member)
    with pytest.raises(services.ProposalServiceError, match="adopted"):
        agreements.agreement_prepare(proposal=complete_draft, user=nakahara_officer)
    assert not ProposalAgreement.objects.exists()


@pytest.mark.parametrize(
    ("outcome", "conditions", "message"),
    [(Outcome.ADOPT_WITH_CONDITIONS, "予算の議決", "conditions"), (Outcome.NOT_ADOPT, "", "adopted")],
)
def test_no_agreement_for_a_conditional_or_rejected_proposal(
    complete_draft, member, nakahara_officer, approver, outcome, conditions, message
):
    proposal = decide(
        complete_draft,
        applicant=member,
        officer=nakahara_officer,
        approver=approver,
        outcome=outcome,
        conditions=conditions,
    )
    publish_results(proposal.call, nakahara_officer)
    proposal.refresh_from_db()
    with pytest.raises(services.ProposalServiceError, match=message):
        agreements.agreement_prepare(proposal=proposal, user=nakahara_officer)
    assert not ProposalAgreement.objects.exists()


def test_only_the_calls_officers_draw_it_up(adopted, other_ward_officer, kankyo_officer, member, representative):
    for user in (other_ward_officer, kankyo_officer, member, representative):
        with pytest.raises(PermissionDenied):
            agreements.agreement_prepare(proposal=adopted, user=user)
    assert not ProposalAgreement.objects.exists()


# ----------------------------------------------------------------------------------------------------------
# Editing


def test_the_officer_changes_the_text(prepared, nakahara_officer):
    saved = agreements.agreement_save(
        agreement=prepared,
        user=nakahara_officer,
        data={"city_party": "川崎市中原区長　中原 一郎", "period_end": datetime.date(2027, 12, 31)},
    )
    prepared.refresh_from_db()
    assert saved.city_party == prepared.city_party == "川崎市中原区長　中原 一郎"
    assert prepared.period_end == datetime.date(2027, 12, 31)


def test_a_period_ending_before_it_starts_is_refused(prepared, nakahara_officer):
    with pytest.raises(ValidationError):
        agreements.agreement_save(
            agreement=prepared, user=nakahara_officer, data={"period_end": datetime.date(2027, 3, 1)}
        )
    prepared.refresh_from_db()
    assert prepared.period_end == datetime.date(2028, 3, 31)


def test_only_its_fields_are_saved_and_only_by_the_calls_officers(prepared, nakahara_officer, member):
    with pytest.raises(ValueError, match="signed_on"):
        agreements.agreement_save(agreement=prepared, user=nakahara_officer, data={"signed_on": timezone.localdate()})
    with pytest.raises(PermissionDenied):
        agreements.agreement_save(agreement=prepared, user=member, data={"purpose": "書き換え"})


def test_a_signed_agreement_can_no_longer_be_changed(signed, prepared, nakahara_officer):
    with pytest.raises(services.ProposalServiceError, match="signed"):
        agreements.agreement_save(agreement=prepared, user=nakahara_officer, data={"purpose": "書き換え"})
    prepared.refresh_from_db()
    assert prepared.purpose != "書き換え"


# ----------------------------------------------------------------------------------------------------------
# Signing: the proposal becomes a published project


def test_signing_publishes_one_project_made_from_the_proposal(
    prepared, adopted, nakahara_officer, npo, departments, kawasaki_wards
):
    today = timezone.localdate()
    project = agreements.agreement_sign(agreement=prepared, user=nakahara_officer, signed_on=today)

    assert Project.objects.count() == 1 and Agreement.objects.count() == 1
    prepared.refresh_from_db()
    assert prepared.signed_on == today and prepared.project == project
    call = adopted.call
    assert project.title == TITLE
    assert project.municipality == departments["中原区役所"].municipality
    assert project.scheme == call.scheme
    assert set(project.fields.all()) == set(call.fields.all()) and project.fields.exists()
    assert list(project.wards.all()) == [kawasaki_wards["中原区"]]
    assert project.responsible_department == departments["中原区役所"]
    assert (project.problem, project.activities) == (adopted.problem, adopted.activities)
    assert (project.amount, project.amount_label) == (AMOUNT, "委託料")
    assert (project.fiscal_year_start, project.fiscal_year_end) == (2027, 2027)
    assert (project.start_date, project.end_date) == (datetime.date(2027, 4, 1), datetime.date(2028, 3, 31))
    assert project.status == Project.Status.RUNNING
    assert project.is_published and project.published_at is not None
    assert adopted.receipt_number in project.source

    assert project.agreement.signed_on == today
    assert project.agreement.municipality == project.municipality
    assert list(project.agreement.parties.all()) == [npo]
    party = project.parties.get()
    assert (party.partner, party.is_lead) == (npo, True)
    assert "広報：チラシの作成" in party.role
    indicator = project.indicators.get()
    assert (indicator.name, indicator.planned_value, indicator.unit) == ("参加者数", 100, "人")
    assert project.history.count() == 1
    assert project.history.get().history_user == nakahara_officer

    event = ProposalEvent.objects.get(proposal=adopted, action="agreement_signed")
    assert event.details == {"signed_on": today.isoformat(), "project": project.pk}


def test_the_signed_project_is_found_in_the_catalogue(signed, client):
    found = project_catalogue(params=QueryDict("q=水辺")).projects
    assert list(found) == [signed]
    response = client.get(reverse("projects:list"), {"q": "水辺"})
    assert response.status_code == 200
    assert signed in response.context["projects"]
    assert TITLE in response.content.decode()


def test_the_citys_department_is_a_party_where_the_directory_holds_it(
    prepared, nakahara_officer, departments, partner_types, kawasaki
):
    ward_office = PartnerFactory(
        name="川崎市中原区役所",
        partner_type=partner_types["city_department"],
        municipality=kawasaki,
        department=departments["中原区役所"],
    )
    project = agreements.agreement_sign(agreement=prepared, user=nakahara_officer, signed_on=timezone.localdate())
    city = project.parties.get(partner=ward_office)
    assert not city.is_lead
    assert "広報：区の広報紙への掲載" in city.role


def test_a_second_signing_creates_nothing_more(signed, prepared, nakahara_officer):
    with pytest.raises(agreements.AgreementAlreadySigned, match="already signed") as refused:
        agreements.agreement_sign(agreement=prepared, user=nakahara_officer, signed_on=timezone.localdate())
    assert refused.value.agreement.project == signed
    assert Project.objects.count() == 1 and Agreement.objects.count() == 1
    assert ProposalEvent.objects.filter(action="agreement_signed").count() == 1


@pytest.mark.parametrize(("days", "message"), [(1, "future"), (-1, "before the results")])
def test_a_signing_date_in_the_future_or_before_the_results_is_refused(prepared, nakahara_officer, days, message):
    day = timezone.localdate() + datetime.timedelta(days=days)
    with pytest.raises(services.ProposalServiceError, match=message):
        agreements.agreement_sign(agreement=prepared, user=nakahara_officer, signed_on=day)
    prepared.refresh_from_db()
    assert not prepared.is_signed
    assert not Project.objects.exists()


def test_only_the_calls_officers_sign(prepared, other_ward_officer, member):
    for user in (other_ward_officer, member):
        with pytest.raises(PermissionDenied):
            agreements.agreement_sign(agreement=prepared, user=user, signed_on=timezone.localdate())
    assert not Project.objects.exists()


def test_the_project_page_names_the_call_and_the_signing(signed, adopted, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = client.get(signed.get_absolute_url())
    page = response.content.decode()
    assert reverse("proposals:call_detail", kwargs={"pk": adopted.call.pk}) in page
    assert adopted.call.title in page
    assert "令和" in page  # the signing date, in 和暦 beside 西暦


# ----------------------------------------------------------------------------------------------------------
# The officer's page


def _edit_url(proposal) -> str:
    return reverse("agreements:edit", kwargs={"public_id": proposal.public_id})


def test_the_officer_draws_up_edits_and_signs_on_the_page(adopted, nakahara_officer, client_for):
    client = client_for(nakahara_officer)
    page = client.get(_edit_url(adopted))
    assert page.status_code == 200
    assert reverse("agreements:prepare", kwargs={"public_id": adopted.public_id}) in page.content.decode()

    response = client.post(reverse("agreements:prepare", kwargs={"public_id": adopted.public_id}))
    assert response.status_code == 302 and response.url == _edit_url(adopted)
    client.post(reverse("agreements:prepare", kwargs={"public_id": adopted.public_id}))
    agreement = ProposalAgreement.objects.get()

    page = client.get(_edit_url(adopted))
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: form[name].value() for name in agreements.EDITABLE_FIELDS}
    data["period_start"], data["period_end"] = "2027-04-01", "2028-02-28"
    response = client.post(_edit_url(adopted), {**data, "city_party": "川崎市中原区長　中原 一郎"})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.city_party == "川崎市中原区長　中原 一郎"
    assert agreement.period_end == datetime.date(2028, 2, 28)

    sign_url = reverse("agreements:sign", kwargs={"public_id": adopted.public_id})
    response = client.post(sign_url, {"signed_on": timezone.localdate().isoformat()})
    project = Project.objects.get()
    assert response.status_code == 302 and response.url == project.get_absolute_url()
    again = client.post(sign_url, {"signed_on": timezone.localdate().isoformat()})
    assert again.status_code == 302 and again.url == project.get_absolute_url()
    assert Project.objects.count() == 1


def test_bad_input_on_the_page_is_shown_not_saved(prepared, adopted, nakahara_officer, client_for):
    client = client_for(nakahara_officer)
    data = {name: getattr(prepared, name) for name in agreements.EDITABLE_FIELDS}
    data.update(period_start="2027-04-01", period_end="2027-03-01", purpose="")
    response = client.post(_edit_url(adopted), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'aria-invalid="true"' in response.content.decode()

    sign_url = reverse("agreements:sign", kwargs={"public_id": adopted.public_id})
    for day in ("", "not-a-date", (timezone.localdate() + datetime.timedelta(days=3)).isoformat()):
        response = client.post(sign_url, {"signed_on": day})
        assert response.status_code == 200
        assert response.context["signing_form"].errors["signed_on"]
    prepared.refresh_from_db()
    assert prepared.period_end == datetime.date(2028, 3, 31) and not prepared.is_signed
    assert not Project.objects.exists()


def test_the_page_explains_why_nothing_can_be_drawn_up_yet(decided, nakahara_officer, client_for):
    response = client_for(nakahara_officer).get(_edit_url(decided))
    assert response.status_code == 200
    assert response.context["refusal"]
    response = client_for(nakahara_officer).post(reverse("agreements:prepare", kwargs={"public_id": decided.public_id}))
    assert response.status_code == 302
    assert not ProposalAgreement.objects.exists()


@pytest.mark.parametrize("who", ["member", "other_ward_officer", "citizen"])
def test_the_officers_page_is_not_found_for_others(prepared, adopted, client_for, request, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(_edit_url(adopted)).status_code == 404
    assert client.post(reverse("agreements:prepare", kwargs={"public_id": adopted.public_id})).status_code == 404
    sign_url = reverse("agreements:sign", kwargs={"public_id": adopted.public_id})
    assert client.post(sign_url, {"signed_on": timezone.localdate().isoformat()}).status_code == 404
    assert not Project.objects.exists()


def test_writing_needs_post_and_a_login(prepared, adopted, nakahara_officer, client_for):
    sign_url = reverse("agreements:sign", kwargs={"public_id": adopted.public_id})
    assert client_for(nakahara_officer).get(sign_url).status_code == 405
    response = client_for(None).post(sign_url, {"signed_on": timezone.localdate().isoformat()})
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert not Project.objects.exists()


# ----------------------------------------------------------------------------------------------------------
# The printable page and the PDF


def _print_url(proposal) -> str:
    return reverse("agreements:print", kwargs={"public_id": proposal.public_id})


def _pdf_url(proposal) -> str:
    return reverse("agreements:pdf", kwargs={"public_id": proposal.public_id})


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("citizen", 404),
        ("other_ward_officer", 404),
        ("kankyo_officer", 404),
        ("member", 200),
        ("representative", 200),
        ("nakahara_officer", 200),
        ("approver", 200),
    ],
)
def test_who_reads_the_printable_page_and_the_pdf(prepared, adopted, client_for, request, pdf_fonts, who, status):
    client = client_for(request.getfixturevalue(who))
    assert client.get(_print_url(adopted)).status_code == status
    assert client.get(_pdf_url(adopted)).status_code == status


def test_anonymous_visitors_are_sent_to_log_in(prepared, adopted, client_for):
    for url in (_print_url(adopted), _pdf_url(adopted), _edit_url(adopted)):
        response = client_for(None).get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_no_printable_page_before_the_agreement_is_drawn_up(adopted, nakahara_officer, client_for):
    assert client_for(nakahara_officer).get(_print_url(adopted)).status_code == 404
    assert client_for(nakahara_officer).get(_pdf_url(adopted)).status_code == 404


def test_the_printable_page_is_the_document(signed, prepared, adopted, member, client_for):
    response = client_for(member).get(_print_url(adopted))
    page = response.content.decode()
    assert '<article class="agreement-document" lang="ja">' in page
    for text in (
        "協定書",
        "第1条（目的）",
        "第9条（協議）",
        prepared.city_party,
        prepared.partner_party,
        "チラシの作成",
    ):
        assert text in page
    assert '<th scope="col">' in page and '<th scope="row">' in page
    # The signing date in 西暦 with its 和暦 year.
    today = timezone.localdate()
    assert f"{today.year}年{today.month}月{today.day}日（令和" in page
    assert "file://" not in page  # the font files are the PDF's business, not the browser's


def test_the_printable_page_uses_a_fixed_number_of_queries(prepared, adopted, member, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(member)
    with CaptureQueriesContext(connection) as few:
        assert client.get(_print_url(adopted)).status_code == 200
    for order in range(2, 12):
        adopted.roles.create(task=f"作業{order}", organisation_part="運営", city_part="調整", order=order)
    with CaptureQueriesContext(connection) as many:
        assert client.get(_print_url(adopted)).status_code == 200
    assert len(many) == len(few)


def test_the_printable_page_query_count_is_pinned(prepared, adopted, member, client_for, django_assert_max_num_queries):
    client = client_for(member)
    with django_assert_max_num_queries(PRINT_QUERIES):
        assert client.get(_print_url(adopted)).status_code == 200


def test_the_pdf_holds_the_japanese_text_with_its_font_embedded(
    signed, prepared, adopted, npo, member, client_for, pdf_fonts
):
    from pypdf import PdfReader

    response = client_for(member).get(_pdf_url(adopted))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert f'filename="agreement-{adopted.receipt_number}.pdf"' in disposition
    assert f"filename*=UTF-8''{quote('協定書_' + adopted.receipt_number)}" in disposition
    assert response["Cache-Control"] == "private, no-store"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "協定書" in text
    assert npo.name in text
    assert "第3条" in text and "チラシの作成" in text
    descriptors = [
        descendant.get_object()["/FontDescriptor"].get_object()
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
        for descendant in font.get_object().get("/DescendantFonts", [])
    ]
    assert descriptors
    assert all("/FontFile2" in descriptor or "/FontFile3" in descriptor for descriptor in descriptors)


def test_without_a_font_the_pdf_points_to_the_printable_page(prepared, adopted, member, client_for, settings):
    settings.PDF_FONTS = {"mincho": ["/nonexistent/ipaexm.ttf"], "gothic": ["/nonexistent/ipaexg.ttf"]}
    response = client_for(member).get(_pdf_url(adopted))
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert _print_url(adopted) in response.content.decode()
