from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.forms import UserCreateForm, UserEditForm
from accounts.models import User
from partners.models import StaffAssignment


class StaffAssignmentInline(admin.StackedInline):
    """Where an administrator makes someone city staff: an officer (担当職員) or an approver (決裁者) of a
    department, for that department and the ones below it."""

    model = StaffAssignment
    extra = 0
    fields = ("department", "role")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserEditForm
    inlines = (StaffAssignmentInline,)
    # Stacked (labelled) assignments, plain labelled multiple selects and read-only dates: the tabular
    # inline, the filter and the split date widgets leave inputs without labels (JIS X 8341-3 AA).
    filter_horizontal = ()
    readonly_fields = ("last_login", "date_joined")
    add_form = UserCreateForm
    ordering = ("email",)
    list_display = ("email", "display_name", "is_staff", "is_active", "last_login")
    search_fields = ("email", "display_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("display_name",)}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "display_name", "password1", "password2")}),)
