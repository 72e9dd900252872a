"""Administrators' view of calls and proposals. Proposals are read here; they change only through the workflow."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from proposals.models import Call, CallCriterion, CallDocument, CallMilestone, Proposal, ProposalEvent
from proposals.workflow import VISIBLE_TO_STAFF


class CallDocumentInline(admin.TabularInline):
    model = CallDocument
    extra = 0


class CallCriterionInline(admin.TabularInline):
    model = CallCriterion
    extra = 0


class CallMilestoneInline(admin.TabularInline):
    model = CallMilestone
    extra = 0


@admin.register(Call)
class CallAdmin(SimpleHistoryAdmin):
    list_display = ("title", "scheme", "department", "fiscal_year", "opens_at", "closes_at", "is_published")
    list_filter = ("is_published", "scheme", "fiscal_year")
    search_fields = ("title", "purpose")
    filter_horizontal = ("fields", "eligible_types")
    inlines = [CallDocumentInline, CallCriterionInline, CallMilestoneInline]


class ProposalEventInline(admin.TabularInline):
    model = ProposalEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "action", "from_status", "to_status", "actor", "comment")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    """Submitted proposals, read-only: statuses move only through the workflow's services."""

    list_display = ("receipt_number", "title", "partner", "call", "status", "submitted_at")
    list_filter = ("status", "call__scheme")
    search_fields = ("receipt_number", "title", "partner__name")
    inlines = [ProposalEventInline]

    def get_queryset(self, request):
        # Drafts belong to their organisation; administrators see a proposal once it is submitted.
        return super().get_queryset(request).filter(status__in=VISIBLE_TO_STAFF).select_related("partner", "call")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
