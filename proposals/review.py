"""Every write of the staff side of a proposal: screening, returns, reviewers and scores, decisions, results.

Each move of the workflow is one function: it locks the proposal, checks the move and the user
(proposals.services.begin_move), saves, writes the audit row and notifies (finish_move). Writes
that do not move the status (a score, a note, the presentation) lock and check the same way.
"""

import datetime
from dataclasses import dataclass

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.notifications import deliver, notify
from partners.models import Membership, StaffAssignment, staff_serving
from proposals.models import (
    SCORE_MAX,
    SCORE_MIN,
    Call,
    CallReviewer,
    Decision,
    Proposal,
    Review,
    ReviewScore,
    StaffNote,
)
from proposals.selectors import proposals_to_review
from proposals.services import (
    MAIL_LANGUAGE,
    ProposalServiceError,
    _lock,
    _send,
    _url,
    applicant_recipients,
    begin_move,
    call_eligibility_problems,
    finish_move,
    proposal_problems,
    record_event,
)
from proposals.workflow import (
    APPROVE,
    BEFORE_DECISION,
    CONFIRM_CONDITIONS,
    DECIDED,
    PASS_SCREENING,
    PROPOSE_DECISION,
    RETURN,
    SEND_BACK,
    START_SCREENING,
    Outcome,
    Status,
)

# ----------------------------------------------------------------------------------------------------------
# Screening (形式審査)


@dataclass(frozen=True)
class CheckItem:
    key: str
    label: str
    ok: bool  # what the portal can tell by itself
    detail: str = ""


def screening_checklist(*, proposal: Proposal) -> list[CheckItem]:
    """What screening confirms: each required document, the eligibility, and that the proposal is complete."""
    attached = {attachment.document_id for attachment in proposal.attachments.all()}
    items = [
        CheckItem(f"document-{document.pk}", _("Document: %(name)s") % {"name": document.name}, document.pk in attached)
        for document in proposal.call.documents.all()
        if document.is_required
    ]
    eligibility = call_eligibility_problems(call=proposal.call, partner=proposal.partner)
    items.append(
        CheckItem("eligibility", _("The organisation may apply to this call"), not eligibility, " ".join(eligibility))
    )
    problems = proposal_problems(proposal=proposal, at=proposal.submitted_at)
    content = [message for key, messages in problems.items() if key is not None for message in messages]
    items.append(
        CheckItem("complete", _("Every section is filled in and the budget balances"), not content, " ".join(content))
    )
    items.append(CheckItem("content", _("The content fits the purpose and themes of the call"), True))
    return items


@transaction.atomic
def proposal_start_screening(*, proposal: Proposal, user: User) -> Proposal:
    locked = begin_move(proposal=proposal, user=user, transition=START_SCREENING)
    finish_move(proposal=locked, user=user, transition=START_SCREENING)
    return locked


@transaction.atomic
def proposal_pass_screening(*, proposal: Proposal, user: User, confirmed: set[str], note: str = "") -> Proposal:
    """Screening passed: every item of the checklist is confirmed by the officer. It goes to the reviewers."""
    locked = begin_move(proposal=proposal, user=user, transition=PASS_SCREENING)
    checklist = screening_checklist(proposal=locked)
    missing = [item.label for item in checklist if item.key not in confirmed]
    if missing:
        raise ValidationError(
            _("Confirm every item of the checklist, or return the proposal for revision. Not confirmed: %(items)s")
            % {"items": "、".join(missing)}
        )
    details = {"checklist": [{"item": item.label, "confirmed": True, "portal_check": item.ok} for item in checklist]}
    finish_move(proposal=locked, user=user, transition=PASS_SCREENING, comment=note.strip(), details=details)
    transaction.on_commit(lambda: _mail_reviewers_new_proposal(proposal_id=locked.pk), robust=True)
    return locked


