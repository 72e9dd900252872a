"""Pages of the city-wide window: public, the proposer's, the window staff's and the departments'.

Thin: check, call a service, render. Every action has a page of its own (GET shows its form, POST does it),
and the proposal's page carries the same forms, so everything works without JavaScript.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from kyodo_portal.forms import MAX_ID, edit_version_from
from kyodo_portal.search import apply_search
from partners.models import departments_served_by
from projects.models import Project
from proposals.forms import mark_problems
from proposals.models import Call
from window import services
from window.forms import (
    AcknowledgeForm,
    AnswerForm,
    AttachmentForm,
    FollowUpForm,
    PassOnForm,
    PublicFilterForm,
    QueueFilterForm,
    RecallForm,
    ReferralFilterForm,
    ReplyForm,
    RouteForm,
    StartForm,
    WindowProposalForm,
    WithdrawForm,
    WithholdForm,
)
from window.models import Referral, WindowProposal
from window.selectors import (
    ProposalView,
    open_window,
    organisations_of_member,
    overdue_items,
    proposal_for_user,
    proposals_of_user,
    public_proposals,
    referrals_for_user,
    routable_departments,
    the_window,
    window_queue,
)
from window.stats import window_statistics
from window.trail import trail_for
from window.workflow import ACCEPT, ASK_INFO, DECLINE, ROUTE, WITHDRAW, ReferralStatus, Status

PAGE_SIZE = 20
ANSWERS = {"accept": ACCEPT, "decline": DECLINE, "ask_info": ASK_INFO}


# ----------------------------------------------------------------------------------------------------------
# Public


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Anyone: what the window is, how to propose, and the proposals published with their organisation's consent."""
    proposals = public_proposals()
    years = sorted(
        {year for year in WindowProposal.objects.public().values_list("fiscal_year", flat=True) if year}, reverse=True
    )
    form = PublicFilterForm(request.GET or None, years=years)
    if form.is_valid():
        data = form.cleaned_data
        proposals = apply_search(proposals, data["q"])
        if data["status"]:
            proposals = proposals.filter(status=data["status"])
        if data["fiscal_year"]:
            proposals = proposals.filter(fiscal_year=data["fiscal_year"])
        if data["ward"]:
            proposals = proposals.filter(Q(wards=data["ward"]) | Q(citywide=True)).distinct()
        if data["field"]:
            proposals = proposals.filter(activity_fields=data["field"]).distinct()
    elif form.is_bound:
        proposals = proposals.none()
    page = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    user = request.user
    return render(
        request,
        "window/home.html",
        {
            "window": the_window(),
            "form": form,
            "page": page,
            "proposals": page.object_list,
            "runs_window": rules.test_rule("window.run_window", user),
            "sees_referrals": rules.test_rule("window.see_referrals", user),
        },
    )


@require_safe
def statistics_page(request: HttpRequest) -> HttpResponse:
    """Anyone: proposals per year, answered within the deadline, median days to an answer, by department."""
    years = list(
        WindowProposal.objects.filter(fiscal_year__isnull=False)
        .order_by("-fiscal_year")
        .values_list("fiscal_year", flat=True)
        .distinct()
    )
    asked = request.GET.get("year", "")
    try:
        fiscal_year = int(asked)
    except ValueError:
        fiscal_year = None
    if fiscal_year not in years:
        if asked:
            messages.warning(request, _("There are no proposals received in that fiscal year; all years are shown."))
        fiscal_year = None
    stats = window_statistics(fiscal_year=fiscal_year)
    return render(request, "window/statistics.html", {"stats": stats, "years": years, "window": the_window()})


# ----------------------------------------------------------------------------------------------------------
# The proposer


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """A member of an organisation starts a draft; a double click opens the same draft."""
    window = open_window()
    organisations = organisations_of_member(user=request.user)
    form = StartForm(request.POST or None, organisations=organisations)
    if window is None:
        messages.error(request, _("The window is not accepting proposals at the moment."))
        return redirect("window:home")
    if request.method == "POST" and form.is_valid():
        try:
            token = uuid.UUID(request.POST.get("creation_token", ""))
        except ValueError:
            token = None
        try:
            proposal = services.proposal_create(
                window=window,
                partner=form.cleaned_data["partner"],
                user=request.user,
                creation_token=token,
                kind=form.cleaned_data["kind"],
            )
        except services.AlreadyCreated as already:
            return redirect("window:edit", public_id=already.obj.public_id)
        except services.WindowServiceError as error:
            messages.error(request, str(error))
            return redirect("window:home")
        messages.success(
            request, _("A draft was started. Save it as often as you like; nothing is sent until you submit.")
        )
        return redirect("window:edit", public_id=proposal.public_id)
    return render(
        request,
        "window/start.html",
        {"form": form, "window": window, "creation_token": request.POST.get("creation_token") or uuid.uuid4()},
    )


