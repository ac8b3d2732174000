"""The OpenAPI description and the documentation page drawn from it: every operation there,
no script, nothing from another site (the content security policy allows neither)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

OPERATIONS = {
    "/api/rounds",
    "/api/rounds/{number}",
    "/api/reports",
    "/api/reports/{report_id}",
    "/api/answers",
    "/api/countries",
    "/api/countries/{iso3}",
    "/api/authorities",
    "/api/laws",
    "/api/recruiters",
    "/api/statistics",
}


def test_the_openapi_description(instruments) -> None:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == OPERATIONS
    assert schema["components"]["securitySchemes"]["PersonalToken"]["scheme"] == "bearer"
    for path, methods in schema["paths"].items():
        assert set(methods) == {"get"}, path
        operation = methods["get"]
        assert operation["security"] == [{}, {"PersonalToken": []}], path
        assert operation["summary"] and operation["description"], path
        assert {"200", "400", "401", "429"} <= set(operation["responses"]), path
        if "{" in path:
            assert "404" in operation["responses"], path
    limit = next(
        parameter
        for parameter in schema["paths"]["/api/reports"]["get"]["parameters"]
        if parameter["name"] == "limit"
    )
    assert limit["schema"]["maximum"] == 100


def test_the_documentation_page_works_offline_under_the_policy(instruments) -> None:
    response = Client().get("/api/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"].startswith("default-src 'self'")
    page = response.content.decode()
    assert "<script" not in page.lower()
    assert " style=" not in page
    for address in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert address.startswith(("/", "#")), address  # nothing from another site
    for path in OPERATIONS:
        assert f"GET {path}" in page, path
    for shape in ("ReportDetailOut", "ErrorOut", "LawOut", "StatisticOut"):
        assert f'id="shape-{shape}"' in page
    assert 'href="/api/openapi.json"' in page
    assert 'href="/account/api-tokens/"' in page
    french = Client().get("/api/", headers={"Accept-Language": "fr"})
    assert french.status_code == 200 and french["Content-Language"] == "fr"
