"""Evaluations (振り返り) of collaboration projects: a round per project and fiscal year with each side's
evaluation against the municipality's principles, the joint summary, and external evaluators' comments."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from evaluations.workflow import EVENT_LABELS, SCORE_MAX, SCORE_MIN, NextStep, Side, Status
from partners.models import Department, LocalizedNameMixin, Municipality
from projects.models import Project


def score_in_range(field: str) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": SCORE_MIN, f"{field}__lte": SCORE_MAX})


class Principle(LocalizedNameMixin):
    """A principle of collaboration (協働の原則) of one municipality: data, since each city has its own list."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="principles", verbose_name=_("municipality")
    )
    code = models.SlugField(_("code"), max_length=40)
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    is_active = models.BooleanField(
        _("in use"), default=True, help_text=_("New evaluation rounds rate the principles in use.")
    )

    class Meta:
        ordering = ["municipality", "sort_order", "code"]
        verbose_name = _("principle of collaboration")
        verbose_name_plural = _("principles of collaboration")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="evaluations_principle_code_once"),
        ]


class EvaluationRoundQuerySet(models.QuerySet):
    def published(self) -> "EvaluationRoundQuerySet":
        return self.filter(status=Status.PUBLISHED, project__is_published=True)


class EvaluationRound(models.Model):
    """The evaluation of one project for one fiscal year, by both sides, ending in a published joint summary."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="evaluation_rounds", verbose_name=_("project")
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.WRITING)
    cost_amount = models.PositiveBigIntegerField(
        _("cost in the fiscal year (yen)"),
        null=True,
        blank=True,
        help_text=_("What the city spent on the project in the year (委託料, 補助金 …); gives the cost per unit."),
    )
    summary = models.TextField(_("joint summary: what was achieved and what remains"), blank=True)
    next_step = models.CharField(_("next step"), max_length=10, choices=NextStep.choices, blank=True)
    next_step_reasons = models.TextField(_("reasons for the next step"), blank=True)
    independence_year = models.PositiveSmallIntegerField(
        _("planned fiscal year of independence"),
        null=True,
        blank=True,
        help_text=_("When the partner is to run the activity without the city's money (自立)."),
    )
    cost_share_change = models.TextField(_("how the cost share changes"), blank=True)
    # The figures as published (indicators, cost, cost per unit): the report does not change when the
    # project's record is edited later.
    figures = models.JSONField(_("figures as published"), default=dict, blank=True, editable=False)
    summary_version = models.PositiveIntegerField(default=0, editable=False)
    proposed_side = models.CharField(_("proposed by side"), max_length=10, choices=Side.choices, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    is_demo = models.BooleanField(
        _("demo content"),
        default=False,
        editable=False,
        help_text=_("Scores and comments written for the demonstration, not the real evaluation."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EvaluationRoundQuerySet.as_manager()

    class Meta:
        ordering = ["-fiscal_year", "project_id"]
        verbose_name = _("evaluation round")
        verbose_name_plural = _("evaluation rounds")
        constraints = [
            models.UniqueConstraint(fields=["project", "fiscal_year"], name="evaluations_round_once_a_year"),
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=1950, fiscal_year__lte=2100), name="evaluations_round_fiscal_year"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "fiscal_year"], name="evaluation_status_fy_idx"),
            models.Index(fields=["fiscal_year", "status"], name="evaluation_fy_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.project} ({self.fiscal_year})"

    def get_absolute_url(self) -> str:
        return reverse("evaluations:round", kwargs={"pk": self.pk})

    def get_report_url(self) -> str:
        return reverse("evaluations:report", kwargs={"pk": self.pk})

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED


class SideEvaluation(models.Model):
    """One side's evaluation: written and submitted without seeing the other side's."""

    round = models.ForeignKey(
        EvaluationRound, on_delete=models.CASCADE, related_name="sides", verbose_name=_("evaluation round")
    )
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    achievement_score = models.PositiveSmallIntegerField(_("achievement of the outcomes"), null=True, blank=True)
    achievement_comment = models.TextField(_("comment on the outcomes"), blank=True)
    cost_score = models.PositiveSmallIntegerField(_("cost-effectiveness"), null=True, blank=True)
    cost_comment = models.TextField(_("comment on the cost"), blank=True)
    overall_comment = models.TextField(_("what went well, what did not, and what we learnt"), blank=True)
    version = models.PositiveIntegerField(default=0, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["round", "side"]
        verbose_name = _("side's evaluation")
        verbose_name_plural = _("sides' evaluations")
        constraints = [
            models.UniqueConstraint(fields=["round", "side"], name="evaluations_side_once"),
            models.CheckConstraint(condition=Q(side__in=Side.values), name="evaluations_side_known"),
            models.CheckConstraint(condition=score_in_range("achievement_score"), name="evaluations_achievement_1_5"),
            models.CheckConstraint(condition=score_in_range("cost_score"), name="evaluations_cost_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.round} – {self.get_side_display()}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class PrincipleRating(models.Model):
    side = models.ForeignKey(
        SideEvaluation, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("side's evaluation")
    )
    principle = models.ForeignKey(
        Principle, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("principle")
    )
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["principle__sort_order", "principle_id"]
        verbose_name = _("rating of a principle")
        verbose_name_plural = _("ratings of principles")
        constraints = [
            models.UniqueConstraint(fields=["side", "principle"], name="evaluations_rating_once"),
            models.CheckConstraint(condition=score_in_range("score"), name="evaluations_rating_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.principle}: {self.score}"


class GapNote(models.Model):
    """The joint summary's word on a principle the two sides scored two points or more apart."""

    round = models.ForeignKey(
        EvaluationRound, on_delete=models.CASCADE, related_name="gap_notes", verbose_name=_("evaluation round")
    )
    principle = models.ForeignKey(Principle, on_delete=models.PROTECT, related_name="+", verbose_name=_("principle"))
    note = models.TextField(_("why the sides differ, and what follows"))

    class Meta:
        ordering = ["principle__sort_order", "principle_id"]
        verbose_name = _("note on a difference")
        verbose_name_plural = _("notes on differences")
        constraints = [models.UniqueConstraint(fields=["round", "principle"], name="evaluations_gap_note_once")]

    def __str__(self) -> str:
        return str(self.principle)


