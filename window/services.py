"""Every write to the window's proposals: drafts, attachments, and each move of the proposal and its referrals.

A move locks the proposal's row first (a referral's move too), checks the actor by the rules and the move
against the status (window/workflow.py), saves, writes an audit row and, after the commit, tells the people
concerned. The proposal's lock makes every move on it take turns: two departments answering at once both
land and the second sees the first; two officers answering one referral, or routing one proposal to the
same department, cannot both win.
"""

import datetime
import uuid
from collections.abc import Iterable

import rules
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.forms import ModelForm
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.notifications import MAIL_LANGUAGE, notify
from kyodo_portal.dates import fiscal_year_of
from kyodo_portal.search import search_fields
from kyodo_portal.workdays import add_working_days, deadline_after_days
from kyodo_portal.workflow import ServiceError, Transition
from partners.models import Department, Membership, Partner, departments_served_by, staff_serving
from projects.models import Project
from proposals.files import CheckedFile, check_attachment_limits, store_checked
from proposals.models import Call, private_storage
from window.models import Referral, Window, WindowAttachment, WindowEvent, WindowProposal, window_attachment_name
from window.workflow import (
    ACCEPT,
    ACKNOWLEDGE,
    ACTIVE_REFERRAL,
    ASK_INFO,
    CLOSE_WITHDRAWN,
    COMPLETE,
    DECLINE,
    FINAL_ANSWERS,
    PASS_ON,
    PUBLISHABLE,
    RECALL,
    REPLY,
    RETURN_TO_WINDOW,
    ROUTE,
    SUBMIT,
    WITHDRAW,
    Kind,
    ReferralStatus,
    Status,
)

MAX_COMMENT = 4000


class WindowServiceError(ServiceError):
    """A write to the window that cannot be done, with a message for the user."""


class TransitionNotAllowed(WindowServiceError):
    """The move does not start from the status: often someone else acted just before."""

    def __init__(self, status_display: str) -> None:
        super().__init__(
            _(
                "This cannot be done now: it is %(status)s (someone may have acted on it just before you). "
                "Nothing was changed."
            )
            % {"status": status_display}
        )


class EditConflict(WindowServiceError):
    def __init__(self) -> None:
        super().__init__(
            _(
                "This draft was saved after you opened this page (by another member, or by a second click). "
                "What you typed is shown below: compare it with the saved version, put back what you need and save."
            )
        )


class Incomplete(WindowServiceError):
    def __init__(self, problems: dict[str | None, list[str]]) -> None:
        super().__init__(_("The proposal cannot be submitted yet; see the messages below."))
        self.problems = problems


class AlreadyCreated(WindowServiceError):
    def __init__(self, obj: WindowProposal) -> None:
        super().__init__(_("This had already been created; the form sent again changed nothing."))
        self.obj = obj


# ----------------------------------------------------------------------------------------------------------
# Drafts


def refresh_search(proposal: WindowProposal) -> None:
    values = search_fields(proposal.title, proposal.problem, proposal.offer, proposal.ask, proposal.partner.name)
    for name, value in values.items():
        setattr(proposal, name, value)


@transaction.atomic
def proposal_create(
    *,
    window: Window,
    partner: Partner,
    user: User,
    creation_token: uuid.UUID | None = None,
    kind: str = Kind.PROPOSAL,
) -> WindowProposal:
    """Start a draft for an organisation the user belongs to; a second click finds the same draft."""
    if creation_token and (existing := WindowProposal.objects.filter(creation_token=creation_token).first()):
        raise AlreadyCreated(existing)
    if not Membership.objects.filter(user=user, partner=partner, status=Membership.Status.ACTIVE).exists():
        raise PermissionDenied
    if not window.is_open:
        raise WindowServiceError(_("The window is not accepting proposals at the moment."))
    proposal = WindowProposal(
        window=window,
        partner=partner,
        created_by=user,
        creation_token=creation_token,
        contact_name=user.display_name,
        kind=kind if kind in Kind.values else Kind.PROPOSAL,
    )
    refresh_search(proposal)
    try:
        with transaction.atomic():
            proposal.save()
    except IntegrityError:
        existing = WindowProposal.objects.filter(creation_token=creation_token).first()
        if existing is None:
            raise
        raise AlreadyCreated(existing) from None
    record_event(proposal=proposal, action="create", from_status="", user=user)
    return proposal


