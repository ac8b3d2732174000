from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Setting up an installation and its demonstration data: above the domain, below nothing.

    No domain app and no audience imports this app; it imports the domain apps it fills.
    """

    name = "codemonitor.demo"
    verbose_name = _("Demonstration data")
