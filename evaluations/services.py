"""Every write to evaluation rounds: opening one, each side's evaluation, the joint summary, and each move.

A move locks the round's row, checks that the user writes for the side the move needs and that the move
starts from the round's status, saves, writes an audit row and, after the commit, tells the people
concerned. The row lock makes moves on one round take turns: of two submissions at once, the second sees
the first and ends the writing; of an agreement and a request for changes, the second is refused.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import rules
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q, prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.notifications import MAIL_LANGUAGE, deliver
from evaluations.models import EvaluationEvent, EvaluationRound, GapNote, Principle, PrincipleRating, SideEvaluation
from evaluations.rules import organisation_parties_q, sides_of
from evaluations.workflow import (
    AGREE,
    BOTH_SUBMITTED,
    CONTINUING,
    GAP_THRESHOLD,
    PROPOSE_SUMMARY,
    REOPEN,
    REOPEN_SIDE,
    REQUEST_CHANGES,
    SIDES_EDITABLE,
    SUBMIT_SIDE,
    SUMMARY_EDITABLE,
    WITHDRAW_SUMMARY,
    Side,
    Status,
    Transition,
    transition_allowed,
)
from kyodo_portal.dates import fiscal_year_of
from kyodo_portal.workflow import ServiceError
from partners.models import Membership, StaffAssignment, staff_serving
from projects.models import OutcomeIndicator, Project


class EvaluationServiceError(ServiceError):
    """A write that cannot be done, with a message for the user."""


class TransitionNotAllowed(EvaluationServiceError):
    def __init__(self, round: EvaluationRound) -> None:
        super().__init__(
            _(
                "This cannot be done now: the evaluation is %(status)s (someone may have acted on it just before "
                "you). Nothing was changed."
            )
            % {"status": round.get_status_display()}
        )
        self.round = round


class EditConflict(EvaluationServiceError):
    """Someone else saved after this page was opened; nothing was overwritten."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "This was saved by someone else after you opened the page (or by a second click). What you typed "
                "is shown below: compare it with the saved version, put back what you need and save again."
            )
        )


class Incomplete(EvaluationServiceError):
    """Submission refused: the problems, by field name (None for the whole)."""

    def __init__(self, problems: dict[str | None, list[str]]) -> None:
        super().__init__(_("This cannot be submitted yet; see the messages below."))
        self.problems = problems


# ----------------------------------------------------------------------------------------------------------
# Figures: outcomes planned and actual, cost per unit


@dataclass(frozen=True)
class IndicatorFigure:
    name: str
    unit: str
    note: str
    planned: Decimal | None
    actual: Decimal | None

    @property
    def achievement_rate(self) -> Decimal | None:
        """Actual as a percentage of planned (where something was planned)."""
        if self.planned is None or self.actual is None or self.planned <= 0:
            return None
        return (self.actual * 100 / self.planned).quantize(Decimal("1"))


@dataclass(frozen=True)
class Figures:
    cost_amount: int | None
    indicators: list[IndicatorFigure]

    def cost_per_unit(self, indicator: IndicatorFigure) -> int | None:
        """Yen per unit of the indicator's actual value (per participant, per session …), rounded."""
        if self.cost_amount is None or indicator.actual is None or indicator.actual <= 0:
            return None
        return int((Decimal(self.cost_amount) / indicator.actual).quantize(Decimal("1")))

    def rows(self) -> list[tuple[IndicatorFigure, int | None]]:
        return [(indicator, self.cost_per_unit(indicator)) for indicator in self.indicators]

    def as_json(self) -> dict:
        def number(value: Decimal | None) -> str | None:
            return None if value is None else f"{value.normalize():f}"

        return {
            "cost_amount": self.cost_amount,
            "indicators": [
                {
                    "name": row.name,
                    "unit": row.unit,
                    "note": row.note,
                    "planned": number(row.planned),
                    "actual": number(row.actual),
                }
                for row in self.indicators
            ],
        }

    @classmethod
    def of_record(cls, *, cost_amount: int | None, indicators: list[OutcomeIndicator]) -> "Figures":
        """The figures as the project's record has them now."""
        return cls(
            cost_amount=cost_amount,
            indicators=[
                IndicatorFigure(
                    name=row.name, unit=row.unit, note=row.note, planned=row.planned_value, actual=row.actual_value
                )
                for row in indicators
            ],
        )

    @classmethod
    def from_json(cls, data: dict) -> "Figures":
        def number(value: str | None) -> Decimal | None:
            return None if value in (None, "") else Decimal(value)

        return cls(
            cost_amount=data.get("cost_amount"),
            indicators=[
                IndicatorFigure(
                    name=row["name"],
                    unit=row.get("unit", ""),
                    note=row.get("note", ""),
                    planned=number(row.get("planned")),
                    actual=number(row.get("actual")),
                )
                for row in data.get("indicators", [])
            ],
        )


