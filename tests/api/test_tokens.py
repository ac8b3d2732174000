"""Personal tokens for the read API: made and revoked by their owner on the account page, shown
once, stored as a digest only, each change audited; and the rate limits, per address without a
token and per token with one."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from django.test import Client

from codemonitor.accounts.models import ApiToken
from codemonitor.accounts.services import API_TOKENS_PER_USER, ApiTokenRefused, api_token_create
from codemonitor.core.audit import Action
from codemonitor.core.models import AuditEntry
from tests.api.conftest import ApiClient
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

PAGE = "/account/api-tokens/"


def shown_token(response) -> str:
    found = re.search(r'<code id="api-token">([^<]+)</code>', response.content.decode())
    assert found, "the new token is shown"
    return found.group(1)


def test_a_token_is_made_shown_once_and_revoked_on_the_account_page(people) -> None:
    client = Client()
    sign_in(client, people["fp_a"])
    assert client.get(PAGE).status_code == 200
    made = client.post(PAGE, {"name": "Ministry dashboard"})
    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    secret = shown_token(made)
    token = ApiToken.objects.get(user=people["fp_a"])
    assert token.name == "Ministry dashboard"
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in json.dumps(list(ApiToken.objects.values()), default=str)
    # Only this once: the page drawn again lists it, without the token.
    again = client.get(PAGE).content.decode()
    assert "Ministry dashboard" in again and secret not in again
    created = AuditEntry.objects.get(action=Action.USER_API_TOKEN_CREATED)
    assert created.actor_id == people["fp_a"].pk and created.target_id == token.pk
    assert secret not in json.dumps(created.data) and "Ministry" not in json.dumps(created.data)
    # It reads; its use is noted.
    assert ApiClient(secret).get("/api/reports").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    # Revoked: audited, and it reads nothing any more.
    revoked = client.post(f"/account/api-tokens/{token.pk}/revoke/")
    assert revoked.status_code == 302
    token.refresh_from_db()
    assert token.revoked
    entry = AuditEntry.objects.get(action=Action.USER_API_TOKEN_REVOKED)
    assert entry.actor_id == people["fp_a"].pk and entry.target_id == token.pk
    assert ApiClient(secret).get("/api/reports").status_code == 401
    # Revoking it twice changes nothing.
    assert client.post(f"/account/api-tokens/{token.pk}/revoke/").status_code == 404
    assert AuditEntry.objects.filter(action=Action.USER_API_TOKEN_REVOKED).count() == 1


def test_nobody_revokes_another_persons_token(people) -> None:
    token, secret = api_token_create(user=people["fp_a"], name="Mine")
    for name in ("fp_b", "admin", "contributor_a"):
        client = Client()
        sign_in(client, people[name])
        assert client.post(f"/account/api-tokens/{token.pk}/revoke/").status_code == 404
        assert secret not in client.get(PAGE).content.decode()
        assert "Mine" not in client.get(PAGE).content.decode()
    anonymous = Client()
    assert anonymous.post(f"/account/api-tokens/{token.pk}/revoke/").status_code == 302
    assert anonymous.get(PAGE).status_code == 302
    token.refresh_from_db()
    assert not token.revoked
    assert not AuditEntry.objects.filter(action=Action.USER_API_TOKEN_REVOKED).exists()


def test_a_token_needs_a_name_and_a_person_holds_a_few(people) -> None:
    client = Client()
    sign_in(client, people["fp_b"])
    assert client.post(PAGE, {"name": "   "}).status_code == 400
    for number in range(API_TOKENS_PER_USER):
        api_token_create(user=people["fp_b"], name=f"Token {number}")
    refused = client.post(PAGE, {"name": "One more"})
    assert refused.status_code == 400
    assert ApiToken.objects.filter(user=people["fp_b"]).count() == API_TOKENS_PER_USER
    with pytest.raises(ApiTokenRefused):
        api_token_create(user=people["fp_b"], name="And another")


def test_too_many_requests_without_a_token_from_one_address(settings, instruments) -> None:
    settings.RATE_API_PER_IP = (3, 60)
    client = ApiClient()
    for _number in range(3):
        assert client.get("/api/countries?limit=1").status_code == 200
    refused = client.get("/api/countries?limit=1")
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/json")
    wait = int(refused["Retry-After"])
    assert 1 <= wait <= 60
    assert json.loads(refused.content)["detail"]
    # The client cannot choose its address (no trusted proxy in front: the header is not read).
    spoofed = client.get("/api/countries?limit=1", headers={"X-Forwarded-For": "203.0.113.9"})
    assert spoofed.status_code == 429
    # Another address still reads.
    other = client.get("/api/countries?limit=1", REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 200
    # Wrong tokens count against the address too.
    assert client.get("/api/countries", headers={"Authorization": "Bearer x"}).status_code == 429


def test_too_many_requests_with_one_token(settings, people) -> None:
    settings.RATE_API_PER_TOKEN = (2, 60)
    _token, secret = api_token_create(user=people["analyst"], name="Busy script")
    _other, other_secret = api_token_create(user=people["admin"], name="Quiet script")
    busy = ApiClient(secret)
    assert busy.get("/api/rounds").status_code == 200
    assert busy.get("/api/rounds").status_code == 200
    refused = busy.get("/api/rounds")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    # Counted per token: another person's token, from the same address, still reads.
    assert ApiClient(other_secret).get("/api/rounds").status_code == 200
