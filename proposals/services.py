"""Every write to calls and proposals: drafts, attachments, and each move of the workflow."""

import datetime
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import rules
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.forms import BaseFormSet, ModelForm
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.notifications import MAIL_LANGUAGE, deliver
from kyodo_portal.workflow import ServiceError
from partners.models import Membership, Partner, staff_serving
from proposals.files import CheckedFile, check_attachment_limits, store_checked
from proposals.models import (
    BudgetLine,
    Call,
    CallCriterion,
    CallDocument,
    Proposal,
    ProposalAttachment,
    ProposalEvent,
    ProposalRevision,
    ReviewScore,
    attachment_upload_to_for,
    private_storage,
)
from proposals.workflow import (
    DECIDED,
    RESUBMIT,
    SUBMIT,
    WITHDRAW,
    Actor,
    Status,
    Transition,
    target_of,
)

logger = logging.getLogger(__name__)


class ProposalServiceError(ServiceError):
    """A write that cannot be done, with a message for the user."""


class TransitionNotAllowed(ProposalServiceError):
    """The move does not start from the proposal's status: often someone else acted on it first."""

    def __init__(self, proposal: Proposal, transition: Transition) -> None:
        # The applicant is told the status they see: a decision stays unknown to them until published.
        status = (
            proposal.status_for_applicant_display
            if transition.actor == Actor.APPLICANT
            else proposal.get_status_display()
        )
        super().__init__(
            _(
                "This cannot be done now: the proposal is %(status)s (someone may have acted on it just before you). "
                "Nothing was changed."
            )
            % {"status": status}
        )
        self.proposal = proposal
        self.transition = transition


class ProposalIncomplete(ProposalServiceError):
    """Submission refused: the problems, by field name (None for the proposal as a whole)."""

    def __init__(self, problems: dict[str | None, list[str]]) -> None:
        super().__init__(_("The proposal cannot be submitted yet; see the messages below."))
        self.problems = problems


class EditConflict(ProposalServiceError):
    """Someone else saved the draft after this page was opened; nothing was overwritten."""

    def __init__(self, proposal: Proposal) -> None:
        super().__init__(
            _(
                "This draft was saved after you opened this page (by another member, or by a second click). "
                "What you typed is shown below: compare it with the saved version, put back what you need and save."
            )
        )
        self.proposal = proposal


class AlreadyCreated(ProposalServiceError):
    def __init__(self, obj) -> None:
        super().__init__(_("This had already been created; the form sent again changed nothing."))
        self.obj = obj


# ----------------------------------------------------------------------------------------------------------
# Calls


@transaction.atomic
def call_save(
    *, form: ModelForm, formsets: Iterable[BaseFormSet], user: User, creation_token: uuid.UUID | None = None
) -> Call:
    """Create or change a call with its documents, criteria and schedule, from valid forms."""
    call = form.instance
    if call.pk is None:
        if creation_token and (existing := Call.objects.filter(creation_token=creation_token).first()):
            raise AlreadyCreated(existing)
        call.creation_token = creation_token
        call.created_by = user
    if not rules.test_rule("proposals.manage_calls", user) or (
        call.department_id and not rules.test_rule("proposals.edit_call", user, call)
    ):
        raise PermissionDenied
    if call.pk is not None:
        _check_call_change(call, form, formsets)
    call._change_reason = _("Created") if call.pk is None else _("Changed")
    try:
        with transaction.atomic():
            call = form.save()
    except IntegrityError:
        existing = Call.objects.filter(creation_token=creation_token).first()
        if existing is None:
            raise
        raise AlreadyCreated(existing) from None
    for formset in formsets:
        formset.instance = call
        _save_rows(formset)
    return call


def _check_call_change(call: Call, form: ModelForm, formsets: Iterable[BaseFormSet]) -> None:
    """Once reviewers have scored, the criteria stay as they scored them; once the results are out, the
    call's dates stay too (a call must not reopen under published results)."""
    saved = Call.objects.select_for_update().get(pk=call.pk)
    scored = ReviewScore.objects.filter(criterion__call=saved).exists()
    if scored and any(formset.model is CallCriterion and formset.has_changed() for formset in formsets):
        raise ProposalServiceError(_("Reviewers have scored against the criteria: they can no longer be changed."))
    if saved.results_published and {"opens_at", "closes_at"} & set(form.changed_data):
        raise ProposalServiceError(_("The results of this call are published: its dates can no longer be changed."))


