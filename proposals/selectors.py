"""Every non-trivial read of calls and proposals, scoped to what the user may see."""

import datetime

import rules
from django.db.models import BooleanField, Count, ExpressionWrapper, Prefetch, Q, QuerySet
from django.http import Http404, QueryDict
from django.utils import timezone

from partners.models import Department, Membership, PartnerQuerySet, StaffAssignment, departments_served_by
from partners.selectors import organisations_of
from proposals.filters import CallFilter
from proposals.models import (
    BudgetLine,
    Call,
    CallReviewer,
    Decision,
    Proposal,
    ProposalAttachment,
    ProposalEvent,
    ProposalRevision,
    Review,
    StaffNote,
)
from proposals.workflow import DECIDED, VISIBLE_TO_STAFF, Status


def call_list(*, params: QueryDict) -> CallFilter:
    """The published calls, filtered; open ones first by deadline unless the user asks otherwise."""
    calls = Call.objects.published().select_related("scheme", "department__parent")
    return CallFilter(data=params or None, queryset=calls)


def call_detail(*, user, pk: int) -> Call:
    call = (
        Call.objects.select_related("scheme", "department__parent", "department__ward")
        .prefetch_related("documents", "criteria", "milestones", "eligible_types", "fields")
        .filter(pk=pk)
        .first()
    )
    if call is None or not rules.test_rule("proposals.view_call", user, call):
        raise Http404
    return call


def staff_departments(*, user) -> QuerySet[Department]:
    """The departments whose calls a member of staff runs: their own and every one below."""
    if user.is_authenticated and user.is_superuser:
        return Department.objects.all()
    return departments_served_by(user)


def calls_managed_by(*, user) -> QuerySet[Call]:
    calls = Call.objects.select_related("scheme", "department__parent").order_by("-closes_at", "id")
    if user.is_superuser:
        return calls
    return calls.filter(department__in=staff_departments(user=user))


def proposals_of_user(*, user) -> QuerySet[Proposal]:
    """ "My proposals": every proposal of the organisations the user is an active member of."""
    if not user.is_authenticated:
        return Proposal.objects.none()
    organisations = Membership.objects.filter(user=user, status=Membership.Status.ACTIVE).values("partner_id")
    return (
        Proposal.objects.filter(partner_id__in=organisations)
        .with_list_relations()
        .annotate_totals()
        .order_by("-updated_at", "id")
    )


def proposals_of_user_for_call(*, user, call: Call) -> QuerySet[Proposal]:
    return proposals_of_user(user=user).filter(call=call)


def proposals_for_call(*, user, call: Call) -> QuerySet[Proposal]:
    """The proposals staff of the call see: submitted ones, never drafts."""
    if not rules.test_rule("proposals.view_call_proposals", user, call):
        return Proposal.objects.none()
    return (
        Proposal.objects.filter(call=call, status__in=VISIBLE_TO_STAFF)
        .with_list_relations()
        .annotate_totals()
        .order_by("receipt_number")
    )


def proposal_for_user(*, user, public_id) -> Proposal:
    """A proposal with everything its page shows, or 404 for anyone who may not see it."""
    proposal = (
        Proposal.objects.select_related("call__department__parent", "call__scheme", "partner__partner_type")
        .prefetch_related(
            "roles",
            "schedule_items",
            "indicators",
            Prefetch("budget_lines", queryset=BudgetLine.objects.order_by("-side", "order", "id")),
            "participants",
            Prefetch("attachments", queryset=ProposalAttachment.objects.select_related("document")),
            Prefetch("events", queryset=ProposalEvent.objects.select_related("actor")),
            Prefetch("revisions", queryset=ProposalRevision.objects.select_related("submitted_by")),
            "call__documents",
        )
        .filter(public_id=public_id)
        .first()
    )
    if proposal is None or not rules.test_rule("proposals.view_proposal", user, proposal):
        raise Http404
    return proposal


def eligible_organisations(*, user, call: Call) -> PartnerQuerySet:
    """The user's organisations that may start a proposal to the call (by type; verification comes later)."""
    organisations = organisations_of(user=user)
    eligible = call.eligible_types.all()
    return organisations.filter(partner_type__in=eligible) if eligible else organisations


def open_call_count() -> int:
    return Call.objects.published().open_at(timezone.now()).count()


# ----------------------------------------------------------------------------------------------------------
# The review side

