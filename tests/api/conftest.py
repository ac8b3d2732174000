"""The read API: the publication's round (`round_`, tests/publication/conftest.py: reports in
every state, personal data planted in them), personal tokens for the personas, and a client
that sends one."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from codemonitor.accounts.services import api_token_create
from codemonitor.reporting.models import Round
from tests.publication.conftest import (
    DOCUMENT_NAME,
    ENTITY,
    PLANTED_EMAIL,
    PLANTED_NAME,
    PLANTED_PHONE,
    PLANTED_WEBSITE,
    nri_round,
    report_a,
    report_b,
    round_,
)

__all__ = ["nri_round", "report_a", "report_b", "round_"]

PLANTED = (PLANTED_NAME, PLANTED_EMAIL, PLANTED_PHONE, DOCUMENT_NAME, PLANTED_WEBSITE)
# A designated national authority's entry holds a postal address and a telephone, which the
# public register leaves out.
DNA_ADDRESS = "Planted Street 12, Accra"
DNA_PHONE = "+233 555 0199"
__all__ += ["DNA_ADDRESS", "DNA_PHONE", "ENTITY", "PLANTED"]


@pytest.fixture(autouse=True)
def _generous_limits(settings) -> None:
    """Tests send many requests from one address in a minute: the rate-limit tests set their
    own limits."""
    settings.RATE_API_PER_IP = (100_000, 60)
    settings.RATE_API_PER_TOKEN = (100_000, 60)


class ApiClient:
    """A test client of the API, as anonymous or with a personal token."""

    def __init__(self, token: str = "") -> None:
        self.client = Client()
        self.token = token

    def get(self, path: str, data: dict[str, str] | None = None, **extra: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra.pop("headers", {}))
        return self.client.get(path, data, headers=headers, **extra)

    def json(self, path: str, status: int = 200, **extra: Any) -> Any:
        response = self.get(path, **extra)
        assert response.status_code == status, (path, response.status_code, response.content)
        assert response["Content-Type"].startswith("application/json"), path
        return json.loads(response.content)

    def every(self, path: str) -> list[dict[str, Any]]:
        """Every item of a list, page after page."""
        found: list[dict[str, Any]] = []
        separator = "&" if "?" in path else "?"
        url = f"{path}{separator}limit=100"
        while True:
            page = self.json(url)
            found.extend(page["items"])
            if page["next"] is None:
                return found
            url = f"{path}{separator}limit=100&cursor={page['next']}"


@pytest.fixture
def readers(people) -> dict[str, ApiClient]:
    """Anonymous, and a token each for the Secretariat's administrator and analyst, the focal
    point and contributor of Ghana and the focal point of France."""
    found = {"anonymous": ApiClient()}
    for name in ("admin", "analyst", "fp_a", "contributor_a", "fp_b"):
        _token, secret = api_token_create(user=people[name], name=f"Script of {name}")
        found[name] = ApiClient(secret)
    return found


def move_the_clock(round_: dict[str, Any], *, public: bool) -> None:
    """The round's moment an hour ago (public) or in a year (not yet), as the portal's tests
    move it (tests/publication/test_portal.py)."""
    moment = timezone.now() + (dt.timedelta(hours=-1) if public else dt.timedelta(days=365))
    Round.objects.filter(pk=round_["round"].pk).update(publishes_at=moment)
