"""People who sign in. Roles and country scoping build on this user model."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person with an account: Secretariat staff, focal points, national contributors.

    Stakeholders reporting through the ISRI have no account.
    """

    email = models.EmailField(_("email address"), unique=True)
    language = models.CharField(_("language"), max_length=10, default="en")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