@transaction.atomic
def call_set_published(*, call: Call, user: User, published: bool) -> Call:
    call = Call.objects.select_for_update().get(pk=call.pk)
    if not rules.test_rule("proposals.edit_call", user, call):
        raise PermissionDenied
    call.is_published = published
    if published and call.published_at is None:
        call.published_at = timezone.now()
    call._change_reason = _("Published") if published else _("Unpublished")
    call.save(update_fields=["is_published", "published_at", "updated_at"])
    return call


# ----------------------------------------------------------------------------------------------------------
# Drafts


def call_eligibility_problems(*, call: Call, partner: Partner) -> list[str]:
    """Why this organisation may not submit to the call (empty when it may)."""
    problems = []
    if not call.admits_type(partner):
        problems.append(
            _("This call accepts proposals from %(types)s; %(name)s is a %(type)s.")
            % {
                "types": "、".join(partner_type.name for partner_type in call.eligible_types.all()),
                "name": partner.name,
                "type": partner.partner_type.name,
            }
        )
    if call.verified_only and not partner.is_verified:
        problems.append(
            _("This call accepts only organisations the city has verified; %(name)s has not been verified yet.")
            % {"name": partner.name}
        )
    return problems


@transaction.atomic
def proposal_create(*, call: Call, partner: Partner, user: User, creation_token: uuid.UUID | None = None) -> Proposal:
    """Start a draft for an organisation the user belongs to; a second click finds the same draft."""
    if creation_token and (existing := Proposal.objects.filter(creation_token=creation_token).first()):
        raise AlreadyCreated(existing)
    if not Membership.objects.filter(user=user, partner=partner, status=Membership.Status.ACTIVE).exists():
        raise PermissionDenied
    if not call.is_published or call.has_closed:
        raise ProposalServiceError(_("This call is not accepting proposals."))
    if not call.admits_type(partner):
        raise ProposalServiceError(call_eligibility_problems(call=call, partner=partner)[0])
    proposal = Proposal(
        call=call,
        partner=partner,
        created_by=user,
        creation_token=creation_token,
        contact_name=user.display_name,
    )
    try:
        with transaction.atomic():
            proposal.save()
    except IntegrityError:
        existing = Proposal.objects.filter(creation_token=creation_token).first()
        if existing is None:
            raise
        raise AlreadyCreated(existing) from None
    record_event(proposal=proposal, action="create", from_status="", user=user)
    return proposal