@transaction.atomic
def proposal_return(*, proposal: Proposal, user: User, comment: str, due: datetime.date | None) -> Proposal:
    """Return for revision (差戻し) with the points to change and the day by which to resubmit."""
    errors = {}
    if not (comment or "").strip():
        errors["comment"] = _("Say what the applicant should change.")
    if due is None:
        errors["due"] = _("Give the day by which the revised proposal must be resubmitted.")
    elif due < timezone.localdate():
        errors["due"] = _("The revision deadline cannot be in the past.")
    if errors:
        raise ValidationError(errors)
    locked = begin_move(proposal=proposal, user=user, transition=RETURN)
    locked.revision_due = due
    finish_move(
        proposal=locked,
        user=user,
        transition=RETURN,
        update_fields=["revision_due"],
        comment=comment.strip(),
        details={"revision_due": due.isoformat()},
    )
    return locked


# ----------------------------------------------------------------------------------------------------------
# Reviewers and scores


def check_officer(user: User, call: Call) -> None:
    """Only an officer of the call (or an administrator) goes on."""
    if not rules.test_rule("proposals.act_as_officer", user, call):
        raise PermissionDenied


@transaction.atomic
def call_reviewer_add(*, call: Call, user: User, email: str) -> CallReviewer:
    """Assign a reviewer by the e-mail address of their portal account; they are told by mail and inbox."""
    check_officer(user, call)
    reviewer = User.objects.filter(email__iexact=(email or "").strip(), is_active=True).first()
    if reviewer is None:
        raise ValidationError(
            {"email": _("No portal account has this address. Ask the reviewer to sign up first, then add them.")}
        )
    assignment, created = CallReviewer.objects.get_or_create(call=call, user=reviewer, defaults={"added_by": user})
    if not created:
        raise ValidationError({"email": _("%(name)s is already a reviewer of this call.") % {"name": reviewer}})
    with translation.override(MAIL_LANGUAGE):
        subject = _("[Kyodo Portal] You are a reviewer of %(call)s") % {"call": call.title}
        body = render_to_string("proposals/mail/reviewer_assigned.txt", {"call": call, "reviewer": reviewer})
    notify(users=[reviewer], subject=subject, body=body, path=reverse("proposals:my_reviews"))
    return assignment


@transaction.atomic
def call_reviewer_remove(*, call: Call, user: User, reviewer_id: int) -> None:
    """Take a reviewer off the call, with their unfinished reviews; submitted reviews and declared
    conflicts are records and keep them on it. The assignment's row lock keeps a review being saved
    now from slipping in between."""
    check_officer(user, call)
    assignment = CallReviewer.objects.select_for_update().filter(call=call, user_id=reviewer_id).first()
    if assignment is None:
        return
    reviews = Review.objects.filter(proposal__call=call, reviewer_id=reviewer_id)
    if reviews.exclude(state=Review.State.IN_PROGRESS).exists():
        raise ProposalServiceError(
            _("This reviewer has submitted reviews or declared a conflict of interest: they stay on the call.")
        )
    reviews.delete()
    assignment.delete()


@transaction.atomic
def call_set_review_due(*, call: Call, user: User, due: datetime.date | None) -> Call:
    check_officer(user, call)
    call = Call.objects.select_for_update().get(pk=call.pk)
    call.review_due = due
    call._change_reason = _("Review deadline set")
    call.save(update_fields=["review_due", "updated_at"])
    return call


def _lock_for_review(proposal: Proposal, reviewer: User) -> tuple[Proposal, Review]:
    locked = _lock(proposal)
    # The assignment's lock: a removal of the reviewer waits for this save, or this save sees it.
    assigned = CallReviewer.objects.select_for_update().filter(call_id=locked.call_id, user=reviewer).exists()
    if not assigned or not rules.test_rule("proposals.review_proposal", reviewer, locked):
        raise PermissionDenied
    if locked.status != Status.UNDER_REVIEW:
        raise ProposalServiceError(
            _("Reviews are taken while the proposal is under review; it is now %(status)s.")
            % {"status": locked.get_status_display()}
        )
    review, _created = Review.objects.get_or_create(proposal=locked, reviewer=reviewer)
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.state != Review.State.IN_PROGRESS:
        raise ProposalServiceError(
            _("Your review of this proposal is %(state)s and can no longer be changed.")
            % {"state": review.get_state_display()}
        )
    return locked, review


