"""The background worker, riding out database outages (`manage.py worker`).

django_tasks_db's own loop (`manage.py db_worker`) ends on the first database error that is not
a lock: a restart of PostgreSQL stopped receipts, reminders and emails until someone noticed.
`ResilientWorker` runs the same loop and, when the database cannot be reached
(`OperationalError`, `InterfaceError`), drops its connections, says so once in the log, tries
again after 1, 2, 4 … 30 seconds and goes back to the loop once the database answers.

A task whose outcome could not be written because the database went away while it ran is put
back in the queue when the database is back, and so is one that failed on the outage itself:
such a task may run twice (an email sent just before the outage can go out again), none is
lost. Each task is tried at most `MAX_ATTEMPTS` times.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger("codemonitor.worker")

OUTAGE_ERRORS = (OperationalError, InterfaceError)
OUTAGE_ERROR_PATHS = frozenset(f"{e.__module__}.{e.__qualname__}" for e in OUTAGE_ERRORS)
MAX_ATTEMPTS = 5
# A task that failed on the outage runs again after this pause, not in a tight loop.
RETRY_PAUSE = timedelta(seconds=5)


def backoff_delays(first: float = 1.0, most: float = 30.0) -> Iterator[float]:
    """1, 2, 4, … seconds, never more than `most`."""
    delay = first
    while True:
        yield min(delay, most)
        delay = min(delay * 2, most)


def connections_drop() -> None:
    """Close every database connection of this process, whatever state it is in."""
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except DatabaseError:
            connection.connection = None  # broken beyond closing: let Django connect afresh


class ResilientWorker(Worker):
    """django_tasks_db's worker loop, waiting out database outages instead of ending."""

    def __init__(self, *, max_backoff: float = 30.0, **options: Any) -> None:
        super().__init__(**options)
        self.max_backoff = max_backoff
        self.unrecorded: set[str] = set()  # tasks claimed whose outcome could not be written
        self.outages = 0

    def run(self) -> None:
        while self.running:
            try:
                super().run()
                return  # --batch or --max-tasks reached
            except OUTAGE_ERRORS as error:
                self.outage_wait(error)
            self.startup_delay = False  # a thundering herd is for the first start only

    def outage_wait(self, error: BaseException) -> None:
        """Wait, with back-off, until the task database answers again."""
        self.outages += 1
        started = time.monotonic()
        # The class of the error only: its text names hosts and users.
        logger.warning(
            "Database unavailable (%s): the worker waits and reconnects.", type(error).__name__
        )
        for attempt, delay in enumerate(backoff_delays(most=self.max_backoff), start=1):
            connections_drop()
            if not self.running:
                return
            time.sleep(delay)  # SIGTERM during the pause ends the worker (Worker.shutdown)
            try:
                with connections[DBTaskResult.objects.db].cursor() as cursor:
                    cursor.execute("SELECT 1")
                self.requeue_unrecorded()
            except OUTAGE_ERRORS:
                continue
            logger.warning(
                "Database reachable again after %.0f s (%d attempts): the worker goes on.",
                time.monotonic() - started,
                attempt,
            )
            return

    def run_task(self, db_task_result: DBTaskResult[..., Any]) -> None:
        try:
            super().run_task(db_task_result)
        except OUTAGE_ERRORS:
            # Run, but its outcome could not be written: it stays "running" until requeued.
            self.unrecorded.add(str(db_task_result.pk))
            raise
        if (
            db_task_result.status == TaskResultStatus.FAILED
            and db_task_result.exception_class_path in OUTAGE_ERROR_PATHS
        ):
            self.requeue([str(db_task_result.pk)], TaskResultStatus.FAILED)

    def requeue_unrecorded(self) -> None:
        if self.unrecorded:
            self.requeue(sorted(self.unrecorded), TaskResultStatus.RUNNING)
            self.unrecorded.clear()

    def requeue(self, ids: list[str], status: str) -> None:
        """Queue tasks again that the outage kept from finishing, up to MAX_ATTEMPTS runs."""
        now = timezone.now()
        for task in DBTaskResult.objects.filter(pk__in=ids, status=status):
            if len(task.worker_ids) >= MAX_ATTEMPTS:
                logger.warning("Task id=%s not run again: %d attempts.", task.pk, MAX_ATTEMPTS)
                if status == TaskResultStatus.RUNNING:
                    DBTaskResult.objects.filter(pk=task.pk, status=status).update(
                        status=TaskResultStatus.FAILED, finished_at=now
                    )
                continue
            DBTaskResult.objects.filter(pk=task.pk, status=status).update(
                status=TaskResultStatus.READY,
                run_after=now + RETRY_PAUSE,
                started_at=None,
                finished_at=None,
                exception_class_path="",
                traceback="",
                return_value=None,
            )
            logger.warning("Task id=%s queued again after a database outage.", task.pk)
