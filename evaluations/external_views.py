"""Pages of the external evaluation (外部評価). Thin: check the rule, validate, call one service of
evaluations.external, render or redirect.

Who reaches what (evaluations/rules.py): the public list, anyone; the staff's list and its form to start a
cycle, city staff and administrators, each seeing the cycles of the departments they serve as officers; a
cycle's page, its department's officers (or those above), administrators and its external members, and 404
for anyone else, so that another ward's staff learn nothing of it; its members and its publication, the
officers and administrators (403 for an external member); a comment, the cycle's external members (403 for
the staff). Anonymous visitors of a page behind a login go to the login page.
"""

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from evaluations import external
from evaluations.external_forms import CommentForm, CycleCreateForm, MemberAddForm, UnpublishForm
from evaluations.models import EvaluationRound, ExternalComment, ExternalReviewCycle
from kyodo_portal.forms import id_from_form, mark_invalid

PAGE_SIZE = 20
PUBLIC_PAGE_SIZE = 10


def _add_errors(form: Form, error: ValidationError) -> None:
    """A service's refusal shown where it belongs: on its field, or above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            target = name if name in form.fields else None
            for message in errors:
                form.add_error(target, message)
            if target:
                mark_invalid(form, target)
    else:
        for message in error.messages:
            form.add_error(None, message)


def _managed_cycle(request: HttpRequest, pk: int) -> ExternalReviewCycle:
    cycle = external.cycle_for_user(user=request.user, pk=pk)
    if not rules.test_rule("evaluations.manage_cycle", request.user, cycle):
        raise PermissionDenied
    return cycle


# ----------------------------------------------------------------------------------------------------------
# Public


@require_safe
def external_list(request: HttpRequest) -> HttpResponse:
    """Anyone: the published cycles with their comments by project; for staff and members, their own cycles."""
    page = Paginator(external.published_cycles(), PUBLIC_PAGE_SIZE).get_page(request.GET.get("page"))
    cycles = list(page.object_list)
    grouped = external.published_comments_by_cycle(cycles=cycles)
    return render(
        request,
        "evaluations/external/public_list.html",
        {
            "page": page,
            "cycles": [(cycle, grouped[cycle.pk]) for cycle in cycles],
            "my_cycles": list(external.cycles_visible_to(user=request.user)),
        },
    )


# ----------------------------------------------------------------------------------------------------------
# Staff


@login_required
def cycle_manage(request: HttpRequest) -> HttpResponse:
    """City staff and administrators: the cycles of their departments, and a new one."""
    user = request.user
    if not rules.test_rule("evaluations.create_cycle", user):
        raise PermissionDenied
    departments = external.cycle_departments_for(user=user)
    form = CycleCreateForm(request.POST or None, departments=departments)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                cycle = external.cycle_create(user=user, **form.cleaned_data)
            except external.CycleAlreadyCreated as error:
                messages.info(request, str(error))
                return redirect(error.cycle)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("The external evaluation was created. Now add its external members."))
                return redirect(cycle)
        messages.error(request, _("Nothing was created. Correct the fields marked below."))
        status = 400
    cycles = external.cycles_managed_by(user=user).order_by("-fiscal_year_end", "title", "id")
    page = Paginator(cycles, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "evaluations/external/manage.html",
        {"page": page, "cycles": page.object_list, "form": form, "departments": list(departments)},
        status=status,
    )


def _cycle_page(
    request: HttpRequest, cycle: ExternalReviewCycle, unpublish_form: UnpublishForm | None = None
) -> HttpResponse:
    user = request.user
    can_manage = rules.test_rule("evaluations.manage_cycle", user, cycle)
    rows = external.cycle_rows(cycle=cycle, user=user)
    return render(
        request,
        "evaluations/external/cycle.html",
        {
            "cycle": cycle,
            "rows": [row for row in rows if row.in_scope],
            # Projects that left the cycle (perhaps unpublished since) are the staff's to see, with their comments.
            "former_rows": [row for row in rows if not row.in_scope] if can_manage else [],
            "comment_count": sum(len(row.comments) for row in rows),  # publishing needs one
            "members": external.cycle_members(cycle=cycle),
            "can_manage": can_manage,
            "can_comment": rules.test_rule("evaluations.comment_in_cycle", user, cycle),
            "history": external.cycle_history(cycle=cycle) if can_manage else [],
            "unpublish_form": unpublish_form or UnpublishForm(),
        },
        status=400 if unpublish_form is not None else 200,
    )


@login_required
@require_safe
def cycle_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The cycle's projects with their rounds and comments: for its staff and its external members."""
    return _cycle_page(request, external.cycle_for_user(user=request.user, pk=pk))


