"""Pages of open calls and proposals: public, applicants' and staff's. Thin: check, call a service, render."""

import uuid

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from kyodo_portal.forms import edit_version_from
from proposals import services
from proposals.diff import revision_changes
from proposals.forms import (
    SECTIONS,
    AttachmentForm,
    CallForm,
    ProposalForm,
    StartProposalForm,
    WithdrawForm,
    call_formsets,
    mark_problems,
    proposal_formsets,
)
from proposals.models import Call, Proposal
from proposals.scoring import call_score_summaries
from proposals.selectors import (
    call_detail,
    call_list,
    calls_managed_by,
    eligible_organisations,
    proposal_for_user,
    proposals_of_user,
    proposals_of_user_for_call,
    staff_departments,
)
from proposals.services import budget_totals, call_eligibility_problems, proposal_problems
from proposals.workflow import WITHDRAW, Status

PAGE_SIZE = 20
STASH_KEY = "proposal_unsaved_input"


# ----------------------------------------------------------------------------------------------------------
# Public: calls


@require_safe
def call_list_page(request: HttpRequest) -> HttpResponse:
    """Anyone: the published calls, open ones first, with the days left to the deadline."""
    calls = call_list(params=request.GET)
    page = Paginator(calls.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "proposals/call_list.html", {"filter": calls, "page": page, "calls": page.object_list})


@require_safe
def call_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Anyone, for a published call (closed ones stay readable); its staff and administrators for a draft."""
    call = call_detail(user=request.user, pk=pk)
    organisations = eligible_organisations(user=request.user, call=call)
    return render(
        request,
        "proposals/call_detail.html",
        {
            "call": call,
            "organisations": organisations,
            "own_proposals": proposals_of_user_for_call(user=request.user, call=call),
            "can_edit": rules.test_rule("proposals.edit_call", request.user, call),
            "criteria_total": sum(criterion.weight for criterion in call.criteria.all()),
        },
    )


@login_required
def proposal_start(request: HttpRequest, pk: int) -> HttpResponse:
    """A member of an eligible organisation starts a draft; a double click opens the same draft."""
    call = call_detail(user=request.user, pk=pk)
    organisations = eligible_organisations(user=request.user, call=call)
    form = StartProposalForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            token = uuid.UUID(request.POST.get("creation_token", ""))
        except ValueError:
            token = None
        try:
            proposal = services.proposal_create(
                call=call, partner=form.cleaned_data["partner"], user=request.user, creation_token=token
            )
        except services.AlreadyCreated as already:
            return redirect("proposals:edit", public_id=already.obj.public_id)
        except services.ProposalServiceError as error:
            messages.error(request, str(error))
            return redirect(call)
        messages.success(
            request, _("A draft was started. Save it as often as you like; nothing is sent until you submit.")
        )
        return redirect("proposals:edit", public_id=proposal.public_id)
    return render(
        request,
        "proposals/proposal_start.html",
        {
            "call": call,
            "form": form,
            "creation_token": request.POST.get("creation_token") or uuid.uuid4(),
            "warnings": {
                organisation: call_eligibility_problems(call=call, partner=organisation)
                for organisation in organisations
            },
        },
    )


# ----------------------------------------------------------------------------------------------------------
# Applicants: their proposals


@login_required
@require_safe
def my_proposals(request: HttpRequest) -> HttpResponse:
    """A user: the proposals of the organisations they belong to, drafts included, with what comes next."""
    page = Paginator(proposals_of_user(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "proposals/my_proposals.html", {"page": page, "proposals": page.object_list})


@login_required
@require_safe
def proposal_detail_page(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Members of the organisation; once submitted, staff of the call's department and administrators."""
    proposal = proposal_for_user(user=request.user, public_id=public_id)
    is_applicant = rules.test_rule("proposals.act_as_applicant", request.user, proposal)
    is_staff_side = rules.test_rule("proposals.view_staff_side", request.user, proposal)
    published = proposal.is_decided and proposal.call.results_published
    returned = [event for event in proposal.events.all() if event.action == "return"]
    return render(
        request,
        "proposals/proposal_detail.html",
        {
            "proposal": proposal,
            "is_applicant": is_applicant,
            "is_staff_side": is_staff_side,
            "can_edit": rules.test_rule("proposals.edit_proposal", request.user, proposal),
            "can_withdraw": is_applicant and proposal.can_be_withdrawn,
            "totals": budget_totals(proposal.budget_lines.all()),
            "decision": proposal.decision if published else None,
            "summary": call_score_summaries(proposal.call, [proposal.pk]).get(proposal.pk) if published else None,
            "last_return": returned[-1] if returned and proposal.status == Status.RETURNED else None,
            # The whole history for the call's staff; what the applicant may read for anyone else (reviewers).
            "events": [
                event
                for event in proposal.events.all()
                if is_staff_side or event.visible_to_applicant(results_published=proposal.call.results_published)
            ],
        },
    )


