"""The read API's errors: always JSON, `{"detail": "…"}` in the asker's language, never a page
and never a trace.

A request the API cannot answer raises `ApiError` (with its status, message and headers); a
parameter that does not validate becomes a 400 naming it (`invalid_parameters`); anything
unforeseen a 500 that says nothing of what went wrong (it is logged), and a database that cannot
be reached a 503 with `Retry-After`, as the pages answer it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from codemonitor.errors import RETRY_AFTER, database_down

logger = logging.getLogger("codemonitor.api")


class ApiError(Exception):
    """An answer other than the data: `status`, a message for a person, extra headers."""

    def __init__(
        self, status: int, detail: str, *, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})


def not_found() -> ApiError:
    """The one answer for an id that does not exist and for one the asker may not read (an
    embargoed report, another country's draft): the two are never told apart."""
    return ApiError(404, _("There is nothing at this address, or nothing you may read."))


def error_json(
    status: int, detail: str, *, headers: Mapping[str, str] | None = None, **extra: Any
) -> JsonResponse:
    response = JsonResponse(
        {"detail": detail, **extra}, status=status, json_dumps_params={"ensure_ascii": False}
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def api_error_response(error: ApiError) -> JsonResponse:
    return error_json(error.status, error.detail, headers=error.headers)


def _parameter(location: Iterable[object]) -> str:
    """The parameter an error is about: the last name of its location (`query`, `limit`)."""
    names = [str(part) for part in location if isinstance(part, str)]
    names = [name for name in names if name not in {"query", "path", "body", "header"}]
    return names[-1] if names else ""


def _message(name: str, error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    if kind == "less_than_equal":
        return _("“%(name)s” must be at most %(limit)s.") % {"name": name, "limit": context["le"]}
    if kind == "greater_than_equal":
        return _("“%(name)s” must be at least %(limit)s.") % {"name": name, "limit": context["ge"]}
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("“%(name)s” must be a whole number.") % {"name": name}
    if kind == "literal_error":
        choices = str(context.get("expected", "")).replace(" or ", ", ").replace("'", "")
        return _("“%(name)s” must be one of: %(choices)s.") % {"name": name, "choices": choices}
    if kind == "string_too_long":
        return _("“%(name)s” is too long: at most %(limit)s characters.") % {
            "name": name,
            "limit": context.get("max_length", ""),
        }
    if kind == "string_too_short":
        return _("“%(name)s” may not be empty.") % {"name": name}
    if kind == "string_pattern_mismatch":
        return _("“%(name)s” is not written as expected.") % {"name": name}
    if kind == "missing":
        return _("“%(name)s” is required.") % {"name": name}
    return _("“%(name)s” has a value that is not understood.") % {"name": name}


def invalid_parameters(errors: Iterable[Mapping[str, Any]]) -> JsonResponse:
    """A 400 naming each parameter that did not validate, each with what is wrong."""
    found: list[dict[str, str]] = []
    for error in errors:
        name = _parameter(error.get("loc", ()))
        found.append({"parameter": name, "message": _message(name, error)})
    detail = " ".join(item["message"] for item in found) or _("The request is not understood.")
    return error_json(400, detail, errors=found)


def http_not_found(request: HttpRequest, exception: Http404 | None = None) -> JsonResponse:
    return api_error_response(not_found())


def unforeseen(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Anything else: 503 when the database is away (send again in a few seconds), else a
    500 that tells nothing of the error (it is logged with the request's path)."""
    if database_down(exception):
        return error_json(
            503,
            _("The platform cannot reach its database just now: try again in a few seconds."),
            headers={"Retry-After": str(RETRY_AFTER)},
        )
    logger.exception("API error on %s", request.path)
    return error_json(500, _("Something went wrong on our side; it has been recorded."))
