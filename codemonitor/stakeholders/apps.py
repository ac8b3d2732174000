from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StakeholdersConfig(AppConfig):
    name = "codemonitor.stakeholders"
    verbose_name = _("Stakeholder reporting")

    def ready(self) -> None:
        from django.urls import reverse

        from codemonitor.core.links import STAKEHOLDER_PRIVATE_LINK, link_register

        link_register(
            STAKEHOLDER_PRIVATE_LINK, lambda token: reverse("stakeholders:link", args=[token])
        )
