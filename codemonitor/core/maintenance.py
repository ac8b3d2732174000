"""Daily housekeeping in the background worker: old rate-limit counters, expired sessions, and
finished background tasks (a queued email keeps its recipients and links in the task's row).

Like the reminders, the task plans its own next run (03:00 Geneva); `manage.py maintenance
--schedule` (run by `make run`) queues the first one, and never a second while one waits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from importlib import import_module
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from codemonitor.core.throttle import throttle_prune

GENEVA = ZoneInfo("Europe/Zurich")
# Finished tasks are kept this long (to see what ran, and why one failed), then removed.
TASKS_KEPT = dt.timedelta(days=7)
RUN_AT = dt.time(3, 0)
TASK_PATH = "codemonitor.core.maintenance.maintenance_run"


# Housekeeping that apps above core add (from their AppConfig.ready): each removes what is old.
_PRUNERS: list[Callable[[dt.datetime], int]] = []


def maintenance_register(pruner: Callable[[dt.datetime], int]) -> None:
    """Add an app's housekeeping to the daily run: `pruner(now)` removes what is old."""
    if pruner not in _PRUNERS:
        _PRUNERS.append(pruner)


def sessions_clear_expired() -> None:
    """What `manage.py clearsessions` does: the session engine removes its expired sessions."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()


def tasks_prune_finished(*, now: dt.datetime | None = None) -> int:
    """Remove background tasks that finished (or failed) more than TASKS_KEPT ago."""
    from django_tasks_db.models import DBTaskResult

    before = (now or timezone.now()) - TASKS_KEPT
    removed, _by_model = DBTaskResult.objects.filter(
        status__in=["SUCCESSFUL", "FAILED"], finished_at__lt=before
    ).delete()
    return removed


def maintenance_prune(*, now: dt.datetime | None = None) -> int:
    """Remove old rate-limit counters, expired sessions and old finished tasks; returns how many
    counters went."""
    removed = throttle_prune(now=now)
    sessions_clear_expired()
    tasks_prune_finished(now=now)
    for pruner in _PRUNERS:
        pruner(now or timezone.now())
    return removed


@task()
def maintenance_run() -> int:
    """Today's housekeeping, then the next run planned for 03:00 Geneva (planned even when the
    housekeeping fails, so that one bad day does not end the daily runs)."""
    try:
        return maintenance_prune()
    finally:
        maintenance_schedule()


def maintenance_next_run(*, now: dt.datetime) -> dt.datetime:
    """The first 03:00 in Geneva after `now`."""
    local = timezone.localtime(now, GENEVA)
    candidate = local.replace(hour=RUN_AT.hour, minute=RUN_AT.minute, second=0, microsecond=0)
    if candidate <= local:
        day = local.date() + dt.timedelta(days=1)
        candidate = dt.datetime.combine(day, RUN_AT, tzinfo=GENEVA)
    return candidate


def maintenance_schedule(*, now: dt.datetime | None = None) -> bool:
    """Queue the next daily run unless one is already waiting; True if one was queued."""
    from django_tasks_db.models import DBTaskResult

    if DBTaskResult.objects.filter(task_path=TASK_PATH, status="READY").exists():
        return False
    maintenance_run.using(run_after=maintenance_next_run(now=now or timezone.now())).enqueue()
    return True
