"""The project's URLs plus pages that fail on purpose, for the error tests (ROOT_URLCONF)."""

from __future__ import annotations

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path

from codemonitor.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug, not an outage")


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def bad(request: HttpRequest) -> HttpResponse:
    raise BadRequest


def session_write(request: HttpRequest) -> HttpResponse:
    """Fine in the view; the session is written afterwards, by its middleware."""
    request.session["seen"] = True
    return HttpResponse("written")


urlpatterns = [
    *urlpatterns,
    path("test-errors/crash/", crash),
    path("test-errors/forbidden/", forbidden),
    path("test-errors/bad/", bad),
    path("test-errors/session/", session_write),
]