def _lock(proposal: WindowProposal) -> WindowProposal:
    return (
        WindowProposal.objects.select_for_update(of=("self",))
        .select_related("window__department", "partner")
        .get(pk=proposal.pk)
    )


def _check_editable(proposal: WindowProposal, user: User) -> None:
    if not rules.test_rule("window.act_as_proposer", user, proposal):
        raise PermissionDenied
    if not proposal.is_editable:
        raise WindowServiceError(
            _("A %(status)s proposal can no longer be changed.") % {"status": proposal.get_status_display()}
        )


@transaction.atomic
def proposal_save_draft(*, proposal: WindowProposal, user: User, form: ModelForm, edit_version: int) -> WindowProposal:
    """Save the draft as it is (complete or not) from a valid form; refuse to overwrite a newer save."""
    locked = _lock(proposal)
    _check_editable(locked, user)
    if locked.edit_version != edit_version:
        raise EditConflict
    draft = form.save(commit=False)
    draft.edit_version = locked.edit_version + 1
    refresh_search(draft)
    draft.save()
    form.save_m2m()
    return draft


@transaction.atomic
def proposal_delete_draft(*, proposal: WindowProposal, user: User) -> None:
    locked = _lock(proposal)
    _check_editable(locked, user)
    files = [attachment.file.name for attachment in locked.attachments.all()]
    locked.delete()
    transaction.on_commit(lambda: _remove_files(files))


def _remove_files(names: list[str]) -> None:
    for name in names:
        private_storage.delete(name)


def attachment_add(*, proposal: WindowProposal, user: User, upload) -> WindowAttachment:
    """Attach a checked file to a draft. The file is written first and removed again if the row is not."""

    @transaction.atomic
    def save_row(checked: CheckedFile, stored: str) -> WindowAttachment:
        locked = _lock(proposal)
        _check_editable(locked, user)
        existing = list(locked.attachments.values_list("size", flat=True))
        check_attachment_limits(existing, checked.size, settings.WINDOW_ATTACHMENT)
        return WindowAttachment.objects.create(proposal=locked, file=stored, uploaded_by=user, **checked.as_row())

    return store_checked(
        upload,
        storage=private_storage,
        name_for=lambda extension: window_attachment_name(proposal, extension),
        save_row=save_row,
    )


@transaction.atomic
def attachment_delete(*, attachment: WindowAttachment, user: User) -> None:
    locked = _lock(attachment.proposal)
    _check_editable(locked, user)
    name = attachment.file.name
    WindowAttachment.objects.filter(pk=attachment.pk, proposal=locked).delete()
    transaction.on_commit(lambda: _remove_files([name]))


# ----------------------------------------------------------------------------------------------------------
# Submission and withdrawal


def proposal_problems(*, proposal: WindowProposal) -> dict[str | None, list[str]]:
    """What keeps a draft from being submitted, by field name (None: the proposal as a whole)."""
    problems: dict[str | None, list[str]] = {}
    for name in WindowProposal.REQUIRED_FOR_SUBMISSION:
        if not str(getattr(proposal, name) or "").strip():
            problems.setdefault(name, []).append(_("Fill this in before submitting."))
    if not proposal.citywide and not proposal.wards.exists():
        problems.setdefault("wards", []).append(_("Choose the wards it touches, or the whole city."))
    if not proposal.window.is_open:
        problems.setdefault(None, []).append(_("The window is not accepting proposals at the moment."))
    return problems


def _next_receipt_number(window: Window, fiscal_year: int) -> str:
    """受付番号: fiscal year and a sequence that starts again each year. The window's row lock makes two
    submissions take turns, so the count of the year's numbers is the last one issued (nothing received
    is ever deleted: a withdrawn proposal keeps its number)."""
    Window.objects.select_for_update().get(pk=window.pk)
    issued = WindowProposal.objects.filter(window=window, fiscal_year=fiscal_year, receipt_number__isnull=False)
    return f"{fiscal_year}-W{issued.count() + 1:04d}"


