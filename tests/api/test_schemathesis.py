"""Property-based tests of the read API against its own OpenAPI description (schemathesis):
requests made from the description — valid ones, and the edges of every parameter — sent to
the Django application in this process (its WSGI handler, on the test database), as anonymous
and with a Secretariat token. No answer may be a server error, and every answer must be one the
description gives (its status, its content type, its schema)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from codemonitor.accounts.services import api_token_create
from codemonitor.wsgi import application
from tests.api.conftest import PLANTED, move_the_clock

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def secretariat_token(round_, people) -> Iterator[str]:
    """A published round, and a Secretariat token. The WSGI handler runs in the test's
    transaction: Django's own test client stops it from closing the connection between
    requests, and so does this fixture."""
    move_the_clock(round_, public=True)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield api_token_create(user=people["admin"], name="schemathesis")[1]
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# The description as the application serves it (reading it needs no database).
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@schema.parametrize()
@hypothesis.settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
)
def test_the_api_answers_as_it_describes(case: Any, secretariat_token: str) -> None:
    for headers in ({}, {"Authorization": f"Bearer {secretariat_token}"}):
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        for planted in PLANTED:
            assert planted not in response.text
