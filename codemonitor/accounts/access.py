"""Who is signed in, and how fully: the one place that decides it for every audience.

A Secretariat account is signed in only after its two-factor code; a national account after
its password, or after its code when it has turned two-factor sign-in on.
"""

from __future__ import annotations

from django.http import HttpRequest

from codemonitor.accounts.models import User

SESSION_VERIFIED = "two_factor_verified"


def signed_in_user(request: HttpRequest) -> User | None:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        return None
    if (user.two_factor_required or user.two_factor_enabled) and request.session.get(
        SESSION_VERIFIED
    ) != user.pk:
        return None
    return user


def secretariat_user(request: HttpRequest) -> User | None:
    user = signed_in_user(request)
    return user if user is not None and user.is_secretariat else None


def national_user(request: HttpRequest) -> User | None:
    user = signed_in_user(request)
    return user if user is not None and user.is_national else None


def mark_verified(request: HttpRequest, user: User) -> None:
    request.session[SESSION_VERIFIED] = user.pk
