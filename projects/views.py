"""Pages of the project catalogue (public) and of the staff who keep projects. Thin: check, call, render."""

import uuid

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from partners.models import departments_served_by
from projects import services
from projects.forms import AttachmentForm, IndicatorFormSet, PartyFormSet, PhotoForm, ProjectForm
from projects.models import Project, ProjectAttachment, ProjectPhoto
from projects.rules import is_project_admin
from projects.selectors import project_catalogue, project_detail, projects_managed_by, related_projects

PAGE_SIZE = 20


@require_safe
def project_list(request: HttpRequest) -> HttpResponse:
    """Anyone: the published projects, filtered and searched, with the count each option would leave."""
    catalogue = project_catalogue(params=request.GET)
    page = Paginator(catalogue.projects, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/project_list.html",
        {"filter": catalogue.filterset, "facets": catalogue.facets, "page": page, "projects": page.object_list},
    )


@require_safe
def project_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Anyone, for a published project; its responsible staff and administrators for a draft too."""
    project = project_detail(user=request.user, pk=pk)
    if project is None:
        raise Http404
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "related": related_projects(project=project),
            "can_edit": rules.test_rule("projects.edit_project", request.user, project),
        },
    )


def _editable(request: HttpRequest, pk: int) -> Project:
    project = get_object_or_404(Project.objects.select_related("responsible_department"), pk=pk)
    if not rules.test_rule("projects.edit_project", request.user, project):
        raise PermissionDenied
    return project


def _department_choices(user):
    """None (any department) for administrators; otherwise the departments of the user's work."""
    if is_project_admin(user):
        return None
    return departments_served_by(user)


@login_required
@require_safe
def manage_list(request: HttpRequest) -> HttpResponse:
    """City staff and administrators: the projects they keep, drafts included."""
    if not rules.test_rule("projects.manage_projects", request.user):
        raise PermissionDenied
    page = Paginator(projects_managed_by(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "projects/manage/list.html", {"page": page, "projects": page.object_list})


def _edit_page(request: HttpRequest, project: Project | None) -> HttpResponse:
    departments = _department_choices(request.user)
    instance = project or Project()
    if request.method == "POST":
        form = ProjectForm(request.POST, instance=instance, departments=departments)
        parties = PartyFormSet(request.POST, instance=instance, prefix="parties")
        indicators = IndicatorFormSet(request.POST, instance=instance, prefix="indicators")
        if form.is_valid() and parties.is_valid() and indicators.is_valid():
            token = None
            if project is None:
                try:
                    token = uuid.UUID(request.POST.get("creation_token", ""))
                except ValueError:
                    token = None
            try:
                saved = services.project_save(
                    form=form, formsets=[parties, indicators], user=request.user, creation_token=token
                )
            except services.ProjectAlreadyCreated as already:
                messages.warning(request, str(already))
                return redirect("projects:manage_edit", pk=already.project.pk)
            messages.success(request, _("The project was saved."))
            return redirect("projects:manage_edit", pk=saved.pk)
        messages.error(request, _("The project was not saved. Correct the fields marked below."))
    else:
        form = ProjectForm(instance=instance, departments=departments)
        parties = PartyFormSet(instance=instance, prefix="parties")
        indicators = IndicatorFormSet(instance=instance, prefix="indicators")
    return render(
        request,
        "projects/manage/form.html",
        {
            "project": project,
            "form": form,
            "parties": parties,
            "indicators": indicators,
            "creation_token": request.POST.get("creation_token") or uuid.uuid4(),
            "photo_form": PhotoForm(),
            "attachment_form": AttachmentForm(),
        },
    )


@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    """City staff (for their departments) and administrators."""
    if not rules.test_rule("projects.create_project", request.user):
        raise PermissionDenied
    return _edit_page(request, None)


@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff of the project's responsible department (or above it) and administrators."""
    return _edit_page(request, _editable(request, pk))


@login_required
@require_POST
def project_publish(request: HttpRequest, pk: int) -> HttpResponse:
    project = _editable(request, pk)
    try:
        services.project_publish(project=project, user=request.user)
        messages.success(request, _("The project is published."))
    except services.ProjectServiceError as error:
        messages.error(request, str(error))
    return redirect("projects:manage_edit", pk=pk)


@login_required
@require_POST
def project_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    project = _editable(request, pk)
    services.project_unpublish(project=project, user=request.user)
    messages.success(request, _("The project is no longer public."))
    return redirect("projects:manage_edit", pk=pk)


@login_required
@require_POST
def photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    project = _editable(request, pk)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.project_photo_add(
                project=project,
                upload=form.cleaned_data["image"],
                alt_text=form.cleaned_data["alt_text"],
                caption=form.cleaned_data["caption"],
                user=request.user,
            )
            messages.success(request, _("The photo was added."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("The photo was not added: %(errors)s") % {"errors": _errors(form)})
    return redirect("projects:manage_edit", pk=pk)


@login_required
@require_POST
def photo_delete(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    project = _editable(request, pk)
    services.project_photo_delete(
        photo=get_object_or_404(ProjectPhoto, pk=photo_pk, project=project), user=request.user
    )
    messages.success(request, _("The photo was removed."))
    return redirect("projects:manage_edit", pk=pk)


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    project = _editable(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.project_attachment_add(
                project=project, upload=form.cleaned_data["file"], title=form.cleaned_data["title"], user=request.user
            )
            messages.success(request, _("The PDF was added."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("The PDF was not added: %(errors)s") % {"errors": _errors(form)})
    return redirect("projects:manage_edit", pk=pk)


@login_required
@require_POST
def attachment_delete(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    project = _editable(request, pk)
    attachment = get_object_or_404(ProjectAttachment, pk=attachment_pk, project=project)
    services.project_attachment_delete(attachment=attachment, user=request.user)
    messages.success(request, _("The PDF was removed."))
    return redirect("projects:manage_edit", pk=pk)


@login_required
@require_safe
def project_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The project's edits: who, when, and what changed."""
    project = _editable(request, pk)
    records = list(project.history.select_related("history_user").order_by("-history_date", "-history_id")[:100])
    entries = []
    for newer, older in zip(records, [*records[1:], None], strict=True):
        changes = newer.diff_against(older).changes if older is not None else []
        entries.append({"record": newer, "changes": changes})
    return render(request, "projects/manage/history.html", {"project": project, "entries": entries})


def _errors(form) -> str:
    return " ".join(f"{form.fields[name].label}: {' '.join(errors)}" for name, errors in form.errors.items())
