"""Open calls (募集) of a ward office or a city department, and the proposals (企画提案書) groups send to them."""

import datetime
import os
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kyodo_portal.models import AuditEvent
from kyodo_portal.text import localized
from partners.models import ActivityField, Department, Partner, PartnerType
from projects.models import Project, Scheme
from proposals.workflow import (
    APPLICANT_COMMENTS,
    APPLICANT_EVENTS,
    DECIDED,
    DECISION_EVENTS,
    EDITABLE,
    EVENT_LABELS,
    HIDDEN_FROM_APPLICANT_UNTIL_PUBLISHED,
    WITHDRAW,
    Outcome,
    Status,
    next_step,
)


class PrivateStorage(FileSystemStorage):
    """Files only a view that checks permission sends: never under MEDIA_ROOT, never served as is."""

    # Plain properties, not Django's cached ones: tests point PRIVATE_MEDIA_ROOT elsewhere.
    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


private_storage = PrivateStorage()


class CallQuerySet(models.QuerySet):
    def published(self) -> "CallQuerySet":
        return self.filter(is_published=True)

    def open_at(self, moment: datetime.datetime) -> "CallQuerySet":
        return self.filter(opens_at__lte=moment, closes_at__gte=moment.replace(microsecond=0))

    def closed_at(self, moment: datetime.datetime) -> "CallQuerySet":
        return self.filter(closes_at__lt=moment.replace(microsecond=0))