def round_figures(round: EvaluationRound, indicators: list[OutcomeIndicator] | None = None) -> Figures:
    """The figures as published, or (before publication) as the project's record has them now."""
    if round.status == Status.PUBLISHED and round.figures:
        return Figures.from_json(round.figures)
    if indicators is None:
        indicators = list(round.project.indicators.all())
    return Figures.of_record(cost_amount=round.cost_amount, indicators=indicators)


# ----------------------------------------------------------------------------------------------------------
# Differences between the sides


@dataclass(frozen=True)
class Gap:
    principle: Principle
    partner_score: int
    city_score: int

    @property
    def difference(self) -> int:
        return abs(self.partner_score - self.city_score)


PrinciplePair = tuple[Principle, PrincipleRating | None, PrincipleRating | None]


def principle_pairs(sides: list[SideEvaluation]) -> list[PrinciplePair]:
    """Per principle, the partner's rating and the city's, in the principles' order."""
    by_side = {side.side: {rating.principle_id: rating for rating in side.ratings.all()} for side in sides}
    principles: dict[int, Principle] = {}
    for ratings in by_side.values():
        for rating in ratings.values():
            principles[rating.principle_id] = rating.principle
    ordered = sorted(principles.values(), key=lambda principle: (principle.sort_order, principle.pk))
    return [
        (
            principle,
            by_side.get(Side.PARTNER, {}).get(principle.pk),
            by_side.get(Side.CITY, {}).get(principle.pk),
        )
        for principle in ordered
    ]


def principle_gaps(sides: list[SideEvaluation]) -> list[Gap]:
    """The principles the two sides scored two points or more apart."""
    gaps = []
    for principle, partner, city in principle_pairs(sides):
        if partner is None or city is None or partner.score is None or city.score is None:
            continue
        if abs(partner.score - city.score) >= GAP_THRESHOLD:
            gaps.append(Gap(principle=principle, partner_score=partner.score, city_score=city.score))
    return gaps


# ----------------------------------------------------------------------------------------------------------
# Opening a round


def fiscal_year_evaluable(project: Project, fiscal_year: int, today: datetime.date | None = None) -> bool:
    """A year the project ran in (any past year where its record gives none) that has begun."""
    if not 1950 <= fiscal_year <= fiscal_year_of(today):
        return False
    if project.fiscal_year_start is None:
        return True
    return project.fiscal_year_start <= fiscal_year <= (project.fiscal_year_end or project.fiscal_year_start)


