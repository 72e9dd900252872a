"""The city-wide collaboration window (全市的な協働・連携の推進窓口): proposals, their referrals and their trail."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kyodo_portal.models import AuditEvent
from partners.models import ActivityField, Department, Municipality, Partner, Ward
from proposals.models import private_storage
from window.workflow import (
    ACTIVE_REFERRAL,
    EDITABLE,
    EVENT_LABELS,
    FINAL_ANSWERS,
    NEXT_STEP,
    TRAIL_LABELS,
    Kind,
    ReferralStatus,
    Status,
)


class Window(models.Model):
    """A municipality's one window for collaboration, run by one department, with its service standards."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.PROTECT, related_name="collaboration_window", verbose_name=_("municipality")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("department running the window"),
        help_text=_("Its staff (and the staff above it) acknowledge and route the proposals."),
    )
    is_open = models.BooleanField(_("accepting proposals"), default=True)
    acknowledge_working_days = models.PositiveSmallIntegerField(
        _("working days to acknowledge"), default=5, help_text=_("Weekends, national holidays and 12/29–1/3 excluded.")
    )
    route_working_days = models.PositiveSmallIntegerField(_("working days to route after acknowledging"), default=5)
    answer_days = models.PositiveSmallIntegerField(
        _("days for a department to answer"),
        default=30,
        help_text=_("Calendar days from routing; a deadline on a closed day moves to the next working day."),
    )
    reminder_working_days = models.PositiveSmallIntegerField(
        _("remind this many working days before a deadline"), default=3
    )
    escalation_working_days = models.PositiveSmallIntegerField(
        _("escalate after this many working days overdue"),
        default=5,
        help_text=_("The approvers of the department and the window are told."),
    )

    class Meta:
        verbose_name = _("collaboration window")
        verbose_name_plural = _("collaboration windows")

    def __str__(self) -> str:
        return f"{self.municipality} – {self.department}"


def window_attachment_name(proposal: "WindowProposal", extension: str) -> str:
    # The stored name is random; the name the user gave is kept (sanitised) in original_name.
    return f"window/{proposal.public_id}/{uuid.uuid4().hex}{extension}"


class WindowProposalQuerySet(models.QuerySet):
    def with_list_relations(self) -> "WindowProposalQuerySet":
        return self.select_related("partner", "window__department").prefetch_related(
            models.Prefetch("referrals", queryset=Referral.objects.select_related("department__parent"))
        )

    def public(self) -> "WindowProposalQuerySet":
        from window.workflow import PUBLISHABLE

        return self.filter(public_consent=True, withheld=False, status__in=PUBLISHABLE)


