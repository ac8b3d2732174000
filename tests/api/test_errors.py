"""Bad input and abuse: unknown parameters, malformed or tampered cursors, huge pages, values
the API cannot use, bad tokens, unknown addresses and methods — each a clear 4xx in JSON,
`{"detail": …}`, never a 500, never a page."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from codemonitor.accounts.services import api_token_create, api_token_revoke
from codemonitor.api.docs import description
from codemonitor.api.paging import MAX_LIMIT, cursor_make
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def detail(response) -> str:
    assert response["Content-Type"].startswith("application/json"), response.content
    body = json.loads(response.content)
    assert isinstance(body["detail"], str) and body["detail"], body
    return body["detail"]


def list_paths() -> list[str]:
    return [
        path
        for path, methods in description()["paths"].items()
        if "{" not in path and "get" in methods
    ]


def test_every_list_refuses_a_parameter_it_does_not_take(instruments) -> None:
    client = ApiClient()
    paths = list_paths()
    assert len(paths) == 8
    for path in paths:
        response = client.get(f"{path}?limit=5&coutnry=GHA")
        assert response.status_code == 400, path
        assert "“coutnry”" in detail(response), path
    for path in ("/api/reports/1", "/api/rounds/1", "/api/countries/GHA"):
        response = client.get(f"{path}?limit=5")
        assert response.status_code == 400, path
        assert "“limit”" in detail(response)


def test_a_page_larger_than_the_largest_is_refused(instruments) -> None:
    client = ApiClient()
    for limit in (str(MAX_LIMIT + 1), "1000000", "0", "-1", "ten", "1e3", "99999999999999999999"):
        response = client.get(f"/api/countries?limit={limit}")
        assert response.status_code == 400, limit
        assert "“limit”" in detail(response), limit
        assert json.loads(response.content)["errors"][0]["parameter"] == "limit"
    response = client.get(f"/api/countries?limit={MAX_LIMIT + 1}")
    assert f"at most {MAX_LIMIT}" in detail(response)
    assert len(client.json(f"/api/countries?limit={MAX_LIMIT}")["items"]) == MAX_LIMIT


def test_cursors_made_by_hand_or_changed_are_refused(instruments) -> None:
    client = ApiClient()
    good = client.json("/api/countries?limit=2")["next"]
    assert good and client.json(f"/api/countries?limit=2&cursor={good}")["items"]
    head, _colon, signature = good.rpartition(":")
    tampered = f"{head}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}"
    forged = cursor_make("countries", "ZZZ").rpartition(":")[0] + ":" + signature
    for cursor in ("garbage", "", "eyJrIjoxfQ", tampered, forged, "%00", "a:b:c", "é" * 10):
        response = client.get("/api/countries", {"limit": "2", "cursor": cursor})
        if cursor == "":  # an empty cursor is the first page
            assert response.status_code == 200
            continue
        assert response.status_code == 400, cursor
        assert "cursor" in detail(response), cursor
    # A cursor of one list is refused by another.
    other = client.get("/api/reports", {"cursor": good})
    assert other.status_code == 400
    assert "another list" in detail(other)
    too_long = client.get("/api/countries", {"cursor": "x" * 5000})
    assert too_long.status_code == 400


def test_values_a_list_cannot_use(instruments) -> None:
    client = ApiClient()
    for query in (
        "region=XYZ",
        "country=G1A",
        "country=GHAN",
        "round=0",
        "round=abc",
        "kind=other",
        "instrument=n%00ri",
        "instrument=" + "x" * 200,
    ):
        response = client.get(f"/api/reports?{query}")
        assert response.status_code == 400, query
        name = query.split("=", 1)[0]
        assert f"“{name}”" in detail(response), query
    for query in ("q=a%00b", "status=nonsense", "country=%00%00%00"):
        assert client.get(f"/api/recruiters?{query}").status_code == 400, query
    assert client.get("/api/laws?q=%01").status_code == 400
    assert client.get("/api/statistics?destination=G%00H").status_code == 400
    for path in ("/api/reports/0", "/api/reports/-4", "/api/reports/abc", "/api/rounds/99999"):
        response = client.get(path)
        assert response.status_code == 400, path
        detail(response)
    huge = client.get("/api/reports/99999999999999999999999")
    assert huge.status_code == 400
    assert client.get("/api/countries/G1A").status_code == 400
    assert client.get("/api/countries/XXX").status_code == 404


def test_bad_tokens_are_refused_never_read_as_none(people) -> None:
    _token, secret = api_token_create(user=people["fp_a"], name="To revoke")
    client = Client()
    for header in ("Bearer wrong", "Bearer ", f"Basic {secret}", secret, "Bearer " + "x" * 500):
        response = client.get("/api/reports", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response["WWW-Authenticate"].startswith("Bearer")
        detail(response)
    assert (
        client.get("/api/reports", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )
    api_token_revoke(user=people["fp_a"], token_id=_token.pk)
    revoked = client.get("/api/reports", headers={"Authorization": f"Bearer {secret}"})
    assert revoked.status_code == 401
    assert "revoked" in detail(revoked)
    # A deactivated account's token reads nothing either.
    _other, other_secret = api_token_create(user=people["fp_b"], name="Of someone who left")
    people["fp_b"].is_active = False
    people["fp_b"].save(update_fields=["is_active"])
    assert (
        client.get("/api/reports", headers={"Authorization": f"Bearer {other_secret}"}).status_code
        == 401
    )


def test_unknown_addresses_and_methods_answer_json(instruments) -> None:
    client = Client()
    for path in ("/api/nothing", "/api/reports/1/answers", "/api/rounds/"):
        response = client.get(path)
        assert response.status_code == 404, path
        detail(response)
    for method in ("post", "put", "delete", "patch"):
        response = getattr(client, method)("/api/reports")
        assert response.status_code == 405, method
        assert "GET" in response["Allow"]
        detail(response)


def test_errors_speak_the_language_of_the_request(instruments) -> None:
    response = ApiClient().get("/api/countries?limit=500", headers={"Accept-Language": "fr"})
    assert response.status_code == 400
    assert response["Content-Language"] == "fr"
    detail(response)
