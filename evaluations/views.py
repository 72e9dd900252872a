"""Pages of an evaluation round: the list of evaluations due, the round's page with its moves, each side's
form, the joint summary's form, and the public report. Thin: check, call a service, render.

Who sees what: the round's page, the two sides (the partner organisations' members and the responsible
department's staff) and administrators (who read only what both sides may read); each side's form, that
side; the joint summary, both sides once both have submitted; the public report, anyone once published.
"""

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from evaluations import selectors, services
from evaluations.external import external_comments_for_project
from evaluations.forms import CommentForm, SideForm, SummaryForm, side_initial, summary_initial
from evaluations.models import EvaluationRound
from evaluations.rules import sides_of
from evaluations.workflow import (
    AGREE,
    REOPEN,
    REOPEN_SIDE,
    REQUEST_CHANGES,
    SIDES_EDITABLE,
    SUMMARY_EDITABLE,
    WITHDRAW_SUMMARY,
    Status,
)
from kyodo_portal.forms import MAX_ID, mark_invalid
from projects.models import Project


class PublishedElsewhere(Exception):
    """A published round seen by someone who is neither side: they read its public report."""


def _round_or_404(request: HttpRequest, pk: int) -> EvaluationRound:
    round = selectors.round_for_user(user=request.user, pk=pk) if pk <= MAX_ID else None
    if round is None:
        if pk <= MAX_ID and selectors.published_round(pk=pk) is not None:
            raise PublishedElsewhere
        raise Http404
    return round


def _round_for_writing(request: HttpRequest, pk: int) -> EvaluationRound:
    try:
        return _round_or_404(request, pk)
    except PublishedElsewhere:
        raise Http404 from None


def _my_side(request: HttpRequest, round: EvaluationRound) -> str | None:
    sides = sides_of(request.user, round.project)
    return next(iter(sides)) if sides else None


@login_required
@require_safe
def my_evaluations(request: HttpRequest) -> HttpResponse:
    """The evaluations due or under way for the user's organisations and departments."""
    items = selectors.evaluations_due_for(user=request.user)
    return render(request, "evaluations/my_evaluations.html", {"items": items})


@login_required
@require_POST
def round_start(request: HttpRequest, project_pk: int, fiscal_year: int) -> HttpResponse:
    if project_pk > MAX_ID:
        raise Http404
    project = get_object_or_404(Project.objects.published(), pk=project_pk)
    try:
        round = services.round_start(project=project, fiscal_year=fiscal_year, user=request.user)
    except services.EvaluationServiceError as error:
        messages.error(request, str(error))
        return redirect("evaluations:mine")
    return redirect(round)


