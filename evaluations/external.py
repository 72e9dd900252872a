"""External evaluation (外部評価): every write (services) and every read (selectors) of the cycles, their
external members and their comments.

A cycle belongs to a ward office or a bureau and covers some fiscal years. Its projects are the published
projects of that department or one below it that ran in at least one of those years; a project with no
fiscal year is left out, since nothing places it in the years under evaluation (give it its years and it
comes in). External members write one comment per project until the department publishes the cycle;
from then on the comments are fixed and public. Unpublishing (with a reason) opens them again.

Every write locks the cycle's row first, so a comment being saved, a member being removed and the
publication do not cross. Who did what is written to Django's admin log (LogEntry) of the cycle, with
the reason of an unpublication: the models have no audit table of their own for cycles.
"""

from dataclasses import dataclass, field

import rules
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Prefetch, Q, QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.notifications import MAIL_LANGUAGE, notify
from evaluations.models import EvaluationRound, ExternalComment, ExternalReviewCycle
from kyodo_portal.text import tidy_line
from partners.models import Department, StaffAssignment, departments_served_by, departments_under
from projects.models import Project, ProjectParty
from projects.rules import is_project_admin

FISCAL_YEAR_MIN = 1950
FISCAL_YEAR_MAX = 2100
# External evaluation is done by a ward office for its ward, or by a bureau for its field.
CYCLE_DEPARTMENT_KINDS = (Department.Kind.WARD_OFFICE, Department.Kind.BUREAU)
COMMENT_MAX_LENGTH = 4000


class ExternalEvaluationError(Exception):
    """A write that cannot be done, with a message for the user."""


class CycleAlreadyCreated(ExternalEvaluationError):
    """The same cycle (department, title, years) exists: a second submission of the form finds it."""

    def __init__(self, cycle: ExternalReviewCycle) -> None:
        self.cycle = cycle
        super().__init__(_("This external evaluation already exists; here it is."))


# ----------------------------------------------------------------------------------------------------------
# Selectors


def _is_admin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and is_project_admin(user))


def cycle_departments_for(*, user) -> QuerySet[Department]:
    """The ward offices and bureaus for which the user may start an external evaluation."""
    departments = Department.objects.filter(kind__in=CYCLE_DEPARTMENT_KINDS).order_by(
        "municipality", "sort_order", "id"
    )
    if _is_admin(user):
        return departments
    return departments.filter(pk__in=departments_served_by(user, StaffAssignment.Role.OFFICER).values("pk"))


def _cycles() -> QuerySet[ExternalReviewCycle]:
    return ExternalReviewCycle.objects.select_related("department__parent")


def cycles_managed_by(*, user) -> QuerySet[ExternalReviewCycle]:
    """The cycles of the departments the user serves as an officer (all of them for an administrator),
    with the number of members and of comments."""
    if not getattr(user, "is_authenticated", False):
        return ExternalReviewCycle.objects.none()
    cycles = _cycles().annotate(
        member_count=Count("members", distinct=True), comment_count=Count("comments", distinct=True)
    )
    if _is_admin(user):
        return cycles
    return cycles.filter(department__in=departments_served_by(user, StaffAssignment.Role.OFFICER))