@transaction.atomic
def round_start(*, project: Project, fiscal_year: int, user: User) -> EvaluationRound:
    """Open the round of a project and fiscal year (or return the one already open: a second click opens one).

    Both sides' evaluations are created empty with a rating per principle of the project's municipality.
    """
    if not rules.test_rule("evaluations.start_round", user, project):
        raise PermissionDenied
    if not project.is_published:
        raise EvaluationServiceError(_("Only a project published in the catalogue is evaluated."))
    if not fiscal_year_evaluable(project, fiscal_year):
        raise EvaluationServiceError(
            _("The project has no fiscal year %(year)s to evaluate (or that year has not begun).")
            % {"year": fiscal_year}
        )
    existing = EvaluationRound.objects.filter(project=project, fiscal_year=fiscal_year).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            round = EvaluationRound.objects.create(
                project=project, fiscal_year=fiscal_year, cost_amount=project.amount, created_by=user
            )
    except IntegrityError:
        # Opened at the same moment by someone else (the other side, or a double click).
        return EvaluationRound.objects.get(project=project, fiscal_year=fiscal_year)
    principles = list(Principle.objects.filter(municipality_id=project.municipality_id, is_active=True))
    for side in Side.values:
        evaluation = SideEvaluation.objects.create(round=round, side=side)
        PrincipleRating.objects.bulk_create(
            PrincipleRating(side=evaluation, principle=principle) for principle in principles
        )
    _event(round=round, action="start", from_status="", user=user)
    return round


# ----------------------------------------------------------------------------------------------------------
# A side's evaluation


def _lock(round: EvaluationRound) -> EvaluationRound:
    return EvaluationRound.objects.select_for_update().select_related("project").get(pk=round.pk)


def _side_of(user: User, round: EvaluationRound) -> str:
    sides = sides_of(user, round.project)
    if not sides:
        raise PermissionDenied
    return next(iter(sides))


def _check_side_writable(round: EvaluationRound, side: SideEvaluation, user: User) -> None:
    if side.side not in sides_of(user, round.project):
        raise PermissionDenied
    if round.status not in SIDES_EDITABLE:
        raise TransitionNotAllowed(round)
    if side.submitted_at is not None:
        raise EvaluationServiceError(
            _("Your evaluation has been submitted. Take it back to edit it (possible until the other side submits).")
        )


SIDE_FIELDS = ("achievement_score", "achievement_comment", "cost_score", "cost_comment", "overall_comment")


@transaction.atomic
def side_save(
    *,
    side: SideEvaluation,
    user: User,
    data: dict,
    ratings: dict[int, tuple[int | None, str]],
    version: int | None = None,
    cost_amount: int | None = None,
) -> SideEvaluation:
    """Save a side's evaluation as a draft (only its side sees it). The city side also gives the year's cost."""
    round = _lock(side.round)
    side = SideEvaluation.objects.select_for_update().get(pk=side.pk)
    _check_side_writable(round, side, user)
    if version is not None and version != side.version:
        raise EditConflict
    for name in SIDE_FIELDS:
        setattr(side, name, data.get(name) if name.endswith("score") else (data.get(name) or ""))
    side.version += 1
    side.updated_by = user
    side.save(update_fields=[*SIDE_FIELDS, "version", "updated_by", "updated_at"])
    for rating in side.ratings.all():
        if rating.principle_id in ratings:
            rating.score, rating.comment = ratings[rating.principle_id]
            rating.comment = rating.comment or ""
            rating.save(update_fields=["score", "comment"])
    if side.side == Side.CITY and round.cost_amount != cost_amount:
        if round.sides.filter(side=Side.PARTNER, submitted_at__isnull=False).exists():
            # The partner scored cost-effectiveness against this cost; it changes only with their evaluation.
            raise EvaluationServiceError(
                _(
                    "The partner organisation has submitted its evaluation against the cost of %(amount)s yen: "
                    "ask them to take it back before the cost is changed. Nothing was saved."
                )
                % {"amount": f"{round.cost_amount or 0:,}"}
            )
        round.cost_amount = cost_amount
        round.save(update_fields=["cost_amount", "updated_at"])
    _event(round=round, action="save_side", from_status=round.status, user=user, side=side.side)
    return side


def side_problems(side: SideEvaluation) -> dict[str | None, list[str]]:
    """What is wanting before a side's evaluation can be submitted."""
    problems: dict[str | None, list[str]] = {}
    if side.achievement_score is None:
        problems["achievement_score"] = [_("Score the achievement of the outcomes.")]
    if side.cost_score is None:
        problems["cost_score"] = [_("Score the cost-effectiveness.")]
    if not side.overall_comment.strip():
        problems["overall_comment"] = [_("Say in a few words how the year went.")]
    for rating in side.ratings.all():
        if rating.score is None:
            problems[f"score_{rating.principle_id}"] = [
                _("Score the principle “%(principle)s”.") % {"principle": rating.principle.name}
            ]
    return problems