def _lock(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_for_update(of=("self",)).select_related("call", "partner").get(pk=proposal.pk)


def _check_editable(proposal: Proposal, user: User) -> None:
    if not rules.test_rule("proposals.act_as_applicant", user, proposal):
        raise PermissionDenied
    if not proposal.is_editable:
        raise ProposalServiceError(
            _("A %(status)s proposal can no longer be changed.") % {"status": proposal.get_status_display()}
        )


@transaction.atomic
def proposal_save_draft(
    *, proposal: Proposal, user: User, form: ModelForm, formsets: Iterable[BaseFormSet], edit_version: int
) -> Proposal:
    """Save the draft as it is (complete or not) from valid forms; refuse to overwrite a newer save."""
    locked = _lock(proposal)
    _check_editable(locked, user)
    if locked.edit_version != edit_version:
        raise EditConflict(locked)
    draft = form.save(commit=False)
    draft.edit_version = locked.edit_version + 1
    draft.save()
    for formset in formsets:
        _save_rows(formset)
    return draft


def _save_rows(formset: BaseFormSet) -> None:
    """Save an inline formset keeping the rows in the order they appear on the page."""
    rows = formset.save(commit=False)
    for deleted in formset.deleted_objects:
        deleted.delete()
    kept = [form.instance for form in formset.ordered_forms] if formset.can_order else None
    ordered = kept or [form.instance for form in formset.forms if form.instance in rows or form.instance.pk]
    for position, row in enumerate(ordered, start=1):
        if row in formset.deleted_objects or (row.pk is None and row not in rows):
            continue
        row.order = position
        row.save()


@transaction.atomic
def proposal_delete_draft(*, proposal: Proposal, user: User) -> None:
    locked = _lock(proposal)
    _check_editable(locked, user)
    if locked.status != Status.DRAFT:
        raise ProposalServiceError(_("A proposal that has been submitted is withdrawn, not deleted."))
    files = [attachment.file.name for attachment in locked.attachments.all()]
    locked.delete()
    transaction.on_commit(lambda: _remove_files(files))


def _remove_files(names: list[str]) -> None:
    for name in names:
        private_storage.delete(name)


# ----------------------------------------------------------------------------------------------------------
# Attachments


def proposal_attachment_add(
    *, proposal: Proposal, user: User, upload, document: CallDocument | None = None
) -> ProposalAttachment:
    """Attach a checked file to a draft. The file is written first and removed again if the row is not."""

    @transaction.atomic
    def save_row(checked: CheckedFile, stored: str) -> ProposalAttachment:
        locked = _lock(proposal)
        _check_editable(locked, user)
        existing = list(locked.attachments.values_list("size", flat=True))
        check_attachment_limits(existing, checked.size, settings.PROPOSAL_ATTACHMENT)
        if document is not None and document.call_id != locked.call_id:
            raise ValidationError(_("Choose one of this call's documents."))
        return ProposalAttachment.objects.create(
            proposal=locked, document=document, file=stored, uploaded_by=user, **checked.as_row()
        )

    return store_checked(
        upload,
        storage=private_storage,
        name_for=lambda extension: attachment_upload_to_for(proposal, extension),
        save_row=save_row,
    )


@transaction.atomic
def proposal_attachment_delete(*, attachment: ProposalAttachment, user: User) -> None:
    locked = _lock(attachment.proposal)
    _check_editable(locked, user)
    name = attachment.file.name
    ProposalAttachment.objects.filter(pk=attachment.pk, proposal=locked).delete()
    transaction.on_commit(lambda: _remove_files([name]))


# ----------------------------------------------------------------------------------------------------------
# Completeness and submission


@dataclass(frozen=True)
class BudgetTotals:
    income: int
    expense: int
    from_city: int

    @property
    def balanced(self) -> bool:
        return self.income == self.expense


def budget_totals(lines: Iterable[BudgetLine]) -> BudgetTotals:
    income = expense = from_city = 0
    for line in lines:
        amount = line.amount or 0
        if line.side == BudgetLine.Side.INCOME:
            income += amount
            if line.source == BudgetLine.Source.CITY:
                from_city += amount
        else:
            expense += amount
    return BudgetTotals(income=income, expense=expense, from_city=from_city)


def proposal_problems(*, proposal: Proposal, at: datetime.datetime | None = None) -> dict[str | None, list[str]]:
    """Everything that keeps a proposal from being submitted, by field name (None: the whole proposal).

    The forms show the same problems next to the fields; this is the rule the submission enforces.
    """
    problems: dict[str | None, list[str]] = {}

    def add(key: str | None, message: str) -> None:
        problems.setdefault(key, []).append(message)

    call = proposal.call
    for name in Proposal.REQUIRED_FOR_SUBMISSION:
        if not str(getattr(proposal, name) or "").strip():
            add(name, _("Fill this in before submitting."))
    if proposal.project_year > call.max_years:
        add(
            "project_year",
            _("This call funds a project for %(years)s years at most.") % {"years": call.max_years},
        )
    if call.consultation_required and not proposal.consulted_on:
        add("consulted_on", _("This call requires advance consultation: give the date you consulted the office."))
    roles = list(proposal.roles.all())
    if not roles:
        add("roles", _("Describe the division of roles in at least one row."))
    elif any(not (role.task and role.organisation_part and role.city_part) for role in roles):
        add("roles", _("Every row of the division of roles needs the task and what each side does."))
    if not proposal.schedule_items.exists():
        add("schedule", _("Give the schedule in at least one row."))
    if not proposal.indicators.exists():
        add("indicators", _("Give at least one indicator of the expected effects."))
    lines = list(proposal.budget_lines.all())
    if not any(line.side == BudgetLine.Side.EXPENSE for line in lines):
        add("budget", _("List the expenses of the budget plan."))
    if any(not line.item or line.amount is None for line in lines):
        add("budget", _("Every line of the budget plan needs its item and amount."))
    if any(line.side == BudgetLine.Side.INCOME and not line.source for line in lines):
        add("budget", _("Every income line needs its source."))
    totals = budget_totals(lines)
    if lines and not totals.balanced:
        add(
            "budget",
            _("Income (%(income)s yen) and expenses (%(expense)s yen) must be equal.")
            % {"income": f"{totals.income:,}", "expense": f"{totals.expense:,}"},
        )
    # A call without a cap pays nothing (後援, 会場提供): nothing may be asked of the city.
    cap = call.cap_for_year(proposal.project_year) or 0
    if totals.from_city and not cap:
        add("budget", _("This call pays no money: leave out income from the city."))
    elif totals.from_city > cap:
        add(
            "budget",
            _("The amount asked of the city (%(asked)s yen) is over this call's cap of %(cap)s yen.")
            % {"asked": f"{totals.from_city:,}", "cap": f"{cap:,}"},
        )
    attached = {attachment.document_id for attachment in proposal.attachments.all()}
    for document in call.documents.all():
        if document.is_required and document.pk not in attached:
            add("attachments", _("Attach %(document)s.") % {"document": document.name})
    for problem in call_eligibility_problems(call=call, partner=proposal.partner):
        add(None, problem)
    moment = at or timezone.now()
    if proposal.status == Status.RETURNED:
        if proposal.revision_due and timezone.localdate(moment) > proposal.revision_due:
            add(
                None,
                _("The revision was due on %(date)s; ask the office whether it can still be accepted.")
                % {"date": proposal.revision_due.isoformat()},
            )
    elif not call.is_open_at(moment):
        add(None, _("The call is not accepting proposals now (deadline %(deadline)s).") % {"deadline": _deadline(call)})
    return problems


def _deadline(call: Call) -> str:
    return timezone.localtime(call.closes_at).strftime("%Y-%m-%d %H:%M")


@transaction.atomic
def proposal_submit(*, proposal: Proposal, user: User, edit_version: int | None = None) -> Proposal:
    """Submit a complete draft while the call is open: receipt number, revision, audit row, receipt mail.

    A proposal returned for revision is resubmitted the same way, until its revision deadline, and
    keeps its receipt number. A second click finds the proposal submitted and is refused with
    TransitionNotAllowed, so one submission is recorded however often the button is pressed.
    """
    transition = RESUBMIT if proposal.status == Status.RETURNED else SUBMIT
    locked = begin_move(proposal=proposal, user=user, transition=transition)
    if edit_version is not None and locked.edit_version != edit_version:
        # The draft changed after the applicant read it on the confirmation page: they confirm again.
        raise EditConflict(locked)
    # One reading of the clock: the moment checked against the deadline is the moment recorded.
    now = timezone.now()
    problems = proposal_problems(proposal=locked, at=now)
    if problems:
        raise ProposalIncomplete(problems)
    if locked.receipt_number is None:
        locked.receipt_number = _next_receipt_number(locked.call)
        locked.first_submitted_at = now
    locked.submitted_at = now
    revision = ProposalRevision.objects.create(
        proposal=locked,
        number=locked.revisions.count() + 1,
        content=proposal_snapshot(proposal=locked),
        submitted_by=user,
        submitted_at=now,
    )
    locked.revision_due = None
    finish_move(
        proposal=locked,
        user=user,
        transition=transition,
        update_fields=["receipt_number", "first_submitted_at", "submitted_at", "revision_due"],
        comment=_("Revision %(number)s") % {"number": revision.number},
    )
    transaction.on_commit(lambda: _mail_receipt(proposal_id=locked.pk, user_id=user.pk), robust=True)
    return locked


def _next_receipt_number(call: Call) -> str:
    """受付番号: fiscal year, call and a sequence, issued in order under a lock of the call's row."""
    locked_call = Call.objects.select_for_update().get(pk=call.pk)
    locked_call.receipts_issued += 1
    locked_call.save(update_fields=["receipts_issued"])
    return f"{locked_call.fiscal_year}-{locked_call.pk:03d}-{locked_call.receipts_issued:04d}"


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, user: User, reason: str) -> Proposal:
    """The applicant withdraws a submitted proposal, giving a reason, until the results are published."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you withdraw the proposal.")})
    locked = begin_move(proposal=proposal, user=user, transition=WITHDRAW)
    if locked.status in DECIDED:
        # A decided proposal may go only while the results are unpublished: the call's row lock makes a
        # withdrawal and the publication take turns.
        locked.call = Call.objects.select_for_update().get(pk=locked.call_id)
    if not locked.can_be_withdrawn:
        raise TransitionNotAllowed(locked, WITHDRAW)
    finish_move(proposal=locked, user=user, transition=WITHDRAW, comment=reason)
    transaction.on_commit(lambda: _mail_withdrawn(proposal_id=locked.pk, user_id=user.pk), robust=True)
    return locked


PERMISSION_OF_ACTOR = {
    Actor.APPLICANT: "proposals.act_as_applicant",
    Actor.OFFICER: "proposals.act_as_officer",
    Actor.APPROVER: "proposals.approve_decisions",
}


def begin_move(*, proposal: Proposal, user: User, transition: Transition) -> Proposal:
    """Lock the proposal and check the move: for this user, and allowed from its status.

    The row lock makes moves on one proposal take turns: of two officers deciding at once, or a
    withdrawal racing a decision, the second finds the status changed and is refused.
    """
    locked = _lock(proposal)
    target = locked if transition.actor == Actor.APPLICANT else locked.call
    if not rules.test_rule(PERMISSION_OF_ACTOR[transition.actor], user, target):
        raise PermissionDenied
    if transition.actor != Actor.APPLICANT and rules.test_rule("proposals.act_as_applicant", user, locked):
        # Staff who belong to the applying organisation neither screen nor decide its proposal.
        raise PermissionDenied
    if not transition.allowed_from(locked.status):
        raise TransitionNotAllowed(locked, transition)
    return locked


def finish_move(
    *,
    proposal: Proposal,
    user: User,
    transition: Transition,
    update_fields: Iterable[str] = (),
    comment: str = "",
    details: dict | None = None,
    outcome: str | None = None,
) -> ProposalEvent:
    """Save the new status and the audit row; tell the applicant when the status they see changes."""
    from_status = proposal.status
    seen_before = proposal.status_for_applicant
    proposal.status = target_of(transition, outcome)
    proposal.save(update_fields=["status", "updated_at", *update_fields])
    event = record_event(
        proposal=proposal, action=transition.name, from_status=from_status, user=user, comment=comment, details=details
    )
    if transition not in (SUBMIT, RESUBMIT, WITHDRAW) and proposal.status_for_applicant != seen_before:
        transaction.on_commit(lambda: mail_status_changed(proposal_id=proposal.pk, event_id=event.pk), robust=True)
    return event


def record_event(
    *, proposal: Proposal, action: str, from_status: str, user: User, comment: str = "", details: dict | None = None
) -> ProposalEvent:
    return ProposalEvent.objects.create(
        proposal=proposal,
        action=action,
        from_status=from_status,
        to_status=proposal.status,
        actor=user,
        comment=comment,
        details=details or {},
    )


# ----------------------------------------------------------------------------------------------------------
# Revisions


def proposal_snapshot(*, proposal: Proposal) -> dict:
    """The proposal's whole content as plain data, as kept in a revision."""
    fields = {name: str(getattr(proposal, name) or "") for name in Proposal.CONTENT_FIELDS}
    return {
        "fields": fields,
        "roles": [
            {"task": row.task, "organisation_part": row.organisation_part, "city_part": row.city_part}
            for row in proposal.roles.all()
        ],
        "schedule": [{"when": row.when, "what": row.what} for row in proposal.schedule_items.all()],
        "indicators": [
            {"name": row.name, "target": "" if row.target is None else f"{row.target.normalize():f}", "unit": row.unit}
            for row in proposal.indicators.all()
        ],
        "budget": [
            {
                "side": row.side,
                "source": row.source,
                "item": row.item,
                "note": row.note,
                "amount": row.amount,
            }
            for row in proposal.budget_lines.all()
        ],
        "participants": [{"name": row.name, "role": row.role} for row in proposal.participants.all()],
        "attachments": [
            {
                "name": row.original_name,
                "document": row.document.name if row.document else "",
                "size": row.size,
                "id": str(row.public_id),
            }
            for row in proposal.attachments.select_related("document")
        ],
    }


