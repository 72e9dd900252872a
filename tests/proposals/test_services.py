"""Services of proposals: drafts, completeness, submission with receipt and revision, withdrawal."""

import uuid

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from partners.models import Membership
from proposals import services
from proposals.forms import ProposalForm, proposal_formsets
from proposals.models import BudgetLine, Proposal, ProposalEvent, ProposalRevision
from proposals.workflow import Status
from tests.factories import UserFactory
from tests.proposals.conftest import fill_complete

pytestmark = pytest.mark.django_db


def test_a_member_starts_a_draft_and_a_second_click_finds_it(call, npo, member):
    token = uuid.uuid4()
    proposal = services.proposal_create(call=call, partner=npo, user=member, creation_token=token)
    assert proposal.status == Status.DRAFT
    assert proposal.contact_name == member.display_name
    with pytest.raises(services.AlreadyCreated) as again:
        services.proposal_create(call=call, partner=npo, user=member, creation_token=token)
    assert again.value.obj == proposal
    assert Proposal.objects.count() == 1
    assert list(proposal.events.values_list("action", "to_status")) == [("create", "draft")]


def test_only_members_start_drafts(call, npo, member_of, citizen):
    with pytest.raises(PermissionDenied):
        services.proposal_create(call=call, partner=npo, user=citizen)
    pending = member_of(npo, status=Membership.Status.PENDING)
    with pytest.raises(PermissionDenied):
        services.proposal_create(call=call, partner=npo, user=pending)


def test_an_organisation_of_another_type_cannot_start_a_draft(make_call, npo, member):
    call = make_call(types=("neighbourhood_association",))
    with pytest.raises(services.ProposalServiceError, match="町内会・自治会"):
        services.proposal_create(call=call, partner=npo, user=member)


def test_no_draft_for_a_closed_or_unpublished_call(make_call, npo, member):
    from django.utils import timezone

    closed = make_call(
        opens_at=timezone.now() - timezone.timedelta(days=30), closes_at=timezone.now() - timezone.timedelta(days=1)
    )
    hidden = make_call(is_published=False)
    for call in (closed, hidden):
        with pytest.raises(services.ProposalServiceError):
            services.proposal_create(call=call, partner=npo, user=member)


def _save(proposal, user, data, *, version=None):
    form = ProposalForm(data, instance=proposal)
    formsets = proposal_formsets(data, instance=proposal)
    assert form.is_valid(), form.errors
    assert all(formset.is_valid() for formset in formsets.values())
    return services.proposal_save_draft(
        proposal=proposal,
        user=user,
        form=form,
        formsets=formsets.values(),
        edit_version=proposal.edit_version if version is None else version,
    )