def cycles_visible_to(*, user) -> QuerySet[ExternalReviewCycle]:
    """The cycles the user runs or is an external member of, published or not."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ExternalReviewCycle.objects.none()
    if _is_admin(user):
        return _cycles()
    managed = Q(department__in=departments_served_by(user, StaffAssignment.Role.OFFICER))
    member_of = Q(pk__in=ExternalReviewCycle.members.through.objects.filter(user=user).values("externalreviewcycle"))
    return _cycles().filter(managed | member_of)


def cycle_for_user(*, user, pk: int) -> ExternalReviewCycle:
    """A cycle the user runs or is a member of; 404 for anyone else (the cycle's existence included)."""
    cycle = cycles_visible_to(user=user).filter(pk=pk).first()
    if cycle is None or not rules.test_rule("evaluations.view_cycle", user, cycle):
        raise Http404
    return cycle


def cycle_projects_q(cycle: ExternalReviewCycle) -> Q:
    """Published projects of the cycle's department (or one below it) that ran in one of its years; a project
    without an end year ran in its first year only (as projects.filters.fiscal_year_q reads it)."""
    ran_in_years = Q(fiscal_year_start__lte=cycle.fiscal_year_end) & (
        Q(fiscal_year_end__gte=cycle.fiscal_year_start)
        | Q(fiscal_year_end__isnull=True, fiscal_year_start__gte=cycle.fiscal_year_start)
    )
    return Q(is_published=True, responsible_department__in=departments_under([cycle.department_id])) & ran_in_years


def cycle_projects(*, cycle: ExternalReviewCycle) -> QuerySet[Project]:
    return Project.objects.filter(cycle_projects_q(cycle))


def cycle_project(*, cycle: ExternalReviewCycle, pk: int) -> Project:
    """A project the cycle's members may comment on, or 404."""
    project = cycle_projects(cycle=cycle).filter(pk=pk).first()
    if project is None:
        raise Http404
    return project


@dataclass
class CycleRow:
    """A project on the page of a cycle: its published rounds of the cycle's years and the comments on it."""

    project: Project
    in_scope: bool
    rounds: list[EvaluationRound]
    comments: list[ExternalComment]
    mine: ExternalComment | None = None
    parties: list[ProjectParty] = field(default_factory=list)


def cycle_rows(*, cycle: ExternalReviewCycle, user) -> list[CycleRow]:
    """The cycle's projects and, after them, any project commented on that has since left the cycle (its
    department or years changed, or it was unpublished): a comment never disappears from the staff's view.
    Four queries, however many projects and comments."""
    in_scope = cycle_projects_q(cycle)
    commented = Q(pk__in=ExternalComment.objects.filter(cycle=cycle).values("project_id"))
    rounds = EvaluationRound.objects.published().filter(
        fiscal_year__gte=cycle.fiscal_year_start, fiscal_year__lte=cycle.fiscal_year_end
    )
    projects = (
        Project.objects.filter(in_scope | commented)
        .annotate(in_scope=ExpressionWrapper(in_scope, output_field=BooleanField()))
        .prefetch_related(
            Prefetch("parties", queryset=ProjectParty.objects.select_related("partner")),
            Prefetch("evaluation_rounds", queryset=rounds.order_by("fiscal_year"), to_attr="cycle_rounds"),
            Prefetch(
                "external_comments",
                queryset=ExternalComment.objects.filter(cycle=cycle).select_related("author").order_by("created_at"),
                to_attr="cycle_comments",
            ),
        )
        .order_by("sort_key", "id")
    )
    rows = []
    for project in projects:
        mine = next((comment for comment in project.cycle_comments if comment.author_id == user.pk), None)
        rows.append(
            CycleRow(
                project=project,
                in_scope=bool(project.in_scope),
                rounds=project.cycle_rounds,
                comments=project.cycle_comments,
                mine=mine,
                parties=list(project.parties.all()),
            )
        )
    rows.sort(key=lambda row: not row.in_scope)  # stable: the cycle's own projects first, in title order
    return rows


def cycle_members(*, cycle: ExternalReviewCycle) -> list[User]:
    return list(cycle.members.order_by("display_name", "email"))


def cycle_history(*, cycle: ExternalReviewCycle) -> list[LogEntry]:
    """Who created, published, unpublished the cycle and added or removed its members, oldest first."""
    return list(
        LogEntry.objects.filter(
            content_type__app_label="evaluations",
            content_type__model="externalreviewcycle",
            object_id=str(cycle.pk),
        )
        .select_related("user")
        .order_by("action_time", "id")
    )


def public_author_name(user: User) -> str:
    """The name shown to the public: never the e-mail address."""
    return user.display_name or _("External evaluation member")


def _with_author_names(comments) -> list[ExternalComment]:
    comments = list(comments)
    for comment in comments:
        comment.author_name = public_author_name(comment.author)
    return comments


def external_comments_for_project(*, project: Project, fiscal_year: int | None = None) -> list[ExternalComment]:
    """The comments on a project in published cycles (only those covering `fiscal_year`, if given), newest
    cycle first; each has `author_name` (never the e-mail address) and `cycle` with its title and years.
    One query."""
    comments = ExternalComment.objects.filter(project=project, cycle__published_at__isnull=False)
    if fiscal_year is not None:
        comments = comments.filter(cycle__fiscal_year_start__lte=fiscal_year, cycle__fiscal_year_end__gte=fiscal_year)
    comments = comments.select_related("cycle__department", "author").order_by(
        "-cycle__fiscal_year_end", "-cycle__published_at", "cycle_id", "created_at", "id"
    )
    return _with_author_names(comments)


def published_cycles() -> QuerySet[ExternalReviewCycle]:
    return _cycles().filter(published_at__isnull=False).order_by("-published_at", "-id")


@dataclass
class PublishedProject:
    project: Project
    comments: list[ExternalComment]


def published_comments_by_cycle(*, cycles) -> dict[int, list[PublishedProject]]:
    """The comments of the given published cycles on published projects, grouped by cycle and project in
    title order. One query."""
    cycle_ids = [cycle.pk for cycle in cycles if cycle.published_at is not None]
    comments = _with_author_names(
        ExternalComment.objects.filter(cycle_id__in=cycle_ids, project__is_published=True)
        .select_related("project", "author")
        .order_by("cycle_id", "project__sort_key", "project_id", "created_at", "id")
    )
    grouped: dict[int, list[PublishedProject]] = {pk: [] for pk in cycle_ids}
    for comment in comments:
        projects = grouped[comment.cycle_id]
        if not projects or projects[-1].project.pk != comment.project_id:
            projects.append(PublishedProject(project=comment.project, comments=[]))
        projects[-1].comments.append(comment)
    return grouped


# ----------------------------------------------------------------------------------------------------------
# Services


def _lock(cycle: ExternalReviewCycle) -> ExternalReviewCycle:
    return ExternalReviewCycle.objects.select_for_update().select_related("department").get(pk=cycle.pk)


def _check_manager(user: User, cycle: ExternalReviewCycle) -> None:
    if not rules.test_rule("evaluations.manage_cycle", user, cycle):
        raise PermissionDenied


def _audit(*, cycle: ExternalReviewCycle, user: User, message: str, flag: int = CHANGE) -> None:
    """A line of the cycle's history, in the city's language (the admin shows it as written)."""
    LogEntry.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(ExternalReviewCycle),
        object_id=str(cycle.pk),
        object_repr=str(cycle)[:200],
        action_flag=flag,
        change_message=message,
    )


