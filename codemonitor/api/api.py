"""The read API (/api/): django-ninja, typed operations whose OpenAPI 3 description is made
from the code (`/api/openapi.json`) and drawn as a page (`/api/`, `api.docs`).

Every operation reads through `api.scope`: without a token what is published, as the portal
shows it; with a personal token what its owner may read. Errors are JSON (`api.errors`).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation

from codemonitor.api import published, registers
from codemonitor.api.errors import (
    ApiError,
    api_error_response,
    http_not_found,
    invalid_parameters,
    unforeseen,
)
from codemonitor.api.paging import DEFAULT_LIMIT, MAX_LIMIT
from codemonitor.api.readers import TokenOrAnonymous

SECURITY_SCHEME = "PersonalToken"

DESCRIPTION = f"""
What WHO publishes of the reports on the WHO Global Code of Practice on the International
Recruitment of Health Personnel, and the registers the Code asks for: reporting rounds, the
reports and their answers (by the instrument's question names), Member States, designated
national authorities, laws and regulations, authorised recruiters, migration statistics.

**Without a token** you read what is published: nothing of a round before its publication
moment, then its validated national reports and submitted stakeholder reports, never personal
data. **With a personal token** (made on your account page, sent as
`Authorization: Bearer <token>`) you read what your account may: the Secretariat every report,
a country's focal point and contributors their own country's reports too. A token that is
wrong or revoked is refused (401), never read as no token.

**Lists** answer a page at a time: `limit` items (default {DEFAULT_LIMIT}, at most {MAX_LIMIT}: a
larger value is refused), and `next`, the cursor of the next page, to send back as `cursor`
(null on the last page). **Errors** are JSON, `{{"detail": "…"}}` in the language of the
request's `Accept-Language`: 400 for a parameter the list does not take or a value it cannot
use (named in the message), 401 for a bad token, 404 for anything you may not read — an
embargoed report answers exactly as one that does not exist —, 429 with `Retry-After` when
requests come too fast.
"""


class ReadApi(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        """The description, with the token optional on every operation (`security: [{}, …]`:
        without one, what is published)."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                operation["security"] = [{}, {SECURITY_SCHEME: []}]
        return schema

    def get_openapi_operation_id(self, operation: Operation) -> str:
        """An operation's id: its function's name (`reports`, `report`, `laws`…)."""
        return operation.view_func.__name__.strip("_")


class PersonalToken(TokenOrAnonymous):
    """Named for the OpenAPI description's security scheme."""


api = ReadApi(
    title="Code Monitor read API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs_url=None,
    auth=PersonalToken(),
)
api.add_router("/", published.router)
api.add_router("/", registers.router)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, error: ApiError) -> HttpResponse:
    return api_error_response(error)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    return invalid_parameters(error.errors)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return http_not_found(request, error)


@api.exception_handler(Exception)
def _unforeseen(request: HttpRequest, error: Exception) -> HttpResponse:
    return unforeseen(request, error)