@transaction.atomic
def review_save(
    *,
    proposal: Proposal,
    reviewer: User,
    scores: dict[int, tuple[int | None, str]],
    recommendation: str,
    comment: str,
    submit: bool,
) -> Review:
    """Save a reviewer's scores (criterion id → score, comment); submitted, they are final and others' show."""
    locked, review = _lock_for_review(proposal, reviewer)
    criteria = list(locked.call.criteria.all())
    review.recommendation = recommendation or ""
    review.comment = (comment or "").strip()
    if any(score is not None and not SCORE_MIN <= score <= SCORE_MAX for score, _note in scores.values()):
        raise ValidationError(_("Scores go from %(low)s to %(high)s.") % {"low": SCORE_MIN, "high": SCORE_MAX})
    if submit:
        errors = []
        if any(scores.get(criterion.pk, (None, ""))[0] is None for criterion in criteria):
            errors.append(_("Score every criterion before submitting."))
        if not review.recommendation:
            errors.append(_("Give your recommendation before submitting."))
        if errors:
            raise ValidationError(errors)
        review.state = Review.State.SUBMITTED
        review.submitted_at = timezone.now()
    review.save()
    for criterion in criteria:
        score, note = scores.get(criterion.pk, (None, ""))
        if score is None:
            ReviewScore.objects.filter(review=review, criterion=criterion).delete()
            continue
        ReviewScore.objects.update_or_create(
            review=review, criterion=criterion, defaults={"score": score, "comment": (note or "").strip()}
        )
    if submit:
        record_event(
            proposal=locked,
            action="review_submitted",
            from_status=locked.status,
            user=reviewer,
            details={"review": review.pk},
        )
    return review


@transaction.atomic
def review_declare_conflict(*, proposal: Proposal, reviewer: User, note: str) -> Review:
    """A reviewer steps aside from a proposal (利益相反); their scores, if any, are removed."""
    if not (note or "").strip():
        raise ValidationError({"note": _("Say briefly what the conflict of interest is.")})
    locked, review = _lock_for_review(proposal, reviewer)
    review.state = Review.State.CONFLICT
    review.conflict_note = note.strip()
    review.save()
    review.scores.all().delete()
    record_event(proposal=locked, action="conflict_declared", from_status=locked.status, user=reviewer)
    return review


# ----------------------------------------------------------------------------------------------------------
# Internal notes and the public presentation


def _lock_as_officer(proposal: Proposal, user: User) -> Proposal:
    locked = _lock(proposal)
    if locked.status == Status.DRAFT or not rules.test_rule("proposals.act_as_officer", user, locked.call):
        raise PermissionDenied
    return locked


@transaction.atomic
def staff_note_add(*, proposal: Proposal, user: User, body: str) -> StaffNote:
    if not (body or "").strip():
        raise ValidationError({"body": _("Write the note.")})
    locked = _lock(proposal)
    if not rules.test_rule("proposals.view_staff_side", user, locked):
        raise PermissionDenied
    return StaffNote.objects.create(proposal=locked, author=user, body=body.strip())


@transaction.atomic
def presentation_record(*, proposal: Proposal, user: User, held_on: datetime.date | None, result: str) -> Proposal:
    """The date and result of the public presentation (公開プレゼンテーション)."""
    locked = _lock_as_officer(proposal, user)
    if locked.status not in (Status.UNDER_REVIEW, Status.DECISION_PROPOSED):
        raise ProposalServiceError(_("The presentation is recorded while the proposal is under review."))
    locked.presentation_on = held_on
    locked.presentation_result = (result or "").strip()
    locked.save(update_fields=["presentation_on", "presentation_result", "updated_at"])
    record_event(proposal=locked, action="presentation", from_status=locked.status, user=user)
    return locked