@transaction.atomic
def side_submit(*, side: SideEvaluation, user: User) -> EvaluationRound:
    """Submit a side's evaluation. The second side's submission opens both to both and starts the summary."""
    round = _lock(side.round)
    side = SideEvaluation.objects.select_for_update().get(pk=side.pk)
    if not transition_allowed(status=round.status, transition=SUBMIT_SIDE):
        if side.side not in sides_of(user, round.project):
            raise PermissionDenied
        raise TransitionNotAllowed(round)
    _check_side_writable(round, side, user)
    problems = side_problems(side)
    if problems:
        raise Incomplete(problems)
    side.submitted_at = timezone.now()
    side.submitted_by = user
    side.save(update_fields=["submitted_at", "submitted_by", "updated_at"])
    other = round.sides.exclude(pk=side.pk).get()
    from_status = round.status
    if other.submitted_at is not None:
        round.status = Status.SUMMARISING
        round.save(update_fields=["status", "updated_at"])
    _event(round=round, action=SUBMIT_SIDE.name, from_status=from_status, user=user, side=side.side)
    transaction.on_commit(
        lambda: _mail_side_submitted(round_id=round.pk, side=side.side, both=round.status in BOTH_SUBMITTED),
        robust=True,
    )
    return round


@transaction.atomic
def side_reopen(*, side: SideEvaluation, user: User) -> SideEvaluation:
    """Take a submitted evaluation back to edit it, while the other side has not submitted (it never read it)."""
    round = _lock(side.round)
    side = SideEvaluation.objects.select_for_update().get(pk=side.pk)
    if side.side not in sides_of(user, round.project):
        raise PermissionDenied
    if not transition_allowed(status=round.status, transition=REOPEN_SIDE) or side.submitted_at is None:
        raise TransitionNotAllowed(round)
    side.submitted_at = None
    side.submitted_by = None
    side.save(update_fields=["submitted_at", "submitted_by", "updated_at"])
    _event(round=round, action=REOPEN_SIDE.name, from_status=round.status, user=user, side=side.side)
    return side


# ----------------------------------------------------------------------------------------------------------
# The joint summary

SUMMARY_FIELDS = ("summary", "next_step", "next_step_reasons", "independence_year", "cost_share_change")


@transaction.atomic
def summary_save(
    *, round: EvaluationRound, user: User, data: dict, gap_notes: dict[int, str], version: int | None = None
) -> EvaluationRound:
    """Save the joint summary's draft; either side may write it while it is being prepared."""
    round = _lock(round)
    side = _side_of(user, round)
    if round.status not in SUMMARY_EDITABLE:
        raise TransitionNotAllowed(round)
    if version is not None and version != round.summary_version:
        raise EditConflict
    for name in SUMMARY_FIELDS:
        value = data.get(name)
        setattr(round, name, value if name == "independence_year" else (value or ""))
    round.summary_version += 1
    round.save(update_fields=[*SUMMARY_FIELDS, "summary_version", "updated_at"])
    for principle_id, note in gap_notes.items():
        note = (note or "").strip()
        if note:
            GapNote.objects.update_or_create(round=round, principle_id=principle_id, defaults={"note": note})
        else:
            GapNote.objects.filter(round=round, principle_id=principle_id).delete()
    _event(round=round, action="save_summary", from_status=round.status, user=user, side=side)
    return round