# What a stash may hold: a proposal's form is well under this; anything larger is not a proposal form.
STASH_MAX_CHARACTERS = 200_000


def _stash(request: HttpRequest, public_id) -> bool:
    """Keep what someone typed when their login ended, so nothing is lost on the way through login.

    Only for a proposal that exists and a form of its size: a stranger cannot fill the sessions.
    """
    if not Proposal.objects.filter(public_id=public_id).exists():
        return False
    data = {key: values for key, values in request.POST.lists() if key != "csrfmiddlewaretoken"}
    if sum(len(value) for values in data.values() for value in values) > STASH_MAX_CHARACTERS:
        return False
    request.session[STASH_KEY] = {"public_id": str(public_id), "data": data}
    return True


def _unstash(request: HttpRequest, proposal: Proposal) -> QueryDict | None:
    stash = request.session.get(STASH_KEY)
    if not stash or stash.get("public_id") != str(proposal.public_id):
        return None
    del request.session[STASH_KEY]
    data = QueryDict(mutable=True)
    for key, values in stash["data"].items():
        data.setlist(key, values)
    return data


def _unsaved_input(proposal: Proposal, data: QueryDict) -> list[tuple[str, str]]:
    """What someone sent that is not saved, field by field and row by row, to show back to them."""
    items = []
    for name, field in ProposalForm(instance=proposal).fields.items():
        value = (data.get(name) or "").strip()
        if value and value != str(getattr(proposal, name) or ""):
            items.append((str(field.label), value))
    for key, formset in proposal_formsets(instance=proposal).items():
        prefix = formset.prefix
        labels = {name: str(field.label) for name, field in formset.empty_form.fields.items() if name != "DELETE"}
        try:
            total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), 200)
        except ValueError:
            total = 0
        for row in range(total):
            if data.get(f"{prefix}-{row}-DELETE"):
                continue
            cells = [
                f"{label}: {value}"
                for name, label in labels.items()
                if name not in ("id", "proposal") and (value := (data.get(f"{prefix}-{row}-{name}") or "").strip())
            ]
            if cells:
                items.append((f"{SECTIONS[key]} {row + 1}", " / ".join(cells)))
    return items


def _not_kept(request: HttpRequest, proposal: Proposal, data: QueryDict, message: str) -> list[tuple[str, str]]:
    """The message, a word about a chosen file, and what was typed: shown on the page that follows."""
    messages.error(request, message)
    upload = request.FILES.get("file")
    if upload:
        messages.warning(request, _("%(name)s was not attached; choose it again.") % {"name": upload.name})
    return _unsaved_input(proposal, data)


