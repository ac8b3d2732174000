"""Response headers that Django 5.2 does not set by itself; request bodies held to a size."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class ContentSecurityPolicyMiddleware:
    """Send the content security policy on every response that has none of its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class RequestBodyLimitMiddleware:
    """Refuse, before reading any of it, a request body larger than the platform accepts.

    A body with files may be up to REQUEST_BODY_MAX_BYTES (one file of the largest kind and
    the form around it); any other body up to DATA_UPLOAD_MAX_MEMORY_SIZE. Larger ones get a
    413 saying so: as JSON to the pages' scripts, as a page otherwise, with the way back.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if request.content_type == "multipart/form-data":
            limit = settings.REQUEST_BODY_MAX_BYTES
        else:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or settings.REQUEST_BODY_MAX_BYTES
        if length > limit:
            return body_too_large(request, length, limit)
        return self.get_response(request)


def body_too_large(request: HttpRequest, length: int, limit: int) -> HttpResponse:
    """The 413 that says how much was sent and how much may be: JSON for the pages' scripts,
    a page with the way back otherwise."""
    message = _(
        "What you sent is %(size)s MB; at most %(limit)s MB can be sent at once. Send "
        "large files one at a time."
    ) % {"size": _megabytes(length, 1), "limit": _megabytes(limit)}
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"error": message}, status=413)
    return render(
        request, "request_too_large.html", {"message": message, "back": request.path}, status=413
    )


def _megabytes(size: int, decimals: int = 0) -> str:
    value = size / (1024 * 1024)
    if not decimals and not value.is_integer() and value < 10:
        decimals = 1  # "0.5 MB", not "0 MB"
    return f"{value:.{decimals}f}"
