"""Two background workers at once (two machines) send every queued email exactly once.

django_tasks_db's db_worker claims a task inside a transaction with SELECT … FOR UPDATE SKIP
LOCKED and marks it RUNNING before it commits: on PostgreSQL a task locked or claimed by one
worker is invisible to the other. This runs two real `manage.py db_worker` processes against the
test database and a real SMTP server.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections import Counter
from urllib.parse import quote

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from codemonitor.core.mail import mail_queue
from tests.processes import Process

pytestmark = pytest.mark.django_db(transaction=True)  # the workers must see committed rows
MESSAGES = 30
DEADLINE = 120  # seconds, for the whole exchange; the test polls, it never waits blindly


def database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    user = quote(db.get("USER") or "", safe="")
    return (
        f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


class Worker(Process):
    """A `manage.py db_worker` process whose output is read as it comes."""

    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name = name
        super().__init__(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--no-startup-delay",
                "--no-reload",
                "--interval",
                "0.05",
                "--worker-id",
                name,
                "--verbosity",
                "1",
            ],
            env,
        )

    @property
    def started(self) -> bool:
        return any("Starting worker" in line for line in self.lines)

    def stop(self, signum: int = signal.SIGTERM) -> int:
        return super().stop(signum)  # the worker finishes its task and exits


def wait_until(condition, deadline: float, what: str, workers: list[Worker]) -> None:
    while not condition():
        if time.monotonic() > deadline:
            output = "\n".join(f"{w.name}: {''.join(w.lines)[-2000:]}" for w in workers)
            pytest.fail(f"{what} did not happen in time\n{output}")
        if any(w.process.poll() is not None for w in workers):
            output = "\n".join(f"{w.name}: {''.join(w.lines)[-2000:]}" for w in workers)
            pytest.fail(f"a worker stopped before {what}\n{output}")
        time.sleep(0.05)  # polling interval only: every wait has a deadline


def test_two_workers_send_each_email_once(smtp, settings) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "db_worker claims tasks with SELECT … FOR UPDATE SKIP LOCKED, which SQLite lacks "
            "(one SQLite file is one machine anyway); this runs on PostgreSQL (.ci/run)"
        )
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(settings.EMAIL_PORT),
        "EMAIL_USE_TLS": "0",
        "EMAIL_USE_SSL": "0",
        "PYTHONUNBUFFERED": "1",
    }
    deadline = time.monotonic() + DEADLINE
    workers = [Worker("machine-a", env), Worker("machine-b", env)]
    try:
        wait_until(lambda: all(w.started for w in workers), deadline, "both workers start", workers)
        for number in range(MESSAGES):
            mail_queue(
                to=[f"person{number}@example.org"],
                template="password_reset",
                context={
                    "protocol": "https",
                    "domain": "codemonitor.example",
                    "uid": "MQ",
                    "token": f"token-{number}",
                },
            )
        wait_until(
            lambda: (
                len(smtp.messages) >= MESSAGES
                and not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()
            ),
            deadline,
            f"{MESSAGES} emails sent",
            workers,
        )
    finally:
        for worker in workers:
            worker.stop()

    received = Counter(str(m["To"]) for m in smtp.messages)
    assert received == Counter(f"person{n}@example.org" for n in range(MESSAGES))
    results = list(DBTaskResult.objects.values_list("status", "worker_ids"))
    assert len(results) == MESSAGES
    assert all(status == "SUCCESSFUL" for status, _ in results)
    assert all(len(ids) == 1 for _, ids in results)  # each task claimed once, by one worker
    by_worker = Counter(ids[0] for _, ids in results)
    assert set(by_worker) == {"machine-a", "machine-b"}, by_worker  # both took part