def summary_problems(round: EvaluationRound) -> dict[str | None, list[str]]:
    """What is wanting before the joint summary can be proposed to the other side."""
    problems: dict[str | None, list[str]] = {}
    if not round.summary.strip():
        problems["summary"] = [_("Write the joint summary.")]
    if not round.next_step:
        problems["next_step"] = [_("Choose the next step.")]
    if not round.next_step_reasons.strip():
        problems["next_step_reasons"] = [_("Give the reasons for the next step.")]
    if round.next_step in CONTINUING:
        if round.independence_year is None:
            problems["independence_year"] = [_("For a project that goes on, give the planned year of independence.")]
        elif round.independence_year < round.fiscal_year:
            problems["independence_year"] = [_("The year of independence comes before the year evaluated.")]
        if not round.cost_share_change.strip():
            problems["cost_share_change"] = [_("For a project that goes on, say how the cost share changes.")]
    # The round page has the sides and their ratings already; a service's locked round reads them now.
    prefetch_related_objects([round], "sides__ratings__principle", "gap_notes")
    notes = {note.principle_id for note in round.gap_notes.all()}
    for gap in principle_gaps(list(round.sides.all())):
        if gap.principle.pk not in notes:
            problems[f"gap_{gap.principle.pk}"] = [
                _("The sides differ by %(difference)s points on “%(principle)s”: say a word on it.")
                % {"difference": gap.difference, "principle": gap.principle.name}
            ]
    return problems


def _begin(round: EvaluationRound, user: User, transition: Transition) -> tuple[EvaluationRound, str]:
    """Lock the round; check the user writes for a side that may make the move, from the round's status."""
    round = _lock(round)
    side = _side_of(user, round)
    if side not in transition.sides:
        raise PermissionDenied
    if not transition_allowed(status=round.status, transition=transition):
        raise TransitionNotAllowed(round)
    if transition.other_side_only and side == round.proposed_side:
        raise EvaluationServiceError(_("The other side agrees to your proposal, or asks for changes."))
    return round, side


def _check_version(round: EvaluationRound, version: int | None) -> None:
    """The summary the user read is the one they act on (not one changed since)."""
    if version is not None and version != round.summary_version:
        raise EditConflict


@transaction.atomic
def summary_propose(*, round: EvaluationRound, user: User, version: int | None = None) -> EvaluationRound:
    round, side = _begin(round, user, PROPOSE_SUMMARY)
    _check_version(round, version)
    problems = summary_problems(round)
    if problems:
        raise Incomplete(problems)
    round.proposed_side = side
    round.proposed_by = user
    round.proposed_at = timezone.now()
    _move(round, user, side, PROPOSE_SUMMARY, ["proposed_side", "proposed_by", "proposed_at"])
    return round


@transaction.atomic
def summary_agree(*, round: EvaluationRound, user: User, version: int | None = None) -> EvaluationRound:
    """The other side agrees to the joint summary: the round is published with its figures as they are now."""
    round, side = _begin(round, user, AGREE)
    _check_version(round, version)
    round.agreed_by = user
    round.published_at = timezone.now()
    round.figures = round_figures(round).as_json()
    _move(round, user, side, AGREE, ["agreed_by", "published_at", "figures"])
    return round


@transaction.atomic
def summary_request_changes(*, round: EvaluationRound, user: User, comment: str) -> EvaluationRound:
    round, side = _begin(round, user, REQUEST_CHANGES)
    _move(round, user, side, REQUEST_CHANGES, [], comment=comment)
    return round


@transaction.atomic
def summary_withdraw(*, round: EvaluationRound, user: User) -> EvaluationRound:
    """The proposing side takes its proposal back to change it."""
    round, side = _begin(round, user, WITHDRAW_SUMMARY)
    if side != round.proposed_side:
        raise EvaluationServiceError(_("Only the side that proposed the summary takes it back."))
    _move(round, user, side, WITHDRAW_SUMMARY, [])
    return round


@transaction.atomic
def round_reopen(*, round: EvaluationRound, user: User, comment: str) -> EvaluationRound:
    """The city withdraws a published round from publication to correct it; both sides agree again."""
    round, side = _begin(round, user, REOPEN)
    round.published_at = None
    _move(round, user, side, REOPEN, ["published_at"], comment=comment)
    return round