# ----------------------------------------------------------------------------------------------------------
# Mail


def applicant_recipients(proposal: Proposal, user: User | None = None) -> list[User]:
    """Who hears about a proposal on the applicant's side: the organisation's representatives, the members
    who submitted it (while they are still members) and the member who acted now, each once."""
    submitters = proposal.events.filter(action__in=[SUBMIT.name, RESUBMIT.name]).values("actor_id")
    members = User.objects.filter(
        Q(memberships__role=Membership.Role.REPRESENTATIVE) | Q(pk__in=submitters),
        is_active=True,
        memberships__partner_id=proposal.partner_id,
        memberships__status=Membership.Status.ACTIVE,
    ).distinct()
    recipients = {person.pk: person for person in members}
    if user is not None:
        recipients[user.pk] = user
    return sorted(recipients.values(), key=lambda person: person.email)


def _staff_recipients(proposal: Proposal) -> list[User]:
    """Staff of the call's department and of the departments above it."""
    return list(staff_serving(proposal.call.department).order_by("email"))


def _url(proposal: Proposal) -> str:
    return f"{settings.PORTAL_BASE_URL}{proposal.get_absolute_url()}"


def _send(template: str, context: dict, recipients: Iterable[User], subject: str, path: str = "") -> None:
    """Into each person's inbox and by mail (see accounts.notifications.deliver).

    The proposal is already saved when this runs: a mail server that is down must not make an
    applicant believe their submission failed at the deadline.
    """
    deliver(
        users=recipients,
        subject=subject,
        body=lambda person: render_to_string(template, {**context, "recipient": person}),
        path=path or context["proposal"].get_absolute_url(),
    )


