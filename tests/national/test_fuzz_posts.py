"""Every POST endpoint, sent what an attacker would send, as every persona: never a server error,
nothing stored that should not be.

The endpoints and the objects they name come from the scoping matrix (tests/national/
test_scoping_matrix.py), so a new write route is fuzzed as soon as it is listed there. Bodies are
drawn by hypothesis: the endpoint's own field names and made-up ones, with values that hold NUL
and other control characters, text far over every limit, many fields, repeated fields, lists
where one value is expected and numbers where text is; and raw bodies that are not UTF-8 at all.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codemonitor.instruments.engine import MAX_TEXT
from codemonitor.reporting.models import Answer, PersonalAnswer, Report
from tests.national import test_scoping_matrix as matrix
from tests.national.test_scoping_matrix import PERSONAS, cases


@pytest.fixture(name="world")
def _world(people, nri_round, report_a, isri_round, tmp_path):
    """The matrix's objects: one of each object a URL names."""
    build = matrix.world.__wrapped__  # type: ignore[attr-defined]
    return build(people, nri_round, report_a, isri_round, tmp_path)

pytestmark = pytest.mark.django_db

# Field names the endpoints read, so that drawn bodies reach past "field missing" refusals.
KNOWN_FIELDS = [
    "field",
    "value",
    "version",
    "page",
    "multiple",
    "action",
    "email",
    "entity_name",
    "homepage",
    "reason",
    "username",
    "password",
    "code",
    "language",
    "next",
    "resume",
    "name",
    "institution",
    "q__q1_answer__",
    "q__dna_name__",
    "dq__dna_name__",
    "vq__dna_name__",
    "q__entity_name__",
    "q__q1_source_countries__",
]

nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.sampled_from(["\x00", "a\x00b", "\x07\x1b[31m", "\r\n\t", "=HYPERLINK(1)", "../../etc"]),
    st.integers(min_value=MAX_TEXT - 2, max_value=MAX_TEXT * 3).map(lambda n: "x" * n),
    st.integers().map(str),
    st.sampled_from(["-1", "99999999999999999999", "1e309", "NaN", "0x10", " 2 "]),
)
bodies = st.dictionaries(
    st.one_of(st.sampled_from(KNOWN_FIELDS), st.text(min_size=1, max_size=12)),
    st.one_of(nasty_text, st.lists(nasty_text, max_size=5)),
    max_size=30,
)
POSTS = sorted(name for name, case in cases().items() if case[0] == "post")


def _holder(world: dict[str, Any]) -> Client:
    """The browser that opened the stakeholder report's private link."""
    client = Client()
    client.get(f"/isri/r/{world['token']}/")
    return client


def _nothing_stored_that_should_not_be() -> None:
    for model in (Answer, PersonalAnswer):
        for value in model.objects.values_list("value", flat=True):
            text = str(value)
            assert "\x00" not in text
            assert len(text) <= MAX_TEXT * 2 + 100  # a list of choices may be a little longer
    assert not any("\x00" in name for name in Report.objects.values_list("entity_name", flat=True))


def _check(client: Client, url: str, data: dict[str, Any]) -> None:
    response = client.post(url, data)
    assert response.status_code < 500, (url, response.status_code)


@pytest.mark.parametrize("persona", [*PERSONAS, "holder"])
def test_every_post_endpoint_survives_what_an_attacker_sends(
    clients, world, persona, settings_overrides
) -> None:
    client = _holder(world) if persona == "holder" else clients[persona]
    table = cases()

    @settings(
        max_examples=120,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        derandomize=True,
    )
    @given(name=st.sampled_from(POSTS), data=bodies)
    def attack(name: str, data: dict[str, Any]) -> None:
        _check(client, table[name][1](world), data)

    attack()
    _nothing_stored_that_should_not_be()


@pytest.mark.parametrize("persona", ["anonymous", "holder", "fp_a", "admin"])
def test_bodies_that_are_not_utf8_or_not_forms(clients, world, persona, settings_overrides):
    client = _holder(world) if persona == "holder" else clients[persona]
    raw_bodies = [
        (b"field=q__q1_answer__&value=%FF%FE%00", "application/x-www-form-urlencoded"),
        (b"\xff\xfe\x00\x01garbage", "application/x-www-form-urlencoded"),
        (b"value=" + b"%00" * 1000, "application/x-www-form-urlencoded"),
        (b"&".join(b"f%d=1" % n for n in range(900)), "application/x-www-form-urlencoded"),
        (b'{"field": "x"}', "application/json"),
        (b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n", "multipart/form-data"),
        (b"--x\r\n\r\n--x--", "multipart/form-data; boundary=x"),
    ]
    for name in POSTS:
        url = cases()[name][1](world)
        for body, content_type in raw_bodies:
            response = client.generic("POST", url, body, content_type=content_type)
            assert response.status_code < 500, (name, body[:30], response.status_code)
    _nothing_stored_that_should_not_be()


@pytest.fixture
def settings_overrides(settings):
    """Rate limits high enough that the bodies reach the code behind them."""
    settings.RATE_AUTOSAVE_PER_REPORT = (100_000, 60)
    settings.RATE_AUTOSAVE_PER_IP = (100_000, 60)
