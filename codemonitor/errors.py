"""Error responses: a page in the person's language, or JSON for the page's script.

An error page is drawn without the database and without the session: it must show while the
database is down, and it is often drawn because the database is down. So it extends no page
that shows who is signed in, and the language comes from the request alone (the language
cookie, then Accept-Language), as `LocaleMiddleware` picks it.

When the database cannot be reached (`OperationalError`, `InterfaceError`) the answer is
`503 Service Unavailable` with `Retry-After`, not a 500: nothing is wrong with the request, it
can be sent again in a few seconds. A request that asked for JSON (its Accept header names
application/json, it carries X-Requested-With, or it is an autosave) gets
`{"error": "…", "retry_after": N}` instead of a page, for 400, 403, 404, 500 and 503.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from django.views import csrf

logger = logging.getLogger("codemonitor.errors")

DATABASE_DOWN = (OperationalError, InterfaceError)
# Seconds after which a request refused for an outage may be sent again.
RETRY_AFTER = 5

TITLES: dict[int, Promise] = {
    400: _("Bad request"),
    403: _("Not allowed"),
    404: _("Page not found"),
    500: _("Server error"),
    503: _("Briefly unavailable"),
}
MESSAGES: dict[int, Promise] = {
    400: _("The request could not be understood. Please go back and try again."),
    403: _("You are not allowed to see this page."),
    404: _("There is no page at this address."),
    500: _("Something went wrong on our side and it has been recorded. Please try again later."),
    503: _(
        "Code Monitor cannot reach its database just now. Please try again in a few seconds: "
        "nothing you saved is lost."
    ),
}
CSRF_MESSAGE = _("This page has expired. Please reload it and try again.")


def database_down(error: BaseException | None) -> bool:
    return isinstance(error, DATABASE_DOWN)


def wants_json(request: HttpRequest) -> bool:
    """Whether the request came from a script that reads JSON rather than a page."""
    return (
        "application/json" in request.headers.get("Accept", "")
        or "X-Requested-With" in request.headers
        or request.path_info.endswith("/autosave/")
    )


def error_response(
    request: HttpRequest, status: int, message: str | Promise | None = None
) -> HttpResponse:
    """The error page (or JSON) for `status`, drawn without the database or the session."""
    language = translation.get_language_from_request(request, check_path=True)
    with translation.override(language):
        text = str(message or MESSAGES[status])
        response: HttpResponse
        if wants_json(request):
            body: dict[str, object] = {"error": text}
            if status == 503:
                body["retry_after"] = RETRY_AFTER
            response = JsonResponse(body, status=status)
        else:
            response = HttpResponse(_page(status, text), status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER)
    patch_cache_control(response, no_store=True, private=True)
    return response


def _page(status: int, text: str) -> str:
    title = str(TITLES.get(status, TITLES[500]))
    try:
        # No request given: no context processors, so nothing reads the session or user.
        return render_to_string(
            f"{status}.html" if status in TITLES else "500.html",
            {"status": status, "title": title, "message": text},
        )
    except Exception:  # an error page must not fail in turn (a missing static manifest…)
        logger.exception("The %s page could not be drawn", status)
        title, text = escape(title), escape(text)
        return f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{text}</p>"


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A 400; for the form fields of a body with files past DATA_UPLOAD_MAX_MEMORY_SIZE (only
    known once it is read), the 413 that says how much may be sent."""
    if isinstance(exception, RequestDataTooBig):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        return body_too_large(request, length, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or length)
    return error_response(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """An uncaught error anywhere, middleware included: 503 if the database is down."""
    return error_response(request, 503 if database_down(sys.exc_info()[1]) else 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A refused form: JSON for the page's script, Django's own explanation for a page."""
    if wants_json(request):
        return error_response(request, 403, CSRF_MESSAGE)
    return csrf.csrf_failure(request, reason)


def body_too_large(request: HttpRequest, length: int, limit: int) -> HttpResponse:
    """The 413 that says how much was sent and how much may be: JSON for the pages' scripts,
    a page with the way back otherwise."""
    message = _(
        "What you sent is %(size)s MB; at most %(limit)s MB can be sent at once. Send "
        "large files one at a time."
    ) % {"size": _megabytes(length, 1), "limit": _megabytes(limit)}
    message = str(message)
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
