"""People who sign in, their role, and the country a national role is scoped to."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SECRETARIAT_ADMIN = "secretariat_admin", _("Secretariat administrator")
    SECRETARIAT_ANALYST = "secretariat_analyst", _("Secretariat analyst")
    FOCAL_POINT = "focal_point", _("National focal point")
    CONTRIBUTOR = "contributor", _("National contributor")


SECRETARIAT_ROLES = frozenset({Role.SECRETARIAT_ADMIN, Role.SECRETARIAT_ANALYST})
NATIONAL_ROLES = frozenset({Role.FOCAL_POINT, Role.CONTRIBUTOR})


class User(AbstractUser):
    """A person with an account: Secretariat staff, focal points, national contributors.

    Stakeholders reporting through the ISRI have no account. A national role always names the
    one Member State it is scoped to; a Secretariat role never does (the database holds this).
    """

    email = models.EmailField(_("email address"), unique=True)
    language = models.CharField(_("language"), max_length=10, default="en")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, blank=True)
    member_state = models.ForeignKey(
        "reference.MemberState",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("Member State"),
    )
    totp_secret = models.CharField(max_length=64, blank=True)
    totp_confirmed_at = models.DateTimeField(_("two-factor sign-in since"), null=True, blank=True)
    totp_last_step = models.BigIntegerField(default=0)  # a code is accepted once only

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role__in=sorted(NATIONAL_ROLES), member_state__isnull=False)
                    | (~Q(role__in=sorted(NATIONAL_ROLES)) & Q(member_state__isnull=True))
                ),
                name="national_role_has_one_country",
            )
        ]

    @property
    def is_secretariat(self) -> bool:
        return self.is_active and self.role in SECRETARIAT_ROLES

    @property
    def is_secretariat_admin(self) -> bool:
        return self.is_active and self.role == Role.SECRETARIAT_ADMIN

    @property
    def is_national(self) -> bool:
        return self.is_active and self.role in NATIONAL_ROLES and self.member_state_id is not None

    @property
    def is_focal_point(self) -> bool:
        return self.is_national and self.role == Role.FOCAL_POINT

    @property
    def two_factor_required(self) -> bool:
        return self.role in SECRETARIAT_ROLES

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_confirmed_at is not None


class SignInThrottle(models.Model):
    """Failed sign-ins of one account name from one IP address; repeated failures back that
    pair off, longer each time. Other addresses still sign in to the account.

    `key` is a keyed digest of the name and the address (`sign_in_key`): neither is kept.
    """

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key[:12]}: {self.failures}"


def focal_points_by_country() -> dict[str, list[User]]:
    """Active focal points, by the ISO code of their Member State (one query)."""
    found: dict[str, list[User]] = {}
    for person in User.objects.filter(role=Role.FOCAL_POINT, is_active=True).order_by("email"):
        found.setdefault(str(person.member_state_id), []).append(person)
    return found


def api_token_digest(token: str) -> str:
    """What is stored of a token of the read API: its SHA-256 (the token itself never is)."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal token for the read API (`Authorization: Bearer <token>`), made by its owner on
    their account page. The token is shown once, when it is made; only its digest is kept. It
    reads what its owner may read (`codemonitor/api/scope.py`) until it is revoked."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.user_id})"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
