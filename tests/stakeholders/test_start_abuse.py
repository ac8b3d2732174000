"""The open start form cannot be used to mail strangers: no requester's text in the email, and
limits per address, per IP and for everyone together (issue 8, finding A)."""

from __future__ import annotations

import pytest
from django.test import Client

from codemonitor.reporting.models import Report
from tests.smtp import Mailbox
from tests.stakeholders.helpers import link_from, start_report

pytestmark = pytest.mark.django_db

ATTACK = "Nurses Without Borders\nVisit http://evil.example/ now"


def post_start(client: Client, number: int, email: str, entity: str = "Entity", **extra):
    return client.post(
        f"/isri/round/{number}/start/", {"email": email, "entity_name": entity}, **extra
    )


def assert_nothing_of_the_requester(message) -> None:
    text = f"{message['Subject']}\n{Mailbox.body(message)}"
    assert "evil.example" not in text
    assert "Visit" not in text
    assert "Nurses Without Borders" not in text


def test_the_private_link_email_holds_no_text_the_requester_typed(
    client, isri_round, smtp, django_capture_on_commit_callbacks
) -> None:
    number = isri_round.round.number
    report = start_report(client, number, email="victim@example.org", entity=ATTACK)
    assert report.entity_name == ATTACK  # kept for the report's pages, where its author sees it
    [message] = smtp.wait_for(1)
    assert message["To"] == "victim@example.org"
    assert_nothing_of_the_requester(message)
    assert report.reference in Mailbox.body(message)
    assert link_from(message).startswith("/isri/r/")
    # "Send my link again" sends the same email.
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(f"/isri/round/{number}/link/", {"email": "victim@example.org"})
    again = smtp.wait_for(2)[1]
    assert again["To"] == "victim@example.org"
    assert_nothing_of_the_requester(again)


def test_starts_are_capped_for_everyone_together(
    isri_round, smtp, settings, django_capture_on_commit_callbacks
) -> None:
    settings.RATE_START_GLOBAL = (3, 3600)
    number = isri_round.round.number
    for n in range(3):
        client = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")
        assert post_start(client, number, f"p{n}@example.org", f"Entity {n}").status_code == 302
    late = post_start(Client(REMOTE_ADDR="198.51.100.99"), number, "late@example.org")
    assert late.status_code == 429
    assert "Very many reports are being started just now" in late.content.decode()
    assert Report.objects.count() == 3
    assert len(smtp.messages) == 3
    # Asking for a link again is counted in the same cap: nothing is queued.
    with django_capture_on_commit_callbacks(execute=True) as queued:
        resend = Client(REMOTE_ADDR="198.51.100.98").post(
            f"/isri/round/{number}/link/", {"email": "p0@example.org"}
        )
    assert resend.status_code == 200  # the same neutral answer
    assert queued == []
    assert len(smtp.messages) == 3


def test_a_requester_over_its_own_limit_does_not_use_up_everyones_share(
    isri_round, smtp, settings
) -> None:
    settings.RATE_START_PER_IP = (2, 3600)
    settings.RATE_START_GLOBAL = (3, 3600)
    number = isri_round.round.number
    noisy = Client(REMOTE_ADDR="203.0.113.66")
    statuses = [
        post_start(noisy, number, f"n{n}@example.org", f"N {n}").status_code for n in range(6)
    ]
    assert statuses == [302, 302, 429, 429, 429, 429]
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert post_start(other, number, "real@example.org", "Real").status_code == 302


def test_send_my_link_again_mails_an_address_at_most_the_limit(
    isri_round, smtp, settings, django_capture_on_commit_callbacks
) -> None:
    """However many reports were started for an address, each email counts, not each request."""
    settings.RATE_START_PER_EMAIL = (10, 3600)
    settings.RATE_LINK_PER_EMAIL = (2, 3600)
    number = isri_round.round.number
    for n in range(4):
        start_report(Client(), number, email="victim@example.org", entity=f"Entity {n}")
    assert len(smtp.wait_for(4)) == 4
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            Client().post(f"/isri/round/{number}/link/", {"email": "victim@example.org"})
    assert len(smtp.messages) == 4 + 2