def _move(
    round: EvaluationRound, user: User, side: str, transition: Transition, update_fields: list[str], comment: str = ""
) -> None:
    """Save the move's status and fields, its audit row, and tell both sides after the commit. The table says
    which moves need a reason for the other side."""
    comment = (comment or "").strip()
    if transition.comment_required and not comment:
        raise EvaluationServiceError(_("Say why, for the other side."))
    from_status = round.status
    round.status = transition.target
    round.save(update_fields=["status", "updated_at", *update_fields])
    event = _event(round=round, action=transition.name, from_status=from_status, user=user, side=side, comment=comment)
    transaction.on_commit(lambda: _mail_moved(round_id=round.pk, event_id=event.pk), robust=True)


def _event(
    *, round: EvaluationRound, action: str, from_status: str, user: User, side: str = "", comment: str = ""
) -> EvaluationEvent:
    return EvaluationEvent.objects.create(
        round=round,
        action=action,
        side=side,
        from_status=from_status,
        to_status=round.status,
        actor=user,
        comment=comment,
    )


# ----------------------------------------------------------------------------------------------------------
# Who hears of a round


def side_recipients(project: Project, side: str) -> list[User]:
    """The partner side: the representatives of the project's partner organisations. The city side: the
    officers of the responsible department and of the departments above it."""
    if side == Side.PARTNER:
        people = User.objects.filter(
            Q(memberships__partner__project_parties__project=project) & organisation_parties_q("memberships__"),
            is_active=True,
            memberships__status=Membership.Status.ACTIVE,
            memberships__role=Membership.Role.REPRESENTATIVE,
        ).distinct()
    elif project.responsible_department_id:
        # Staff who also belong to a partner organisation write for the partner: they hear as the partner.
        partner_members = Membership.objects.filter(
            Q(partner__project_parties__project=project) & organisation_parties_q(),
            status=Membership.Status.ACTIVE,
        ).values("user_id")
        people = staff_serving(project.responsible_department, StaffAssignment.Role.OFFICER).exclude(
            pk__in=partner_members
        )
    else:
        people = User.objects.none()
    return list(people.order_by("email"))


def _round_path(round: EvaluationRound) -> str:
    return round.get_absolute_url()


def _send(round: EvaluationRound, sides: list[str], subject: str, template: str, context: dict, key: str = "") -> None:
    users = {person.pk: person for side in sides for person in side_recipients(round.project, side)}
    deliver(
        users=users.values(),
        subject=subject,
        body=lambda person: render_to_string(template, {**context, "round": round, "recipient": person}),
        path=_round_path(round),
        key=key,
    )


def _mail_side_submitted(*, round_id: int, side: str, both: bool) -> None:
    round = EvaluationRound.objects.select_related("project__responsible_department").get(pk=round_id)
    with translation.override(MAIL_LANGUAGE):
        other = Side.CITY if side == Side.PARTNER else Side.PARTNER
        subject = _("[Kyodo Portal] Evaluation submitted: %(project)s (FY%(year)s)") % {
            "project": round.project.title,
            "year": round.fiscal_year,
        }
        context = {"side_label": Side(side).label, "both": both}
        _send(round, [Side.PARTNER, Side.CITY] if both else [other], subject, "evaluations/mail/submitted.txt", context)


def _mail_moved(*, round_id: int, event_id: int) -> None:
    round = EvaluationRound.objects.select_related("project__responsible_department").get(pk=round_id)
    event = EvaluationEvent.objects.get(pk=event_id)
    with translation.override(MAIL_LANGUAGE):
        subject = _("[Kyodo Portal] Evaluation %(status)s: %(project)s (FY%(year)s)") % {
            "status": round.get_status_display(),
            "project": round.project.title,
            "year": round.fiscal_year,
        }
        context = {"event": event, "side_label": Side(event.side).label if event.side else ""}
        _send(round, [Side.PARTNER, Side.CITY], subject, "evaluations/mail/moved.txt", context)
