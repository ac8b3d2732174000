from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NationalConfig(AppConfig):
    name = "codemonitor.national"
    verbose_name = _("National reporting")

    def ready(self) -> None:
        from django.urls import reverse

        from codemonitor.core.links import (
            NATIONAL_REPORT_PAGE,
            NATIONAL_REPORT_SIGN_IN,
            link_register,
        )
        from codemonitor.reporting.models import Report

        def page(report: Report) -> str:
            return reverse("national:page", args=[report.pk, 1])

        def sign_in(report: Report) -> str:
            return f"{reverse('accounts:sign_in')}?next={page(report)}"

        link_register(NATIONAL_REPORT_PAGE, page)
        link_register(NATIONAL_REPORT_SIGN_IN, sign_in)