# ----------------------------------------------------------------------------------------------------------
# Decisions


@transaction.atomic
def decision_propose(
    *,
    proposal: Proposal,
    user: User,
    outcome: str,
    public_reasons: str,
    conditions: str = "",
    amount: int | None = None,
    internal_note: str = "",
) -> Decision:
    """The officer proposes adopt / adopt with conditions / do not adopt, with reasons that will be public."""
    locked = begin_move(proposal=proposal, user=user, transition=PROPOSE_DECISION)
    errors = {}
    if outcome not in Outcome.values:
        errors["outcome"] = _("Choose the decision.")
    if not (public_reasons or "").strip():
        errors["public_reasons"] = _("Give the reasons: they are published with the results.")
    if outcome == Outcome.ADOPT_WITH_CONDITIONS and not (conditions or "").strip():
        errors["conditions"] = _("Say what the adoption depends on.")
    cap = locked.cap or 0
    if outcome == Outcome.NOT_ADOPT:
        amount = None
    elif amount is None and cap:
        errors["amount"] = _("Give the amount the city pays.")
    elif amount and amount > cap:
        errors["amount"] = _("The amount is over this call's cap of %(cap)s yen.") % {"cap": f"{cap:,}"}
    if errors:
        raise ValidationError(errors)
    decision, _created = Decision.objects.update_or_create(
        proposal=locked,
        defaults={
            "outcome": outcome,
            "public_reasons": public_reasons.strip(),
            "conditions": (conditions or "").strip() if outcome == Outcome.ADOPT_WITH_CONDITIONS else "",
            "amount": amount,
            "internal_note": (internal_note or "").strip(),
            "proposed_by": user,
            "proposed_at": timezone.now(),
            "approved_by": None,
            "approved_at": None,
        },
    )
    finish_move(
        proposal=locked,
        user=user,
        transition=PROPOSE_DECISION,
        details={"outcome": outcome, "amount": amount},
    )
    transaction.on_commit(lambda: _mail_approvers(proposal_id=locked.pk), robust=True)
    return decision


@transaction.atomic
def decision_approve(*, proposal: Proposal, user: User, comment: str = "", version: str | None = None) -> Decision:
    """An approver who did not propose the decision approves it: the proposal is decided.

    `version` is the decision as the approver read it (decision_version): a decision proposed again
    since is not approved unread.
    """
    locked = begin_move(proposal=proposal, user=user, transition=APPROVE)
    decision = Decision.objects.select_for_update().get(proposal=locked)
    _check_version(decision, version)
    if decision.proposed_by_id == user.pk:
        raise ProposalServiceError(_("You proposed this decision: someone else must approve it."))
    decision.approved_by = user
    decision.approved_at = timezone.now()
    decision.save(update_fields=["approved_by", "approved_at"])
    finish_move(
        proposal=locked,
        user=user,
        transition=APPROVE,
        outcome=decision.outcome,
        comment=(comment or "").strip(),
        details={"outcome": decision.outcome, "amount": decision.amount},
    )
    return decision


class DecisionChanged(ProposalServiceError):
    def __init__(self) -> None:
        super().__init__(
            _("The decision was proposed again after you opened the page. Read it again; nothing was changed.")
        )


def decision_version(decision: Decision) -> str:
    """What identifies the decision as proposed: a new proposal of it is a new version."""
    return decision.proposed_at.isoformat()


def _check_version(decision: Decision, version: str | None) -> None:
    if version is not None and version != decision_version(decision):
        raise DecisionChanged