class EvaluationEvent(models.Model):
    """The audit trail of a round: who did what, when, from which status to which."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=30)
    side = models.CharField(_("side"), max_length=10, choices=Side.choices, blank=True)
    from_status = models.CharField(_("from"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comment = models.TextField(_("comment"), blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("evaluation event")
        verbose_name_plural = _("evaluation events")

    def __str__(self) -> str:
        return f"{self.round} {self.action}"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))


class ExternalReviewCycle(models.Model):
    """An external evaluation (外部評価) of a department's projects over some fiscal years (every 3–4 years)."""

    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="external_cycles", verbose_name=_("department")
    )
    title = models.CharField(_("title"), max_length=200)
    fiscal_year_start = models.PositiveSmallIntegerField(_("first fiscal year"))
    fiscal_year_end = models.PositiveSmallIntegerField(_("last fiscal year"))
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="external_cycles", verbose_name=_("external members")
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo content"), default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-fiscal_year_end", "title", "id"]
        verbose_name = _("external evaluation")
        verbose_name_plural = _("external evaluations")
        constraints = [
            models.CheckConstraint(
                condition=Q(fiscal_year_end__gte=models.F("fiscal_year_start")),
                name="evaluations_cycle_years_in_order",
                violation_error_message=_("The last fiscal year comes before the first."),
            ),
            models.CheckConstraint(
                condition=Q(fiscal_year_start__gte=1950, fiscal_year_end__lte=2100),
                name="evaluations_cycle_years_in_range",
            ),
            # A second click on "create" finds the cycle the first made (evaluations.external.cycle_create).
            models.UniqueConstraint(
                fields=["department", "title", "fiscal_year_start", "fiscal_year_end"],
                name="evaluations_cycle_once",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("evaluations:cycle", kwargs={"pk": self.pk})


class ExternalComment(models.Model):
    cycle = models.ForeignKey(
        ExternalReviewCycle, on_delete=models.CASCADE, related_name="comments", verbose_name=_("external evaluation")
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="external_comments", verbose_name=_("project")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="external_comments", verbose_name=_("author")
    )
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["cycle", "project", "created_at", "id"]
        verbose_name = _("external evaluator's comment")
        verbose_name_plural = _("external evaluators' comments")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "project", "author"], name="evaluations_external_comment_once")
        ]

    def __str__(self) -> str:
        return f"{self.cycle} – {self.project}"
