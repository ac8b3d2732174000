"""Response headers that Django 5.2 does not set by itself, request bodies held to a size, and
the answer to a database outage."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control

from codemonitor.accounts.access import signed_in_user
from codemonitor.core.uploads import FORM_MARGIN, view_upload_limit
from codemonitor.errors import body_too_large, database_down, error_response


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
    the form around it), or, on the route of a view marked with `core.uploads.upload_limit`,
    up to that view's setting and the form around it (for someone signed in); any other body
    up to DATA_UPLOAD_MAX_MEMORY_SIZE. Larger ones get a 413 saying so: as JSON to the pages'
    scripts, as a page otherwise, with the way back.
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
            # A larger body only from someone signed in: hundreds of MB written to disk by the
            # form's parsing (the CSRF check reads it, before the view's own gate) must not be
            # anyone's to send.
            if length > limit and signed_in_user(request) is not None:
                try:
                    marked = view_upload_limit(resolve(request.path_info).func)
                except Resolver404:
                    marked = None
                if marked is not None:
                    limit = max(limit, marked + FORM_MARGIN)
        else:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or settings.REQUEST_BODY_MAX_BYTES
        if length > limit:
            return body_too_large(request, length, limit)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers 503 with Retry-After, not a 500.

    Errors raised outside a view (a middleware saving the session) reach
    `codemonitor.errors.server_error`, which answers the same way.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if database_down(exception):
            return error_response(request, 503)
        return None


# Pages anyone may see that hold nothing personal: kept by browsers and proxies as usual.
# The public lookup of recruiters and the published pages (portal/published.py) set their own
# `Cache-Control: private, max-age=…`.
PUBLIC_PATHS = re.compile(
    r"^/(healthz|sitemap\.xml|recruiters/|rounds/|rounds/\d+/|reports/\d+/|countries/[A-Za-z]{3}/"
    r"|code/|search/|rounds/\d+/report/|rounds/\d+/report\.pdf|reports/\d+\.pdf"
    r"|rounds/\d+/data/[a-z0-9._-]*|rounds/\d+/codebook/|rounds/\d+/codebook\.(?:pdf|csv))?$"
)


class PrivatePagesMiddleware:
    """`Cache-Control: no-store, private` on every response but the public pages.

    Report pages, private links, the back office and anything sent to a person who holds a
    session (signed in, or a stakeholder holding a report) must not be kept by a shared cache
    or left in the browser's cache. The session is judged by its cookie, without reading it:
    this runs while the database is down too. Static files never get here (WhiteNoise answers
    them first).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        cookie = settings.SESSION_COOKIE_NAME
        if (
            not PUBLIC_PATHS.match(request.path_info)
            or cookie in request.COOKIES
            or cookie in response.cookies
        ):
            patch_cache_control(response, no_store=True, private=True)
        return response
