"""Every write to projects: saving a project with its parties and indicators, publishing, media."""

import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.forms import BaseInlineFormSet, ModelForm
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from accounts.models import User
from kyodo_portal.images import ImageLimits, encode, open_checked
from kyodo_portal.search import refresh_derived, search_fields
from partners.models import kana_sort_key
from projects.models import Project, ProjectAttachment, ProjectParty, ProjectPhoto, project_history

PDF_MAGIC = b"%PDF-"


def project_derived_values(project: Project) -> dict[str, str]:
    """The columns computed from a project and its parties: reading order and search text."""
    return {
        "sort_key": kana_sort_key(project.title),
        **search_fields(
            project.title,
            project.title_en,
            project.problem,
            project.activities,
            project.outcomes,
            *(party.partner.name for party in project.parties.all()),
            *(party.role for party in project.parties.all()),
        ),
    }


def projects_refresh_derived(*, projects: Iterable[Project] | None = None) -> int:
    """Recompute the derived columns (after a fixture load, or when a partner is renamed)."""
    if projects is None:
        projects = Project.objects.prefetch_related(
            Prefetch("parties", queryset=ProjectParty.objects.select_related("partner"))
        )
    return refresh_derived(Project, projects, project_derived_values)


class ProjectServiceError(Exception):
    """A write that cannot be done, with a message for the user."""


class ProjectAlreadyCreated(ProjectServiceError):
    """The "new project" form was submitted again: the project exists, and nothing was changed."""

    def __init__(self, project: Project) -> None:
        super().__init__(_("This project had already been created; the form sent again changed nothing."))
        self.project = project


def projects_record_initial_history(*, project_ids: list[int], reason: str) -> int:
    """History entries for projects that were inserted without one (by a fixture load)."""
    projects = list(Project.objects.filter(pk__in=project_ids))
    Project.history.bulk_history_create(projects, default_change_reason=reason)
    return len(projects)


def projects_refresh_ids(project_ids) -> int:
    """Recompute the derived columns of these projects, a chunk at a time."""
    project_ids = list(project_ids)
    refreshed = 0
    for start in range(0, len(project_ids), 1000):
        projects = Project.objects.filter(pk__in=project_ids[start : start + 1000]).prefetch_related(
            Prefetch("parties", queryset=ProjectParty.objects.select_related("partner"))
        )
        refreshed += projects_refresh_derived(projects=projects)
    return refreshed


def refresh_projects_of_partner(sender, *, partner, **kwargs) -> int:
    """A partner's name is part of its projects' search text (receiver of partners' partner_renamed)."""
    projects = Project.objects.filter(parties__partner=partner).prefetch_related(
        Prefetch("parties", queryset=ProjectParty.objects.select_related("partner"))
    )
    return projects_refresh_derived(projects=projects.distinct())


def project_record_edit(*, project: Project, user: User, created: bool, reason: str) -> None:
    """After an edit saved elsewhere (the admin) with history suspended: one entry, fresh search text."""
    if hasattr(project, "skip_history_when_saving"):
        del project.skip_history_when_saving
    project._history_user = user
    project._change_reason = reason
    project_history.create_historical_record(project, "+" if created else "~")
    _refresh_one(project)


@transaction.atomic
def project_save(
    *,
    form: ModelForm,
    formsets: Iterable[BaseInlineFormSet],
    user: User,
    creation_token: uuid.UUID | None = None,
) -> Project:
    """Save a validated project form and its party and indicator formsets as one edit.

    A new project submitted twice with the same creation token is created once: the second
    submission finds the first project and changes nothing.
    """
    project: Project = form.save(commit=False)
    created = project.pk is None
    if created and creation_token is not None:
        existing = Project.objects.filter(creation_token=creation_token).first()
        if existing is not None:
            raise ProjectAlreadyCreated(existing)
        project.creation_token = creation_token
    project._history_user = user
    project._change_reason = _("Created") if created else _("Edited")
    # One edit is one history entry, written after the relations are saved (see partners' services).
    project.skip_history_when_saving = True
    try:
        with transaction.atomic():
            project.save()
    except IntegrityError:
        del project.skip_history_when_saving
        if creation_token is None:
            raise
        # The same token committed by a concurrent request in the meantime.
        raise ProjectAlreadyCreated(Project.objects.get(creation_token=creation_token)) from None
    try:
        form.save_m2m()
        for formset in formsets:
            formset.instance = project
            formset.save()
    finally:
        del project.skip_history_when_saving
    project_history.create_historical_record(project, "+" if created else "~")
    _refresh_one(project)
    return project


