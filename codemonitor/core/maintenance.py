"""Daily housekeeping in the background worker: old rate-limit counters and expired sessions.

Like the reminders, the task plans its own next run (03:00 Geneva); `manage.py maintenance
--schedule` (run by `make run`) queues the first one, and never a second while one waits.
"""

from __future__ import annotations

import datetime as dt
from importlib import import_module
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from codemonitor.core.throttle import throttle_prune

GENEVA = ZoneInfo("Europe/Zurich")
RUN_AT = dt.time(3, 0)
TASK_PATH = "codemonitor.core.maintenance.maintenance_run"


def sessions_clear_expired() -> None:
    """What `manage.py clearsessions` does: the session engine removes its expired sessions."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()


def maintenance_prune(*, now: dt.datetime | None = None) -> int:
    """Remove old rate-limit counters and expired sessions; returns how many counters went."""
    removed = throttle_prune(now=now)
    sessions_clear_expired()
    return removed


@task()
def maintenance_run() -> int:
    """Today's housekeeping, then the next run planned for 03:00 Geneva."""
    removed = maintenance_prune()
    maintenance_schedule()
    return removed


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
