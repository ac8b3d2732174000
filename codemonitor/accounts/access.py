"""Who is signed in, how fully, and with which role: the one place that decides it for every
audience (the back office's gates, the admin, the national and stakeholder access helpers).

A Secretariat account is signed in only after its two-factor code; a national account after
its password, or after its code when it has turned two-factor sign-in on.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from codemonitor.accounts.models import ApiToken, User, api_token_digest

SESSION_VERIFIED = "two_factor_verified"
View = TypeVar("View", bound=Callable[..., HttpResponse])


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


def api_token_holder(token: str) -> ApiToken | None:
    """The read API's token `token`, with its user, if it is not revoked and its user is
    active; None otherwise, whichever the reason (wrong, revoked, its owner deactivated). A
    token is made on the account page, after the same sign-in as the pages (the second factor
    included); it reads what its user's role may (`user.is_secretariat`, `user.is_national`)."""
    if not token or len(token) > 200 or not token.isascii():
        return None
    return (
        ApiToken.objects.select_related("user")
        .filter(digest=api_token_digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def mark_verified(request: HttpRequest, user: User) -> None:
    request.session[SESSION_VERIFIED] = user.pk


def is_secretariat(request: HttpRequest) -> bool:
    """Signed in with a Secretariat role (administrator or analyst) and its second factor."""
    return secretariat_user(request) is not None


def secretariat_admin(request: HttpRequest) -> User:
    """The signed-in Secretariat administrator, or 404: every write of the back office asks."""
    user = secretariat_user(request)
    if user is None or not user.is_secretariat_admin:
        raise Http404
    return user


def is_secretariat_admin(request: HttpRequest) -> bool:
    user = secretariat_user(request)
    return user is not None and user.is_secretariat_admin


def _secretariat_gate(request: HttpRequest) -> HttpResponse | None:
    """Anonymous people, and Secretariat staff who have not given their second factor yet, are
    sent to sign in; everyone else outside the Secretariat gets 404."""
    if not request.user.is_authenticated or (
        secretariat_user(request) is None and getattr(request.user, "is_secretariat", False)
    ):
        return redirect_to_login(request.get_full_path())
    if not is_secretariat(request):
        raise Http404
    return None


def secretariat_required(view: View) -> View:
    """A view of the back office: the Secretariat (administrators and analysts) only."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _secretariat_gate(request) or view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def secretariat_admin_required(view: View) -> View:
    """A view that changes something: Secretariat administrators only (analysts get 404)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if (refused := _secretariat_gate(request)) is not None:
            return refused
        secretariat_admin(request)
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