@transaction.atomic
def proposal_submit(*, proposal: WindowProposal, user: User, edit_version: int | None = None) -> WindowProposal:
    """Send a complete draft to the window: receipt number, the acknowledgement deadline, audit row, mails.

    A second click finds the proposal submitted and is refused, so one submission is recorded.
    """
    locked = begin_move(proposal=proposal, user=user, transition=SUBMIT)
    if edit_version is not None and locked.edit_version != edit_version:
        raise EditConflict
    problems = proposal_problems(proposal=locked)
    if problems:
        raise Incomplete(problems)
    now = timezone.now()
    today = timezone.localdate(now)
    locked.fiscal_year = fiscal_year_of(today)
    locked.receipt_number = _next_receipt_number(locked.window, locked.fiscal_year)
    locked.submitted_at = now
    locked.acknowledge_due = add_working_days(today, locked.window.acknowledge_working_days)
    finish_move(
        proposal=locked,
        user=user,
        transition=SUBMIT,
        update_fields=["fiscal_year", "receipt_number", "submitted_at", "acknowledge_due"],
    )
    _tell_proposer(locked, user=user, template="window/mail/received.txt", subject=gettext_lazy("Proposal received"))
    _tell_window(locked, template="window/mail/window_new.txt", subject=gettext_lazy("New proposal to the window"))
    return locked


@transaction.atomic
def proposal_withdraw(*, proposal: WindowProposal, user: User, reason: str) -> WindowProposal:
    """The proposer withdraws a proposal before every department has answered; open referrals are closed."""
    reason = _clean_comment(reason, _("Say why you withdraw the proposal."))
    locked = begin_move(proposal=proposal, user=user, transition=WITHDRAW)
    now = timezone.now()
    departments = []
    for referral in locked.referrals.select_for_update().filter(status__in=ACTIVE_REFERRAL):
        from_status = referral.status
        referral.status = CLOSE_WITHDRAWN.target
        referral.waiting_since = None
        referral.save(update_fields=["status", "waiting_since"])
        record_event(
            proposal=locked,
            referral=referral,
            action=CLOSE_WITHDRAWN.name,
            from_status=from_status,
            user=user,
            details={"department": referral.department.name},
        )
        departments.append(referral.department)
    locked.withdrawn_at = now
    finish_move(proposal=locked, user=user, transition=WITHDRAW, update_fields=["withdrawn_at"], comment=reason)
    _tell_window(
        locked, template="window/mail/withdrawn.txt", subject=gettext_lazy("Proposal withdrawn"), comment=reason
    )
    for department in departments:
        _tell_department(
            locked,
            department,
            template="window/mail/withdrawn.txt",
            subject=gettext_lazy("Proposal withdrawn"),
            comment=reason,
        )
    return locked


# ----------------------------------------------------------------------------------------------------------
# The window: acknowledge, route, withhold from the public page


@transaction.atomic
def proposal_acknowledge(*, proposal: WindowProposal, user: User, comment: str = "") -> WindowProposal:
    locked = begin_move(proposal=proposal, user=user, transition=ACKNOWLEDGE)
    comment = _clean_comment(comment)
    now = timezone.now()
    locked.acknowledged_at = now
    locked.route_due = add_working_days(timezone.localdate(now), locked.window.route_working_days)
    finish_move(
        proposal=locked,
        user=user,
        transition=ACKNOWLEDGE,
        update_fields=["acknowledged_at", "route_due"],
        comment=comment,
    )
    _tell_proposer(
        locked, template="window/mail/acknowledged.txt", subject=gettext_lazy("Proposal acknowledged"), comment=comment
    )
    return locked


def department_problem(*, department: Department, proposal: WindowProposal) -> str | None:
    """Why a proposal cannot be routed to this department (None when it can): it must have someone to own it."""
    if department.municipality_id != proposal.window.municipality_id:
        return _("%(department)s is not a department of this city.") % {"department": department.name}
    members = Membership.objects.filter(partner_id=proposal.partner_id, status=Membership.Status.ACTIVE)
    # Staff who belong to the proposing organisation may not answer it: they do not count as owners.
    if not staff_serving(department).exclude(pk__in=members.values("user_id")).exists():
        return _(
            "%(department)s has no staff on the portal (nor does any department above it): nobody would own the "
            "proposal there. Choose another department or ask an administrator to assign its staff."
        ) % {"department": department.name}
    return None


