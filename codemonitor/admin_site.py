"""The Django admin (reference data, rounds, accounts) with the platform's own roles.

The admin is for Secretariat administrators signed in with their second factor — the same rule
as every write of the back office, decided by `accounts.access` — not for Django's `is_staff`.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from codemonitor.accounts.access import is_secretariat_admin


class CodeMonitorAdminSite(admin.AdminSite):
    site_header = _("Code Monitor administration")
    site_title = _("Code Monitor")

    def has_permission(self, request: HttpRequest) -> bool:
        return is_secretariat_admin(request)
