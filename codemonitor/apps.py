"""The project's own app configurations (imported while apps load: no models here)."""

from django.contrib.admin.apps import AdminConfig


class CodeMonitorAdminConfig(AdminConfig):
    """Django's admin, on the site that knows the platform's roles."""

    default_site = "codemonitor.admin_site.CodeMonitorAdminSite"