def _new_referral(
    *, proposal: WindowProposal, department: Department, user: User, note: str, now: datetime.datetime, **extra
) -> Referral:
    problem = department_problem(department=department, proposal=proposal)
    if problem:
        raise ValidationError({"departments": problem})
    if proposal.referrals.filter(department=department, status__in=ACTIVE_REFERRAL).exists():
        raise WindowServiceError(
            _("%(department)s already has this proposal to answer.") % {"department": department.name}
        )
    return Referral.objects.create(
        proposal=proposal,
        department=department,
        note=note,
        routed_by=user,
        routed_at=now,
        due_on=deadline_after_days(timezone.localdate(now), proposal.window.answer_days),
        **extra,
    )


@transaction.atomic
def proposal_route(
    *, proposal: WindowProposal, user: User, departments: Iterable[Department], note: str
) -> list[Referral]:
    """Route to one or more departments with a note; each owns the proposal until it answers by its deadline."""
    note = _clean_comment(note, _("Write a note for the departments: why them, what to look at."))
    departments = list(dict.fromkeys(departments))
    if not departments:
        raise ValidationError({"departments": _("Choose at least one department.")})
    locked = begin_move(proposal=proposal, user=user, transition=ROUTE)
    now = timezone.now()
    referrals = [
        _new_referral(proposal=locked, department=department, user=user, note=note, now=now)
        for department in departments
    ]
    if locked.routed_at is None:
        locked.routed_at = now
    finish_move(
        proposal=locked,
        user=user,
        transition=ROUTE,
        update_fields=["routed_at"],
        comment=note,
        details={"departments": [department.name for department in departments]},
    )
    for referral in referrals:
        _tell_department(
            locked,
            referral.department,
            template="window/mail/routed.txt",
            subject=gettext_lazy("Proposal routed to your department"),
            comment=note,
            referral=referral,
        )
    _tell_proposer(
        locked, template="window/mail/routed_proposer.txt", subject=gettext_lazy("Proposal routed"), referrals=referrals
    )
    return referrals


@transaction.atomic
def proposal_set_withheld(*, proposal: WindowProposal, user: User, withheld: bool, reason: str = "") -> WindowProposal:
    """The window keeps a consented proposal off the public page (personal data, a third party named …)."""
    locked = _lock(proposal)
    if not rules.test_rule("window.act_as_window", user, locked):
        raise PermissionDenied
    if locked.status not in PUBLISHABLE | {Status.SUBMITTED}:
        raise TransitionNotAllowed(locked.get_status_display())
    reason = _clean_comment(reason, _("Say why it is withheld.") if withheld else None)
    locked.withheld = withheld
    locked.withheld_reason = reason if withheld else ""
    locked.save(update_fields=["withheld", "withheld_reason", "updated_at"])
    record_event(
        proposal=locked,
        action="withhold" if withheld else "release",
        from_status=locked.status,
        user=user,
        comment=reason,
    )
    return locked


# ----------------------------------------------------------------------------------------------------------
# The departments: answer, ask, pass on; the proposer's reply


def _lock_referral(referral: Referral) -> tuple[WindowProposal, Referral]:
    locked = _lock(referral.proposal)
    return locked, Referral.objects.select_for_update().select_related("department").get(
        pk=referral.pk, proposal=locked
    )


def _begin_referral_move(*, referral: Referral, user: User, transition: Transition) -> tuple[WindowProposal, Referral]:
    proposal, locked = _lock_referral(referral)
    locked.proposal = proposal
    permission = "window.act_as_proposer" if transition is REPLY else "window.answer_referral"
    subject = proposal if transition is REPLY else locked
    if not rules.test_rule(permission, user, subject):
        raise PermissionDenied
    if not transition.allowed_from(locked.status) or proposal.status != Status.ROUTED:
        raise TransitionNotAllowed(locked.get_status_display())
    return proposal, locked


