"""The city's structure and the partners (担い手) that collaborate with it and with each other."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kyodo_portal.text import localized, normalize, tidy_line
from partners.validators import (
    municipality_corporate_number,
    normalize_corporate_number,
    normalize_local_government_code,
    validate_corporate_number,
    validate_local_government_code,
)


class LocalizedNameMixin(models.Model):
    """Reference data named in Japanese, with an English name for the English interface."""

    name = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return localized(self.name, self.name_en)


class Municipality(LocalizedNameMixin):
    code = models.CharField(
        _("local government code"),
        max_length=6,
        unique=True,
        validators=[validate_local_government_code],
        help_text=_("全国地方公共団体コード, six digits with the check digit, e.g. 141305 for Kawasaki."),
    )
    prefecture = models.CharField(_("prefecture"), max_length=10)

    class Meta:
        ordering = ["code"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def clean(self) -> None:
        self.code = normalize_local_government_code(self.code)

    @property
    def corporate_number(self) -> str:
        return municipality_corporate_number(self.code)


class Ward(LocalizedNameMixin):
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="wards", verbose_name=_("municipality")
    )
    code = models.CharField(
        _("local government code"), max_length=6, unique=True, validators=[validate_local_government_code]
    )
    sort_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        ordering = ["municipality", "sort_order", "code"]
        verbose_name = _("ward")
        verbose_name_plural = _("wards")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="partners_ward_unique_name"),
        ]

    def clean(self) -> None:
        self.code = normalize_local_government_code(self.code)


class Department(LocalizedNameMixin):
    """A bureau (局), ward office (区役所), division (部), section (課) or office (室) of a municipality."""

    class Kind(models.TextChoices):
        BUREAU = "bureau", _("Bureau (局)")
        WARD_OFFICE = "ward_office", _("Ward office (区役所)")
        DIVISION = "division", _("Division (部)")
        SECTION = "section", _("Section (課・室)")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="departments", verbose_name=_("municipality")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent department"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    ward = models.ForeignKey(
        Ward,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="departments",
        verbose_name=_("ward"),
        help_text=_("For a ward office and its sections."),
    )
    sort_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        ordering = ["municipality", "sort_order", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "parent", "name"], name="partners_department_unique_name"),
            models.UniqueConstraint(
                fields=["municipality", "name"],
                condition=Q(parent__isnull=True),
                name="partners_department_unique_top_name",
            ),
        ]

    def clean(self) -> None:
        if self.parent_id and self.parent.municipality_id != self.municipality_id:
            raise ValidationError({"parent": _("The parent department belongs to another municipality.")})
        if self.ward_id and self.ward.municipality_id != self.municipality_id:
            raise ValidationError({"ward": _("The ward belongs to another municipality.")})
        if self.kind == self.Kind.WARD_OFFICE and not self.ward_id:
            raise ValidationError({"ward": _("A ward office needs its ward.")})


class PartnerType(LocalizedNameMixin):
    """A kind of partner (NPO法人, 任意団体, 大学, 企業, 町内会・自治会 …), as data an administrator extends."""

    class CorporateNumber(models.TextChoices):
        REQUIRED = "required", _("Required")
        OPTIONAL = "optional", _("Optional")
        NONE = "none", _("Not applicable")

    class Kind(models.TextChoices):
        ORGANISATION = "organisation", _("Organisation")
        MUNICIPALITY = "municipality", _("Municipality")
        DEPARTMENT = "department", _("Department of the city")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    corporate_number_policy = models.CharField(
        _("corporate number (法人番号)"),
        max_length=10,
        choices=CorporateNumber.choices,
        default=CorporateNumber.OPTIONAL,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ORGANISATION)
    sort_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("partner type")
        verbose_name_plural = _("partner types")


class ActivityField(LocalizedNameMixin):
    """A field of activity; the 20 fields of the NPO law (特定非営利活動促進法 別表) to begin with."""

    legal_name = models.CharField(_("name in the law"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("field of activity")
        verbose_name_plural = _("fields of activity")
        constraints = [models.UniqueConstraint(fields=["name"], name="partners_activityfield_unique_name")]


def logo_upload_to(instance: "Partner", filename: str) -> str:
    # The processed logo is always re-encoded, so the user's file name never reaches the disk.
    return f"partners/logos/{filename}"


# Kept by name: services write one history entry per edit, relations included (see partner_save_from_form).
partner_history = HistoricalRecords(
    m2m_fields=["wards", "fields"],
    excluded_fields=["search_document", "search_grams", "sort_key", "updated_at"],
)


class PartnerQuerySet(models.QuerySet):
    def public(self) -> "PartnerQuerySet":
        return self.filter(is_public=True)

    def verified(self) -> "PartnerQuerySet":
        return self.filter(verified_at__isnull=False)

    def with_list_relations(self) -> "PartnerQuerySet":
        return self.select_related("partner_type", "municipality").prefetch_related("fields", "wards")


class Partner(models.Model):
    """Any party to collaboration: a civic group, company, university, association or the city itself."""

    partner_type = models.ForeignKey(
        PartnerType, on_delete=models.PROTECT, related_name="partners", verbose_name=_("type")
    )
    name = models.CharField(_("name"), max_length=200)
    name_kana = models.CharField(
        _("name in kana"), max_length=200, blank=True, help_text=_("フリガナ, used for sorting.")
    )
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="partners",
        verbose_name=_("municipality"),
        help_text=_("The municipality whose directory lists this partner."),
    )
    wards = models.ManyToManyField(Ward, blank=True, related_name="partners", verbose_name=_("wards it works in"))
    works_citywide = models.BooleanField(_("works across the whole city"), default=False)
    fields = models.ManyToManyField(
        ActivityField, blank=True, related_name="partners", verbose_name=_("fields of activity")
    )
    department = models.OneToOneField(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner",
        verbose_name=_("department"),
        help_text=_("For a partner that is a department of the city."),
    )
    represented_municipality = models.OneToOneField(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="as_partner",
        verbose_name=_("municipality it represents"),
        help_text=_("For a partner that is a municipality (e.g. 世田谷区)."),
    )
    corporate_number = models.CharField(
        _("corporate number (法人番号)"), max_length=13, blank=True, validators=[validate_corporate_number]
    )
    description = models.TextField(_("description"), blank=True)
    founded_year = models.PositiveSmallIntegerField(_("year founded"), null=True, blank=True)
    website = models.URLField(_("website"), blank=True)
    logo = models.ImageField(_("logo"), upload_to=logo_upload_to, blank=True)

    public_contact_name = models.CharField(_("contact person (public)"), max_length=100, blank=True)
    public_email = models.EmailField(_("e-mail (public)"), blank=True)
    public_phone = models.CharField(_("telephone (public)"), max_length=30, blank=True)
    public_address = models.CharField(_("address (public)"), max_length=200, blank=True)

    representative_name = models.CharField(_("representative (private)"), max_length=100, blank=True)
    private_email = models.EmailField(_("e-mail (private)"), blank=True)
    private_phone = models.CharField(_("telephone (private)"), max_length=30, blank=True)
    private_address = models.CharField(_("address (private)"), max_length=200, blank=True)

    is_public = models.BooleanField(_("shown in the public directory"), default=True, db_index=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True, editable=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("verified by"),
    )

    sort_key = models.CharField(max_length=200, editable=False, db_index=True)
    name_key = models.CharField(max_length=200, editable=False, db_index=True, default="")
    search_document = models.TextField(editable=False, default="")
    search_grams = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = partner_history
    objects = PartnerQuerySet.as_manager()

    class Meta:
        ordering = ["sort_key", "id"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.UniqueConstraint(
                fields=["corporate_number"],
                condition=~Q(corporate_number=""),
                name="partners_partner_unique_corporate_number",
                violation_error_code="duplicate",
                violation_error_message=_("This corporate number is already registered for another partner."),
            ),
        ]
        indexes = [
            models.Index(fields=["partner_type", "sort_key"], name="partner_type_sort_idx"),
            models.Index(fields=["-created_at"], name="partner_created_idx"),
            models.Index(fields=["verified_at"], name="partner_verified_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.sort_key = kana_sort_key(self.name_kana or self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"name", "name_kana"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "sort_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("partners:detail", kwargs={"pk": self.pk})

    @property
    def display_name(self) -> str:
        """The English name in the English interface where there is one; the Japanese name otherwise."""
        return localized(self.name, self.name_en)

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def display_corporate_number(self) -> str:
        if self.corporate_number:
            return self.corporate_number
        if self.represented_municipality_id:
            return self.represented_municipality.corporate_number
        return ""

    def clean(self) -> None:
        # Names are kept as typed (全角 and all); comparisons use name_key, which is normalised.
        self.name = tidy_line(self.name)
        self.name_kana = tidy_line(self.name_kana)
        self.corporate_number = normalize_corporate_number(self.corporate_number)
        errors: dict[str, list] = {}
        partner_type = self.partner_type if self.partner_type_id else None
        if partner_type is not None:
            if partner_type.kind == PartnerType.Kind.MUNICIPALITY and self.represented_municipality_id:
                # A local government's number follows from its code: fill it in, refuse a different one.
                expected = self.represented_municipality.corporate_number
                if not self.corporate_number:
                    self.corporate_number = expected
                elif self.corporate_number != expected:
                    errors.setdefault("corporate_number", []).append(
                        _("The corporate number of %(name)s is %(number)s.")
                        % {"name": self.represented_municipality.name, "number": expected}
                    )
            policy = partner_type.corporate_number_policy
            # The city verifies a record against the National Tax Agency's register, so a type that has
            # a 法人番号 needs it to be verified; an unverified record may still lack it.
            if policy == PartnerType.CorporateNumber.REQUIRED and not self.corporate_number and self.is_verified:
                errors.setdefault("corporate_number", []).append(
                    _("A verified %(type)s needs its corporate number (法人番号); enter it.")
                    % {"type": partner_type.name}
                )
            if policy == PartnerType.CorporateNumber.NONE and self.corporate_number:
                errors.setdefault("corporate_number", []).append(
                    _("A %(type)s has no corporate number; leave it empty.") % {"type": partner_type.name}
                )
            if partner_type.kind == PartnerType.Kind.DEPARTMENT and not self.department_id:
                errors.setdefault("department", []).append(_("Choose the department this partner is."))
            if partner_type.kind != PartnerType.Kind.DEPARTMENT and self.department_id:
                errors.setdefault("department", []).append(_("Only a department of the city has one."))
            if partner_type.kind == PartnerType.Kind.MUNICIPALITY and not self.represented_municipality_id:
                errors.setdefault("represented_municipality", []).append(_("Choose the municipality."))
            if partner_type.kind != PartnerType.Kind.MUNICIPALITY and self.represented_municipality_id:
                errors.setdefault("represented_municipality", []).append(
                    _("Only a partner of the municipality type represents one.")
                )
        if self.department_id and self.municipality_id and self.department.municipality_id != self.municipality_id:
            errors.setdefault("department", []).append(_("The department belongs to another municipality."))
        # Like Django's own field checks, leave out fields the caller excluded: a form that already
        # rejected a field, or that does not have it, must not get a second message about it.
        excluded = getattr(self, "_clean_exclude", set())
        errors = {name: messages for name, messages in errors.items() if name not in excluded}
        if errors:
            raise ValidationError(errors)

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True) -> None:
        self._clean_exclude = set(exclude or ())
        try:
            super().full_clean(exclude, validate_unique, validate_constraints)
        finally:
            del self._clean_exclude


def kana_sort_key(text: str) -> str:
    """Sort by reading: NFKC, then katakana folded to hiragana so ア and あ sort together."""
    folded = normalize(text)
    return "".join(chr(ord(char) - 0x60) if "ァ" <= char <= "ヶ" else char for char in folded)[:200]


class StaffAssignment(models.Model):
    """A member of city staff working for a department; the work covers the departments below it too."""

    class Role(models.TextChoices):
        OFFICER = "officer", _("Officer (担当職員)")
        APPROVER = "approver", _("Approver (決裁者)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_assignments",
        verbose_name=_("user"),
    )
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="staff_assignments", verbose_name=_("department")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OFFICER)

    class Meta:
        verbose_name = _("staff assignment")
        verbose_name_plural = _("staff assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "department", "role"], name="partners_staff_assignment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.department} ({self.get_role_display()})"


def departments_served_by(user, role: str | None = None) -> models.QuerySet:
    """The departments a member of staff works for (in a role, or in any): their assignments and those below."""
    if not user.is_authenticated:
        return Department.objects.none()
    assignments = user.staff_assignments.all()
    if role is not None:
        assignments = assignments.filter(role=role)
    return departments_under(assignments.values("department_id"))


def departments_above(department: "Department") -> list[int]:
    """The department's id and those of the departments above it (課 → 部 → 局, three levels)."""
    ids = [department.pk, department.parent_id]
    if department.parent_id:
        ids.append(department.parent.parent_id)
    return [pk for pk in ids if pk]