class Call(models.Model):
    """An open call (募集): what a ward office or department asks proposals for, and on what terms."""

    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=250, blank=True)
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="calls", verbose_name=_("scheme"))
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="calls",
        verbose_name=_("published by"),
        help_text=_("The ward office or department that runs the call and reviews its proposals."),
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year of the projects"))
    purpose = models.TextField(_("purpose"))
    themes = models.TextField(_("themes"), blank=True, help_text=_("One theme a line."))
    fields = models.ManyToManyField(
        ActivityField, blank=True, related_name="calls", verbose_name=_("fields of activity")
    )
    eligible_types = models.ManyToManyField(
        PartnerType,
        blank=True,
        related_name="calls",
        verbose_name=_("who may apply"),
        help_text=_("Leave empty to accept any kind of organisation."),
    )
    verified_only = models.BooleanField(
        _("verified organisations only"),
        default=False,
        help_text=_("Only organisations whose record the city has verified may submit."),
    )
    eligibility_note = models.TextField(_("eligibility in detail"), blank=True)
    amount_cap = models.PositiveIntegerField(
        _("cap per proposal (yen)"),
        null=True,
        blank=True,
        help_text=_("The most the city pays for one proposal in a year; empty for no money (e.g. 後援)."),
    )
    first_year_cap = models.PositiveIntegerField(
        _("cap in the first year (yen)"),
        null=True,
        blank=True,
        help_text=_("Where the first year has its own cap (e.g. 初年度70万円); empty if it is the same."),
    )
    max_years = models.PositiveSmallIntegerField(
        _("years a project may continue"), default=1, help_text=_("How many years in a row a project may be funded.")
    )
    opens_at = models.DateTimeField(_("submissions open"))
    closes_at = models.DateTimeField(_("deadline"), help_text=_("The last moment a submission is accepted."))
    consultation_required = models.BooleanField(_("advance consultation (事前相談) required"), default=False)
    consultation_note = models.TextField(_("how to consult in advance"), blank=True)
    contact = models.TextField(_("contact"), blank=True)
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    review_due = models.DateField(
        _("reviews due"), null=True, blank=True, help_text=_("The day by which reviewers submit their scores.")
    )
    results_published_at = models.DateTimeField(_("results published at"), null=True, blank=True, editable=False)
    # Receipt numbers are issued in order under a lock of this row.
    receipts_issued = models.PositiveIntegerField(default=0, editable=False)
    creation_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(
        excluded_fields=["receipts_issued", "updated_at", "creation_token", "results_published_at"]
    )
    objects = CallQuerySet.as_manager()

    class Meta:
        ordering = ["-closes_at", "id"]
        verbose_name = _("open call")
        verbose_name_plural = _("open calls")
        indexes = [
            models.Index(fields=["is_published", "closes_at"], name="call_published_closes_idx"),
            models.Index(fields=["is_published", "opens_at"], name="call_published_opens_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="call_closes_after_opening",
                violation_error_message=_("The deadline must come after the opening."),
            ),
            models.CheckConstraint(condition=Q(max_years__gte=1), name="call_max_years_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("proposals:call_detail", kwargs={"pk": self.pk})

    @property
    def display_title(self) -> str:
        return localized(self.title, self.title_en)

    def is_open_at(self, moment: datetime.datetime) -> bool:
        # The deadline's whole last second counts: 23:59:59.9 is still on time, 00:00:00 is not.
        return self.is_published and self.opens_at <= moment and moment.replace(microsecond=0) <= self.closes_at

    @property
    def is_open(self) -> bool:
        return self.is_open_at(timezone.now())

    @property
    def has_closed(self) -> bool:
        return timezone.now().replace(microsecond=0) > self.closes_at

    @property
    def has_not_opened(self) -> bool:
        return timezone.now() < self.opens_at

    @property
    def days_left(self) -> int:
        """Calendar days to the deadline in Asia/Tokyo: 0 on the last day."""
        return (timezone.localdate(self.closes_at) - timezone.localdate()).days

    @property
    def results_published(self) -> bool:
        return self.results_published_at is not None

    def admits_type(self, partner: Partner) -> bool:
        """Whether the call takes proposals from this kind of organisation (no types listed: any kind)."""
        eligible = {partner_type.pk for partner_type in self.eligible_types.all()}
        return not eligible or partner.partner_type_id in eligible

    def cap_for_year(self, project_year: int) -> int | None:
        if project_year == 1 and self.first_year_cap is not None:
            return self.first_year_cap
        return self.amount_cap

    @cached_property
    def theme_list(self) -> list[str]:
        return [line.strip() for line in self.themes.splitlines() if line.strip()]


class CallDocument(models.Model):
    """A document a proposal to the call attaches (団体の規約, 役員名簿, 見積書 …)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="documents", verbose_name=_("call"))
    name = models.CharField(_("document"), max_length=200)
    description = models.CharField(_("description"), max_length=300, blank=True)
    is_required = models.BooleanField(_("required"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")

    def __str__(self) -> str:
        return self.name


class CallCriterion(models.Model):
    """A review criterion (審査基準) with its weight (配点); reviewers score proposals against these."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("call"))
    name = models.CharField(_("criterion"), max_length=200)
    description = models.TextField(_("what reviewers look for"), blank=True)
    weight = models.PositiveSmallIntegerField(_("weight (points)"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("review criterion")
        verbose_name_plural = _("review criteria")
        constraints = [models.CheckConstraint(condition=Q(weight__gte=1), name="call_criterion_weight_positive")]

    def __str__(self) -> str:
        return self.name


class CallMilestone(models.Model):
    """A step of the call's schedule: 書類審査, 公開プレゼンテーション, 決定, 協定締結 …"""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("call"))
    name = models.CharField(_("step"), max_length=100)
    date = models.DateField(_("date"), null=True, blank=True)
    when_text = models.CharField(
        _("when, in words"), max_length=100, blank=True, help_text=_("Where there is no exact date, e.g. 2月下旬.")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("schedule step")
        verbose_name_plural = _("schedule")

    def __str__(self) -> str:
        return self.name


class ProposalQuerySet(models.QuerySet):
    def with_list_relations(self) -> "ProposalQuerySet":
        return self.select_related("call__department", "call__scheme", "partner")

    def annotate_totals(self) -> "ProposalQuerySet":
        return self.annotate(
            requested_total=Sum(
                "budget_lines__amount",
                filter=Q(budget_lines__side=BudgetLine.Side.INCOME, budget_lines__source=BudgetLine.Source.CITY),
            )
        )


class Proposal(models.Model):
    """A proposal (企画提案書) by an organisation to an open call: a draft until it is submitted."""

    # The applicant's text, in the order of the form; revisions keep exactly these.
    CONTENT_FIELDS = (
        "title",
        "project_year",
        "problem",
        "purpose",
        "activities",
        "beneficiaries",
        "period",
        "venue",
        "expected_effects",
        "collaboration_need",
        "exit_strategy",
        "consulted_on",
        "consultation_note",
        "contact_name",
        "contact_phone",
        "agrees_to_be_named",
    )
    # Fields the proposal needs before it can be submitted; the forms and proposal_submit share this list.
    REQUIRED_FOR_SUBMISSION = (
        "title",
        "problem",
        "purpose",
        "activities",
        "beneficiaries",
        "period",
        "venue",
        "expected_effects",
        "collaboration_need",
        "exit_strategy",
        "contact_name",
        "contact_phone",
    )

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("call"))
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("organisation")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
        verbose_name=_("started by"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    receipt_number = models.CharField(_("receipt number"), max_length=30, null=True, blank=True, unique=True)
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    creation_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # Raised by every save of the content: a save made from an older page is caught, not silently lost.
    edit_version = models.PositiveIntegerField(default=0, editable=False)

    title = models.CharField(_("title of the project"), max_length=200, blank=True)
    project_year = models.PositiveSmallIntegerField(
        _("year of the project"), default=1, help_text=_("1 for a new project; 2 or more for a continuing one.")
    )
    problem = models.TextField(_("the local problem (地域課題)"), blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    activities = models.TextField(_("what you will do"), blank=True)
    beneficiaries = models.TextField(_("for whom"), blank=True)
    period = models.CharField(_("when"), max_length=200, blank=True, help_text=_("e.g. 2027年4月〜2028年3月"))
    venue = models.CharField(_("where"), max_length=200, blank=True)
    expected_effects = models.TextField(_("expected effects"), blank=True)
    collaboration_need = models.TextField(
        _("why it needs collaboration (協働の必要性)"),
        blank=True,
        help_text=_("Why the organisation and the city do it better together than apart."),
    )
    exit_strategy = models.TextField(
        _("after the funding ends (出口戦略)"),
        blank=True,
        help_text=_("How the work continues or ends when the city's funding stops."),
    )
    consulted_on = models.DateField(_("date of the advance consultation"), null=True, blank=True)
    consultation_note = models.CharField(
        _("whom you consulted"), max_length=200, blank=True, help_text=_("Section and officer you consulted.")
    )
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact telephone"), max_length=30, blank=True)
    agrees_to_be_named = models.BooleanField(
        _("the organisation and title may be published even if not adopted"),
        default=False,
        help_text=_("Adopted proposals are always published with the results; others only with this consent."),
    )
    # Staff's side: set by the moves of the review workflow, never by the applicant's form.
    revision_due = models.DateField(_("revision due"), null=True, blank=True, editable=False)
    presentation_on = models.DateField(_("public presentation on"), null=True, blank=True, editable=False)
    presentation_result = models.TextField(_("public presentation: result"), blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last saved at"), auto_now=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        indexes = [
            models.Index(fields=["call", "status"], name="proposal_call_status_idx"),
            models.Index(fields=["partner", "-updated_at"], name="proposal_partner_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(project_year__gte=1), name="proposal_project_year_positive"),
            # Only a submitted proposal has a receipt; a draft never has one.
            models.CheckConstraint(
                condition=~Q(status=Status.DRAFT) | Q(first_submitted_at__isnull=True),
                name="proposal_draft_never_submitted",
            ),
        ]

    def __str__(self) -> str:
        return self.title or str(_("(untitled proposal)"))

    def get_absolute_url(self) -> str:
        return reverse("proposals:detail", kwargs={"public_id": self.public_id})

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def display_title(self) -> str:
        return self.title or str(_("(untitled proposal)"))

    @property
    def cap(self) -> int | None:
        """The most the call pays for this proposal, in its year of the project."""
        return self.call.cap_for_year(self.project_year)

    @property
    def can_still_submit(self) -> bool:
        """Whether submitting is still possible in time: before the call's deadline, or a revision's."""
        if self.status == Status.RETURNED:
            return self.revision_due is None or timezone.localdate() <= self.revision_due
        return not self.call.has_closed

    @property
    def can_be_withdrawn(self) -> bool:
        """Until the applicant is told the decision: the call's results are not yet published."""
        return WITHDRAW.allowed_from(self.status) and not (self.status in DECIDED and self.call.results_published)

    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED

    @property
    def status_for_applicant(self) -> str:
        """The status the applicant sees: a decision stays "under review" until the call's results are out."""
        if self.status in HIDDEN_FROM_APPLICANT_UNTIL_PUBLISHED and not self.call.results_published:
            return Status.UNDER_REVIEW
        return self.status

    @property
    def status_for_applicant_display(self) -> str:
        return str(Status(self.status_for_applicant).label)

    @property
    def next_step(self) -> str:
        """What the applicant can expect next, in a sentence."""
        if self.status == Status.DRAFT and self.call.has_closed:
            return str(_("The call has closed: this draft can no longer be submitted."))
        return next_step(self.status_for_applicant)


class ProposalRole(models.Model):
    """One row of the division of roles (役割分担): a task and what each side does for it."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="roles", verbose_name=_("proposal"))
    task = models.CharField(_("task"), max_length=200, blank=True)
    organisation_part = models.TextField(_("what the organisation does"), blank=True)
    city_part = models.TextField(_("what the city does"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("division of roles")
        verbose_name_plural = _("division of roles")

    def __str__(self) -> str:
        return self.task


class ProposalScheduleItem(models.Model):
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="schedule_items", verbose_name=_("proposal")
    )
    when = models.CharField(_("when"), max_length=100, blank=True)
    what = models.CharField(_("what"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("schedule item")
        verbose_name_plural = _("schedule")

    def __str__(self) -> str:
        return f"{self.when} {self.what}"


class ProposalIndicator(models.Model):
    """An indicator of the expected effects, with its target (e.g. 参加者数 100人)."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("proposal")
    )
    name = models.CharField(_("indicator"), max_length=200, blank=True)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name


# 100 billion yen: far above any proposal, and sums of many lines stay within 64-bit integers.
MAX_AMOUNT = 100_000_000_000


class BudgetLine(models.Model):
    """A line of the budget plan (収支計画): income by source, or an expense."""

    class Side(models.TextChoices):
        INCOME = "income", _("Income")
        EXPENSE = "expense", _("Expense")

    class Source(models.TextChoices):
        CITY = "city", _("From the city (委託料・補助金)")
        OWN = "own", _("Own funds (自己資金)")
        FEES = "fees", _("Participation fees")
        GRANTS = "grants", _("Other grants and sponsors")
        OTHER = "other", _("Other income")

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("proposal")
    )
    side = models.CharField(_("income or expense"), max_length=10, choices=Side.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, blank=True)
    item = models.CharField(_("item"), max_length=100, blank=True, help_text=_("e.g. 講師謝礼, 印刷費"))
    note = models.CharField(_("breakdown"), max_length=200, blank=True, help_text=_("e.g. 5,000円×10回"))
    amount = models.PositiveBigIntegerField(
        _("amount (yen)"), null=True, blank=True, validators=[MaxValueValidator(MAX_AMOUNT)]
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["-side", "order", "id"]  # income ("income" > "expense") first
        verbose_name = _("budget line")
        verbose_name_plural = _("budget plan")
        indexes = [models.Index(fields=["proposal", "side"], name="budget_line_proposal_side_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__lte=MAX_AMOUNT), name="budget_line_amount_within_limit")
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.amount or 0:,}"


class ProposalParticipant(models.Model):
    """Another organisation taking part in the proposed project, and its part."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="participants", verbose_name=_("proposal")
    )
    name = models.CharField(_("organisation"), max_length=200, blank=True)
    role = models.CharField(_("its part"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("participating organisation")
        verbose_name_plural = _("participating organisations")

    def __str__(self) -> str:
        return self.name


def attachment_upload_to(instance: "ProposalAttachment", filename: str) -> str:
    return attachment_upload_to_for(instance.proposal, instance.extension)


def attachment_upload_to_for(proposal: "Proposal", extension: str) -> str:
    # The stored name is random; the name the user gave is kept (sanitised) in original_name.
    return f"proposals/{proposal.public_id}/{uuid.uuid4().hex}{extension}"


class ProposalAttachment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("proposal")
    )
    document = models.ForeignKey(
        CallDocument,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("which document"),
    )
    file = models.FileField(_("file"), upload_to=attachment_upload_to, storage=private_storage, max_length=200)
    original_name = models.CharField(_("file name"), max_length=150)
    extension = models.CharField(max_length=10, editable=False)
    content_type = models.CharField(max_length=100, editable=False)
    size = models.PositiveIntegerField(_("size in bytes"), editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse(
            "proposals:attachment",
            kwargs={"public_id": self.proposal.public_id, "attachment_id": self.public_id},
        )


class ProposalRevision(models.Model):
    """What was submitted, exactly as it was: one for every submission, so changes can be compared."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("proposal")
    )
    number = models.PositiveSmallIntegerField(_("revision"))
    content = models.JSONField(_("content"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("submitted by")
    )
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        ordering = ["proposal", "number"]
        verbose_name = _("submitted revision")
        verbose_name_plural = _("submitted revisions")
        constraints = [models.UniqueConstraint(fields=["proposal", "number"], name="proposal_revision_once")]

    def __str__(self) -> str:
        return f"{self.proposal} #{self.number}"


class ProposalEvent(AuditEvent):
    """The audit trail: every move of a proposal, who made it, when, and why."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="events", verbose_name=_("proposal"))
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)

    class Meta(AuditEvent.Meta):
        verbose_name = _("proposal event")
        verbose_name_plural = _("proposal events")
        indexes = [models.Index(fields=["proposal", "created_at"], name="proposal_event_idx")]

    @property
    def action_label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))

    def visible_to_applicant(self, *, results_published: bool) -> bool:
        """Whether the applicant's history shows the event; a decision's moves only once results are out."""
        if self.action in DECISION_EVENTS:
            return results_published
        return self.action in APPLICANT_EVENTS

    @property
    def comment_for_applicant(self) -> str:
        return self.comment if self.action in APPLICANT_COMMENTS else ""


# ----------------------------------------------------------------------------------------------------------
# Review


SCORE_MIN, SCORE_MAX = 1, 5


class CallReviewer(models.Model):
    """A reviewer (審査委員) of a call: city staff or an external member with a portal account."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="reviewers", verbose_name=_("call"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_of", verbose_name=_("reviewer")
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("reviewer")
        verbose_name_plural = _("reviewers")
        constraints = [models.UniqueConstraint(fields=["call", "user"], name="call_reviewer_once")]

    def __str__(self) -> str:
        return f"{self.user} – {self.call}"


class Review(models.Model):
    """One reviewer's review of one proposal: a score per criterion, a recommendation, or a declared conflict."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        CONFLICT = "conflict", _("Conflict of interest declared")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("proposal"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("reviewer")
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.IN_PROGRESS)
    recommendation = models.CharField(_("recommendation"), max_length=20, choices=Outcome.choices, blank=True)
    comment = models.TextField(_("overall comment"), blank=True)
    conflict_note = models.TextField(_("conflict of interest"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last saved at"), auto_now=True)

    class Meta:
        ordering = ["proposal", "id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "reviewer"], name="review_once_per_reviewer"),
            models.CheckConstraint(
                condition=~Q(state="submitted") | (Q(submitted_at__isnull=False) & ~Q(recommendation="")),
                name="review_submitted_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} – {self.proposal}"


class ReviewScore(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores", verbose_name=_("review"))
    # A criterion that has scores stays (services.call_save refuses to change it once reviewers scored).
    criterion = models.ForeignKey(
        CallCriterion, on_delete=models.PROTECT, related_name="scores", verbose_name=_("criterion")
    )
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["criterion__order", "criterion_id"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="review_score_once"),
            models.CheckConstraint(
                condition=Q(score__gte=SCORE_MIN) & Q(score__lte=SCORE_MAX), name="review_score_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class StaffNote(models.Model):
    """An internal note on a proposal: staff and reviewers' working notes that applicants never see."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="staff_notes", verbose_name=_("proposal")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")

    def __str__(self) -> str:
        return self.body[:40]


class Decision(models.Model):
    """The decision on a proposal: proposed by an officer with public reasons, approved by someone else.

    One per proposal. Sent back by the approver, it is proposed again (the same row, changed); the
    history of the moves is in the proposal's events.
    """

    proposal = models.OneToOneField(
        Proposal, on_delete=models.CASCADE, related_name="decision", verbose_name=_("proposal")
    )
    outcome = models.CharField(_("decision"), max_length=20, choices=Outcome.choices)
    public_reasons = models.TextField(
        _("reasons (published)"), help_text=_("Published with the results and shown to the applicant.")
    )
    conditions = models.TextField(
        _("conditions"), blank=True, help_text=_("For a conditional adoption: e.g. that the budget passes.")
    )
    amount = models.PositiveBigIntegerField(
        _("amount granted (yen)"), null=True, blank=True, validators=[MaxValueValidator(MAX_AMOUNT)]
    )
    internal_note = models.TextField(_("internal note"), blank=True, help_text=_("Never shown to the applicant."))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            # The four-eyes rule, kept by the database too.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("proposed_by")),
                name="decision_approver_not_proposer",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True, approved_at__isnull=True)
                | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="decision_approval_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal}: {self.get_outcome_display()}"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


# ----------------------------------------------------------------------------------------------------------
# Agreement (協定書)


class ProposalAgreement(models.Model):
    """The agreement (協定書) drawn up from an adopted proposal; signed, it makes the proposal a project."""

    proposal = models.OneToOneField(
        Proposal, on_delete=models.PROTECT, related_name="agreement", verbose_name=_("proposal")
    )
    city_party = models.CharField(_("the city's party (甲)"), max_length=200, help_text=_("e.g. 川崎市中原区長 ○○○○"))
    partner_party = models.CharField(
        _("the organisation's party (乙)"), max_length=200, help_text=_("The organisation and its representative.")
    )
    purpose = models.TextField(_("purpose"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    cost_sharing = models.TextField(_("cost sharing"))
    information_sharing = models.TextField(_("information sharing"))
    disclosure = models.TextField(_("disclosure"))
    changes_termination = models.TextField(_("changes and termination"))
    evaluation = models.TextField(_("joint evaluation"))
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    project = models.OneToOneField(
        Project,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposal_agreement",
        verbose_name=_("project"),
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("agreement (協定書)")
        verbose_name_plural = _("agreements (協定書)")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="proposal_agreement_period_order",
                violation_error_message=_("The period must end after it starts."),
            )
        ]

    def __str__(self) -> str:
        return str(_("Agreement: %(title)s") % {"title": self.proposal.title})

    @property
    def is_signed(self) -> bool:
        return self.signed_on is not None
