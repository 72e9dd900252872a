"""Every non-trivial read of the window's proposals, scoped to what the user may see."""

import datetime
from dataclasses import dataclass

import rules
from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from kyodo_portal.search import apply_search
from partners.models import Department, Membership, Partner, StaffAssignment, departments_served_by, departments_under
from partners.rules import is_portal_admin
from window.models import Referral, Window, WindowEvent, WindowProposal
from window.workflow import ACTIVE_REFERRAL, RECEIVED, ReferralStatus, Status


def open_window() -> Window | None:
    """The window proposals go to (one per municipality; the portal serves one city)."""
    return Window.objects.select_related("department", "municipality").filter(is_open=True).order_by("pk").first()


def the_window() -> Window | None:
    return Window.objects.select_related("department", "municipality").order_by("pk").first()


def organisations_of_member(*, user) -> QuerySet[Partner]:
    """The organisations a user may propose for: those they are an active member of (not municipalities)."""
    if not user.is_authenticated:
        return Partner.objects.none()
    return Partner.objects.filter(
        memberships__user=user,
        memberships__status=Membership.Status.ACTIVE,
        represented_municipality__isnull=True,
        department__isnull=True,
    ).order_by("sort_key", "pk")


def proposals_of_user(*, user) -> QuerySet[WindowProposal]:
    """ "My proposals to the window": every one of the user's organisations, drafts included."""
    if not user.is_authenticated:
        return WindowProposal.objects.none()
    organisations = Membership.objects.filter(user=user, status=Membership.Status.ACTIVE).values("partner_id")
    return (
        WindowProposal.objects.filter(partner_id__in=organisations).with_list_relations().order_by("-updated_at", "id")
    )


def _detail_queryset() -> QuerySet[WindowProposal]:
    return WindowProposal.objects.select_related(
        "partner", "window__department", "window__municipality"
    ).prefetch_related(
        "wards",
        "activity_fields",
        "attachments",
        Prefetch(
            "referrals",
            queryset=Referral.objects.select_related(
                "department__parent", "project", "call", "passed_from__department", "passed_to__department"
            ).order_by("routed_at", "id"),
        ),
        Prefetch("events", queryset=WindowEvent.objects.select_related("actor", "referral__department")),
    )


@dataclass(frozen=True)
class ProposalView:
    """A proposal as one user may read it: as a party (proposer, window, department) or as the public."""

    proposal: WindowProposal
    is_proposer: bool
    is_staff_side: bool

    @property
    def is_public_view(self) -> bool:
        return not (self.is_proposer or self.is_staff_side)


def proposal_for_user(*, user, public_id) -> ProposalView:
    """The proposal for its parties; for anyone else only when its organisation consented to publish it."""
    proposal = _detail_queryset().filter(public_id=public_id).first()
    if proposal is None:
        raise Http404
    if rules.test_rule("window.view_proposal", user, proposal):
        return ProposalView(
            proposal=proposal,
            is_proposer=rules.test_rule("window.act_as_proposer", user, proposal),
            is_staff_side=rules.test_rule("window.view_staff_side", user, proposal),
        )
    if WindowProposal.objects.public().filter(pk=proposal.pk).exists():
        return ProposalView(proposal=proposal, is_proposer=False, is_staff_side=False)
    raise Http404


def public_proposals() -> QuerySet[WindowProposal]:
    return WindowProposal.objects.public().with_list_relations().order_by("-submitted_at", "-id")


def window_departments(*, user) -> QuerySet[Department]:
    """The window departments a member of staff works for (administrators: every window)."""
    windows = Window.objects.all()
    if not (user.is_authenticated and is_portal_admin(user)):
        windows = windows.filter(department__in=departments_served_by(user).values("pk"))
    return Department.objects.filter(pk__in=windows.values("department_id"))


def window_queue(*, user, query: str = "", status: str = "", overdue: bool = False) -> QuerySet[WindowProposal]:
    """Every received proposal of the windows the user runs: the ones waiting for the window first."""
    proposals = WindowProposal.objects.filter(
        window__department__in=window_departments(user=user), status__in=RECEIVED
    ).with_list_relations()
    if status in Status.values:
        proposals = proposals.filter(status=status)
    if overdue:
        proposals = proposals.filter(_overdue_q(timezone.localdate()))
    proposals = apply_search(proposals, query)
    # What waits for the window first (to acknowledge, then to route), then what is with the departments.
    stage = Case(
        *(When(status=status, then=Value(rank)) for rank, status in enumerate(QUEUE_ORDER)),
        default=Value(len(QUEUE_ORDER)),
        output_field=IntegerField(),
    )
    return proposals.order_by(stage, "acknowledge_due", "route_due", "-submitted_at", "id")