def mail_status_changed(*, proposal_id: int, event_id: int) -> None:
    """Tell the applicant's representatives and the members who submitted it what changed, and what next."""
    proposal = Proposal.objects.select_related("call__department", "partner").get(pk=proposal_id)
    event = ProposalEvent.objects.get(pk=event_id)
    with translation.override(MAIL_LANGUAGE):
        context = {"proposal": proposal, "call": proposal.call, "event": event, "proposal_url": _url(proposal)}
        subject = _("[Kyodo Portal] %(status)s: %(title)s") % {
            "status": proposal.status_for_applicant_display,
            "title": proposal.title,
        }
        _send("proposals/mail/status_changed.txt", context, applicant_recipients(proposal), subject)


def _mail_receipt(*, proposal_id: int, user_id: int) -> None:
    proposal = Proposal.objects.select_related("call__department__parent", "partner").get(pk=proposal_id)
    user = User.objects.filter(pk=user_id).first()
    with translation.override(MAIL_LANGUAGE):
        context = {"proposal": proposal, "call": proposal.call, "user": user, "proposal_url": _url(proposal)}
        _send(
            "proposals/mail/receipt.txt",
            context,
            applicant_recipients(proposal, user),
            _("[Kyodo Portal] Proposal received: %(number)s") % {"number": proposal.receipt_number},
        )
        _send(
            "proposals/mail/staff_new_proposal.txt",
            context,
            _staff_recipients(proposal),
            _("[Kyodo Portal] New proposal to %(call)s: %(number)s")
            % {"call": proposal.call.title, "number": proposal.receipt_number},
        )


def _mail_withdrawn(*, proposal_id: int, user_id: int) -> None:
    proposal = Proposal.objects.select_related("call__department__parent", "partner").get(pk=proposal_id)
    user = User.objects.filter(pk=user_id).first()
    reason = proposal.events.filter(action=WITHDRAW.name).order_by("-created_at").values_list("comment", flat=True)
    with translation.override(MAIL_LANGUAGE):
        context = {
            "proposal": proposal,
            "call": proposal.call,
            "user": user,
            "reason": reason.first() or "",
            "proposal_url": _url(proposal),
        }
        subject = _("[Kyodo Portal] Proposal withdrawn: %(number)s") % {"number": proposal.receipt_number}
        _send("proposals/mail/withdrawn.txt", context, applicant_recipients(proposal, user), subject)
        _send("proposals/mail/withdrawn.txt", context, _staff_recipients(proposal), subject)