def _commented_move(*, proposal: Proposal, user: User, transition, comment: str, required: str) -> Proposal:
    """A move whose comment is required (the `required` message when it is missing)."""
    if not (comment or "").strip():
        raise ValidationError({"comment": required})
    locked = begin_move(proposal=proposal, user=user, transition=transition)
    finish_move(proposal=locked, user=user, transition=transition, comment=comment.strip())
    return locked


@transaction.atomic
def decision_send_back(*, proposal: Proposal, user: User, comment: str, version: str | None = None) -> Proposal:
    """The approver sends the proposed decision back to the officer, saying why; the review goes on."""
    locked = _commented_move(
        proposal=proposal,
        user=user,
        transition=SEND_BACK,
        comment=comment,
        required=_("Say why the decision is sent back."),
    )
    decision = locked.decision
    _check_version(decision, version)
    notify(
        users=[decision.proposed_by],
        subject=_("[Kyodo Portal] Decision sent back: %(title)s") % {"title": locked.title},
        body=comment.strip(),
        path=_manage_path(locked),
    )
    return locked


@transaction.atomic
def conditions_confirm(*, proposal: Proposal, user: User, comment: str) -> Proposal:
    """The conditions of a conditional adoption are met (e.g. the budget passed): the proposal is adopted."""
    return _commented_move(
        proposal=proposal,
        user=user,
        transition=CONFIRM_CONDITIONS,
        comment=comment,
        required=_("Say how the conditions were met."),
    )


# ----------------------------------------------------------------------------------------------------------
# Results


def undecided_count(call: Call) -> int:
    """Proposals still waiting for a decision; one returned and not resubmitted by its deadline is not."""
    expired = Q(status=Status.RETURNED, revision_due__lt=timezone.localdate())
    return call.proposals.filter(status__in=BEFORE_DECISION).exclude(expired).count()


@transaction.atomic
def call_publish_results(*, call: Call, user: User) -> Call:
    """Publish the results of every proposal of the call at once and tell each applicant theirs."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    check_officer(user, call)
    if call.results_published:
        raise ProposalServiceError(_("The results of this call have already been published."))
    if not call.has_closed:
        raise ProposalServiceError(_("The call is still open: its results are published after the deadline."))
    waiting = undecided_count(call)
    if waiting:
        raise ProposalServiceError(
            _("%(count)s proposals have no approved decision yet: decide them (or wait for withdrawals) first.")
            % {"count": waiting}
        )
    if not call.proposals.filter(status__in=DECIDED).exists():
        raise ProposalServiceError(_("No proposal of this call has been decided: there are no results to publish."))
    call.results_published_at = timezone.now()
    call._change_reason = _("Results published")
    call.save(update_fields=["results_published_at", "updated_at"])
    decided = list(call.proposals.filter(status__in=DECIDED).values_list("pk", flat=True))
    transaction.on_commit(lambda: _mail_results(proposal_ids=decided), robust=True)
    return call


# ----------------------------------------------------------------------------------------------------------
# Mail


def _mail_results(*, proposal_ids: list[int]) -> None:
    # Still decided when the mail goes: a proposal withdrawn just before the publication is not told a result.
    proposals = Proposal.objects.filter(pk__in=proposal_ids, status__in=DECIDED).select_related(
        "call__department", "partner", "decision"
    )
    for proposal in proposals:
        with translation.override(MAIL_LANGUAGE):
            context = {"proposal": proposal, "call": proposal.call, "proposal_url": _url(proposal)}
            subject = _("[Kyodo Portal] Result of your proposal: %(title)s") % {"title": proposal.title}
            _send("proposals/mail/result.txt", context, applicant_recipients(proposal), subject)


def _manage_path(proposal: Proposal) -> str:
    return reverse("proposals:manage_proposal", kwargs={"public_id": proposal.public_id})


def _mail_reviewers_new_proposal(*, proposal_id: int) -> None:
    proposal = Proposal.objects.select_related("call").get(pk=proposal_id)
    reviewers = User.objects.filter(reviewer_of__call=proposal.call).exclude(pk__in=_members(proposal.partner_id))
    with translation.override(MAIL_LANGUAGE):
        deliver(
            users=reviewers,
            subject=_("[Kyodo Portal] A proposal to review: %(title)s") % {"title": proposal.title},
            body=_("A proposal to %(call)s has passed screening and waits for your review.")
            % {"call": proposal.call.title},
            path=reverse("proposals:review", kwargs={"public_id": proposal.public_id}),
        )


def approvers_of(call: Call):
    """The approvers (決裁者) of the call's department or of a department above it."""
    return staff_serving(call.department, StaffAssignment.Role.APPROVER)