@transaction.atomic
def referral_answer(*, referral: Referral, user: User, transition: Transition, text: str) -> Referral:
    """The department accepts (to take it forward), declines with reasons, or asks the proposer a question."""
    if transition not in (ACCEPT, DECLINE, ASK_INFO):
        raise ValueError(transition.name)
    messages = {
        ACCEPT: _("Say how the department takes the proposal forward."),
        DECLINE: _("Give the reasons: the proposer and, with their consent, the public read them."),
        ASK_INFO: _("Write the question for the proposer."),
    }
    text = _clean_comment(text, messages[transition])
    proposal, locked = _begin_referral_move(referral=referral, user=user, transition=transition)
    from_status = locked.status
    now = timezone.now()
    if transition is ASK_INFO:
        locked.waiting_since = timezone.localdate(now)
    else:
        _resume_clock(locked, timezone.localdate(now))
        locked.answer = text
        locked.answered_at = now
        locked.answered_by = user
    locked.status = transition.target
    locked.save()
    record_event(
        proposal=proposal,
        referral=locked,
        action=transition.name,
        from_status=from_status,
        user=user,
        comment=text,
        details={"department": locked.department.name},
    )
    _refresh_status(proposal, user, now)
    _tell_proposer(
        proposal,
        template="window/mail/answered.txt",
        subject=gettext_lazy("A question from %(department)s")
        if transition is ASK_INFO
        else gettext_lazy("An answer from %(department)s"),
        subject_params={"department": locked.department.name},
        comment=text,
        referral=locked,
        action=transition.name,
    )
    if transition is not ASK_INFO:
        _tell_window(
            proposal,
            template="window/mail/window_answered.txt",
            subject=gettext_lazy("A department answered"),
            comment=text,
            referral=locked,
        )
    return locked


@transaction.atomic
def referral_pass_on(*, referral: Referral, user: User, department: Department, note: str) -> Referral:
    """Hand the proposal to another department, which gets it with a fresh deadline: it is never ownerless."""
    note = _clean_comment(note, _("Write a note for the other department: why them."))
    proposal, locked = _begin_referral_move(referral=referral, user=user, transition=PASS_ON)
    if department.pk == locked.department_id:
        raise ValidationError({"department": _("Choose another department than your own.")})
    now = timezone.now()
    locked.status = ReferralStatus.PASSED_ON
    locked.answered_at = now
    locked.answered_by = user
    locked.answer = note
    locked.save()
    new = _new_referral(proposal=proposal, department=department, user=user, note=note, now=now, passed_from=locked)
    record_event(
        proposal=proposal,
        referral=locked,
        action=PASS_ON.name,
        from_status=ReferralStatus.OPEN,
        user=user,
        comment=note,
        details={"department": locked.department.name, "to": department.name},
    )
    _tell_department(
        proposal,
        department,
        template="window/mail/passed_on.txt",
        subject=gettext_lazy("Proposal passed on to your department"),
        comment=note,
        referral=new,
    )
    _tell_window(
        proposal, template="window/mail/window_passed_on.txt", subject=gettext_lazy("Proposal passed on"), referral=new
    )
    _tell_proposer(
        proposal,
        template="window/mail/routed_proposer.txt",
        subject=gettext_lazy("Proposal passed on"),
        referrals=[new],
    )
    return new


@transaction.atomic
def referral_recall(*, referral: Referral, user: User, reason: str) -> Referral:
    """The window takes a referral back (nobody left to answer it there, or the wrong department), with a
    reason; it routes the proposal again. With no other department holding it, it is back with the window."""
    reason = _clean_comment(reason, _("Say why the window takes it back."))
    proposal, locked = _lock_referral(referral)
    locked.proposal = proposal
    if not rules.test_rule("window.act_as_window", user, proposal):
        raise PermissionDenied
    if not RECALL.allowed_from(locked.status) or proposal.status != Status.ROUTED:
        raise TransitionNotAllowed(locked.get_status_display())
    from_status = locked.status
    now = timezone.now()
    locked.status = RECALL.target
    locked.waiting_since = None
    locked.answered_at, locked.answered_by, locked.answer = now, user, reason
    locked.save()
    record_event(
        proposal=proposal,
        referral=locked,
        action=RECALL.name,
        from_status=from_status,
        user=user,
        comment=reason,
        details={"department": locked.department.name},
    )
    _refresh_status(proposal, user, now)
    _tell_department(
        proposal,
        locked.department,
        template="window/mail/recalled.txt",
        subject=gettext_lazy("Proposal taken back by the window"),
        comment=reason,
    )
    return locked


