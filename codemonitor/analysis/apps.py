from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    name = "codemonitor.analysis"
    verbose_name = _("Analysis of the reports")

    def ready(self) -> None:
        from codemonitor.analysis.text_index import connect

        connect()