def staff_serving(department: "Department", role: str | None = None) -> models.QuerySet:
    """The active staff who serve a department (in a role, or in any): assigned to it or to one above it."""
    from accounts.models import User  # accounts depends on partners: imported when used

    assignments = StaffAssignment.objects.filter(department_id__in=departments_above(department))
    if role is not None:
        assignments = assignments.filter(role=role)
    return User.objects.filter(is_active=True, pk__in=assignments.values("user_id"))


def departments_under(department_ids) -> models.QuerySet:
    """The departments with these ids and every department below them (局 → 部 → 課, three levels)."""
    return Department.objects.filter(
        Q(pk__in=department_ids) | Q(parent__in=department_ids) | Q(parent__parent__in=department_ids)
    )


class MembershipQuerySet(models.QuerySet):
    def active(self) -> "MembershipQuerySet":
        return self.filter(status=Membership.Status.ACTIVE)

    def pending(self) -> "MembershipQuerySet":
        return self.filter(status=Membership.Status.PENDING)


class Membership(models.Model):
    """A user's place in an organisation: its representative (代表者) or a member of staff (担当者).

    A user may belong to several organisations. A request to join stays pending until the
    organisation's representative or an administrator approves it.
    """

    class Role(models.TextChoices):
        REPRESENTATIVE = "representative", _("Representative (代表者)")
        STAFF = "staff", _("Staff member (担当者)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Asked to join")
        ACTIVE = "active", _("Member")
        DECLINED = "declined", _("Declined")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.STAFF)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(_("message with the request"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)

    # Who approved, declined, changed a role or removed a member, and when: the services set the author.
    history = HistoricalRecords()
    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["partner", "-role", "created_at"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "partner"], name="partners_membership_once"),
        ]
        indexes = [models.Index(fields=["partner", "status"], name="membership_partner_status_idx")]

    def __str__(self) -> str:
        return f"{self.user} – {self.partner} ({self.get_role_display()})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_representative(self) -> bool:
        return self.is_active and self.role == self.Role.REPRESENTATIVE
