from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "codemonitor.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from codemonitor.accounts.services import sign_in_throttle_prune
        from codemonitor.core.maintenance import maintenance_register

        maintenance_register(sign_in_throttle_prune)