def _form_data(**fields):
    data = {"project_year": "1", **fields}
    for prefix in ("roles", "schedule", "indicators", "income", "expense", "participants"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


def test_a_draft_saves_incomplete_and_counts_its_versions(draft, member):
    saved = _save(draft, member, _form_data(title="  子どもの居場所  づくり "))
    assert saved.title == "子どもの居場所 づくり"
    assert saved.edit_version == 1


def test_a_save_from_an_older_page_is_refused_not_lost(draft, member, member_of, npo):
    colleague = member_of(npo)
    _save(draft, colleague, _form_data(title="同僚の題名"))
    draft.refresh_from_db()
    with pytest.raises(services.EditConflict):
        _save(draft, member, _form_data(title="古い画面からの題名"), version=0)
    draft.refresh_from_db()
    assert draft.title == "同僚の題名"


def test_budget_rows_keep_their_side(draft, member):
    data = _form_data()
    data.update(
        {
            "income-TOTAL_FORMS": "1",
            "income-0-source": "city",
            "income-0-item": "委託料",
            "income-0-amount": "300000",
            "expense-TOTAL_FORMS": "1",
            "expense-0-item": "会場費",
            "expense-0-amount": "300000",
        }
    )
    _save(draft, member, data)
    sides = dict(draft.budget_lines.values_list("item", "side"))
    assert sides == {"委託料": BudgetLine.Side.INCOME, "会場費": BudgetLine.Side.EXPENSE}


def test_problems_name_every_missing_part(draft):
    problems = services.proposal_problems(proposal=draft)
    for name in Proposal.REQUIRED_FOR_SUBMISSION:
        assert problems[name] == ["提出前に記入してください。"]
    assert {"roles", "schedule", "indicators", "budget"} <= problems.keys()


def test_a_complete_draft_has_no_problems(complete_draft):
    assert services.proposal_problems(proposal=complete_draft) == {}


@pytest.mark.parametrize(
    ("project_year", "from_city", "over"),
    [(1, 700_000, False), (1, 700_001, True), (2, 500_000, False), (2, 500_001, True), (3, 500_000, False)],
)
def test_the_cap_of_the_first_and_later_years(draft, project_year, from_city, over):
    fill_complete(draft, from_city=from_city)
    draft.project_year = project_year
    draft.save()
    problems = services.proposal_problems(proposal=draft)
    assert ("budget" in problems) is over
    if over:
        assert "上限" in problems["budget"][0]


def test_a_project_cannot_run_longer_than_the_call_allows(complete_draft):
    complete_draft.project_year = 4
    complete_draft.save()
    assert "project_year" in services.proposal_problems(proposal=complete_draft)


def test_income_and_expenses_must_balance(complete_draft):
    complete_draft.budget_lines.filter(side=BudgetLine.Side.EXPENSE).update(amount=1)
    assert "一致" in services.proposal_problems(proposal=complete_draft)["budget"][-1]


def test_required_documents_and_advance_consultation(complete_draft, required_document):
    call = complete_draft.call
    call.consultation_required = True
    call.save()
    problems = services.proposal_problems(proposal=complete_draft)
    assert problems["attachments"] == ["団体の規約を添付してください。"]
    assert "consulted_on" in problems


def test_verified_only_calls_refuse_unverified_organisations(complete_draft):
    call = complete_draft.call
    call.verified_only = True
    call.save()
    problems = services.proposal_problems(proposal=complete_draft)
    assert any("確認" in message for message in problems[None])


def test_submission_issues_a_receipt_keeps_a_revision_and_mails(
    complete_draft, member, nakahara_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submitted = services.proposal_submit(proposal=complete_draft, user=member)
    assert submitted.status == Status.SUBMITTED
    assert submitted.receipt_number == f"2027-{complete_draft.call.pk:03d}-0001"
    revision = ProposalRevision.objects.get(proposal=submitted)
    assert revision.number == 1
    assert revision.content["fields"]["title"] == complete_draft.title
    assert revision.content["budget"][0]["amount"] == 600_000
    event = ProposalEvent.objects.filter(proposal=submitted).last()
    assert (event.action, event.from_status, event.to_status, event.actor) == ("submit", "draft", "submitted", member)
    subjects = {message.subject: message.to for message in mail.outbox}
    receipt = next(message for message in mail.outbox if member.email in message.to)
    assert submitted.receipt_number in receipt.subject
    assert "受付番号" in receipt.body and submitted.receipt_number in receipt.body
    assert any(nakahara_officer.email in to for to in subjects.values())


def test_receipt_numbers_follow_each_other_within_a_call(call, complete_draft, member, npo):
    services.proposal_submit(proposal=complete_draft, user=member)
    second = fill_complete(Proposal.objects.create(call=call, partner=npo, created_by=member))
    services.proposal_submit(proposal=second, user=member)
    second.refresh_from_db()
    assert second.receipt_number.endswith("-0002")


def test_a_double_submit_records_one_submission(complete_draft, member):
    services.proposal_submit(proposal=complete_draft, user=member)
    with pytest.raises(services.TransitionNotAllowed):
        services.proposal_submit(proposal=complete_draft, user=member)
    assert ProposalRevision.objects.count() == 1
    assert ProposalEvent.objects.filter(action="submit").count() == 1


def test_an_incomplete_draft_is_not_submitted(draft, member):
    with pytest.raises(services.ProposalIncomplete) as refused:
        services.proposal_submit(proposal=draft, user=member)
    assert "title" in refused.value.problems
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert draft.receipt_number is None
    assert mail.outbox == []


def test_submitting_what_changed_after_confirmation_is_refused(complete_draft, member):
    with pytest.raises(services.EditConflict):
        services.proposal_submit(proposal=complete_draft, user=member, edit_version=complete_draft.edit_version + 1)


def test_only_members_submit(complete_draft, citizen, member_of, other_npo):
    for outsider in (citizen, member_of(other_npo)):
        with pytest.raises(PermissionDenied):
            services.proposal_submit(proposal=complete_draft, user=outsider)


def test_a_submitted_proposal_can_no_longer_be_edited(complete_draft, member):
    services.proposal_submit(proposal=complete_draft, user=member)
    complete_draft.refresh_from_db()
    with pytest.raises(services.ProposalServiceError):
        _save(complete_draft, member, _form_data(title="後からの変更"))


def test_withdrawal_needs_a_reason_and_a_submitted_proposal(
    complete_draft, member, representative, django_capture_on_commit_callbacks
):
    with pytest.raises(services.TransitionNotAllowed):
        services.proposal_withdraw(proposal=complete_draft, user=member, reason="都合により")
    services.proposal_submit(proposal=complete_draft, user=member)
    with pytest.raises(ValidationError):
        services.proposal_withdraw(proposal=complete_draft, user=member, reason="  ")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        withdrawn = services.proposal_withdraw(
            proposal=complete_draft, user=representative, reason="体制が整わないため"
        )
    assert withdrawn.status == Status.WITHDRAWN
    event = withdrawn.events.last()
    assert (event.action, event.comment, event.actor) == ("withdraw", "体制が整わないため", representative)
    assert any("体制が整わないため" in message.body for message in mail.outbox)
    with pytest.raises(services.TransitionNotAllowed):
        services.proposal_withdraw(proposal=complete_draft, user=member, reason="二度目")


def test_a_draft_can_be_deleted_but_not_a_submitted_proposal(call, npo, member, complete_draft):
    other = Proposal.objects.create(call=call, partner=npo, created_by=member)
    services.proposal_delete_draft(proposal=other, user=member)
    assert not Proposal.objects.filter(pk=other.pk).exists()
    services.proposal_submit(proposal=complete_draft, user=member)
    with pytest.raises(services.ProposalServiceError):
        services.proposal_delete_draft(proposal=complete_draft, user=member)


def test_a_former_member_loses_access(complete_draft, member):
    Membership.objects.filter(user=member).delete()
    with pytest.raises(PermissionDenied):
        services.proposal_submit(proposal=complete_draft, user=member)


def test_mail_goes_to_each_member_concerned_on_its_own(
    complete_draft, member, representative, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_submit(proposal=complete_draft, user=member)
    receipts = [message for message in mail.outbox if "受け付けました" in message.subject]
    assert sorted(message.to[0] for message in receipts) == sorted([member.email, representative.email])
    assert all(len(message.to) == 1 for message in mail.outbox)
    to_representative = next(message for message in receipts if message.to == [representative.email])
    assert to_representative.body.startswith("代表 花子 様")
    assert "応募 太郎" in to_representative.body  # who submitted it
    assert UserFactory().email not in {message.to[0] for message in mail.outbox}


def test_a_mail_server_that_is_down_does_not_undo_or_fail_a_submission(
    complete_draft, member, settings, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = "tests.proposals.failing_mail.Backend"
    with django_capture_on_commit_callbacks(execute=True):
        submitted = services.proposal_submit(proposal=complete_draft, user=member)
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert "failed" in caplog.text


def test_a_call_without_money_takes_no_request_for_money(make_call, npo, member):
    call = make_call(amount_cap=None, first_year_cap=None)
    proposal = fill_complete(Proposal.objects.create(call=call, partner=npo, created_by=member), from_city=1)
    assert "支出はありません" in services.proposal_problems(proposal=proposal)["budget"][0]


def test_amounts_beyond_any_budget_are_refused(draft):
    data = _form_data()
    data.update({"expense-TOTAL_FORMS": "1", "expense-0-item": "x", "expense-0-amount": str(10**12)})
    formsets = proposal_formsets(data, instance=draft)
    assert not formsets["expense"].is_valid()