@login_required
def cycle_members(request: HttpRequest, pk: int) -> HttpResponse:
    """The cycle's staff: add external members by the e-mail address of their account, remove them."""
    cycle = _managed_cycle(request, pk)
    action = request.POST.get("action")
    add_form = MemberAddForm(request.POST if action == "add" else None)
    if request.method == "POST":
        try:
            if action == "add" and add_form.is_valid():
                member = external.cycle_member_add(cycle=cycle, user=request.user, email=add_form.cleaned_data["email"])
                messages.success(
                    request, _("%(name)s was added as an external member and has been told.") % {"name": member}
                )
                return redirect("evaluations:cycle_members", pk=cycle.pk)
            if action == "remove":
                external.cycle_member_remove(
                    cycle=cycle, user=request.user, member_id=id_from_form(request.POST.get("member"))
                )
                messages.success(
                    request, _("The member was removed. What they wrote stays in the external evaluation.")
                )
                return redirect("evaluations:cycle_members", pk=cycle.pk)
        except ValidationError as error:
            _add_errors(add_form, error)
        except ValueError:
            messages.error(request, _("Choose the member to remove."))
        if action not in ("add", "remove"):
            messages.error(request, _("Nothing was changed."))
    members = external.cycle_members(cycle=cycle)
    written = dict(
        ExternalComment.objects.filter(cycle=cycle)
        .values("author_id")
        .annotate(count=Count("id"))
        .values_list("author_id", "count")
    )
    return render(
        request,
        "evaluations/external/members.html",
        {"cycle": cycle, "members": [(member, written.get(member.pk, 0)) for member in members], "add_form": add_form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def cycle_publish(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _managed_cycle(request, pk)
    try:
        external.cycle_publish(cycle=cycle, user=request.user)
    except external.ExternalEvaluationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("The external evaluation is published: its comments appear on the projects' pages.")
        )
    return redirect(cycle)


@login_required
@require_POST
def cycle_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _managed_cycle(request, pk)
    form = UnpublishForm(request.POST)
    if form.is_valid():
        try:
            external.cycle_unpublish(cycle=cycle, user=request.user, reason=form.cleaned_data["reason"])
        except external.ExternalEvaluationError as error:
            messages.error(request, str(error))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, _("The external evaluation is no longer published. The members can change their comments.")
            )
            return redirect(cycle)
        if not form.errors:
            return redirect(cycle)
    messages.error(request, _("Nothing was changed. Correct the fields marked below."))
    return _cycle_page(request, cycle, unpublish_form=form)


# ----------------------------------------------------------------------------------------------------------
# External members


@login_required
def comment_edit(request: HttpRequest, pk: int, project_pk: int) -> HttpResponse:
    """An external member writes or changes their comment on one of the cycle's projects, until publication."""
    user = request.user
    cycle = external.cycle_for_user(user=user, pk=pk)
    if not rules.test_rule("evaluations.comment_in_cycle", user, cycle):
        raise PermissionDenied
    project = external.cycle_project(cycle=cycle, pk=project_pk)
    back = f"{cycle.get_absolute_url()}#project-{project.pk}"
    if cycle.published_at is not None:
        messages.error(request, _("This external evaluation is published: its comments can no longer be changed."))
        return redirect(back)
    mine = ExternalComment.objects.filter(cycle=cycle, project=project, author=user).first()
    form = CommentForm(request.POST or None, initial={"body": mine.body} if mine else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                external.external_comment_save(cycle=cycle, project=project, user=user, body=form.cleaned_data["body"])
            except external.ExternalEvaluationError as error:
                messages.error(request, str(error))
                return redirect(back)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(
                    request, _("Your comment is saved. You can change it until the external evaluation is published.")
                )
                return redirect(back)
        messages.error(request, _("Your comment was not saved. Correct what is marked below."))
        status = 400
    rounds = EvaluationRound.objects.published().filter(
        project=project, fiscal_year__gte=cycle.fiscal_year_start, fiscal_year__lte=cycle.fiscal_year_end
    )
    return render(
        request,
        "evaluations/external/comment_form.html",
        {
            "cycle": cycle,
            "project": project,
            "comment": mine,
            "form": form,
            "rounds": list(rounds.order_by("fiscal_year")),
        },
        status=status,
    )
