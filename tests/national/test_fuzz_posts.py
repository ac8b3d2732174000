"""Every POST endpoint, sent what an attacker would send, as every persona: never a server error,
nothing stored that should not be.

The endpoints and the objects they name come from the write matrix (tests/national/
test_write_matrix.py), so a new write route is fuzzed as soon as it is listed there. Bodies are
drawn by hypothesis: the endpoint's own field names and made-up ones, with values that hold NUL
and other control characters, text far over every limit, many fields, repeated fields, lists
where one value is expected and numbers where text is; and raw bodies that are not UTF-8 at all.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from codemonitor.instruments.engine import MAX_TEXT
from codemonitor.reporting.models import Answer, PersonalAnswer, Report
from tests.national.test_scoping_matrix import world  # noqa: F401  (the fixture)
from tests.national.test_write_matrix import (  # noqa: F401  (write_world: the fixture)
    ALL,
    KEPT,
    WRITE,
    write_world,
    writes,
)

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
# Every write route but signing out (which would end the persona's session for the rest).
POSTS = sorted(name for name in writes() if name not in {"accounts:sign_out", "admin:logout"})


def _nothing_stored_that_should_not_be() -> None:
    from codemonitor.core.models import AuditEntry
    from codemonitor.registers.models import NationalAuthorityChange, NationalAuthorityProposal
    from codemonitor.reporting.models import QuestionComment

    for model in (Answer, PersonalAnswer):
        for value in model.objects.values_list("value", flat=True):
            text = " ".join(value) if isinstance(value, list) else str(value)
            assert "\x00" not in text
            assert len(text) <= MAX_TEXT
    written = [
        *Report.objects.values_list("entity_name", flat=True),
        *QuestionComment.objects.values_list("text", flat=True),
        *NationalAuthorityChange.objects.values_list("note", flat=True),
        *NationalAuthorityProposal.objects.values_list("decision_note", flat=True),
        *(str(data) for data in AuditEntry.objects.values_list("data", flat=True)),
    ]
    assert not [text for text in written if "\x00" in text]


def _check(client: Client, url: str, data: dict[str, Any]) -> None:
    response = client.post(url, data)
    assert response.status_code < 500, (url, response.status_code)


@pytest.mark.parametrize("persona", ALL)
def test_every_post_endpoint_survives_what_an_attacker_sends(
    clients,
    write_world,  # noqa: F811
    persona,
    settings_overrides,
) -> None:
    client = {**clients, **write_world["clients"]}[persona]
    # Each route's address once (a builder may make the object its route names).
    urls = {name: writes()[name].request(write_world, persona)[0] for name in POSTS}

    @settings(
        max_examples=50,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        derandomize=True,
    )
    @given(name=st.sampled_from(POSTS), data=bodies)
    @example(name="stakeholders:autosave", data={"field": "q__q1_answer__", "version": "²"})
    @example(name="national:autosave", data={"field": "q__dna_name__", "page": "x"})
    @example(name="stakeholders:page", data={"action": "remove_file:²"})
    @example(name="national:page", data={"action": "remove_file:²"})
    @example(
        name="backoffice:national_report_action", data={"message": "\x00", "comment__x": "\x00"}
    )
    def attack(name: str, data: dict[str, Any]) -> None:
        if name not in urls:
            return
        _check(client, urls[name], data)

    attack()
    _nothing_stored_that_should_not_be()


def test_bodies_that_are_not_utf8_or_not_forms(
    clients,
    write_world,  # noqa: F811
    settings_overrides,
) -> None:
    """Each route as the persona it lets write (so that the body reaches the code behind the
    checks), else anonymously. The Django admin's own forms get one malformed body each."""
    signed = {**clients, **write_world["clients"]}
    raw_bodies = [
        (b"field=q__q1_answer__&value=%FF%FE%00", "application/x-www-form-urlencoded"),
        (b"\xff\xfe\x00\x01garbage", "application/x-www-form-urlencoded"),
        (b"value=" + b"%00" * 1000, "application/x-www-form-urlencoded"),
        (b"&".join(b"f%d=1" % n for n in range(900)), "application/x-www-form-urlencoded"),
        (b'{"field": "x"}', "application/json"),
        (b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n', "multipart/form-data"),
        (b"--x\r\n\r\n--x--", "multipart/form-data; boundary=x"),
    ]
    table = writes()
    for name in POSTS:
        write = table[name]
        allowed = [p for p in ALL if write.expected[p] in {WRITE, KEPT}]
        persona = allowed[0] if allowed else "anonymous"
        url, _data = write.request(write_world, persona)
        for body, content_type in raw_bodies[:1] if name.startswith("admin:") else raw_bodies:
            response = signed[persona].generic("POST", url, body, content_type=content_type)
            assert response.status_code < 500, (name, persona, body[:30], response.status_code)
    _nothing_stored_that_should_not_be()


@pytest.fixture
def settings_overrides(settings):
    """Rate limits high enough that the bodies reach the code behind them."""
    settings.RATE_AUTOSAVE_PER_REPORT = (100_000, 60)
    settings.RATE_AUTOSAVE_PER_IP = (100_000, 60)