def check_years(fiscal_year_start: int | None, fiscal_year_end: int | None) -> dict[str, str]:
    """The problems of a pair of fiscal years, by field (empty when they are fine)."""
    errors = {}
    for name, value in (("fiscal_year_start", fiscal_year_start), ("fiscal_year_end", fiscal_year_end)):
        if value is None:
            errors[name] = _("Give the fiscal year.")
        elif not FISCAL_YEAR_MIN <= value <= FISCAL_YEAR_MAX:
            errors[name] = _("Enter a fiscal year between 1950 and 2100.")
    if not errors and fiscal_year_end < fiscal_year_start:
        errors["fiscal_year_end"] = _("The last fiscal year comes before the first.")
    return errors


@transaction.atomic
def cycle_create(
    *, user: User, department: Department, title: str, fiscal_year_start: int, fiscal_year_end: int
) -> ExternalReviewCycle:
    """Start an external evaluation of a ward office's or a bureau's projects over some fiscal years.

    A second submission of the same form (same department, title and years) raises CycleAlreadyCreated
    with the cycle the first one made: the department's row lock makes the check and the insert one step.
    """
    if not rules.test_rule("evaluations.create_cycle", user):
        raise PermissionDenied
    title = tidy_line(title)
    errors = check_years(fiscal_year_start, fiscal_year_end)
    if not title:
        errors["title"] = _("Give the external evaluation a title.")
    if department is None:
        errors["department"] = _("Choose the department that runs the external evaluation.")
    if errors:
        raise ValidationError(errors)
    cycle = ExternalReviewCycle(
        department=department,
        title=title,
        fiscal_year_start=fiscal_year_start,
        fiscal_year_end=fiscal_year_end,
        created_by=user,
    )
    if not rules.test_rule("evaluations.manage_cycle", user, cycle):
        raise PermissionDenied
    if department.kind not in CYCLE_DEPARTMENT_KINDS:
        raise ValidationError({"department": _("An external evaluation is run by a ward office or a bureau.")})
    Department.objects.select_for_update().get(pk=department.pk)
    existing = ExternalReviewCycle.objects.filter(
        department=department, title=title, fiscal_year_start=fiscal_year_start, fiscal_year_end=fiscal_year_end
    ).first()
    if existing is not None:
        raise CycleAlreadyCreated(existing)
    cycle.save()
    with translation.override(MAIL_LANGUAGE):
        _audit(cycle=cycle, user=user, flag=ADDITION, message=_("Created the external evaluation."))
    return cycle


