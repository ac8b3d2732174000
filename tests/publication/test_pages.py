"""The Secretariat's publication decisions through its pages, and "public on <date>" where the
people of a round look (the back office, the national users' list, the stakeholder's receipt
page). Who may post is the write matrix's (tests/national/test_write_matrix.py)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from codemonitor.core.models import AuditEntry
from codemonitor.reporting.models import Report, Round

pytestmark = pytest.mark.django_db
GENEVA = ZoneInfo("Europe/Zurich")


def last_deadline(round_: Round) -> dt.datetime:
    return max(use.closes_at for use in round_.instruments.all())


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return str(response.content.decode())


def test_the_administrator_sets_the_moment_and_everyone_sees_it(clients, nri_round) -> None:
    round_ = nri_round.round
    overview = f"/backoffice/rounds/{round_.number}/national/"
    round_.publishes_at = None  # the demonstration round comes with a date: start without one
    round_.save()
    assert "Not public" in page(clients["admin"], overview)
    moment = timezone.localtime(last_deadline(round_), GENEVA) + dt.timedelta(days=20)
    typed = moment.strftime("%Y-%m-%dT%H:%M")
    response = clients["admin"].post(
        f"/backoffice/rounds/{round_.number}/publication/", {"publishes_at": typed}
    )
    assert response.status_code == 302 and response["Location"].endswith("#publication")
    round_.refresh_from_db()
    assert timezone.localtime(round_.publishes_at, GENEVA).strftime("%Y-%m-%dT%H:%M") == typed
    shown = page(clients["admin"], overview)
    assert "Public on " in shown and f'value="{typed}"' in shown
    # The analyst reads it but has no form; the country's people see it beside their report.
    analyst = page(clients["analyst"], overview)
    assert "Public on " in analyst and 'name="publishes_at"' not in analyst
    assert "Public on " in page(clients["fp_a"], "/national/")
    # Removing the date: nothing is public, and the change is audited.
    clients["admin"].post(f"/backoffice/rounds/{round_.number}/publication/", {"clear": "1"})
    round_.refresh_from_db()
    assert round_.publishes_at is None
    assert AuditEntry.objects.filter(action="round.publication.changed").count() == 2


@pytest.mark.parametrize(
    "typed", ["", "tomorrow", "2024-13-45T99:99", "\x00", "9" * 200, "0001-01-01T00:00"]
)
def test_a_moment_that_is_no_moment_is_named_and_kept(clients, nri_round, typed) -> None:
    round_ = nri_round.round
    before = round_.publishes_at
    response = clients["admin"].post(
        f"/backoffice/rounds/{round_.number}/publication/", {"publishes_at": typed}, follow=True
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "is not a date and time" in text
    round_.refresh_from_db()
    assert round_.publishes_at == before
    assert not AuditEntry.objects.filter(action="round.publication.changed").exists()


def test_a_moment_before_the_deadline_is_refused_with_the_deadline(clients, nri_round) -> None:
    round_ = nri_round.round
    before = round_.publishes_at
    early = timezone.localtime(last_deadline(round_), GENEVA) - dt.timedelta(days=1)
    typed = early.strftime("%Y-%m-%dT%H:%M")
    response = clients["admin"].post(
        f"/backoffice/rounds/{round_.number}/publication/", {"publishes_at": typed}, follow=True
    )
    text = response.content.decode()
    assert "before its last deadline" in text
    assert f'value="{typed}"' in text  # what was typed, there to correct
    round_.refresh_from_db()
    assert round_.publishes_at == before


def test_withholding_a_report_from_its_page(clients, report_a) -> None:
    url = f"/backoffice/national-reports/{report_a.pk}/"
    assert "Withhold from publication" in page(clients["admin"], url)
    assert "Withhold from publication" not in page(clients["analyst"], url)
    refused = clients["admin"].post(
        f"/backoffice/reports/{report_a.pk}/publication/withhold/", {"reason": ""}, follow=True
    )
    assert "Say why" in refused.content.decode()
    clients["admin"].post(
        f"/backoffice/reports/{report_a.pk}/publication/withhold/", {"reason": "Under appeal"}
    )
    assert Report.objects.get(pk=report_a.pk).withheld
    shown = page(clients["admin"], url)
    assert "Withheld from publication" in shown and "Under appeal" in shown  # in the history
    assert "withheld from publication" in page(clients["fp_a"], "/national/")
    clients["admin"].post(f"/backoffice/reports/{report_a.pk}/publication/release/")
    assert not Report.objects.get(pk=report_a.pk).withheld
    unknown = clients["admin"].post(
        f"/backoffice/reports/{report_a.pk}/publication/publish-now/", follow=True
    )
    assert unknown.status_code == 200 and "Choose to withhold" in unknown.content.decode()