def _mail_approvers(*, proposal_id: int) -> None:
    proposal = Proposal.objects.select_related("call__department__parent", "decision").get(pk=proposal_id)
    with translation.override(MAIL_LANGUAGE):
        deliver(
            users=approvers_of(proposal.call).exclude(pk=proposal.decision.proposed_by_id),
            subject=_("[Kyodo Portal] A decision awaits your approval: %(title)s") % {"title": proposal.title},
            body=_("%(officer)s proposes: %(outcome)s.")
            % {"officer": proposal.decision.proposed_by, "outcome": proposal.decision.get_outcome_display()},
            path=_manage_path(proposal),
        )


# ----------------------------------------------------------------------------------------------------------
# Reminders (a scheduler runs `manage.py send_reminders` daily)


def send_reminders(*, today: datetime.date | None = None, days_before: int = 3) -> int:
    """Remind reviewers of reviews due and applicants of revisions due within `days_before` days.

    Each reminder goes once per deadline (the inbox key), however often the command runs.
    """
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=days_before)
    sent = 0
    with translation.override(MAIL_LANGUAGE):
        calls = Call.objects.filter(review_due__gte=today, review_due__lte=horizon)
        for call in calls:
            for assignment in CallReviewer.objects.filter(call=call).select_related("user"):
                count = reviews_waiting_for(reviewer=assignment.user).filter(call=call).count()
                if not count:
                    continue
                sent += deliver(
                    users=[assignment.user],
                    subject=_("[Kyodo Portal] Reminder: reviews due on %(date)s")
                    % {"date": call.review_due.isoformat()},
                    body=_("%(count)s proposals of %(call)s still wait for your review.")
                    % {"count": count, "call": call.title},
                    path=reverse("proposals:my_reviews"),
                    key=f"review-due:{call.pk}:{call.review_due.isoformat()}",
                )
        returned = Proposal.objects.filter(
            status=Status.RETURNED, revision_due__gte=today, revision_due__lte=horizon
        ).select_related("call", "partner")
        for proposal in returned:
            sent += deliver(
                users=applicant_recipients(proposal),
                subject=_("[Kyodo Portal] Reminder: revision due on %(date)s")
                % {"date": proposal.revision_due.isoformat()},
                body=_("The proposal %(title)s was returned for revision: resubmit it by %(date)s.")
                % {"title": proposal.title, "date": proposal.revision_due.isoformat()},
                path=proposal.get_absolute_url(),
                key=f"revision-due:{proposal.pk}:{proposal.revision_due.isoformat()}",
            )
    return sent


def _members(partner_id: int):
    return Membership.objects.filter(partner_id=partner_id, status=Membership.Status.ACTIVE).values("user_id")


def reviews_waiting_for(*, reviewer: User):
    """Proposals under review of the reviewer's calls that they have neither scored nor stepped aside from."""
    finished = Review.objects.filter(reviewer=reviewer).exclude(state=Review.State.IN_PROGRESS).values("proposal_id")
    return proposals_to_review(user=reviewer).filter(status=Status.UNDER_REVIEW).exclude(pk__in=finished)