# A decision waiting this long for approval is flagged.
APPROVAL_DAYS = 7


def overdue_filter(today: datetime.date) -> Q:
    """Revisions past their deadline, reviews past the call's, decisions waiting too long for approval."""
    return (
        Q(status=Status.RETURNED, revision_due__lt=today)
        | Q(status=Status.UNDER_REVIEW, call__review_due__lt=today)
        | Q(status=Status.DECISION_PROPOSED, decision__proposed_at__date__lt=today - datetime.timedelta(APPROVAL_DAYS))
    )


def review_queue(*, user, call: Call, status: str = "", overdue: bool = False, q: str = "") -> QuerySet[Proposal]:
    """The proposals of a call for its staff, filtered; by receipt number."""
    proposals = (
        proposals_for_call(user=user, call=call)
        .select_related("decision")
        .annotate(is_overdue=ExpressionWrapper(overdue_filter(timezone.localdate()), output_field=BooleanField()))
    )
    if status:
        proposals = proposals.filter(status=status)
    if overdue:
        proposals = proposals.filter(overdue_filter(timezone.localdate()))
    if q:
        proposals = proposals.filter(
            Q(title__icontains=q) | Q(partner__name__icontains=q) | Q(receipt_number__icontains=q)
        )
    return proposals


def status_counts(*, call: Call) -> dict[str, int]:
    rows = call.proposals.filter(status__in=VISIBLE_TO_STAFF).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def overdue_count(*, call: Call) -> int:
    return call.proposals.filter(overdue_filter(timezone.localdate())).count()


def proposal_for_staff(*, user, public_id) -> Proposal:
    """A proposal with everything the staff page shows, or 404 for anyone not on the staff side of it."""
    proposal = proposal_for_user(user=user, public_id=public_id)
    if not rules.test_rule("proposals.view_staff_side", user, proposal):
        raise Http404
    return proposal


def staff_side_of(*, proposal: Proposal) -> dict:
    """The reviews, notes and decision of a proposal, each loaded once."""
    reviews = list(
        Review.objects.filter(proposal=proposal).select_related("reviewer").prefetch_related("scores__criterion")
    )
    notes = list(StaffNote.objects.filter(proposal=proposal).select_related("author"))
    decision = Decision.objects.filter(proposal=proposal).select_related("proposed_by", "approved_by").first()
    reviewers = list(CallReviewer.objects.filter(call=proposal.call_id).select_related("user"))
    members = set(
        Membership.objects.filter(partner_id=proposal.partner_id, status=Membership.Status.ACTIVE).values_list(
            "user_id", flat=True
        )
    )
    return {
        "reviews": reviews,
        "notes": notes,
        "decision": decision,
        "reviewers": [(assignment, assignment.user_id in members) for assignment in reviewers],
    }


def proposals_to_review(*, user) -> QuerySet[Proposal]:
    """A reviewer's proposals: those of their calls past screening, without their own organisation's."""
    own = Membership.objects.filter(user=user, status=Membership.Status.ACTIVE).values("partner_id")
    return (
        Proposal.objects.filter(
            call__reviewers__user=user, status__in=[Status.UNDER_REVIEW, Status.DECISION_PROPOSED, *DECIDED]
        )
        .exclude(partner_id__in=own)
        .with_list_relations()
        .prefetch_related(Prefetch("reviews", queryset=Review.objects.filter(reviewer=user), to_attr="my_reviews"))
        .order_by("call__closes_at", "receipt_number")
    )


def decisions_to_approve(*, user) -> QuerySet[Proposal]:
    """Decisions waiting for approval in the departments the user approves for (administrators: all)."""
    proposals = (
        Proposal.objects.filter(status=Status.DECISION_PROPOSED)
        .with_list_relations()
        .select_related("decision__proposed_by")
    )
    if not user.is_superuser:
        proposals = proposals.filter(call__department__in=departments_served_by(user, StaffAssignment.Role.APPROVER))
    return proposals.order_by("decision__proposed_at", "id")


def published_results(*, call: Call) -> QuerySet[Proposal]:
    """The decided proposals of a call whose results are published (none before)."""
    if not call.results_published:
        return Proposal.objects.none()
    return (
        Proposal.objects.filter(call=call, status__in=DECIDED)
        .select_related("partner", "decision")
        .order_by("receipt_number")
    )
