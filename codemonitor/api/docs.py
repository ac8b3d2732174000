"""The read API's documentation page (`/api/`): drawn on the server from the OpenAPI
description, in the site's own template, without a script or anything from another site (the
content security policy allows neither), in the person's language.

The texts of the description (summaries, descriptions of operations, parameters and fields)
are written in English in the code, marked for translation (`gettext_noop`), and translated
here as the page is drawn; the description itself (`/api/openapi.json`) stays in English.
"""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from codemonitor.api.api import api
from codemonitor.api.paging import DEFAULT_LIMIT, MAX_LIMIT

METHODS = ("get", "post", "put", "patch", "delete")


@functools.cache
def description() -> dict[str, Any]:
    """The OpenAPI description, made once per process (the code does not change under it)."""
    return dict(api.get_openapi_schema(path_params={}))


def _translated(text: object) -> str:
    return _(str(text)) if text else ""


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_of(schema: dict[str, Any]) -> str:
    """A schema fragment in words: its type, its choices or bounds."""
    if "$ref" in schema:
        return _ref_name(schema["$ref"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            kinds = [type_of(part) for part in schema[key] if part.get("type") != "null"]
            nullable = any(part.get("type") == "null" for part in schema[key])
            text = " | ".join(kinds) or _("anything")
            return _("%(type)s or null") % {"type": text} if nullable else text
    if "enum" in schema:
        return _("one of: %(choices)s") % {"choices": ", ".join(str(v) for v in schema["enum"])}
    kind = schema.get("type")
    if kind == "array":
        return _("list of %(items)s") % {"items": type_of(schema.get("items", {}))}
    if kind == "object":
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            return _("object of %(values)s by name") % {"values": type_of(extra)}
        return _("object")
    words = {
        "integer": _("whole number"),
        "number": _("number"),
        "string": _("text"),
        "boolean": _("true or false"),
    }
    text = str(words.get(str(kind), _("anything")))
    if schema.get("format") in {"date", "date-time"}:
        text = _("date") if schema["format"] == "date" else _("date and time (ISO 8601)")
    bounds = []
    if "minimum" in schema:
        bounds.append(_("at least %(n)s") % {"n": schema["minimum"]})
    if "maximum" in schema:
        bounds.append(_("at most %(n)s") % {"n": schema["maximum"]})
    if "maxLength" in schema:
        bounds.append(_("at most %(n)s characters") % {"n": schema["maxLength"]})
    return f"{text} ({', '.join(bounds)})" if bounds else text


def operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path, methods in schema.get("paths", {}).items():
        for method in METHODS:
            operation = methods.get(method)
            if operation is None:
                continue
            responses = []
            for status, answer in operation.get("responses", {}).items():
                content = answer.get("content", {}).get("application/json", {})
                responses.append({"status": status, "type": type_of(content.get("schema", {}))})
            found.append(
                {
                    "anchor": operation.get("operationId", path),
                    "method": method.upper(),
                    "path": path,
                    "summary": _translated(operation.get("summary")),
                    "description": _translated(operation.get("description")),
                    "parameters": [
                        {
                            "name": parameter["name"],
                            "where": parameter["in"],
                            "required": parameter.get("required", False),
                            "type": type_of(parameter.get("schema", {})),
                            "description": _translated(
                                parameter.get("description")
                                or parameter.get("schema", {}).get("description")
                            ),
                        }
                        for parameter in operation.get("parameters", [])
                    ],
                    "responses": responses,
                }
            )
    return found


def shapes(schema: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for name, shape in sorted(schema.get("components", {}).get("schemas", {}).items()):
        required = set(shape.get("required", []))
        found.append(
            {
                "name": name,
                "fields": [
                    {
                        "name": field,
                        "type": type_of(part),
                        "required": field in required,
                        "description": _translated(part.get("description")),
                    }
                    for field, part in shape.get("properties", {}).items()
                ],
            }
        )
    return found


@require_safe
def docs(request: HttpRequest) -> HttpResponse:
    schema = description()
    return render(
        request,
        "api/docs.html",
        {
            "title": schema.get("info", {}).get("title", ""),
            "version": schema.get("info", {}).get("version", ""),
            "operations": operations(schema),
            "shapes": shapes(schema),
            "default_limit": DEFAULT_LIMIT,
            "max_limit": MAX_LIMIT,
            "openapi_url": reverse("api:openapi-json"),
            "tokens_url": reverse("accounts:api_tokens"),
        },
    )
