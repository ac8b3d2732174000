"""The read API's addresses: the documentation page at /api/, the OpenAPI description at
/api/openapi.json, the operations (`api.api`), and JSON for everything else under /api/ — an
unknown address (404) or a method an operation does not take (405) never answers a page."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from codemonitor.api import docs
from codemonitor.api.api import api
from codemonitor.api.errors import api_error_response, error_json, not_found

app_name = "api"


def _json_refusals(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A method the operation does not take: 405 in JSON, with `Allow` (ninja answers text)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            refused = error_json(
                405,
                _("This address answers %(methods)s only.")
                % {"methods": response.get("Allow", "GET")},
            )
            refused["Allow"] = response.get("Allow", "GET")
            return refused
        return response

    return wrapper


@csrf_exempt
def unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    return api_error_response(not_found())


def _operations() -> list[URLPattern]:
    found: list[URLPattern] = []
    for pattern in api.urls[0]:
        if isinstance(pattern, URLPattern):
            if pattern.name == "openapi-json":  # ninja's view answers any method
                pattern.callback = require_safe(pattern.callback)
            if pattern.name != "api-root":  # the documentation page is the root
                pattern.callback = _json_refusals(pattern.callback)
            found.append(pattern)
    return found


urlpatterns = [
    path("", docs.docs, name="docs"),
    *_operations(),
    re_path(r"^(?P<rest>.*)$", unknown, name="unknown"),
]
