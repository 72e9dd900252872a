"""Administration of the window: its service standards (data the city edits), and a read-only view of the
proposals with their referrals and trail (they change only through the pages' services, which keep the audit)."""

from django.contrib import admin

from kyodo_portal.admin_base import ReadOnlyAdmin, ReadOnlyInline
from window.models import Referral, Window, WindowEvent, WindowProposal


@admin.register(Window)
class WindowAdmin(admin.ModelAdmin):
    list_display = ("municipality", "department", "is_open", "acknowledge_working_days", "answer_days")
    fields = (
        "municipality",
        "department",
        "is_open",
        "acknowledge_working_days",
        "route_working_days",
        "answer_days",
        "reminder_working_days",
        "escalation_working_days",
    )


class ReferralInline(ReadOnlyInline):
    model = Referral
    fk_name = "proposal"
    fields = ("department", "status", "routed_at", "due_on", "answered_at", "answer", "note")


class EventInline(ReadOnlyInline):
    model = WindowEvent
    fields = ("created_at", "action", "referral", "from_status", "to_status", "actor", "comment")


@admin.register(WindowProposal)
class WindowProposalAdmin(ReadOnlyAdmin):
    list_display = ("title", "receipt_number", "partner", "status", "submitted_at", "public_consent", "withheld")
    list_filter = ("status", "fiscal_year", "public_consent", "withheld")
    search_fields = ("title", "receipt_number", "partner__name")
    list_select_related = ("partner",)
    exclude = ("search_document", "search_grams", "creation_token")
    inlines = [ReferralInline, EventInline]