@login_required
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    page = Paginator(proposals_of_user(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "window/mine.html", {"page": page, "proposals": page.object_list})


def _proposer_view(request: HttpRequest, public_id) -> ProposalView:
    view = proposal_for_user(user=request.user, public_id=public_id)
    if not view.is_proposer:
        raise PermissionDenied
    return view


@login_required
def edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Members of the organisation, while it is a draft. Saving never needs it complete."""
    proposal = _proposer_view(request, public_id).proposal
    data = request.POST if request.method == "POST" else None
    if not proposal.is_editable:
        if data is not None:
            return _not_saved(request, proposal, WindowProposalForm(data, instance=proposal), "")
        messages.info(request, _("A submitted proposal can no longer be changed."))
        return redirect(proposal)
    edit_version = edit_version_from(data) if data is not None else proposal.edit_version
    form = WindowProposalForm(data, instance=proposal)
    attachment_form = AttachmentForm(data, request.FILES if data is not None else None)
    conflict = None
    upload = request.FILES.get("file") if data is not None else None
    if data is not None:
        if not (form.is_valid() & attachment_form.is_valid()):
            messages.error(request, _("The draft was not saved. Correct the fields marked below; your text is kept."))
            if upload:
                messages.warning(request, _("%(name)s was not attached; choose it again.") % {"name": upload.name})
        else:
            try:
                services.proposal_save_draft(proposal=proposal, user=request.user, form=form, edit_version=edit_version)
            except services.EditConflict as error:
                conflict = str(error)
                messages.error(request, conflict)
                if upload:
                    messages.warning(request, _("%(name)s was not attached; choose it again.") % {"name": upload.name})
            except services.WindowServiceError as error:
                # Submitted by another member meanwhile: what was typed is shown back, never dropped silently.
                return _not_saved(request, proposal, form, str(error))
            else:
                try:
                    _attachments_from_request(request, proposal, attachment_form)
                except services.WindowServiceError as error:
                    messages.error(request, str(error))
                    return redirect(proposal)
                if request.POST.get("action") == "check":
                    return redirect("window:confirm", public_id=proposal.public_id)
                messages.success(
                    request, _("The draft was saved at %(time)s.") % {"time": timezone.localtime().strftime("%H:%M")}
                )
                return redirect("window:edit", public_id=proposal.public_id)
    saved = None
    if conflict:
        saved = WindowProposal.objects.get(pk=proposal.pk)
    problems = services.proposal_problems(proposal=proposal) if request.GET.get("check") and data is None else {}
    mark_problems(form, problems)
    problem_list = [
        (
            form[key].id_for_label if key in form.fields else "",
            form.fields[key].label if key in form.fields else "",
            text,
        )
        for key, texts in problems.items()
        for text in texts
    ]
    return render(
        request,
        "window/edit.html",
        {
            "proposal": proposal,
            "form": form,
            "attachment_form": attachment_form,
            "edit_version": saved.edit_version if saved else proposal.edit_version if data is None else edit_version,
            "saved": saved,
            "problems": problems,
            "problem_list": problem_list,
            "required_names": WindowProposal.REQUIRED_FOR_SUBMISSION,
        },
    )


def _not_saved(request: HttpRequest, proposal: WindowProposal, form: WindowProposalForm, message: str):
    """The draft can no longer be saved (it was submitted meanwhile): show what was typed, to copy."""
    messages.error(request, message or _("A submitted proposal can no longer be changed."))
    typed = [
        (field.label, value)
        for name, field in form.fields.items()
        if isinstance(value := form.data.get(name), str) and value.strip() and value != str(getattr(proposal, name, ""))
    ]
    return render(request, "window/not_saved.html", {"proposal": proposal, "typed": typed})


def _attachments_from_request(request: HttpRequest, proposal: WindowProposal, form: AttachmentForm) -> None:
    for attachment_id in request.POST.getlist("delete_attachment"):
        try:
            attachment = proposal.attachments.filter(public_id=uuid.UUID(attachment_id)).first()
        except ValueError:
            attachment = None
        if attachment is not None:
            services.attachment_delete(attachment=attachment, user=request.user)
            messages.success(request, _("%(name)s was removed.") % {"name": attachment.original_name})
    upload = form.cleaned_data.get("file")
    if upload:
        try:
            attachment = services.attachment_add(proposal=proposal, user=request.user, upload=upload)
        except ValidationError as error:
            for message in error.messages:
                messages.error(
                    request, _("%(name)s was not attached: %(reason)s") % {"name": upload.name, "reason": message}
                )
        else:
            messages.success(request, _("%(name)s was attached.") % {"name": attachment.original_name})


@login_required
def confirm(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Members of the organisation: read the proposal as it will be sent, then submit it (once)."""
    proposal = _proposer_view(request, public_id).proposal
    if request.method == "POST":
        try:
            services.proposal_submit(proposal=proposal, user=request.user, edit_version=edit_version_from(request.POST))
        except services.Incomplete:
            messages.error(request, _("The proposal cannot be submitted yet; see the messages below."))
            return redirect(reverse("window:edit", kwargs={"public_id": public_id}) + "?check=1")
        except services.EditConflict:
            messages.warning(request, _("The draft changed after you opened this page. Read it again and submit."))
            return redirect("window:confirm", public_id=public_id)
        except services.TransitionNotAllowed:
            proposal.refresh_from_db()
            if proposal.receipt_number:
                messages.info(
                    request,
                    _("This proposal had already been submitted (receipt number %(number)s).")
                    % {"number": proposal.receipt_number},
                )
            return redirect(proposal)
        messages.success(request, _("Your proposal was sent to the window. A receipt was sent by e-mail."))
        return redirect(proposal)
    if not proposal.is_editable:
        return redirect(proposal)
    problems = services.proposal_problems(proposal=proposal)
    if problems:
        messages.warning(request, _("Some things are still missing; they are marked below."))
        return redirect(reverse("window:edit", kwargs={"public_id": public_id}) + "?check=1")
    return render(request, "window/confirm.html", {"proposal": proposal})


@login_required
def delete(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    proposal = _proposer_view(request, public_id).proposal
    if not proposal.is_editable:
        return redirect(proposal)
    if request.method == "POST":
        try:
            services.proposal_delete_draft(proposal=proposal, user=request.user)
        except services.WindowServiceError as error:
            messages.error(request, str(error))
            return redirect(proposal)
        messages.success(request, _("The draft was deleted."))
        return redirect("window:mine")
    return render(request, "window/delete.html", {"proposal": proposal})


@require_safe
def attachment(request: HttpRequest, public_id: uuid.UUID, attachment_id: uuid.UUID) -> HttpResponse:
    """The proposal's parties only (attachments are never public); sent as a download."""
    view = proposal_for_user(user=request.user, public_id=public_id)
    if view.is_public_view:
        raise Http404
    item = get_object_or_404(view.proposal.attachments.all(), public_id=attachment_id)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=item.original_name, content_type=item.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# ----------------------------------------------------------------------------------------------------------
# The proposal's page: the trail, and each party's forms


@require_safe
def detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Its parties read all of it; anyone else reads a published one (with the organisation's consent)."""
    view = proposal_for_user(user=request.user, public_id=public_id)
    return render(request, "window/detail.html", _detail_context(request, view))


def _detail_context(request: HttpRequest, view: ProposalView) -> dict:
    proposal, user = view.proposal, request.user
    can_window = not view.is_public_view and rules.test_rule("window.act_as_window", user, proposal)
    referrals = list(proposal.referrals.all())
    served = set()
    if view.is_staff_side and user.is_authenticated:
        served = set(
            departments_served_by(user).filter(pk__in={r.department_id for r in referrals}).values_list("pk", flat=True)
        )
    answerable = [r for r in referrals if r.department_id in served and r.is_active and not view.is_proposer]
    followable = [r for r in referrals if r.department_id in served and r.status == ReferralStatus.ACCEPTED]
    questions = (
        [(r, question_of(proposal, r)) for r in referrals if r.status == ReferralStatus.INFO_REQUESTED]
        if view.is_proposer
        else []
    )
    context = {
        "view": view,
        "proposal": proposal,
        "referrals": referrals if not view.is_public_view else [r for r in referrals if r.status != "withdrawn"],
        "trail": trail_for(view),
        "today": timezone.localdate(),
        "can_window": can_window,
        "can_acknowledge": can_window and proposal.status == Status.SUBMITTED,
        "can_route": can_window and ROUTE.allowed_from(proposal.status),
        "can_withdraw": view.is_proposer and WITHDRAW.allowed_from(proposal.status),
        "answerable": answerable,
        "owners": [r for r in referrals if r.is_active],
        "followable": followable,
        "questions": questions,
        "acknowledge_form": AcknowledgeForm(),
    }
    return context


def question_of(proposal: WindowProposal, referral: Referral) -> str:
    """The department's latest question to the proposer (from the events the page has read already)."""
    asked = [
        event for event in proposal.events.all() if event.referral_id == referral.pk and event.action == "ask_info"
    ]
    return asked[-1].comment if asked else ""


def _messages_of(error: Exception) -> list[str]:
    if isinstance(error, ValidationError):
        return list(error.messages)
    return [str(error)]


@dataclass(frozen=True)
class Action:
    """A move with a form: who may make it, its form, and the service that makes it (user, target, data)."""

    title: Promise
    permission: str
    form_class: type
    run: Callable
    done: Promise
    form_kwargs: Callable | None = None  # (user, target) -> extra arguments of the form


def _follow_up_choices(user, referral: Referral) -> dict:
    departments = departments_served_by(user)
    return {
        "projects": Project.objects.published()
        .filter(responsible_department__in=departments)
        .order_by("-start_date", "pk"),
        "calls": Call.objects.published().filter(department__in=departments).order_by("-closes_at", "pk"),
    }


PROPOSAL_ACTIONS = {
    "acknowledge": Action(
        gettext_lazy("Acknowledge receipt"),
        "window.act_as_window",
        AcknowledgeForm,
        lambda user, proposal, data: services.proposal_acknowledge(
            proposal=proposal, user=user, comment=data["comment"]
        ),
        gettext_lazy("The receipt was acknowledged; the proposer was told."),
    ),
    "route": Action(
        gettext_lazy("Route to departments"),
        "window.act_as_window",
        RouteForm,
        lambda user, proposal, data: services.proposal_route(
            proposal=proposal, user=user, departments=data["departments"], note=data["comment"]
        ),
        gettext_lazy("Routed. Each department was told and owns the proposal until it answers."),
        lambda user, proposal: {"departments": routable_departments(window=proposal.window)},
    ),
    "withhold": Action(
        gettext_lazy("Public page"),
        "window.act_as_window",
        WithholdForm,
        lambda user, proposal, data: services.proposal_set_withheld(
            proposal=proposal, user=user, withheld=data["withheld"], reason=data["comment"]
        ),
        gettext_lazy("The public page was updated."),
    ),
    "withdraw": Action(
        gettext_lazy("Withdraw the proposal"),
        "window.act_as_proposer",
        WithdrawForm,
        lambda user, proposal, data: services.proposal_withdraw(proposal=proposal, user=user, reason=data["comment"]),
        gettext_lazy("The proposal was withdrawn. The window and the departments were told."),
    ),
}
# Checked against the proposal (its organisation, its window) even when the move is on a referral.
PROPOSAL_PERMISSIONS = frozenset({"window.act_as_proposer", "window.act_as_window"})
REFERRAL_ACTIONS = {
    "recall": Action(
        gettext_lazy("Take back from the department"),
        "window.act_as_window",
        RecallForm,
        lambda user, referral, data: services.referral_recall(referral=referral, user=user, reason=data["comment"]),
        gettext_lazy("Taken back. Route the proposal again if no other department holds it."),
    ),
    "answer": Action(
        gettext_lazy("Answer the proposal"),
        "window.answer_referral",
        AnswerForm,
        lambda user, referral, data: services.referral_answer(
            referral=referral, user=user, transition=ANSWERS[data["answer"]], text=data["comment"]
        ),
        gettext_lazy("Your answer was recorded; the proposer and the window were told."),
        lambda user, referral: {"waiting": referral.status == ReferralStatus.INFO_REQUESTED},
    ),
    "pass_on": Action(
        gettext_lazy("Pass on to another department"),
        "window.answer_referral",
        PassOnForm,
        lambda user, referral, data: services.referral_pass_on(
            referral=referral, user=user, department=data["department"], note=data["comment"]
        ),
        gettext_lazy("Passed on. The other department owns it now, with a fresh deadline."),
        lambda user, referral: {
            "departments": routable_departments(window=referral.proposal.window).exclude(pk=referral.department_id)
        },
    ),
    "reply": Action(
        gettext_lazy("Answer the question"),
        "window.act_as_proposer",
        ReplyForm,
        lambda user, referral, data: services.referral_reply(referral=referral, user=user, text=data["comment"]),
        gettext_lazy("Your answer was sent to the department."),
    ),
    "follow_up": Action(
        gettext_lazy("Record what became of it"),
        "window.answer_referral",
        FollowUpForm,
        lambda user, referral, data: services.referral_record_follow_up(
            referral=referral, user=user, project=data["project"], call=data["call"], text=data["comment"]
        ),
        gettext_lazy("The follow-up was recorded."),
        _follow_up_choices,
    ),
}


def _perform(request: HttpRequest, view: ProposalView, action: Action, referral: Referral | None = None):
    """A move: its form on a page of its own (GET), or done (POST); a refusal keeps what was typed."""
    target = referral if referral is not None else view.proposal
    # The proposer's and the window's moves are checked against the proposal (its organisation, its window),
    # a department's against the referral (its department).
    checked = view.proposal if action.permission in PROPOSAL_PERMISSIONS else target
    if not rules.test_rule(action.permission, request.user, checked):
        raise PermissionDenied
    extra = action.form_kwargs(request.user, target) if action.form_kwargs else {}
    form = action.form_class(request.POST or None, **extra)
    if request.method == "POST" and form.is_valid():
        try:
            action.run(request.user, target, form.cleaned_data)
        except services.TransitionNotAllowed as refused:
            messages.error(request, str(refused))
            return redirect(view.proposal)
        except (services.WindowServiceError, ValidationError) as error:
            for message in _messages_of(error):
                form.add_error(None, message)
        else:
            messages.success(request, str(action.done))
            return redirect(view.proposal)
    elif request.method == "POST":
        messages.error(request, _("Nothing was done. Correct the fields marked below; your text is kept."))
    return render(
        request,
        "window/action.html",
        {
            **_detail_context(request, view),
            "form": form,
            "referral": referral,
            "form_class": action.form_class.__name__,
            "action_title": action.title,
            "question": question_of(view.proposal, referral) if referral is not None else "",
        },
    )


@login_required
def proposal_action(request: HttpRequest, public_id: uuid.UUID, action: str) -> HttpResponse:
    """The window's moves (acknowledge, route, withhold) and the proposer's withdrawal."""
    return _perform(request, proposal_for_user(user=request.user, public_id=public_id), PROPOSAL_ACTIONS[action])


@login_required
def referral_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """A department's answer, passing on and follow-up; the proposer's reply to a question."""
    if not 1 <= pk <= MAX_ID:
        raise Http404
    referral = get_object_or_404(Referral.objects.select_related("proposal"), pk=pk)
    view = proposal_for_user(user=request.user, public_id=referral.proposal.public_id)
    referral = next(r for r in view.proposal.referrals.all() if r.pk == pk)
    return _perform(request, view, REFERRAL_ACTIONS[action], referral)


# ----------------------------------------------------------------------------------------------------------
# Staff lists


@login_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    """The window's staff (and administrators): every received proposal, the ones waiting for the window first."""
    if not rules.test_rule("window.run_window", request.user):
        raise PermissionDenied
    form = QueueFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    proposals = window_queue(
        user=request.user, query=data.get("q", ""), status=data.get("status", ""), overdue=data.get("overdue", False)
    )
    page = Paginator(proposals.distinct(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "window/queue.html",
        {"form": form, "page": page, "proposals": page.object_list, "today": timezone.localdate()},
    )


@login_required
@require_safe
def referrals(request: HttpRequest) -> HttpResponse:
    """City staff: the proposals routed to their departments, theirs to answer first, by deadline."""
    if not rules.test_rule("window.see_referrals", request.user):
        raise PermissionDenied
    form = ReferralFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    items = referrals_for_user(user=request.user, state=data.get("state") or "active", overdue=data.get("overdue"))
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "window/referrals.html",
        {"form": form, "page": page, "referrals": page.object_list, "today": timezone.localdate()},
    )


@login_required
@require_safe
def overdue(request: HttpRequest) -> HttpResponse:
    """The escalation list: the window's staff see their window's; a department's staff their own referrals."""
    if not (
        rules.test_rule("window.run_window", request.user) or rules.test_rule("window.see_referrals", request.user)
    ):
        raise PermissionDenied
    return render(request, "window/overdue.html", {"items": overdue_items(user=request.user)})
