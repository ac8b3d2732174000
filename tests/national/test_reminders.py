"""Reminders: the right countries on the right days, once each, across a worker restart."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from codemonitor.reporting.models import ReminderSent, Report
from codemonitor.reporting.reminders import reminders_run, reminders_send

pytestmark = pytest.mark.django_db
GENEVA = ZoneInfo("Europe/Zurich")


@pytest.fixture
def deadline(nri_round) -> dt.date:
    nri_round.closes_at = dt.datetime(2027, 3, 31, 23, 59, tzinfo=GENEVA)
    nri_round.opens_at = dt.datetime(2026, 11, 1, tzinfo=GENEVA)
    nri_round.save()
    return dt.date(2027, 3, 31)


def reminded(smtp) -> list[str]:
    return sorted(str(m["To"]) for m in smtp.messages)


def test_the_right_countries_on_the_right_days(
    deadline, report_a, report_b, smtp, django_capture_on_commit_callbacks
) -> None:
    Report.objects.filter(pk=report_b.pk).update(state=Report.State.SUBMITTED)
    for days_before, expected in [
        (31, 0),
        (30, 1),
        (29, 0),
        (14, 1),
        (8, 0),
        (7, 1),
        (1, 1),
        (0, 0),
    ]:
        with django_capture_on_commit_callbacks(execute=True):
            count = reminders_send(today=deadline - dt.timedelta(days=days_before))
        assert count == expected, days_before
    smtp.wait_for(4)
    assert reminded(smtp) == ["fp@gha.example"] * 4  # B submitted; only A's focal point
    assert sorted(ReminderSent.objects.values_list("days_before", flat=True)) == [1, 7, 14, 30]


def test_never_twice_for_the_same_country_and_day(
    deadline, report_a, report_b, smtp, django_capture_on_commit_callbacks
) -> None:
    day = deadline - dt.timedelta(days=14)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send(today=day) == 2  # the two countries with a focal point
        assert reminders_send(today=day) == 0
    smtp.wait_for(2)  # sent from this thread: all there already (tests/smtp.py), none to come
    assert reminded(smtp) == ["fp@fra.example", "fp@gha.example"]


@pytest.mark.django_db(transaction=True)  # the worker closes its connections when done
def test_the_worker_sends_them_once_across_a_restart(
    deadline, report_a, report_b, smtp, settings, django_capture_on_commit_callbacks
):
    Report.objects.filter(pk=report_b.pk).update(state=Report.State.VALIDATED)
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    day = (deadline - dt.timedelta(days=7)).isoformat()

    def worker() -> None:
        # A batch run: the reminder task queues its emails, which the next batch delivers.
        with django_capture_on_commit_callbacks(execute=True):
            call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    reminders_run.enqueue(day)
    worker()
    # The worker stops and starts again; the same day's run is queued again.
    reminders_run.enqueue(day)
    worker()
    smtp.wait_for(1)  # sent from this thread: all there already (tests/smtp.py), none to come
    assert reminded(smtp) == ["fp@gha.example"]
    assert ReminderSent.objects.count() == 1


def test_the_daily_run_is_planned_once(deadline, settings) -> None:
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    call_command("send_reminders", "--schedule", verbosity=0)
    call_command("send_reminders", "--schedule", verbosity=0)
    planned = DBTaskResult.objects.filter(task_path__endswith="reminders_run")
    assert planned.count() == 1
    assert planned.get().run_after.astimezone(GENEVA).hour == 6
