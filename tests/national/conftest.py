"""Personas of national reporting, each on its side of a permission boundary."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from codemonitor.accounts.models import Role, User
from codemonitor.demo.rounds import demo_round_ensure
from codemonitor.reporting.models import Report
from codemonitor.reporting.rounds import round_instrument_for
from codemonitor.reporting.workflow import round_open_national
from tests.conftest import sign_in

COUNTRY_A, COUNTRY_B = "GHA", "FRA"


def person(email: str, role: str, country: str | None = None, *, totp: bool = False) -> User:
    return User.objects.create_user(
        email,
        email,
        "a long enough password 123",
        role=role,
        member_state_id=country,
        totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" if totp else "",
        totp_confirmed_at=timezone.now() if totp else None,
    )


@pytest.fixture
def people(instruments, secretariat):
    return {
        "admin": secretariat,
        "analyst": person("analyst@who.example", Role.SECRETARIAT_ANALYST, totp=True),
        "fp_a": person("fp@gha.example", Role.FOCAL_POINT, COUNTRY_A),
        "contributor_a": person("contrib@gha.example", Role.CONTRIBUTOR, COUNTRY_A),
        "fp_b": person("fp@fra.example", Role.FOCAL_POINT, COUNTRY_B),
    }


@pytest.fixture
def nri_round(people):
    round_ = demo_round_ensure()
    use = round_instrument_for(round_, "national")
    round_open_national(round_instrument=use, user=people["admin"], base_url="http://testserver")
    return use


@pytest.fixture
def report_a(nri_round) -> Report:
    return Report.objects.get(round_instrument=nri_round, member_state_id=COUNTRY_A)


@pytest.fixture
def report_b(nri_round) -> Report:
    return Report.objects.get(round_instrument=nri_round, member_state_id=COUNTRY_B)


@pytest.fixture
def clients(people):
    """A signed-in client per persona, plus an anonymous one."""
    signed = {"anonymous": Client()}
    for name, user in people.items():
        client = Client()
        sign_in(client, user)
        signed[name] = client
    return signed
