"""Administration of projects and their reference data (forms of collaboration, schemes, agreements)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from projects import services
from projects.models import Agreement, CollaborationForm, OutcomeIndicator, Project, ProjectParty, Scheme


@admin.register(CollaborationForm)
class CollaborationFormAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "sort_order")
    list_editable = ("sort_order",)


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "municipality", "sort_order")
    list_editable = ("sort_order",)


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ("title", "municipality", "signed_on")
    search_fields = ("title",)
    autocomplete_fields = ("parties",)


class PartyInline(admin.TabularInline):
    model = ProjectParty
    extra = 0
    autocomplete_fields = ("partner",)


class IndicatorInline(admin.TabularInline):
    model = OutcomeIndicator
    extra = 0


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
    """Everything about any project, for administrators; staff use the project pages (/projects/manage/)."""

    list_display = ("title", "scheme", "municipality", "fiscal_year_start", "status", "is_published", "is_synthetic")
    list_filter = ("is_published", "status", "scheme", "is_synthetic", "municipality")
    list_select_related = ("scheme", "municipality")
    search_fields = ("title",)
    inlines = [PartyInline, IndicatorInline]
    readonly_fields = ("published_at", "created_at", "updated_at")

    # As on the staff pages: one history entry per edit, relations included, and fresh search text.
    def save_model(self, request, obj, form, change):
        obj.skip_history_when_saving = True
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.project_record_edit(
            project=form.instance, user=request.user, created=not change, reason=_("Edited in the admin")
        )
