from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkforceConfig(AppConfig):
    name = "codemonitor.workforce"
    verbose_name = _("Health personnel migration")

    def ready(self) -> None:
        # A validated national report's figures become statistics; reopened, they go.
        from codemonitor.workforce.reports import connect

        connect()
