"""National reporting: the round and its reports (the personas are in tests/conftest.py)."""

from __future__ import annotations

import pytest

from codemonitor.demo.rounds import demo_round_ensure
from codemonitor.reporting.models import Report
from codemonitor.reporting.rounds import round_instrument_for
from codemonitor.reporting.workflow import round_open_national

# The personas (`people`, `clients`, `person`...) live in tests/conftest.py for every test.
from tests.conftest import COUNTRY_A, COUNTRY_B, person

__all__ = ["COUNTRY_A", "COUNTRY_B", "person"]  # imported from here by tests written before

# The countries `nri_round` opens: A and B, whose people are personas, and a few without a focal
# point, in other regions. Opening all 194 (`nri_round_all`) is for tests that count them.
NRI_COUNTRIES = (COUNTRY_A, COUNTRY_B, "BRA", "IND", "NGA", "THA")


def _national_round_open(people, member_states):
    round_ = demo_round_ensure()
    use = round_instrument_for(round_, "national")
    round_open_national(
        round_instrument=use,
        user=people["admin"],
        base_url="http://testserver",
        member_states=member_states,
    )
    return use


@pytest.fixture
def nri_round(people):
    """The demonstration round's NRI, open with the reports of NRI_COUNTRIES."""
    return _national_round_open(people, NRI_COUNTRIES)


@pytest.fixture
def nri_round_all(people):
    """The demonstration round's NRI, open with a report for each of the 194 Member States."""
    return _national_round_open(people, None)


@pytest.fixture
def report_a(nri_round) -> Report:
    return Report.objects.get(round_instrument=nri_round, member_state_id=COUNTRY_A)


@pytest.fixture
def report_b(nri_round) -> Report:
    return Report.objects.get(round_instrument=nri_round, member_state_id=COUNTRY_B)