@transaction.atomic
def cycle_member_add(*, cycle: ExternalReviewCycle, user: User, email: str) -> User:
    """Make someone an external member by the e-mail address of their portal account; they are told by mail
    and in their inbox."""
    _check_manager(user, cycle)
    cycle = _lock(cycle)
    member = User.objects.filter(email__iexact=(email or "").strip(), is_active=True).first()
    if member is None:
        raise ValidationError(
            {"email": _("No portal account has this address. Ask the member to sign up first, then add them.")}
        )
    if cycle.members.filter(pk=member.pk).exists():
        raise ValidationError(
            {"email": _("%(name)s is already an external member of this external evaluation.") % {"name": member}}
        )
    cycle.members.add(member)
    with translation.override(MAIL_LANGUAGE):
        _audit(cycle=cycle, user=user, message=_("Added %(name)s as an external member.") % {"name": member})
        subject = _("[Kyodo Portal] You are an external member of %(title)s") % {"title": cycle.title}
        body = render_to_string("evaluations/mail/external_member_added.txt", {"cycle": cycle, "member": member})
    notify(users=[member], subject=subject, body=body, path=cycle.get_absolute_url())
    return member


@transaction.atomic
def cycle_member_remove(*, cycle: ExternalReviewCycle, user: User, member_id: int) -> None:
    """Take a member off the cycle. What they wrote stays: the comments are the committee's record."""
    _check_manager(user, cycle)
    cycle = _lock(cycle)
    member = cycle.members.filter(pk=member_id).first()
    if member is None:
        return
    cycle.members.remove(member)
    with translation.override(MAIL_LANGUAGE):
        _audit(cycle=cycle, user=user, message=_("Removed %(name)s from the external members.") % {"name": member})


@transaction.atomic
def external_comment_save(*, cycle: ExternalReviewCycle, project: Project, user: User, body: str) -> ExternalComment:
    """An external member writes or rewrites their one comment on a project of the cycle, until it is published."""
    cycle = _lock(cycle)
    if not rules.test_rule("evaluations.comment_in_cycle", user, cycle):
        raise PermissionDenied
    if cycle.published_at is not None:
        raise ExternalEvaluationError(
            _("This external evaluation is published: its comments can no longer be changed.")
        )
    if not cycle_projects(cycle=cycle).filter(pk=project.pk).exists():
        raise ExternalEvaluationError(_("This project is not one of the projects of this external evaluation."))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write your comment.")})
    if len(body) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {"body": _("A comment has at most %(count)s characters.") % {"count": f"{COMMENT_MAX_LENGTH:,}"}}
        )
    comment, _created = ExternalComment.objects.update_or_create(
        cycle=cycle, project=project, author=user, defaults={"body": body}
    )
    return comment


@transaction.atomic
def cycle_publish(*, cycle: ExternalReviewCycle, user: User) -> ExternalReviewCycle:
    """Publish the cycle: its comments appear on the projects' pages and the list of external evaluations."""
    _check_manager(user, cycle)
    cycle = _lock(cycle)
    if cycle.published_at is not None:
        raise ExternalEvaluationError(_("This external evaluation is already published."))
    if not cycle.comments.exists():
        raise ExternalEvaluationError(_("No external member has commented yet: there is nothing to publish."))
    cycle.published_at = timezone.now()
    cycle.save(update_fields=["published_at"])
    with translation.override(MAIL_LANGUAGE):
        _audit(cycle=cycle, user=user, message=_("Published the external evaluation."))
    return cycle


@transaction.atomic
def cycle_unpublish(*, cycle: ExternalReviewCycle, user: User, reason: str) -> ExternalReviewCycle:
    """Withdraw the cycle from publication, saying why (kept in its history); the members may then change
    their comments again."""
    _check_manager(user, cycle)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the external evaluation is withdrawn from publication.")})
    cycle = _lock(cycle)
    if cycle.published_at is None:
        raise ExternalEvaluationError(_("This external evaluation is not published."))
    cycle.published_at = None
    cycle.save(update_fields=["published_at"])
    with translation.override(MAIL_LANGUAGE):
        _audit(
            cycle=cycle,
            user=user,
            message=_("Withdrew the external evaluation from publication: %(reason)s") % {"reason": reason},
        )
    return cycle
