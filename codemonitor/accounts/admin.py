from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from codemonitor.accounts.models import User
from codemonitor.core.admin_audit import AuditedAdmin


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):  # type: ignore[type-arg]
    list_display = ["username", "email", "role", "member_state", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "email", "first_name", "last_name"]
    readonly_fields = ["totp_confirmed_at", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "email", "language"]}),
        (_("Role"), {"fields": ["role", "member_state", "is_active"]}),
        (_("Two-factor sign-in"), {"fields": ["totp_confirmed_at"]}),
        (_("Django admin"), {"fields": ["is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
