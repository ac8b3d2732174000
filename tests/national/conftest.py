"""National reporting: the round and its reports (the personas are in tests/conftest.py)."""

from __future__ import annotations

import pytest

from codemonitor.backoffice.national import round_open_national
from codemonitor.reporting.models import Report
from codemonitor.reporting.rounds import demo_round_ensure, round_instrument_for

# The personas (`people`, `clients`, `person`...) live in tests/conftest.py for every test.
from tests.conftest import COUNTRY_A, COUNTRY_B, person  # noqa: F401  (re-exported)


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
