"""Pages of the review side: the queue of a call, a proposal's staff page and its moves, reviewers and
their scores, approvals, and the public results. Thin: check, call a service, render.

Who sees what: the queue and a proposal's staff page, the call's staff (officers and approvers of
its department or above) and administrators; the moves, each its role (see proposals/rules.py);
the review form, reviewers of the call; the results page, anyone once they are published.
"""

import csv
import io
import uuid

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from kyodo_portal.forms import id_from_form
from kyodo_portal.workflow import transitions_from
from partners.csv_io import safe_cell
from proposals import review
from proposals.models import Call, Proposal, Review
from proposals.review_forms import (
    ApproveForm,
    ConfirmConditionsForm,
    ConflictForm,
    DecisionForm,
    NoteForm,
    PresentationForm,
    QueueFilterForm,
    ReturnForm,
    ReviewDueForm,
    ReviewerAddForm,
    ReviewForm,
    ScreeningForm,
    SendBackForm,
    initial_review_data,
)
from proposals.scoring import call_score_summaries
from proposals.selectors import (
    decisions_to_approve,
    overdue_count,
    proposal_for_staff,
    proposal_for_user,
    proposals_to_review,
    published_results,
    review_queue,
    staff_side_of,
    status_counts,
)
from proposals.services import ProposalServiceError, budget_totals
from proposals.workflow import TRANSITIONS, Actor, Status

PAGE_SIZE = 20


def _call_for_staff(request: HttpRequest, pk: int) -> Call:
    call = get_object_or_404(Call.objects.select_related("department", "scheme"), pk=pk)
    if not rules.test_rule("proposals.view_call_proposals", request.user, call):
        raise PermissionDenied
    return call


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# ----------------------------------------------------------------------------------------------------------
# The queue of a call


@login_required
@require_safe
def call_queue(request: HttpRequest, pk: int) -> HttpResponse:
    """The call's staff: its proposals with counts per status, overdue items, scores and ranking."""
    call = _call_for_staff(request, pk)
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    proposals = review_queue(
        user=request.user,
        call=call,
        status=filters.get("status", ""),
        overdue=filters.get("overdue", False),
        q=filters.get("q", ""),
    )
    page = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    summaries = call_score_summaries(call)
    rows = [(proposal, summaries.get(proposal.pk)) for proposal in page.object_list]
    counts = status_counts(call=call)
    return render(
        request,
        "proposals/manage/call_proposals.html",
        {
            "call": call,
            "form": form,
            "page": page,
            "rows": rows,
            "counts": [(status, label, counts.get(status, 0)) for status, label in Status.choices if status != "draft"],
            "total": sum(counts.values()),
            "overdue": overdue_count(call=call),
            "undecided": review.undecided_count(call),
            "can_act": rules.test_rule("proposals.act_as_officer", request.user, call),
            "criteria": list(call.criteria.all()),
        },
    )


