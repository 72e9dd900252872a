"""Collaboration projects (協働事業): what was done, by whom, in which form and scheme, and how it went."""

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kyodo_portal.text import localized
from partners.models import ActivityField, Department, LocalizedNameMixin, Municipality, Partner, Ward


class CollaborationForm(LocalizedNameMixin):
    """A form of collaboration (協働の形態), e.g. 委託・請負 or 事業協力: data an administrator extends."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("form of collaboration")
        verbose_name_plural = _("forms of collaboration")


class Scheme(LocalizedNameMixin):
    """A scheme (制度) a project runs under: 協働型事業, a ward's proposal scheme, 市民自主学級 …"""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="schemes",
        verbose_name=_("municipality"),
    )
    description = models.TextField(_("description"), blank=True)
    accepts_proposals = models.BooleanField(
        _("runs open calls"),
        default=False,
        help_text=_("Groups propose to this scheme through open calls (募集) on the portal."),
    )
    sort_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("scheme")
        verbose_name_plural = _("schemes")


class Agreement(models.Model):
    """A comprehensive partnership agreement (包括協定) or another agreement projects can run under."""

    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=250, blank=True)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="agreements", verbose_name=_("municipality")
    )
    parties = models.ManyToManyField(Partner, related_name="agreements", verbose_name=_("parties"))
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return localized(self.title, self.title_en)


# Kept by name: services write one history entry per edit, relations included (see project_save).
project_history = HistoricalRecords(
    m2m_fields=["forms", "fields", "wards"],
    excluded_fields=["search_document", "search_grams", "sort_key", "updated_at", "creation_token"],
)


class ProjectQuerySet(models.QuerySet):
    def published(self) -> "ProjectQuerySet":
        return self.filter(is_published=True)

    def with_list_relations(self) -> "ProjectQuerySet":
        return self.select_related("scheme", "municipality", "responsible_department").prefetch_related(
            "forms", "wards", models.Prefetch("parties", queryset=ProjectParty.objects.select_related("partner"))
        )


