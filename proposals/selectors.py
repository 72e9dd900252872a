"""Every non-trivial read of calls and proposals, scoped to what the user may see."""

import rules
from django.db.models import Prefetch, QuerySet
from django.http import Http404, QueryDict
from django.utils import timezone

from partners.models import Department, Membership, PartnerQuerySet, departments_served_by
from partners.selectors import organisations_of
from proposals.filters import CallFilter
from proposals.models import (
    BudgetLine,
    Call,
    Proposal,
    ProposalAttachment,
    ProposalEvent,
    ProposalRevision,
)
from proposals.workflow import VISIBLE_TO_STAFF


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