class WindowProposal(models.Model):
    """A free-form collaboration proposal or consultation to the window (協働・連携の提案・相談)."""

    CONTENT_FIELDS = ("kind", "title", "problem", "offer", "ask", "prior_contact", "citywide")
    REQUIRED_FOR_SUBMISSION = ("title", "problem", "offer", "ask", "contact_name")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    window = models.ForeignKey(Window, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("window"))
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="window_proposals", verbose_name=_("organisation")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    creation_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PROPOSAL)
    title = models.CharField(_("title"), max_length=150, blank=True)
    problem = models.TextField(
        _("the problem (課題)"),
        blank=True,
        help_text=_("What problem of the city or its people do you want to address?"),
    )
    offer = models.TextField(
        _("what your organisation offers"),
        blank=True,
        help_text=_("Your experience, people, places, funds or know-how you bring in."),
    )
    ask = models.TextField(
        _("what you ask of the city"), blank=True, help_text=_("A partner department, a venue, publicity, funds …")
    )
    wards = models.ManyToManyField(Ward, blank=True, related_name="+", verbose_name=_("wards it touches"))
    citywide = models.BooleanField(_("the whole city"), default=False)
    activity_fields = models.ManyToManyField(
        ActivityField, blank=True, related_name="+", verbose_name=_("fields it touches")
    )
    prior_contact = models.TextField(
        _("departments you have already talked to"),
        blank=True,
        help_text=_("Optional: who you talked to and what they said."),
    )
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("telephone"), max_length=30, blank=True)
    public_consent = models.BooleanField(
        _("publish the proposal and the city's answers"),
        default=False,
        help_text=_(
            "With your consent the title, the text and the departments' answers are shown at /window/ once the "
            "window has acknowledged it. Your contact details never are."
        ),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # NULL, not "": drafts have no number and must not clash under the uniqueness below.
    receipt_number = models.CharField(_("receipt number"), max_length=20, null=True, blank=True)  # noqa: DJ001
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year received"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("received at"), null=True, blank=True)
    acknowledge_due = models.DateField(_("to be acknowledged by"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    route_due = models.DateField(_("to be routed by"), null=True, blank=True)
    routed_at = models.DateTimeField(_("first routed at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withheld = models.BooleanField(_("withheld from the public page"), default=False)
    withheld_reason = models.TextField(_("why it is withheld"), blank=True)
    edit_version = models.PositiveIntegerField(default=0, editable=False)
    search_document = models.TextField(editable=False, default="")
    search_grams = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = WindowProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-created_at", "id"]
        verbose_name = _("window proposal")
        verbose_name_plural = _("window proposals")
        indexes = [
            models.Index(fields=["status", "acknowledge_due"], name="window_prop_status_idx"),
            models.Index(fields=["fiscal_year", "status"], name="window_prop_year_idx"),
            models.Index(
                fields=["-submitted_at"],
                condition=Q(public_consent=True, withheld=False),
                name="window_prop_public_idx",
            ),
            models.Index(fields=["partner", "-updated_at"], name="window_prop_partner_idx"),
        ]
        constraints = [
            # Each window numbers its own receipts (one per municipality): a number is unique within it.
            models.UniqueConstraint(fields=["window", "receipt_number"], name="window_receipt_number_once"),
        ]

    def __str__(self) -> str:
        return self.title or str(_("(untitled)"))

    def get_absolute_url(self) -> str:
        return reverse("window:detail", kwargs={"public_id": self.public_id})

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def next_step(self) -> str:
        text = str(NEXT_STEP.get(self.status, ""))
        return text % {"days": self.window.acknowledge_working_days} if "%(days)s" in text else text

    def acknowledgement_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status == Status.SUBMITTED and self.acknowledge_due is not None and today > self.acknowledge_due

    def routing_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status == Status.ACKNOWLEDGED and self.route_due is not None and today > self.route_due


class WindowAttachment(models.Model):
    """A file sent with a proposal, checked like a call proposal's (type by content, size, safe name)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    proposal = models.ForeignKey(
        WindowProposal, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("proposal")
    )
    file = models.FileField(_("file"), storage=private_storage, max_length=200)
    original_name = models.CharField(_("file name"), max_length=150)
    extension = models.CharField(max_length=10)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("window attachment")
        verbose_name_plural = _("window attachments")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse(
            "window:attachment", kwargs={"public_id": self.proposal.public_id, "attachment_id": self.public_id}
        )


class Referral(models.Model):
    """The proposal routed to one department (所管部署), which owns it until it answers."""

    proposal = models.ForeignKey(
        WindowProposal, on_delete=models.CASCADE, related_name="referrals", verbose_name=_("proposal")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="window_referrals", verbose_name=_("department")
    )
    status = models.CharField(_("status"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.OPEN)
    note = models.TextField(_("note for the department"), blank=True)
    routed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    routed_at = models.DateTimeField(_("routed at"), default=timezone.now)
    due_on = models.DateField(_("answer due"))
    # Set while the department waits for the proposer; the days waited are added to the deadline on reply.
    waiting_since = models.DateField(null=True, blank=True)
    days_waited = models.PositiveIntegerField(default=0, editable=False)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    passed_from = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="passed_to",
        verbose_name=_("passed on from"),
    )
    # What an accepted proposal became (filled in later by the department).
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("project"),
    )
    call = models.ForeignKey(
        "proposals.Call", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("call")
    )
    follow_up = models.TextField(_("what became of it"), blank=True)

    class Meta:
        ordering = ["routed_at", "id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["department", "status", "due_on"], name="window_referral_dept_idx"),
            models.Index(fields=["status", "due_on"], name="window_referral_due_idx"),
        ]
        constraints = [
            # A department holds a proposal once at a time: routing it twice (a double click, two window
            # officers at once) cannot give it two open referrals.
            models.UniqueConstraint(
                fields=["proposal", "department"],
                condition=Q(status__in=["open", "info_requested"]),
                name="window_referral_active_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal} → {self.department}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_REFERRAL

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_ANSWERS

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status == ReferralStatus.OPEN and today > self.due_on

    def days_overdue(self, today=None) -> int:
        today = today or timezone.localdate()
        return max(0, (today - self.due_on).days) if self.status == ReferralStatus.OPEN else 0

    @property
    def answered_in_time(self) -> bool | None:
        """Whether the final answer came by the deadline (None while there is none)."""
        if self.answered_at is None or not self.is_final:
            return None
        return timezone.localtime(self.answered_at).date() <= self.due_on


class WindowEvent(AuditEvent):
    """The audit trail: every move of a proposal or of one of its referrals, who made it, when, and why."""

    proposal = models.ForeignKey(WindowProposal, on_delete=models.CASCADE, related_name="events")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, null=True, blank=True, related_name="events")

    class Meta(AuditEvent.Meta):
        verbose_name = _("window event")
        verbose_name_plural = _("window events")
        indexes = [models.Index(fields=["proposal", "created_at"], name="window_event_idx")]

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))

    @property
    def trail_label(self) -> str:
        return str(TRAIL_LABELS.get(self.action, self.label))


class WindowReminder(models.Model):
    """A reminder sent once: its key names the item, the stage and the deadline it was sent for."""

    key = models.CharField(max_length=120, unique=True)
    proposal = models.ForeignKey(WindowProposal, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("window reminder")
        verbose_name_plural = _("window reminders")

    def __str__(self) -> str:
        return self.key
