from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    name = "codemonitor.backoffice"
    verbose_name = _("Secretariat back office")

    def ready(self) -> None:
        from codemonitor.backoffice.analysis_report import analysis_links_register

        analysis_links_register()
