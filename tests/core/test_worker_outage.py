"""The background worker rides out database outages, and is started again if it dies.

Real processes on a real database, an SQLite file of this test's own, and a real SMTP server:
`manage.py worker` is started while its database cannot be opened (the folder is not there
yet), stays up, says so once, and sends the email queued once the database is there; the
database then goes away and comes back again. Under `python -m codemonitor.supervise` a worker
killed with SIGKILL is started again and goes on sending. Nothing waits blindly: each step waits
for a line of output, an email or an exit, with a deadline. (The same with PostgreSQL
restarting under load: tests/fault/test_database_restart.py.)
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from codemonitor.core.worker import backoff_delays
from tests.processes import Process
from tests.smtp import SMTPServer
from tests.test_settings import ROOT

DEADLINE = 60  # seconds for any one step


@pytest.fixture
def mailbox():
    with SMTPServer() as server:
        yield server


@pytest.fixture
def env(tmp_path: Path, mailbox) -> dict[str, str]:
    """A worker's environment: an SQLite file in a folder that does not exist yet."""
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db' / 'codemonitor.sqlite3'}",
        "DATABASE_CONN_MAX_AGE": "0",  # a new connection per look at the queue
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(mailbox.port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_USE_SSL": "0",
        "PYTHONUNBUFFERED": "1",
    }


def manage(env: dict[str, str], *arguments: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, check=True, timeout=DEADLINE
    )


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """A migrated database file, made once for this module and copied by each test."""
    folder = tmp_path_factory.mktemp("migrated")
    database = folder / "codemonitor.sqlite3"
    manage({**os.environ, "DATABASE_URL": f"sqlite:///{database}"}, "migrate", "-v0")
    return database


def database_create(migrated: Path, tmp_path: Path) -> None:
    """Put a migrated database in place in one step (a rename of its folder)."""
    ready = tmp_path / "db-new"
    ready.mkdir()
    shutil.copyfile(migrated, ready / "codemonitor.sqlite3")
    ready.rename(tmp_path / "db")


def mail_queue(env: dict[str, str], to: str) -> None:
    manage(
        env,
        "shell",
        "-v0",
        "-c",
        "from codemonitor.core.mail import mail_deliver; "
        f"mail_deliver.enqueue([{to!r}], 'Outage test', 'A test message.')",
    )


def mail_wait(mailbox, to: str, process: Process) -> None:
    if not mailbox.mailbox.wait_until(lambda: bool(mailbox.mailbox.to(to)), DEADLINE):
        pytest.fail(f"no email to {to} from the worker:\n{process.output}")


WORKER = ["manage.py", "worker", "--no-startup-delay", "--no-reload", "--interval", "0.05"]
WORKER_FAST = [*WORKER, "--max-backoff", "0.2", "--verbosity", "1"]


def test_the_back_off_doubles_up_to_thirty_seconds() -> None:
    delays = backoff_delays()
    assert [next(delays) for _ in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]


def test_the_worker_waits_out_the_database_and_goes_on(env, tmp_path, mailbox, migrated) -> None:
    worker = Process([sys.executable, *WORKER_FAST], env)
    try:
        # The database is not there: the worker says so once and keeps trying.
        worker.wait_for("Database unavailable (OperationalError)")
        database_create(migrated, tmp_path)
        worker.wait_for("Database reachable again")
        mail_queue(env, "first@example.org")
        mail_wait(mailbox, "first@example.org", worker)

        # The database goes away while the worker runs, and comes back.
        (tmp_path / "db").rename(tmp_path / "db-away")
        worker.wait_for("Database unavailable (OperationalError)", times=2)
        assert worker.process.poll() is None
        (tmp_path / "db-away").rename(tmp_path / "db")
        worker.wait_for("Database reachable again", times=2)
        mail_queue(env, "second@example.org")
        mail_wait(mailbox, "second@example.org", worker)
    finally:
        code = worker.stop()
    assert code == 0, worker.output  # SIGTERM: a clean stop
    # Each outage is logged once, without the database's address or any personal data.
    assert worker.count("Database unavailable") == 2, worker.output
    assert "codemonitor.sqlite3" not in worker.output
    assert "example.org" not in worker.output


def child_of(pid: int) -> int:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def test_a_dead_worker_is_started_again(env, tmp_path, mailbox, migrated) -> None:
    database_create(migrated, tmp_path)
    supervise = [sys.executable, "-m", "codemonitor.supervise", "--pause", "0.1", "--"]
    supervisor = Process([*supervise, sys.executable, *WORKER_FAST], env)
    try:
        supervisor.wait_for("Starting worker")
        first = child_of(supervisor.process.pid)
        os.kill(first, signal.SIGKILL)
        supervisor.wait_for("was killed by signal 9; starting it again")
        supervisor.wait_for("Starting worker", times=2)
        assert child_of(supervisor.process.pid) != first
        mail_queue(env, "after-restart@example.org")
        mail_wait(mailbox, "after-restart@example.org", supervisor)
    finally:
        code = supervisor.stop()
    assert code == 0, supervisor.output  # the worker stopped cleanly on the passed-on SIGTERM
    assert supervisor.count("Starting worker") == 2


def test_make_run_supervises_the_worker() -> None:
    recipe = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "-m codemonitor.supervise -- .venv/bin/python manage.py worker " in recipe
    assert "db_worker" not in recipe


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }


def claimed_task(times: int):
    """A queued email, claimed by `times` workers in turn (the last one still running it)."""
    from django_tasks_db.models import DBTaskResult

    from codemonitor.core.mail import mail_deliver

    result = mail_deliver.enqueue(["someone@example.org"], "Subject", "Body")
    task = DBTaskResult.objects.get(pk=result.id)
    for attempt in range(times):
        task.claim(f"worker-{attempt}")
    return task


@pytest.mark.django_db
@pytest.mark.parametrize(("claims", "after"), [(1, "READY"), (5, "FAILED")])
def test_a_task_cut_short_by_the_outage_is_queued_again(database_tasks, claims, after) -> None:
    """The worker ran it but could not write how it ended: once the database is back it is
    queued again (a few seconds later), unless it was tried MAX_ATTEMPTS times already."""
    from django.utils import timezone

    from codemonitor.core.worker import MAX_ATTEMPTS, ResilientWorker

    assert claims in {1, MAX_ATTEMPTS}
    task = claimed_task(claims)
    worker = ResilientWorker(
        queue_names=["default"],
        excluded_queue_names=[],
        interval=1,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="worker-x",
    )
    worker.unrecorded.add(str(task.pk))
    worker.requeue_unrecorded()
    task.refresh_from_db()
    assert task.status == after
    assert not worker.unrecorded
    if after == "READY":
        assert task.run_after > timezone.now()
        assert task.started_at is None
