"""The Django admin's changes go to the audit log too, and its permissions follow the site's.

Every ModelAdmin of the project mixes this in (before `admin.ModelAdmin`). Django keeps its own
`LogEntry` for the admin's history page; the audit log gets one entry per addition, change and
deletion, naming the model, the object's key and the changed fields (never their values). The
admin site decides who may use the admin (`codemonitor/admin_site.py`: a Secretariat
administrator with a second factor), and this mixin lets that person view, add, change and
delete whatever is registered, whether or not the account is a Django superuser.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from codemonitor.core.audit import Action, audit_log


def _admin_audit(request: HttpRequest, obj: models.Model, action: Action, change: Any) -> None:
    user = request.user if request.user.is_authenticated else None
    audit_log(
        action=action,
        actor=user,
        target=obj,
        data={"model": obj._meta.label_lower, "object": str(obj.pk), "change": change},
    )


class AuditedAdmin:
    admin_site: Any

    def log_addition(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        _admin_audit(request, obj, Action.ADMIN_OBJECT_ADDED, message)
        return super().log_addition(request, obj, message)  # type: ignore[misc]

    def log_change(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        _admin_audit(request, obj, Action.ADMIN_OBJECT_CHANGED, message)
        return super().log_change(request, obj, message)  # type: ignore[misc]

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for obj in queryset:
            _admin_audit(request, obj, Action.ADMIN_OBJECT_DELETED, "")
        return super().log_deletions(request, queryset)  # type: ignore[misc]

    def _site_allows(self, request: HttpRequest) -> bool:
        return bool(self.admin_site.has_permission(request))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._site_allows(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._site_allows(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._site_allows(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._site_allows(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._site_allows(request)
