"""Daily housekeeping: old rate-limit windows and expired sessions go, current ones stay."""

from __future__ import annotations

import datetime as dt
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from codemonitor.core.maintenance import TASK_PATH, maintenance_next_run, maintenance_run
from codemonitor.core.models import Throttle
from codemonitor.core.throttle import throttle_hit

GENEVA = ZoneInfo("Europe/Zurich")
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def sessions(settings) -> tuple[str, str]:
    """A live session and one that expired yesterday; their keys."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    live, expired = store(), store()
    live["who"], expired["who"] = "live", "expired"
    live.create()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - dt.timedelta(days=1)
    )
    return live.session_key, expired.session_key


def old_and_current_windows() -> None:
    Throttle.objects.create(key="old", window_start=timezone.now() - dt.timedelta(days=2), count=7)
    throttle_hit("current", limit=5, window_seconds=3600)


@pytest.mark.django_db
@pytest.mark.parametrize("engine", ["db", "cached_db"])
def test_the_command_removes_old_windows_and_expired_sessions(settings, engine) -> None:
    settings.SESSION_ENGINE = f"django.contrib.sessions.backends.{engine}"
    old_and_current_windows()
    live, _expired = sessions(settings)
    call_command("maintenance", verbosity=0)
    assert Throttle.objects.count() == 1
    assert Throttle.objects.get().count == 1  # the current window, untouched
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
    assert import_module(settings.SESSION_ENGINE).SessionStore(live)["who"] == "live"


@pytest.mark.django_db(transaction=True)  # the worker closes its connections when done
def test_the_worker_runs_it_and_plans_the_next_run(settings) -> None:
    settings.TASKS = DATABASE_TASKS
    old_and_current_windows()
    live, _expired = sessions(settings)
    maintenance_run.enqueue()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    done = DBTaskResult.objects.get(task_path=TASK_PATH, status="SUCCESSFUL")
    assert done.return_value == 1  # one old window removed
    assert Throttle.objects.count() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
    waiting = DBTaskResult.objects.get(task_path=TASK_PATH, status="READY")
    assert waiting.run_after > timezone.now()
    assert waiting.run_after.astimezone(GENEVA).time() == dt.time(3, 0)


@pytest.mark.django_db
def test_the_daily_run_is_planned_once(settings) -> None:
    settings.TASKS = DATABASE_TASKS
    call_command("maintenance", "--schedule", verbosity=0)
    call_command("maintenance", "--schedule", verbosity=0)
    planned = DBTaskResult.objects.filter(task_path=TASK_PATH)
    assert planned.count() == 1
    run_after = planned.get().run_after
    assert run_after > timezone.now()
    assert run_after - timezone.now() <= dt.timedelta(days=1)
    assert run_after.astimezone(GENEVA).time() == dt.time(3, 0)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (
            dt.datetime(2027, 1, 10, 2, 59, tzinfo=GENEVA),
            dt.datetime(2027, 1, 10, 3, tzinfo=GENEVA),
        ),
        (dt.datetime(2027, 1, 10, 3, 0, tzinfo=GENEVA), dt.datetime(2027, 1, 11, 3, tzinfo=GENEVA)),
        (
            dt.datetime(2027, 1, 10, 23, 0, tzinfo=GENEVA),
            dt.datetime(2027, 1, 11, 3, tzinfo=GENEVA),
        ),
        # The night clocks go forward (02:00 -> 03:00) and the night they go back.
        (
            dt.datetime(2027, 3, 27, 12, 0, tzinfo=GENEVA),
            dt.datetime(2027, 3, 28, 3, tzinfo=GENEVA),
        ),
        (
            dt.datetime(2027, 10, 30, 12, 0, tzinfo=GENEVA),
            dt.datetime(2027, 10, 31, 3, tzinfo=GENEVA),
        ),
        (
            dt.datetime(2027, 1, 10, 1, 30, tzinfo=dt.UTC),
            dt.datetime(2027, 1, 10, 3, tzinfo=GENEVA),
        ),
    ],
)
def test_the_next_run_is_the_next_3_am_in_geneva(now, expected) -> None:
    planned = maintenance_next_run(now=now)
    assert planned == expected
    assert planned.astimezone(GENEVA).hour == 3


def _task(status: str, finished_days_ago: float | None) -> DBTaskResult:
    now = timezone.now()
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [["someone@example.org"], "Subject", "Body"], "kwargs": {}},
        task_path="codemonitor.core.mail.mail_deliver",
        backend_name="default",
        queue_name="default",
        run_after=now,
        finished_at=None
        if finished_days_ago is None
        else now - dt.timedelta(days=finished_days_ago),
        exception_class_path="",
        traceback="",
    )


@pytest.mark.django_db
def test_finished_tasks_are_removed_after_a_week() -> None:
    from codemonitor.core.maintenance import tasks_prune_finished

    old_done, old_failed = _task("SUCCESSFUL", 8), _task("FAILED", 9)
    recent, waiting = _task("SUCCESSFUL", 2), _task("READY", None)
    assert tasks_prune_finished() == 2
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert left == {recent.pk, waiting.pk}
    assert old_done.pk not in left and old_failed.pk not in left


@pytest.mark.django_db
def test_the_next_run_is_planned_even_when_housekeeping_fails(settings, monkeypatch) -> None:
    from codemonitor.core import maintenance

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    settings.TASKS = DATABASE_TASKS
    monkeypatch.setattr(maintenance, "maintenance_prune", broken)
    with pytest.raises(RuntimeError):
        maintenance_run.func()
    assert DBTaskResult.objects.filter(task_path=TASK_PATH, status="READY").count() == 1
