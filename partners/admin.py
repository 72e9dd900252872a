"""Administration of the city structure and partner records: edit, verify, search, history, CSV."""

import rules
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from kyodo_portal.search import apply_search
from partners import csv_io, services
from partners.forms import PartnerCsvUploadForm, PartnerForm
from partners.models import ActivityField, Department, Membership, Municipality, Partner, PartnerType, Ward
from partners.validators import normalize_corporate_number


def refresh_renamed(obj, form, change) -> None:
    if change and "name" in form.changed_data:
        services.reference_renamed(instance=obj)


class SearchedReferenceAdmin(admin.ModelAdmin):
    """Admin of reference data whose names are part of partners' search text (fields, wards)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        refresh_renamed(obj, form, change)

    def delete_model(self, request, obj):
        services.reference_delete(instance=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.reference_delete(instance=obj)


class WardInline(admin.TabularInline):
    model = Ward
    extra = 0


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "prefecture")
    search_fields = ("name", "code")
    inlines = [WardInline]

    def save_formset(self, request, form, formset, change):
        # Ward names edited or deleted here are part of their partners' search text, as in WardAdmin.
        affected = {
            partner_id
            for ward_form in formset.initial_forms
            if ward_form in formset.deleted_forms or "name" in ward_form.changed_data
            for partner_id in services.partners_of(ward_form.instance)
        }
        super().save_formset(request, form, formset, change)
        services.partners_refresh_ids(list(affected))


@admin.register(Ward)
class WardAdmin(SearchedReferenceAdmin):
    list_display = ("name", "code", "municipality", "sort_order")
    list_filter = ("municipality",)
    search_fields = ("name", "code")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "parent", "ward", "municipality")
    list_filter = ("municipality", "kind", "ward")
    list_select_related = ("parent", "ward", "municipality")
    search_fields = ("name", "name_en")
    autocomplete_fields = ("parent",)


@admin.register(PartnerType)
class PartnerTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "corporate_number_policy", "kind", "sort_order")
    list_editable = ("sort_order",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        refresh_renamed(obj, form, change)


@admin.register(ActivityField)
class ActivityFieldAdmin(SearchedReferenceAdmin):
    list_display = ("name", "legal_name", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")
    search_fields = ("name", "legal_name")


class VerifiedFilter(admin.SimpleListFilter):
    title = _("verification")
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return [("yes", _("Verified")), ("no", _("Not verified"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.verified()
        if self.value() == "no":
            return queryset.filter(verified_at__isnull=True)
        return queryset


@admin.register(Partner)
class PartnerAdmin(SimpleHistoryAdmin):
    form = PartnerForm
    list_display = ("name", "partner_type", "municipality", "is_verified_display", "is_public", "updated_at")
    list_filter = (VerifiedFilter, "partner_type", "is_public", "municipality", "fields", "wards")
    list_select_related = ("partner_type", "municipality")
    search_fields = ("name",)  # replaced by the normalised Japanese search below (autocomplete uses it too)
    # Checkbox lists rather than filter_horizontal: they need no JavaScript and carry no invalid ARIA.
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
    readonly_fields = ("verified_at", "verified_by", "created_at", "updated_at")
    actions = ["verify_selected", "unverify_selected", "export_selected_csv"]
    history_list_display = ["verified_at"]
    change_list_template = "admin/partners/partner/change_list.html"
    fieldsets = (
        (None, {"fields": ("name", "name_kana", "name_en", "partner_type", "corporate_number", "municipality")}),
        (_("City structure"), {"fields": ("department", "represented_municipality")}),
        (_("Activities"), {"fields": ("wards", "works_citywide", "fields", "description", "founded_year")}),
        (
            _("Public information"),
            {
                "fields": (
                    "website",
                    "logo",
                    "public_contact_name",
                    "public_email",
                    "public_phone",
                    "public_address",
                    "is_public",
                )
            },
        ),
        (
            _("Private contact (never shown publicly)"),
            {"fields": ("representative_name", "private_email", "private_phone", "private_address")},
        ),
        (_("Verification"), {"fields": ("verified_at", "verified_by", "created_at", "updated_at")}),
    )

    @admin.display(boolean=True, description=_("verified"), ordering="verified_at")
    def is_verified_display(self, obj: Partner) -> bool:
        return obj.is_verified

    def get_search_results(self, request, queryset, search_term):
        # The same NFKC-normalised search as the public directory, so 森 or ＮＰＯ are found here too;
        # a 法人番号 (typed in any width, with hyphens) finds its partner as well.
        number = normalize_corporate_number(search_term)
        if len(number) == 13 and number.isdigit():
            return queryset.filter(corporate_number=number), False
        return apply_search(queryset, search_term), False

    def save_model(self, request, obj, form, change):
        restoring = request.resolver_match and request.resolver_match.url_name.endswith("simple_history")
        reason = _("Restored from the history") if restoring else _("Edited in the admin")
        services.partner_save_from_form(form=form, user=request.user, reason=reason)

    def save_related(self, request, form, formsets, change):
        # partner_save_from_form already saved the relations; only inline formsets would remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def _require(self, request: HttpRequest, rule: str) -> None:
        if not rules.test_rule(rule, request.user):
            raise PermissionDenied

    # Actions and links are offered only to those who may use them (admin.action(permissions=...)).
    def has_verify_permission(self, request: HttpRequest) -> bool:
        return rules.test_rule("partners.verify_partner", request.user)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return rules.test_rule("partners.export_partners", request.user)

    def has_import_permission(self, request: HttpRequest) -> bool:
        return rules.test_rule("partners.import_partners", request.user)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_import": self.has_import_permission(request),
            "can_export": self.has_export_permission(request),
        }
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("Verify the selected partners"), permissions=["verify"])
    def verify_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._require(request, "partners.verify_partner")
        verified = 0
        for partner in queryset:
            try:
                services.partner_verify(partner=partner, user=request.user)
                verified += 1
            except services.PartnerServiceError as error:
                self.message_user(request, str(error), messages.ERROR)
        if verified:
            self.message_user(
                request,
                ngettext("%(count)d partner verified.", "%(count)d partners verified.", verified) % {"count": verified},
                messages.SUCCESS,
            )

    @admin.action(description=_("Withdraw verification of the selected partners"), permissions=["verify"])
    def unverify_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._require(request, "partners.verify_partner")
        for partner in queryset:
            services.partner_unverify(partner=partner, user=request.user)
        self.message_user(request, _("Verification withdrawn."), messages.SUCCESS)

    @admin.action(description=_("Export the selected partners as CSV"), permissions=["export"])
    def export_selected_csv(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        return self._csv_response(request, queryset)

    def _csv_response(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        self._require(request, "partners.export_partners")
        partners = queryset.select_related("partner_type", "municipality").prefetch_related("wards", "fields")
        response = HttpResponse(csv_io.export_partners(partners), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="partners-{stamp}.csv"'
        return response

    def get_urls(self):
        own = [
            path("export-csv/", self.admin_site.admin_view(self.export_view), name="partners_partner_export"),
            path("import-csv/", self.admin_site.admin_view(self.import_view), name="partners_partner_import"),
        ]
        return own + super().get_urls()

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """Export every partner the current admin filters and search select."""
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            # As the changelist itself does: back to the list with its "invalid filter" notice.
            return redirect(f"{reverse('admin:partners_partner_changelist')}?{ERROR_FLAG}=1")
        return self._csv_response(request, changelist.get_queryset(request))

    def import_view(self, request: HttpRequest) -> HttpResponse:
        self._require(request, "partners.import_partners")
        outcome = None
        file_error = None
        if request.method == "POST":
            form = PartnerCsvUploadForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    if upload.size > csv_io.MAX_IMPORT_BYTES:
                        raise csv_io.CsvFileError(_("The file is too large (5 MB at most)."))
                    text = csv_io.decode_upload(upload.read())
                    rows = csv_io.read_rows(text)
                except csv_io.CsvFileError as error:
                    file_error = str(error)
                else:
                    outcome = services.partners_import(rows=rows, user=request.user)
                    if outcome.ok:
                        self.message_user(
                            request,
                            _("Imported: %(created)d created, %(updated)d updated.")
                            % {"created": outcome.created, "updated": outcome.updated},
                            messages.SUCCESS,
                        )
                        return redirect(reverse("admin:partners_partner_changelist"))
        else:
            form = PartnerCsvUploadForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import partners from CSV"),
            "form": form,
            "outcome": outcome,
            "file_error": file_error,
            "columns": [header for _key, header in csv_io.COLUMNS],
        }
        return TemplateResponse(request, "admin/partners/partner/import.html", context)


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    """Administrators' view of every membership; representatives use the portal's members page."""

    list_display = ("user", "partner", "role", "status", "created_at", "decided_at")
    list_filter = ("status", "role")
    list_select_related = ("user", "partner")
    search_fields = ("user__email", "user__display_name", "partner__name")
    autocomplete_fields = ("user", "partner")
    readonly_fields = ("decided_by", "decided_at", "created_at")
    date_hierarchy = "created_at"

    def save_model(self, request, obj, form, change):
        # A decision taken here is recorded like one taken on the portal: by whom, when.
        if "status" in form.changed_data and obj.status != Membership.Status.PENDING:
            obj.decided_by = request.user
            obj.decided_at = timezone.now()
        super().save_model(request, obj, form, change)