class Project(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")

    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=250, blank=True)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="projects", verbose_name=_("municipality")
    )
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="projects", verbose_name=_("scheme"))
    forms = models.ManyToManyField(
        CollaborationForm,
        blank=True,
        related_name="projects",
        verbose_name=_("forms of collaboration"),
        help_text=_("Leave empty only where the source does not say."),
    )
    fields = models.ManyToManyField(
        ActivityField, blank=True, related_name="projects", verbose_name=_("fields of activity")
    )
    wards = models.ManyToManyField(Ward, blank=True, related_name="projects", verbose_name=_("wards"))
    is_citywide = models.BooleanField(_("the whole city"), default=False)
    other_municipalities = models.ManyToManyField(
        Municipality,
        blank=True,
        related_name="joint_projects",
        verbose_name=_("other municipalities"),
        help_text=_("For projects run together with other municipalities (e.g. 多摩六都)."),
    )
    responsible_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("responsible department"),
        help_text=_("Empty for collaboration between citizens, companies and groups without the city (民民連携)."),
    )
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("agreement it runs under"),
    )
    problem = models.TextField(_("problem (課題)"))
    activities = models.TextField(_("what was done (取組内容)"))
    outcomes = models.TextField(_("outcomes"), blank=True)
    amount = models.PositiveBigIntegerField(_("amount (yen)"), null=True, blank=True)
    amount_label = models.CharField(
        _("what the amount is"), max_length=50, blank=True, help_text=_("e.g. 委託料, 補助金")
    )
    fiscal_year_start = models.PositiveSmallIntegerField(_("first fiscal year"), null=True, blank=True)
    fiscal_year_end = models.PositiveSmallIntegerField(_("last fiscal year"), null=True, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    source = models.CharField(_("source"), max_length=300, blank=True, help_text=_("Where the facts come from (出典)."))
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    # Set from the "new project" form: a second submission of the same form finds this project
    # instead of creating another (a double click creates one record).
    creation_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    is_synthetic = models.BooleanField(
        _("synthetic benchmark data"), default=False, editable=False, help_text=_("Generated, not real.")
    )

    sort_key = models.CharField(max_length=200, editable=False, default="", db_index=True)
    search_document = models.TextField(editable=False, default="")
    search_grams = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = project_history
    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-fiscal_year_start", "sort_key", "id"]
        verbose_name = _("collaboration project")
        verbose_name_plural = _("collaboration projects")
        indexes = [
            models.Index(fields=["is_published", "-fiscal_year_start", "sort_key"], name="project_list_idx"),
            models.Index(fields=["is_published", "status"], name="project_status_idx"),
            models.Index(fields=["is_published", "scheme"], name="project_scheme_idx"),
            models.Index(fields=["is_published", "amount"], name="project_amount_idx"),
            models.Index(fields=["fiscal_year_start", "fiscal_year_end"], name="project_fy_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fiscal_year_end__isnull=True)
                | models.Q(fiscal_year_start__isnull=True)
                | models.Q(fiscal_year_end__gte=models.F("fiscal_year_start")),
                name="project_fiscal_years_in_order",
                violation_error_message=_("The last fiscal year comes before the first."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", kwargs={"pk": self.pk})

    @property
    def display_title(self) -> str:
        return localized(self.title, self.title_en)

    @property
    def fiscal_years(self) -> list[int]:
        if self.fiscal_year_start is None:
            return []
        return list(range(self.fiscal_year_start, (self.fiscal_year_end or self.fiscal_year_start) + 1))

    def clean(self) -> None:
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date comes before the start date.")
        if self.fiscal_year_end and not self.fiscal_year_start:
            errors["fiscal_year_start"] = _("Give the first fiscal year too.")
        for name in ("fiscal_year_start", "fiscal_year_end"):
            value = getattr(self, name)
            if value is not None and not 1950 <= value <= 2100:
                errors[name] = _("Enter a fiscal year between 1950 and 2100.")
        if self.responsible_department_id and self.responsible_department.municipality_id != self.municipality_id:
            errors["responsible_department"] = _("The department belongs to another municipality.")
        if errors:
            raise ValidationError(errors)


class ProjectParty(models.Model):
    """A party to a project and what it does (役割分担); the city's departments are parties like any other."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="parties", verbose_name=_("project"))
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="project_parties", verbose_name=_("partner")
    )
    role = models.TextField(_("role"), blank=True)
    is_lead = models.BooleanField(_("lead"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("party")
        verbose_name_plural = _("parties and their roles")
        constraints = [models.UniqueConstraint(fields=["project", "partner"], name="projects_party_once")]

    def __str__(self) -> str:
        return f"{self.project} – {self.partner}"


class OutcomeIndicator(models.Model):
    """An outcome indicator (e.g. 受講者数 54名); planned and actual values feed the evaluations."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("project"))
    name = models.CharField(_("indicator"), max_length=200)
    planned_value = models.DecimalField(_("planned"), max_digits=14, decimal_places=2, null=True, blank=True)
    actual_value = models.DecimalField(_("actual"), max_digits=14, decimal_places=2, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("outcome indicator")
        verbose_name_plural = _("outcome indicators")

    def __str__(self) -> str:
        return self.name


def photo_upload_to(instance: "ProjectPhoto", filename: str) -> str:
    return f"projects/photos/{filename}"


def attachment_upload_to(instance: "ProjectAttachment", filename: str) -> str:
    return f"projects/attachments/{filename}"


class ProjectPhoto(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="photos", verbose_name=_("project"))
    image = models.ImageField(_("photo"), upload_to=photo_upload_to)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=photo_upload_to, editable=False)
    alt_text = models.CharField(
        _("text alternative"), max_length=200, help_text=_("What the photo shows, for people who cannot see it.")
    )
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.alt_text


class ProjectAttachment(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("project")
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("PDF file"), upload_to=attachment_upload_to, validators=[FileExtensionValidator(["pdf"])])
    size = models.PositiveIntegerField(_("size in bytes"), default=0, editable=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.title