def proposal_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Members of the organisation, while the proposal is a draft. Saving never needs it complete."""
    edit_url = reverse("proposals:edit", kwargs={"public_id": public_id})
    if not request.user.is_authenticated:
        if request.method == "POST" and _stash(request, public_id):
            messages.warning(
                request,
                _("Your login had expired, so the draft is not saved yet. Log in again: what you typed is kept."),
            )
            return redirect_to_login(f"{edit_url}?restore=1")
        return redirect_to_login(request.get_full_path())
    proposal = proposal_for_user(user=request.user, public_id=public_id)
    if not rules.test_rule("proposals.act_as_applicant", request.user, proposal):
        raise PermissionDenied

    data = files = None
    if request.method == "POST":
        data, files = request.POST, request.FILES
    elif request.GET.get("restore") and (data := _unstash(request, proposal)) is not None:
        messages.info(request, _("What you typed before logging in is back in the form. Save it to keep it."))

    if not proposal.is_editable:
        # Submitted (by another member) while this page was open: show what was typed, keep nothing silently.
        unsaved = []
        if data is not None:
            unsaved = _not_kept(request, proposal, data, _("A submitted proposal can no longer be changed."))
        else:
            messages.info(request, _("A submitted proposal can no longer be changed."))
        if not unsaved:
            return redirect(proposal)
        return render(request, "proposals/unsaved_input.html", {"proposal": proposal, "unsaved": unsaved})

    edit_version = edit_version_from(data) if data is not None else proposal.edit_version
    unsaved = []
    if data is not None and edit_version != proposal.edit_version:
        # Saved since this page was opened (by another member, or by a double click): the rows on the page
        # may be gone, so the page is shown afresh with what was typed beside it, never merged blindly.
        unsaved = _not_kept(request, proposal, data, str(services.EditConflict(proposal)))
        data = files = None
    form = ProposalForm(data, instance=proposal)
    formsets = proposal_formsets(data, instance=proposal)
    attachment_form = AttachmentForm(data, files, call=proposal.call)

    if request.method == "POST" and data is not None:
        valid = form.is_valid() & all([formset.is_valid() for formset in formsets.values()])
        valid &= attachment_form.is_valid()
        if not valid:
            messages.error(request, _("The draft was not saved. Correct the fields marked below; your text is kept."))
            if request.FILES.get("file"):
                messages.warning(
                    request, _("%(name)s was not attached; choose it again.") % {"name": request.FILES["file"].name}
                )
        else:
            try:
                services.proposal_save_draft(
                    proposal=proposal,
                    user=request.user,
                    form=form,
                    formsets=formsets.values(),
                    edit_version=edit_version,
                )
            except services.EditConflict as conflict:
                unsaved = _not_kept(request, proposal, data, str(conflict))
                proposal = proposal_for_user(user=request.user, public_id=public_id)
                form = ProposalForm(instance=proposal)
                formsets = proposal_formsets(instance=proposal)
                attachment_form = AttachmentForm(call=proposal.call)
            else:
                _attachments_from_request(request, proposal, attachment_form)
                if request.POST.get("action") == "check":
                    return redirect("proposals:confirm", public_id=proposal.public_id)
                messages.success(
                    request,
                    _("The draft was saved at %(time)s.") % {"time": timezone.localtime().strftime("%H:%M")},
                )
                return redirect(edit_url)

    problems = proposal_problems(proposal=proposal) if request.GET.get("check") and data is None else {}
    mark_problems(form, problems)
    problem_list = []
    for key, problem_messages in problems.items():
        if key in form.fields:
            anchor, label = form[key].id_for_label, form.fields[key].label
        else:
            anchor, label = (f"section-{key}", SECTIONS.get(key)) if key else ("", None)
        problem_list.extend((anchor, label, message) for message in problem_messages)
    return render(
        request,
        "proposals/proposal_form.html",
        {
            "proposal": proposal,
            "call": proposal.call,
            "form": form,
            "formsets": formsets,
            "attachment_form": attachment_form,
            "edit_version": proposal.edit_version if data is None else edit_version,
            "problems": problems,
            "problem_list": problem_list,
            "unsaved": unsaved,
            "totals": budget_totals(proposal.budget_lines.all()),
            # A returned proposal is revised against the office's comments: they stay in view.
            "last_return": proposal.events.filter(action="return").order_by("-created_at", "-id").first()
            if proposal.status == Status.RETURNED
            else None,
            "cap": proposal.cap,
            "required_names": Proposal.REQUIRED_FOR_SUBMISSION,
        },
    )


def _attachments_from_request(request: HttpRequest, proposal: Proposal, attachment_form: AttachmentForm) -> None:
    """After the text is saved: remove the attachments asked for, then add the uploaded file."""
    for attachment_id in request.POST.getlist("delete_attachment"):
        attachment = proposal.attachments.filter(public_id=_uuid_or_none(attachment_id)).first()
        if attachment is not None:
            services.proposal_attachment_delete(attachment=attachment, user=request.user)
            messages.success(request, _("%(name)s was removed.") % {"name": attachment.original_name})
    upload = attachment_form.cleaned_data.get("file")
    if upload:
        try:
            attachment = services.proposal_attachment_add(
                proposal=proposal, user=request.user, upload=upload, document=attachment_form.cleaned_data["document"]
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(
                    request, _("%(name)s was not attached: %(reason)s") % {"name": upload.name, "reason": message}
                )
        else:
            messages.success(request, _("%(name)s was attached.") % {"name": attachment.original_name})


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (TypeError, ValueError):
        return None


@login_required
def proposal_confirm(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Members of the organisation: read the proposal as it will be sent, then submit it (once)."""
    proposal = proposal_for_user(user=request.user, public_id=public_id)
    if not rules.test_rule("proposals.act_as_applicant", request.user, proposal):
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.proposal_submit(proposal=proposal, user=request.user, edit_version=edit_version_from(request.POST))
        except services.ProposalIncomplete:
            messages.error(request, _("The proposal cannot be submitted yet; see the messages below."))
            return redirect(reverse("proposals:edit", kwargs={"public_id": public_id}) + "?check=1")
        except services.EditConflict:
            messages.warning(request, _("The draft changed after you opened this page. Read it again and submit."))
            return redirect("proposals:confirm", public_id=public_id)
        except services.TransitionNotAllowed as refused:
            if refused.proposal.receipt_number:
                messages.info(
                    request,
                    _("This proposal had already been submitted (receipt number %(number)s).")
                    % {"number": refused.proposal.receipt_number},
                )
            else:
                messages.error(request, str(refused))
            return redirect(proposal)
        messages.success(request, _("Your proposal was submitted. A receipt was sent by e-mail."))
        return redirect(proposal)
    if not proposal.is_editable:
        return redirect(proposal)
    problems = proposal_problems(proposal=proposal)
    if problems:
        messages.warning(request, _("Some things are still missing; they are marked below."))
        return redirect(reverse("proposals:edit", kwargs={"public_id": public_id}) + "?check=1")
    return render(
        request,
        "proposals/proposal_confirm.html",
        {"proposal": proposal, "totals": budget_totals(proposal.budget_lines.all())},
    )


