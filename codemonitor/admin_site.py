"""The Django admin (reference data, rounds, accounts) with the platform's own roles.

The admin is for Secretariat administrators signed in with their second factor — the same rule
as every write of the back office, decided by `accounts.access` — not for Django's `is_staff`.

Every model registered here asks the site first for each permission, whoever registered it
(the project's own admins, Django's `GroupAdmin`, django_tasks_db's task results): an account
that is not a signed-in Secretariat administrator may view, add, change or delete nothing, even
if it carries Django's `is_superuser`, and whatever view of a model admin asks.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from codemonitor.accounts.access import is_secretariat_admin


class SiteFirst:
    """Mixed in front of every registered model admin: the site's rule, then the admin's own
    (a model admin may refuse more — the task results are read-only — never allow more)."""

    admin_site: Any

    def _site_allows(self, request: HttpRequest) -> bool:
        return bool(self.admin_site.has_permission(request))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._site_allows(request) and super().has_view_permission(request, obj)  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._site_allows(request) and super().has_add_permission(request, *args)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._site_allows(request) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._site_allows(request) and super().has_delete_permission(request, obj)  # type: ignore[misc]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._site_allows(request) and super().has_module_permission(request)  # type: ignore[misc]


class CodeMonitorAdminSite(admin.AdminSite):
    site_header = _("Code Monitor administration")
    site_title = _("Code Monitor")

    def has_permission(self, request: HttpRequest) -> bool:
        return is_secretariat_admin(request)

    def register(
        self,
        model_or_iterable: type[Model] | Iterable[type[Model]],
        admin_class: type[admin.ModelAdmin[Any]] | None = None,
        **options: Any,
    ) -> None:
        chosen = admin_class or admin.ModelAdmin
        if not issubclass(chosen, SiteFirst):
            chosen = type(chosen.__name__, (SiteFirst, chosen), {"__module__": chosen.__module__})
        super().register(model_or_iterable, chosen, **options)
