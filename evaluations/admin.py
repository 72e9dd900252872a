"""Administration of the evaluations: the principles of each municipality (data the city edits), and a
read-only view of the rounds (they change only through their pages' services, which keep the audit)."""

from django.contrib import admin

from evaluations.models import EvaluationEvent, EvaluationRound, ExternalComment, ExternalReviewCycle, Principle
from kyodo_portal.admin_base import ReadOnlyAdmin, ReadOnlyInline


@admin.register(Principle)
class PrincipleAdmin(admin.ModelAdmin):
    list_display = ("name", "municipality", "code", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")
    list_filter = ("municipality", "is_active")

    def get_readonly_fields(self, request, obj=None):
        # Once rated, a principle stays the same principle: its wording may be edited, not what it is.
        if obj is not None and obj.ratings.exists():
            return ("municipality", "code")
        return ()


class EventInline(ReadOnlyInline):
    model = EvaluationEvent
    fields = ("created_at", "action", "side", "from_status", "to_status", "actor", "comment")


@admin.register(EvaluationRound)
class EvaluationRoundAdmin(ReadOnlyAdmin):
    list_display = ("project", "fiscal_year", "status", "next_step", "published_at", "is_demo")
    list_filter = ("status", "fiscal_year", "next_step", "is_demo")
    search_fields = ("project__title",)
    inlines = [EventInline]


class ExternalCommentInline(ReadOnlyInline):
    model = ExternalComment
    fields = ("project", "author", "body", "updated_at")


@admin.register(ExternalReviewCycle)
class ExternalReviewCycleAdmin(ReadOnlyAdmin):
    """Read here; run on the cycle's pages (/evaluations/external/), whose actions the history lists."""

    list_display = ("title", "department", "fiscal_year_start", "fiscal_year_end", "published_at")
    list_filter = ("department",)
    search_fields = ("title",)
    inlines = [ExternalCommentInline]