@login_required
def proposal_withdraw(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Members of the organisation, before the decision, with a reason."""
    proposal = proposal_for_user(user=request.user, public_id=public_id)
    if not rules.test_rule("proposals.act_as_applicant", request.user, proposal):
        raise PermissionDenied
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_withdraw(proposal=proposal, user=request.user, reason=form.cleaned_data["reason"])
        except services.TransitionNotAllowed as refused:
            if refused.proposal.status == WITHDRAW.target:
                messages.info(request, _("The proposal had already been withdrawn."))
            else:
                messages.error(request, str(refused))
        except ValidationError as error:
            form.add_error(None, error)
            return render(request, "proposals/proposal_withdraw.html", {"proposal": proposal, "form": form})
        else:
            messages.success(request, _("The proposal was withdrawn."))
        return redirect(proposal)
    return render(request, "proposals/proposal_withdraw.html", {"proposal": proposal, "form": form})


@login_required
def proposal_delete(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Members of the organisation: throw away a draft that was never submitted."""
    proposal = proposal_for_user(user=request.user, public_id=public_id)
    if not rules.test_rule("proposals.edit_proposal", request.user, proposal):
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.proposal_delete_draft(proposal=proposal, user=request.user)
        except services.ProposalServiceError as error:
            messages.error(request, str(error))
            return redirect(proposal)
        messages.success(request, _("The draft was deleted."))
        return redirect("proposals:mine")
    return render(request, "proposals/proposal_delete.html", {"proposal": proposal})


@login_required
@require_safe
def attachment_download(request: HttpRequest, public_id: uuid.UUID, attachment_id: uuid.UUID) -> HttpResponse:
    """Whoever may see the proposal; the file goes as a download, never rendered by the browser."""
    proposal = proposal_for_user(user=request.user, public_id=public_id)
    attachment = get_object_or_404(proposal.attachments.all(), public_id=attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def revision_compare(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Whoever may see the proposal: what changed between two submitted revisions."""
    proposal = proposal_for_user(user=request.user, public_id=public_id)
    revisions = list(proposal.revisions.all())
    if not revisions:
        raise Http404
    by_number = {revision.number: revision for revision in revisions}

    def pick(name: str, default: int) -> int:
        try:
            number = int(request.GET.get(name, default))
        except ValueError:
            return default
        return number if number in by_number else default

    newer = pick("to", revisions[-1].number)
    older = pick("from", max(newer - 1, revisions[0].number))
    return render(
        request,
        "proposals/revision_compare.html",
        {
            "proposal": proposal,
            "revisions": revisions,
            "older": by_number[older],
            "newer": by_number[newer],
            "changes": revision_changes(by_number[older].content, by_number[newer].content) if older != newer else None,
        },
    )


# ----------------------------------------------------------------------------------------------------------
# Staff: calls and the proposals they receive


def _manageable_call(request: HttpRequest, pk: int) -> Call:
    call = get_object_or_404(Call.objects.select_related("department", "scheme"), pk=pk)
    if not rules.test_rule("proposals.edit_call", request.user, call):
        raise PermissionDenied
    return call


@login_required
@require_safe
def manage_calls(request: HttpRequest) -> HttpResponse:
    """City staff: the calls of their departments; administrators: every call."""
    if not rules.test_rule("proposals.manage_calls", request.user):
        raise PermissionDenied
    page = Paginator(calls_managed_by(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "proposals/manage/call_list.html", {"page": page, "calls": page.object_list})


def _call_form_page(request: HttpRequest, call: Call | None) -> HttpResponse:
    instance = call or Call()
    departments = staff_departments(user=request.user)
    data = request.POST if request.method == "POST" else None
    form = CallForm(data, instance=instance, departments=departments)
    formsets = call_formsets(data, instance=instance)
    if request.method == "POST":
        if form.is_valid() and all([formset.is_valid() for formset in formsets.values()]):
            try:
                token = uuid.UUID(request.POST.get("creation_token", "")) if call is None else None
            except ValueError:
                token = None
            try:
                saved = services.call_save(
                    form=form, formsets=formsets.values(), user=request.user, creation_token=token
                )
            except services.AlreadyCreated as already:
                messages.warning(request, str(already))
                return redirect("proposals:manage_call_edit", pk=already.obj.pk)
            except services.ProposalServiceError as refused:
                messages.error(request, str(refused))
            else:
                messages.success(request, _("The call was saved."))
                return redirect("proposals:manage_call_edit", pk=saved.pk)
        else:
            messages.error(request, _("The call was not saved. Correct the fields marked below."))
    return render(
        request,
        "proposals/manage/call_form.html",
        {
            "call": call,
            "form": form,
            "formsets": formsets,
            "creation_token": request.POST.get("creation_token") or uuid.uuid4(),
        },
    )


@login_required
def call_create(request: HttpRequest) -> HttpResponse:
    """City staff, for their departments, and administrators."""
    if not rules.test_rule("proposals.manage_calls", request.user):
        raise PermissionDenied
    return _call_form_page(request, None)


@login_required
def call_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff of the call's department (or above it) and administrators."""
    return _call_form_page(request, _manageable_call(request, pk))


@login_required
@require_POST
def call_publish(request: HttpRequest, pk: int) -> HttpResponse:
    call = _manageable_call(request, pk)
    published = request.POST.get("publish") == "1"
    services.call_set_published(call=call, user=request.user, published=published)
    messages.success(request, _("The call is published.") if published else _("The call is no longer published."))
    return redirect("proposals:manage_call_edit", pk=call.pk)