def _refresh_one(project: Project) -> None:
    project = Project.objects.prefetch_related(
        Prefetch("parties", queryset=ProjectParty.objects.select_related("partner"))
    ).get(pk=project.pk)
    Project.objects.filter(pk=project.pk).update(**project_derived_values(project))


@transaction.atomic
def project_publish(*, project: Project, user: User) -> Project:
    """Publish a draft: it appears in the public catalogue. A project needs a party to be published."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.is_published:
        return project
    if not project.parties.exists():
        raise ProjectServiceError(_("Add at least one party and its role before publishing."))
    project.is_published = True
    project.published_at = project.published_at or timezone.now()
    project._history_user = user
    project._change_reason = _("Published")
    project.save(update_fields=["is_published", "published_at", "updated_at"])
    return project


@transaction.atomic
def project_unpublish(*, project: Project, user: User) -> Project:
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not project.is_published:
        return project
    project.is_published = False
    project._history_user = user
    project._change_reason = _("Withdrawn from publication")
    project.save(update_fields=["is_published", "updated_at"])
    return project


def _photo_limits() -> ImageLimits:
    limits = settings.PROJECT_PHOTO
    return ImageLimits(
        max_upload_bytes=limits["max_upload_bytes"], max_pixels=limits["max_pixels"], max_side=limits["max_side"]
    )


@transaction.atomic
def project_photo_add(*, project: Project, upload, alt_text: str, caption: str, user: User) -> ProjectPhoto:
    """Add a photo: re-encoded as JPEG for the page and a small thumbnail for lists."""
    image = open_checked(upload, _photo_limits())
    order = (project.photos.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    return ProjectPhoto.objects.create(
        project=project,
        image=encode(image, side=settings.PROJECT_PHOTO["display_side"], image_format="JPEG"),
        thumbnail=encode(image, side=settings.PROJECT_PHOTO["thumbnail_side"], image_format="JPEG"),
        alt_text=alt_text,
        caption=caption,
        order=order,
    )


@transaction.atomic
def project_photo_delete(*, photo: ProjectPhoto, user: User) -> None:
    files = [photo.image, photo.thumbnail]
    photo.delete()
    # The files go only once the row is gone for good, so a failed delete leaves nothing dangling.
    for stored in files:
        transaction.on_commit(lambda stored=stored: stored.storage.delete(stored.name))


@transaction.atomic
def project_attachment_add(*, project: Project, upload, title: str, user: User) -> ProjectAttachment:
    """Add a PDF: checked by its content, not its name, and stored under a sanitised name."""
    if upload.size > settings.PROJECT_ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("The file is too large (%(size)s MB at most).")
            % {"size": settings.PROJECT_ATTACHMENT_MAX_BYTES // (1024 * 1024)},
            code="file_too_large",
        )
    upload.seek(0)
    head = upload.read(1024)
    if PDF_MAGIC not in head:
        raise ValidationError(_("Upload a PDF file."), code="not_pdf")
    upload.seek(0)
    try:
        name = get_valid_filename(upload.name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])
    except SuspiciousFileOperation:  # nothing safe is left of the name
        name = "attachment.pdf"
    if not name.lower().endswith(".pdf"):
        name = f"{name}.pdf"
    order = (project.attachments.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    return ProjectAttachment.objects.create(
        project=project,
        title=title,
        file=ContentFile(upload.read(), name=f"{uuid.uuid4().hex[:8]}-{name}"),
        size=upload.size,
        order=order,
    )


@transaction.atomic
def project_attachment_delete(*, attachment: ProjectAttachment, user: User) -> None:
    stored = attachment.file
    attachment.delete()
    transaction.on_commit(lambda: stored.storage.delete(stored.name))
