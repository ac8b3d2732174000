"""Asking for a password reset: limited, and the same answer and the same work whether or not
the address has an account; the worker looks it up and sends (issue 8, finding B)."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from codemonitor.core.models import AuditEntry
from tests.conftest import COUNTRY_A, person
from tests.smtp import Mailbox

# The worker closes its database connections when it is done: outside a test transaction.
pytestmark = pytest.mark.django_db(transaction=True)
RESET = "/account/password/reset/"
TASK = "codemonitor.accounts.services.password_reset_deliver"
# Quoted values, numbers, and the names of savepoints (numbered as they come).
VALUES = re.compile(r"'(?:[^']|'')*'|\"s\d+_x\d+\"|\b\d+\b")


@pytest.fixture
def queued(settings):
    """Tasks go to the database queue, run by `manage.py db_worker`."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }


@pytest.fixture
def account(reference):
    from codemonitor.accounts.models import Role

    return person("fp@gha.example", Role.FOCAL_POINT, COUNTRY_A)


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def statements(queries: CaptureQueriesContext) -> list[str]:
    """The SQL run, without its values (keys, addresses, times differ)."""
    return [VALUES.sub("?", query["sql"]) for query in queries]


def without_tokens(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_a_known_and_an_unknown_address_get_the_same_answer_and_work(queued, account, smtp) -> None:
    with CaptureQueriesContext(connection) as known_queries:
        known = Client(REMOTE_ADDR="198.51.100.1").post(RESET, {"email": account.email})
    with CaptureQueriesContext(connection) as unknown_queries:
        unknown = Client(REMOTE_ADDR="198.51.100.2").post(RESET, {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/account/password/reset/sent/"
    assert known.content == unknown.content
    # The same statements (the rate-limit counters, one queued task), no account looked up.
    assert statements(known_queries) == statements(unknown_queries)
    assert not any("accounts_user" in q["sql"] for q in known_queries)
    assert DBTaskResult.objects.filter(task_path=TASK, status="READY").count() == 2
    assert smtp.messages == []  # nothing is sent from the request
    run_worker()
    [message] = smtp.wait_for(1)
    assert message["To"] == account.email
    link = re.search(r"http://testserver(/account/password/reset/\S+/)", Mailbox.body(message))
    assert link is not None
    sent = AuditEntry.objects.get(action="user.password.reset_sent")
    assert sent.target_id == account.pk
    assert account.email not in str(sent.data)


def test_ten_requests_for_one_address_send_at_most_the_limit(
    queued, account, smtp, settings
) -> None:
    settings.RATE_RESET_PER_EMAIL = (3, 3600)
    responses = [
        Client(REMOTE_ADDR=f"198.51.100.{n}").post(RESET, {"email": account.email})
        for n in range(1, 11)
    ]
    assert [r.status_code for r in responses] == [302] * 3 + [429] * 7
    assert "Too many requests to reset a password" in responses[-1].content.decode()
    assert DBTaskResult.objects.filter(task_path=TASK).count() == 3
    run_worker()
    assert len(smtp.wait_for(3)) == 3
    # An unknown address is refused alike: the refusal says nothing about accounts.
    unknown = [
        Client(REMOTE_ADDR=f"203.0.113.{n}").post(RESET, {"email": "nobody@example.org"})
        for n in range(1, 5)
    ]
    assert [r.status_code for r in unknown] == [302] * 3 + [429]
    assert without_tokens(unknown[-1]) == without_tokens(responses[-1]).replace(
        account.email, "nobody@example.org"
    )


def test_requests_from_one_address_are_limited(queued, account, smtp, settings) -> None:
    settings.RATE_RESET_PER_IP = (4, 3600)
    client = Client(REMOTE_ADDR="203.0.113.66")
    statuses = [
        client.post(RESET, {"email": f"guess{n}@example.org"}).status_code for n in range(6)
    ]
    assert statuses == [302] * 4 + [429] * 2
    # The account's owner, elsewhere, still gets the email.
    assert Client(REMOTE_ADDR="198.51.100.7").post(RESET, {"email": account.email})["Location"] == (
        "/account/password/reset/sent/"
    )
    run_worker()
    [message] = smtp.wait_for(1)
    assert message["To"] == account.email