@login_required
@require_safe
def call_export(request: HttpRequest, pk: int) -> HttpResponse:
    """CSV of the call's proposals with their scores (?kind=scores: every reviewer's every score)."""
    call = _call_for_staff(request, pk)
    output = io.StringIO()
    writer = csv.writer(output)
    if request.GET.get("kind") == "scores":
        writer.writerow([_("Receipt number"), _("Proposal"), _("Reviewer"), _("Criterion"), _("Score"), _("Comment")])
        reviews = Review.objects.filter(proposal__call=call, state=Review.State.SUBMITTED).select_related(
            "proposal", "reviewer"
        )
        for item in reviews.prefetch_related("scores__criterion").order_by("proposal__receipt_number", "id"):
            for score in item.scores.all():
                writer.writerow(
                    [
                        safe_cell(str(value))
                        for value in (
                            item.proposal.receipt_number,
                            item.proposal.title,
                            item.reviewer,
                            score.criterion.name,
                            score.score,
                            score.comment,
                        )
                    ]
                )
        name = f"call-{call.pk}-scores.csv"
    else:
        criteria = list(call.criteria.all())
        summaries = call_score_summaries(call)
        writer.writerow(
            [_("Receipt number"), _("Proposal"), _("Organisation"), _("Status"), _("Asked of the city")]
            + [criterion.name for criterion in criteria]
            + [_("Weighted total"), _("Rank"), _("Reviews"), _("Decision"), _("Amount granted (yen)")]
        )
        for proposal in review_queue(user=request.user, call=call):
            summary = summaries.get(proposal.pk)
            decision = getattr(proposal, "decision", None)
            averages = [score.average for score in summary.criteria] if summary else [None] * len(criteria)
            values = [
                proposal.receipt_number,
                proposal.title,
                proposal.partner.name,
                proposal.get_status_display(),
                proposal.requested_total or 0,
                *averages,
                summary.total if summary else None,
                summary.rank if summary else None,
                summary.reviews if summary else 0,
                decision.get_outcome_display() if decision else None,
                decision.amount if decision else None,
            ]
            writer.writerow([safe_cell("" if value is None else str(value)) for value in values])
        name = f"call-{call.pk}-proposals.csv"
    response = HttpResponse(("\ufeff" + output.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def call_reviewers(request: HttpRequest, pk: int) -> HttpResponse:
    """Officers: assign and remove the call's reviewers, set the day reviews are due."""
    call = _call_for_staff(request, pk)
    if not rules.test_rule("proposals.act_as_officer", request.user, call):
        raise PermissionDenied
    add_form = ReviewerAddForm(request.POST if request.POST.get("action") == "add" else None)
    due_form = ReviewDueForm(
        request.POST if request.POST.get("action") == "due" else None, initial={"review_due": call.review_due}
    )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add" and add_form.is_valid():
                assignment = review.call_reviewer_add(
                    call=call, user=request.user, email=add_form.cleaned_data["email"]
                )
                messages.success(request, _("%(name)s was added as a reviewer.") % {"name": assignment.user})
                return redirect("proposals:manage_call_reviewers", pk=call.pk)
            if action == "remove":
                review.call_reviewer_remove(
                    call=call, user=request.user, reviewer_id=id_from_form(request.POST.get("reviewer"))
                )
                messages.success(request, _("The reviewer was removed from the call."))
                return redirect("proposals:manage_call_reviewers", pk=call.pk)
            if action == "due" and due_form.is_valid():
                review.call_set_review_due(call=call, user=request.user, due=due_form.cleaned_data["review_due"])
                messages.success(request, _("The review deadline was saved."))
                return redirect("proposals:manage_call_reviewers", pk=call.pk)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    for message in errors:
                        add_form.add_error(field if field in add_form.fields else None, message)
            else:
                messages.error(request, _error_text(error))
        except (ProposalServiceError, ValueError) as error:
            messages.error(request, str(error) if isinstance(error, ProposalServiceError) else _("Choose a reviewer."))
        if action not in ("add", "remove", "due"):
            messages.error(request, _("Nothing was changed."))
    assignments = list(call.reviewers.select_related("user"))
    return render(
        request,
        "proposals/manage/call_reviewers.html",
        {"call": call, "assignments": assignments, "add_form": add_form, "due_form": due_form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def call_publish_results(request: HttpRequest, pk: int) -> HttpResponse:
    call = _call_for_staff(request, pk)
    try:
        review.call_publish_results(call=call, user=request.user)
    except ProposalServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The results are published and every applicant has been told."))
    return redirect("proposals:manage_call_proposals", pk=call.pk)


@login_required
@require_safe
def approvals(request: HttpRequest) -> HttpResponse:
    """Approvers (and administrators): the decisions waiting for their approval."""
    if not rules.test_rule("proposals.approve_anything", request.user):
        raise PermissionDenied
    proposals = decisions_to_approve(user=request.user)
    page = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "proposals/manage/approvals.html", {"page": page, "proposals": page.object_list})


# ----------------------------------------------------------------------------------------------------------
# A proposal's staff page and its moves


def _staff_page(request: HttpRequest, proposal: Proposal, forms: dict | None = None) -> HttpResponse:
    user = request.user
    call = proposal.call
    is_officer = rules.test_rule("proposals.act_as_officer", user, call)
    is_approver = rules.test_rule("proposals.approve_decisions", user, call)
    moves = set()
    if is_officer:
        moves |= {t.name for t in transitions_from(TRANSITIONS, status=proposal.status, actors=[Actor.OFFICER])}
    if is_approver:
        moves |= {t.name for t in transitions_from(TRANSITIONS, status=proposal.status, actors=[Actor.APPROVER])}
    side = staff_side_of(proposal=proposal)
    decision = side["decision"]
    checklist = review.screening_checklist(proposal=proposal) if "pass_screening" in moves else []
    forms = forms or {}
    initial_decision = {"amount": decision.amount} if decision else {"amount": proposal.cap or None}
    context = {
        "proposal": proposal,
        "call": call,
        "moves": moves,
        "is_officer": is_officer,
        "is_approver": is_approver,
        "own_decision": decision is not None and decision.proposed_by_id == user.pk,
        "totals": budget_totals(proposal.budget_lines.all()),
        "summary": call_score_summaries(call).get(proposal.pk),
        "checklist": checklist,
        "screening_form": forms.get("pass_screening") or ScreeningForm(checklist=checklist, prefix="screen"),
        "return_form": forms.get("return") or ReturnForm(prefix="return"),
        "decision_form": forms.get("propose_decision")
        or DecisionForm(instance=decision, initial=initial_decision, prefix="decision"),
        "approve_form": forms.get("approve") or ApproveForm(prefix="approve"),
        "send_back_form": forms.get("send_back") or SendBackForm(prefix="send_back"),
        "confirm_form": forms.get("confirm_conditions") or ConfirmConditionsForm(prefix="confirm"),
        "decision_version": review.decision_version(decision) if decision else "",
        "note_form": forms.get("note") or NoteForm(prefix="note"),
        "presentation_form": forms.get("presentation")
        or PresentationForm(
            prefix="presentation",
            initial={"held_on": proposal.presentation_on, "result": proposal.presentation_result},
        ),
        **side,
    }
    return render(request, "proposals/manage/proposal.html", context, status=400 if forms else 200)


@login_required
@require_safe
def manage_proposal(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _staff_page(request, proposal_for_staff(user=request.user, public_id=public_id))


MOVE_FORMS = {
    "return": (ReturnForm, "return"),
    "propose_decision": (DecisionForm, "decision"),
    "approve": (ApproveForm, "approve"),
    "send_back": (SendBackForm, "send_back"),
    "confirm_conditions": (ConfirmConditionsForm, "confirm"),
    "note": (NoteForm, "note"),
    "presentation": (PresentationForm, "presentation"),
}

DONE_MESSAGES = {
    "start_screening": gettext_lazy("Screening has started; the applicant has been told."),
    "pass_screening": gettext_lazy("Screening passed: the proposal is with the reviewers."),
    "return": gettext_lazy("The proposal was returned for revision; the applicant has been told."),
    "propose_decision": gettext_lazy("The decision is proposed and waits for approval."),
    "approve": gettext_lazy(
        "The decision is approved. It reaches the applicant when the call's results are published."
    ),
    "send_back": gettext_lazy("The decision was sent back to the officer."),
    "confirm_conditions": gettext_lazy("The proposal is adopted; the applicant has been told."),
    "note": gettext_lazy("The note was added."),
    "presentation": gettext_lazy("The presentation was recorded."),
}


@login_required
@require_POST
def proposal_move(request: HttpRequest, public_id: uuid.UUID, action: str) -> HttpResponse:
    """One move (or note) on a proposal; a refused move says why, and nothing typed is lost."""
    proposal = proposal_for_staff(user=request.user, public_id=public_id)
    user = request.user
    form = None
    try:
        if action == "start_screening":
            review.proposal_start_screening(proposal=proposal, user=user)
        elif action == "pass_screening":
            form = ScreeningForm(request.POST, checklist=review.screening_checklist(proposal=proposal), prefix="screen")
            form.is_valid()
            review.proposal_pass_screening(
                proposal=proposal, user=user, confirmed=form.confirmed(), note=form.cleaned_data.get("note", "")
            )
        elif action in MOVE_FORMS:
            form_class, prefix = MOVE_FORMS[action]
            form = form_class(request.POST, prefix=prefix)
            if not form.is_valid():
                messages.error(request, _("Nothing was changed. Correct the fields marked below."))
                return _staff_page(request, proposal, {action: form})
            data = form.cleaned_data
            if action == "return":
                review.proposal_return(proposal=proposal, user=user, comment=data["comment"], due=data["due"])
            elif action == "propose_decision":
                review.decision_propose(
                    proposal=proposal,
                    user=user,
                    outcome=data["outcome"],
                    public_reasons=data["public_reasons"],
                    conditions=data["conditions"],
                    amount=data["amount"],
                    internal_note=data["internal_note"],
                )
            elif action == "approve":
                review.decision_approve(
                    proposal=proposal, user=user, comment=data["comment"], version=request.POST.get("decision_version")
                )
            elif action == "send_back":
                review.decision_send_back(
                    proposal=proposal, user=user, comment=data["comment"], version=request.POST.get("decision_version")
                )
            elif action == "confirm_conditions":
                review.conditions_confirm(proposal=proposal, user=user, comment=data["comment"])
            elif action == "note":
                review.staff_note_add(proposal=proposal, user=user, body=data["body"])
            elif action == "presentation":
                review.presentation_record(proposal=proposal, user=user, held_on=data["held_on"], result=data["result"])
        else:
            raise Http404
    except ValidationError as error:
        if form is not None and hasattr(error, "error_dict"):
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        messages.error(request, _("Nothing was changed: %(reason)s") % {"reason": _error_text(error)})
        return _staff_page(request, proposal_for_staff(user=user, public_id=public_id), {action: form} if form else {})
    except ProposalServiceError as error:
        messages.error(request, str(error))
        return redirect("proposals:manage_proposal", public_id=public_id)
    messages.success(request, DONE_MESSAGES[action])
    return redirect("proposals:manage_proposal", public_id=public_id)


# ----------------------------------------------------------------------------------------------------------
# Reviewers


@login_required
@require_safe
def my_reviews(request: HttpRequest) -> HttpResponse:
    """A reviewer: the proposals of their calls, what they still have to score and what they have done."""
    proposals = list(proposals_to_review(user=request.user))
    if not proposals and not request.user.reviewer_of.exists():
        raise PermissionDenied
    rows = [(proposal, proposal.my_reviews[0] if proposal.my_reviews else None) for proposal in proposals]
    return render(request, "proposals/review/my_reviews.html", {"rows": rows})


@login_required
def review_proposal(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A reviewer scores a proposal; the others' scores show once their own review is submitted."""
    proposal = proposal_for_user(user=request.user, public_id=public_id)
    if not rules.test_rule("proposals.review_proposal", request.user, proposal):
        raise Http404
    criteria = list(proposal.call.criteria.all())
    mine = Review.objects.filter(proposal=proposal, reviewer=request.user).prefetch_related("scores").first()
    editable = proposal.status == Status.UNDER_REVIEW and (mine is None or mine.state == Review.State.IN_PROGRESS)
    form = ReviewForm(initial=initial_review_data(mine, criteria), criteria=criteria)
    conflict_form = ConflictForm(prefix="conflict")
    status = 200
    if request.method == "POST":
        if not editable:
            messages.error(request, _("Your review of this proposal can no longer be changed."))
            return redirect("proposals:review", public_id=public_id)
        try:
            if request.POST.get("action") == "conflict":
                conflict_form = ConflictForm(request.POST, prefix="conflict")
                if conflict_form.is_valid():
                    review.review_declare_conflict(
                        proposal=proposal, reviewer=request.user, note=conflict_form.cleaned_data["note"]
                    )
                    messages.success(request, _("You have stepped aside from this proposal."))
                    return redirect("proposals:my_reviews")
            else:
                form = ReviewForm(request.POST, criteria=criteria)
                if form.is_valid():
                    submit = request.POST.get("action") == "submit"
                    review.review_save(
                        proposal=proposal,
                        reviewer=request.user,
                        scores=form.scores(),
                        recommendation=form.cleaned_data["recommendation"],
                        comment=form.cleaned_data["comment"],
                        submit=submit,
                    )
                    messages.success(request, _("Your review is submitted.") if submit else _("Your review is saved."))
                    return redirect("proposals:review", public_id=public_id)
        except ValidationError as error:
            target = conflict_form if request.POST.get("action") == "conflict" else form
            for message in error.messages:
                target.add_error(None, message)
        except ProposalServiceError as error:
            messages.error(request, str(error))
            return redirect("proposals:review", public_id=public_id)
        messages.error(request, _("Nothing was submitted. Correct what is marked below."))
        status = 400
    others = []
    if mine is not None and mine.state == Review.State.SUBMITTED:
        others = list(
            Review.objects.filter(proposal=proposal, state=Review.State.SUBMITTED)
            .exclude(reviewer=request.user)
            .select_related("reviewer")
            .prefetch_related("scores__criterion")
        )
    return render(
        request,
        "proposals/review/review_form.html",
        {
            "proposal": proposal,
            "review": mine,
            "editable": editable,
            "form": form,
            "conflict_form": conflict_form,
            "others": others,
            "totals": budget_totals(proposal.budget_lines.all()),
        },
        status=status,
    )


# ----------------------------------------------------------------------------------------------------------
# Public results


@require_safe
def call_results(request: HttpRequest, pk: int) -> HttpResponse:
    """Anyone, once published: adopted proposals with reasons and scores; the others as a count."""
    call = get_object_or_404(Call.objects.select_related("department", "scheme").published(), pk=pk)
    if not call.results_published:
        raise Http404
    decided = list(published_results(call=call))
    summaries = call_score_summaries(call, [proposal.pk for proposal in decided])
    adopted = [(p, summaries.get(p.pk)) for p in decided if p.status in (Status.ADOPTED, Status.CONDITIONALLY_ADOPTED)]
    others = [p for p in decided if p.status == Status.NOT_ADOPTED]
    return render(
        request,
        "proposals/call_results.html",
        {
            "call": call,
            "adopted": adopted,
            "named": [(p, summaries.get(p.pk)) for p in others if p.agrees_to_be_named],
            "not_adopted_count": len(others),
            "criteria": list(call.criteria.all()),
            "adopted_total": sum((p.decision.amount or 0) for p, _summary in adopted),
        },
    )