@login_required
@require_safe
def round_page(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        round = _round_or_404(request, pk)
    except PublishedElsewhere:
        return redirect("evaluations:report", pk=pk)
    my_side = _my_side(request, round)
    view = selectors.round_view(user=request.user, round=round, my_side=my_side)
    my_evaluation = view.sides.get(my_side) if my_side else None
    return render(
        request,
        "evaluations/round.html",
        {
            "view": view,
            "round": round,
            "my_side": my_side,
            "my_evaluation": my_evaluation,
            "can_edit_side": my_evaluation is not None
            and round.status in SIDES_EDITABLE
            and not my_evaluation.is_submitted,
            "can_reopen_side": my_evaluation is not None
            and round.status in SIDES_EDITABLE
            and my_evaluation.is_submitted,
            "can_edit_summary": my_side is not None and round.status in SUMMARY_EDITABLE,
            "can_answer": my_side is not None and round.status == Status.PROPOSED and my_side != round.proposed_side,
            "can_withdraw": my_side is not None and round.status == Status.PROPOSED and my_side == round.proposed_side,
            "can_reopen": my_side in REOPEN.sides and round.status in REOPEN.sources,
            "agree_form": CommentForm(initial={"version": round.summary_version}),
            "changes_form": CommentForm(label=_("What should change?"), prefix="changes"),
            "reopen_form": CommentForm(label=_("What is to be corrected?"), prefix="reopen"),
            "show_principles": round.status == Status.WRITING,
            "summary_problems": services.summary_problems(round) if round.status == Status.SUMMARISING else {},
        },
    )


def _show_problems(form, problems: dict) -> dict:
    """Mark the fields a submission check found wanting (their messages are shown beside them)."""
    for name in problems:
        if name in form.fields:
            mark_invalid(form, name)
    return problems


def _with_version(request: HttpRequest, version: int):
    """What the user typed, to be saved over the version now in the database once they have compared."""
    data = request.POST.copy()
    data["version"] = str(version)
    return data


def _side_context(round, my_side, evaluation, form, view, problems=None) -> dict:
    return {
        "round": round,
        "my_side": my_side,
        "evaluation": evaluation,
        "form": form,
        "figures": view.figures,
        "problems": problems or {},
    }


@login_required
def side_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The user's side's evaluation: saved as a draft as often as wanted, then submitted."""
    round = _round_for_writing(request, pk)
    my_side = _my_side(request, round)
    if my_side is None:
        raise PermissionDenied
    view = selectors.round_view(user=request.user, round=round, my_side=my_side)
    evaluation = view.sides[my_side]
    if round.status not in SIDES_EDITABLE or evaluation.is_submitted:
        messages.info(request, _("Your evaluation is submitted; it can no longer be edited here."))
        return redirect(round)
    ratings = list(evaluation.ratings.all())
    if request.method != "POST":
        form = SideForm(side=my_side, ratings=ratings, initial=side_initial(evaluation, ratings, round.cost_amount))
        return render(request, "evaluations/side_form.html", _side_context(round, my_side, evaluation, form, view))
    form = SideForm(request.POST, side=my_side, ratings=ratings)
    if not form.is_valid():
        messages.error(request, _("Some entries need correcting; see the messages below. Nothing was saved."))
        return render(request, "evaluations/side_form.html", _side_context(round, my_side, evaluation, form, view))
    data = form.data_for_service()
    try:
        evaluation = services.side_save(
            side=evaluation,
            user=request.user,
            data=data,
            ratings=form.principle_ratings(),
            version=form.cleaned_data.get("version"),
            cost_amount=form.cleaned_data.get("cost_amount") if my_side == "city" else round.cost_amount,
        )
    except services.EditConflict as error:
        messages.error(request, str(error))
        saved = selectors.round_view(user=request.user, round=selectors.round_for_page(pk=round.pk), my_side=my_side)
        form = SideForm(_with_version(request, saved.sides[my_side].version), side=my_side, ratings=ratings)
        context = _side_context(round, my_side, evaluation, form, view)
        context["saved"] = saved.sides[my_side]
        return render(request, "evaluations/side_form.html", context, status=409)
    except services.EvaluationServiceError as error:
        messages.error(request, str(error))
        return redirect(round)
    if request.POST.get("action") != "submit":
        messages.success(request, _("Saved as a draft. Only your side sees it until both sides have submitted."))
        return redirect("evaluations:side_edit", pk=round.pk)
    try:
        services.side_submit(side=evaluation, user=request.user)
    except services.Incomplete as error:
        messages.error(request, _("Saved as a draft, but not submitted yet: see the messages below."))
        form = SideForm(_with_version(request, evaluation.version), side=my_side, ratings=ratings)
        return render(
            request,
            "evaluations/side_form.html",
            _side_context(round, my_side, evaluation, form, view, _show_problems(form, error.problems)),
        )
    except services.EvaluationServiceError as error:
        messages.error(request, str(error))
        return redirect(round)
    messages.success(request, _("Your evaluation is submitted."))
    return redirect(round)


@login_required
def summary_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The joint summary: either side drafts it once both have submitted, then proposes it to the other."""
    round = _round_for_writing(request, pk)
    my_side = _my_side(request, round)
    if my_side is None:
        raise PermissionDenied
    if not rules.test_rule("evaluations.edit_summary", request.user, round):
        messages.info(request, _("The joint summary cannot be edited now."))
        return redirect(round)
    view = selectors.round_view(user=request.user, round=round, my_side=my_side)

    def page(form, problems=None, status=200, saved=None):
        context = {"round": round, "view": view, "form": form, "problems": problems or {}, "saved": saved}
        return render(request, "evaluations/summary_form.html", context, status=status)

    if request.method != "POST":
        return page(SummaryForm(instance=round, gaps=view.gaps, initial=summary_initial(round, view.gap_notes)))
    form = SummaryForm(request.POST, instance=EvaluationRound.objects.get(pk=round.pk), gaps=view.gaps)
    if not form.is_valid():
        messages.error(request, _("Some entries need correcting; see the messages below. Nothing was saved."))
        return page(form)
    try:
        saved_round = services.summary_save(
            round=round,
            user=request.user,
            data=form.data_for_service(),
            gap_notes=form.gap_notes(),
            version=form.cleaned_data.get("version"),
        )
    except services.EditConflict as error:
        messages.error(request, str(error))
        current = selectors.round_for_page(pk=round.pk)
        form = SummaryForm(_with_version(request, current.summary_version), instance=current, gaps=view.gaps)
        return page(form, status=409, saved=current)
    except services.EvaluationServiceError as error:
        messages.error(request, str(error))
        return redirect(round)
    if request.POST.get("action") != "propose":
        messages.success(request, _("The joint summary is saved as a draft."))
        return redirect("evaluations:summary_edit", pk=round.pk)
    try:
        services.summary_propose(round=saved_round, user=request.user, version=saved_round.summary_version)
    except services.Incomplete as error:
        messages.error(request, _("Saved as a draft, but not proposed yet: see the messages below."))
        form = SummaryForm(_with_version(request, saved_round.summary_version), instance=saved_round, gaps=view.gaps)
        return page(form, problems=_show_problems(form, error.problems))
    except services.EvaluationServiceError as error:
        messages.error(request, str(error))
        return redirect(round)
    messages.success(request, _("The joint summary is proposed; the other side is asked to agree."))
    return redirect(round)


MOVES = {
    AGREE.name: ("", lambda round, user, form: services.summary_agree(round=round, user=user, version=form["version"])),
    REQUEST_CHANGES.name: (
        "changes",
        lambda round, user, form: services.summary_request_changes(round=round, user=user, comment=form["comment"]),
    ),
    WITHDRAW_SUMMARY.name: ("", lambda round, user, form: services.summary_withdraw(round=round, user=user)),
    REOPEN.name: (
        "reopen",
        lambda round, user, form: services.round_reopen(round=round, user=user, comment=form["comment"]),
    ),
}
MOVE_MESSAGES = {
    AGREE.name: gettext_lazy("Agreed: the evaluation is published."),
    REQUEST_CHANGES.name: gettext_lazy("Your request for changes has been sent to the other side."),
    WITHDRAW_SUMMARY.name: gettext_lazy("The proposal is taken back; the joint summary can be edited again."),
    REOPEN.name: gettext_lazy(
        "The evaluation is withdrawn from publication; correct the summary and agree on it again."
    ),
}


@login_required
@require_POST
def round_move(request: HttpRequest, pk: int, move: str) -> HttpResponse:
    round = _round_for_writing(request, pk)
    if move == REOPEN_SIDE.name:
        my_side = _my_side(request, round)
        evaluation = next((side for side in round.sides.all() if side.side == my_side), None)
        if evaluation is None:
            raise PermissionDenied
        try:
            services.side_reopen(side=evaluation, user=request.user)
        except services.EvaluationServiceError as error:
            messages.error(request, str(error))
            return redirect(round)
        messages.success(request, _("Your evaluation is back in draft; submit it again when ready."))
        return redirect("evaluations:side_edit", pk=round.pk)
    if move not in MOVES:
        raise Http404
    prefix, action = MOVES[move]
    form = CommentForm(request.POST, prefix=prefix or None)
    if not form.is_valid():
        messages.error(request, _("The form was not understood; nothing was changed. Please try again."))
        return redirect(round)
    try:
        action(round, request.user, form.cleaned_data)
    except services.EvaluationServiceError as error:
        messages.error(request, str(error))
        return redirect(round)
    messages.success(request, str(MOVE_MESSAGES[move]))
    return redirect(round)


@require_safe
def round_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The published evaluation of a project's year: both sides, the joint summary, external comments."""
    round = selectors.published_round(pk=pk) if pk <= MAX_ID else None
    if round is None:
        raise Http404
    view = selectors.round_view(user=request.user, round=round, my_side=None)
    comments = external_comments_for_project(project=round.project, fiscal_year=round.fiscal_year)
    return render(request, "evaluations/report.html", {"round": round, "view": view, "external_comments": comments})