QUEUE_ORDER = (Status.SUBMITTED, Status.ACKNOWLEDGED, Status.ROUTED, Status.ANSWERED, Status.WITHDRAWN)


def _overdue_q(today: datetime.date) -> Q:
    return (
        Q(status=Status.SUBMITTED, acknowledge_due__lt=today)
        | Q(status=Status.ACKNOWLEDGED, route_due__lt=today)
        | Q(referrals__status=ReferralStatus.OPEN, referrals__due_on__lt=today)
    )


def referral_departments(*, user) -> QuerySet[Department]:
    if user.is_authenticated and is_portal_admin(user):
        return Department.objects.all()
    return departments_served_by(user)


def referrals_for_user(*, user, state: str = "active", overdue: bool = False) -> QuerySet[Referral]:
    """The referrals of the departments a member of staff serves: theirs to answer first, by deadline."""
    referrals = Referral.objects.filter(department__in=referral_departments(user=user)).select_related(
        "proposal__partner", "department__parent"
    )
    if state == "active":
        referrals = referrals.filter(status__in=ACTIVE_REFERRAL)
    elif state == "done":
        referrals = referrals.exclude(status__in=ACTIVE_REFERRAL)
    if overdue:
        referrals = referrals.filter(status=ReferralStatus.OPEN, due_on__lt=timezone.localdate())
    return referrals.order_by("due_on", "routed_at", "id")


@dataclass(frozen=True)
class OverdueItem:
    proposal: WindowProposal
    referral: Referral | None
    kind: str  # "acknowledge", "route", "answer", or "reply" (the proposer's, to a department's question)
    due_on: datetime.date
    days_overdue: int
    escalated: bool

    @property
    def owner(self) -> Department:
        return self.referral.department if self.referral else self.proposal.window.department


def overdue_items(*, user, today: datetime.date | None = None) -> list[OverdueItem]:
    """The escalation list: everything past its deadline in the user's scope, the longest overdue first.

    The window's staff see their window's whole list; a department's staff see their own referrals.
    """
    from kyodo_portal.workdays import working_days_between

    today = today or timezone.localdate()
    windows = window_departments(user=user)
    items: list[OverdueItem] = []
    waiting = WindowProposal.objects.filter(window__department__in=windows).filter(
        Q(status=Status.SUBMITTED, acknowledge_due__lt=today) | Q(status=Status.ACKNOWLEDGED, route_due__lt=today)
    )
    for proposal in waiting.select_related("partner", "window__department"):
        due = proposal.acknowledge_due if proposal.status == Status.SUBMITTED else proposal.route_due
        kind = "acknowledge" if proposal.status == Status.SUBMITTED else "route"
        late = working_days_between(due, today)
        items.append(
            OverdueItem(proposal, None, kind, due, (today - due).days, late >= proposal.window.escalation_working_days)
        )
    referrals = Referral.objects.filter(status=ReferralStatus.OPEN, due_on__lt=today).filter(
        Q(proposal__window__department__in=windows) | Q(department__in=referral_departments(user=user))
    )
    for referral in referrals.select_related("proposal__partner", "proposal__window__department", "department__parent"):
        late = working_days_between(referral.due_on, today)
        items.append(
            OverdueItem(
                referral.proposal,
                referral,
                "answer",
                referral.due_on,
                (today - referral.due_on).days,
                late >= referral.proposal.window.escalation_working_days,
            )
        )
    # A question unanswered for longer than the answer period: the department may decline for want of an answer.
    waiting = Referral.objects.filter(status=ReferralStatus.INFO_REQUESTED, waiting_since__isnull=False).filter(
        Q(proposal__window__department__in=windows) | Q(department__in=referral_departments(user=user))
    )
    for referral in waiting.select_related("proposal__partner", "proposal__window__department", "department__parent"):
        window = referral.proposal.window
        due = referral.waiting_since + datetime.timedelta(days=window.answer_days)
        if today > due:
            items.append(OverdueItem(referral.proposal, referral, "reply", due, (today - due).days, False))
    items.sort(key=lambda item: (-item.days_overdue, item.proposal.receipt_number or ""))
    return items


def routable_departments(*, window: Window) -> QuerySet[Department]:
    """The departments of the window's city that have someone to own a proposal: staff of their own or above."""
    staffed = StaffAssignment.objects.filter(user__is_active=True).values("department_id")
    return (
        departments_under(staffed)
        .filter(municipality_id=window.municipality_id)
        .select_related("parent")
        .order_by("sort_order", "pk")
    )