@transaction.atomic
def referral_reply(*, referral: Referral, user: User, text: str) -> Referral:
    """The proposer answers the department's question; the department's clock runs again, the wait added."""
    text = _clean_comment(text, _("Write your answer to the department's question."))
    proposal, locked = _begin_referral_move(referral=referral, user=user, transition=REPLY)
    now = timezone.now()
    _resume_clock(locked, timezone.localdate(now))
    locked.status = ReferralStatus.OPEN
    locked.save()
    record_event(
        proposal=proposal,
        referral=locked,
        action=REPLY.name,
        from_status=ReferralStatus.INFO_REQUESTED,
        user=user,
        comment=text,
        details={"department": locked.department.name, "due_on": locked.due_on.isoformat()},
    )
    _tell_department(
        proposal,
        locked.department,
        template="window/mail/replied.txt",
        subject=gettext_lazy("The proposer answered your question"),
        comment=text,
        referral=locked,
    )
    return locked


def _resume_clock(referral: Referral, today: datetime.date) -> None:
    """The days the department waited for the proposer do not count against its deadline: the deadline is
    the answer period plus every day waited so far, counted from the routing (and then, if the office is
    closed that day, the next working day)."""
    if referral.waiting_since is not None:
        referral.days_waited += (today - referral.waiting_since).days
        referral.due_on = deadline_after_days(
            timezone.localdate(referral.routed_at), referral.proposal.window.answer_days + referral.days_waited
        )
        referral.waiting_since = None


@transaction.atomic
def referral_record_follow_up(
    *, referral: Referral, user: User, project: Project | None, call: Call | None, text: str
) -> Referral:
    """What an accepted proposal became: a project or a call of the department, and a word on it."""
    proposal, locked = _lock_referral(referral)
    locked.proposal = proposal
    if not rules.test_rule("window.answer_referral", user, locked):
        raise PermissionDenied
    if locked.status != ReferralStatus.ACCEPTED:
        raise TransitionNotAllowed(locked.get_status_display())
    text = _clean_comment(text)
    served = departments_served_by(user)
    if (project is not None and not project.is_published) or (call is not None and not call.is_published):
        raise ValidationError(_("Name a published project or call: the proposer and the public read it."))
    if project is not None and not served.filter(pk=project.responsible_department_id).exists():
        raise ValidationError({"project": _("Choose a project of your department.")})
    if call is not None and not served.filter(pk=call.department_id).exists():
        raise ValidationError({"call": _("Choose a call of your department.")})
    if not (project or call or text):
        raise ValidationError(_("Name the project or the call, or write a word on what became of it."))
    locked.project, locked.call, locked.follow_up = project, call, text
    locked.save(update_fields=["project", "call", "follow_up"])
    record_event(
        proposal=proposal,
        referral=locked,
        action="link",
        from_status=locked.status,
        user=user,
        comment=text,
        details={
            "department": locked.department.name,
            "project": project.title if project else "",
            "call": call.title if call else "",
        },
    )
    return locked


def _refresh_status(proposal: WindowProposal, user: User, now: datetime.datetime) -> None:
    """Routed while a department still has it. Once none has: answered if any department gave its final
    answer (COMPLETE), otherwise (the window recalled the last one) back with the window (RETURN_TO_WINDOW)."""
    statuses = set(proposal.referrals.values_list("status", flat=True))
    if statuses & ACTIVE_REFERRAL or proposal.status != Status.ROUTED:
        return
    if statuses & FINAL_ANSWERS:
        proposal.answered_at = now
        finish_move(proposal=proposal, user=user, transition=COMPLETE, update_fields=["answered_at"])
    else:
        proposal.route_due = add_working_days(timezone.localdate(now), proposal.window.route_working_days)
        finish_move(proposal=proposal, user=user, transition=RETURN_TO_WINDOW, update_fields=["route_due"])


# ----------------------------------------------------------------------------------------------------------
# The machinery of a move


PERMISSION_OF_ACTOR = {
    SUBMIT.actor: "window.act_as_proposer",
    ACKNOWLEDGE.actor: "window.act_as_window",
}


def begin_move(*, proposal: WindowProposal, user: User, transition: Transition) -> WindowProposal:
    """Lock the proposal and check the move: for this user, and allowed from its status."""
    locked = _lock(proposal)
    if not rules.test_rule(PERMISSION_OF_ACTOR[transition.actor], user, locked):
        raise PermissionDenied
    if not transition.allowed_from(locked.status):
        raise TransitionNotAllowed(locked.get_status_display())
    return locked


