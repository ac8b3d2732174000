"""Who may use the Secretariat's back office: the one place that decides it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from codemonitor.accounts.access import secretariat_user

View = TypeVar("View", bound=Callable[..., HttpResponse])


def is_secretariat(request: HttpRequest) -> bool:
    """Signed in with a Secretariat role and its second factor."""
    return secretariat_user(request) is not None


def secretariat_required(view: View) -> View:
    """Anonymous users are sent to sign in; signed-in users outside the Secretariat get 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated or (
            secretariat_user(request) is None and getattr(request.user, "is_secretariat", False)
        ):
            return redirect_to_login(request.get_full_path())
        if not is_secretariat(request):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
