from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicationConfig(AppConfig):
    name = "codemonitor.publication"
    verbose_name = _("Publication")