def finish_move(
    *,
    proposal: WindowProposal,
    user: User,
    transition: Transition,
    update_fields: Iterable[str] = (),
    comment: str = "",
    details: dict | None = None,
) -> WindowEvent:
    from_status = proposal.status
    proposal.status = transition.target
    proposal.save(update_fields=["status", "updated_at", *update_fields])
    return record_event(
        proposal=proposal, action=transition.name, from_status=from_status, user=user, comment=comment, details=details
    )


def record_event(
    *,
    proposal: WindowProposal,
    action: str,
    from_status: str,
    user: User | None,
    comment: str = "",
    details: dict | None = None,
    referral: Referral | None = None,
) -> WindowEvent:
    return WindowEvent.objects.create(
        proposal=proposal,
        referral=referral,
        action=action,
        from_status=from_status,
        to_status=referral.status if referral is not None else proposal.status,
        actor=user,
        comment=comment,
        details=details or {},
        created_at=timezone.now(),
    )


def _clean_comment(text: str | None, required: str | None = None) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationError({"comment": required})
    if len(text) > MAX_COMMENT:
        raise ValidationError(
            {
                "comment": _("Keep it to %(count)s characters; it has %(length)s.")
                % {"count": MAX_COMMENT, "length": len(text)}
            }
        )
    return text


# ----------------------------------------------------------------------------------------------------------
# Who hears of it


def proposer_recipients(proposal: WindowProposal, user: User | None = None) -> list[User]:
    """The organisation's representatives, the member who submitted it (while a member), and the one who acted."""
    submitters = proposal.events.filter(action=SUBMIT.name).values("actor_id")
    members = User.objects.filter(
        Q(memberships__role=Membership.Role.REPRESENTATIVE) | Q(pk__in=submitters),
        is_active=True,
        memberships__partner_id=proposal.partner_id,
        memberships__status=Membership.Status.ACTIVE,
    ).distinct()
    people = {person.pk: person for person in members}
    if user is not None:
        people[user.pk] = user
    return sorted(people.values(), key=lambda person: person.email)


def staff_recipients(department: Department, proposal: WindowProposal, role: str | None = None) -> list[User]:
    """Staff serving the department (in a role, or any), never members of the proposing organisation: they
    act on it only as its proposer, and the staff's mails carry internal notes."""
    members = Membership.objects.filter(partner_id=proposal.partner_id, status=Membership.Status.ACTIVE)
    return list(staff_serving(department, role).exclude(pk__in=members.values("user_id")).order_by("email"))


def window_recipients(proposal: WindowProposal, role: str | None = None) -> list[User]:
    return staff_recipients(proposal.window.department, proposal, role)


def _message(
    template: str,
    subject: Promise,
    proposal: WindowProposal,
    people: list[User],
    subject_params: dict | None = None,
    **context,
) -> None:
    """Render in Japanese now (inside the transaction, from what was just saved); deliver after the commit."""
    with translation.override(MAIL_LANGUAGE):
        subject = str(subject) % subject_params if subject_params else str(subject)
        base = {
            "proposal": proposal,
            "url": f"{settings.PORTAL_BASE_URL}{proposal.get_absolute_url()}",
            **context,
        }
        bodies = {person.pk: render_to_string(template, {**base, "recipient": person}) for person in people}
        full_subject = _("[Kyodo Portal] %(subject)s: %(number)s %(title)s") % {
            "subject": subject,
            "number": proposal.receipt_number or "",
            "title": proposal.title,
        }
    notify(users=people, subject=full_subject, body=lambda person: bodies[person.pk], path=proposal.get_absolute_url())


def _tell_proposer(
    proposal: WindowProposal, *, template: str, subject: Promise, user: User | None = None, **context
) -> None:
    _message(template, subject, proposal, proposer_recipients(proposal, user), **context)


def _tell_window(proposal: WindowProposal, *, template: str, subject: Promise, **context) -> None:
    _message(template, subject, proposal, window_recipients(proposal), **context)


def _tell_department(
    proposal: WindowProposal, department: Department, *, template: str, subject: Promise, **context
) -> None:
    _message(template, subject, proposal, staff_recipients(department, proposal), department=department, **context)
