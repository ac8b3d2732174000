"""Fault test: PostgreSQL restarts under autosave load, and nothing acknowledged is lost.

    .venv/bin/python bench/dbfault.py [--respondents 6] [--stop-seconds 3] [--max-seconds 60]

Starts a PostgreSQL cluster of its own (initdb in a temporary folder, on a free port of
127.0.0.1, as the `postgres` user when run as root since PostgreSQL refuses root), migrates it,
serves Code Monitor with gunicorn on 127.0.0.1 and runs `manage.py worker` against it, with a
real SMTP server (aiosmtpd) for the private links. Respondents start reports and autosave one
field after another, as the page's script does, while the cluster is restarted three times:
`pg_ctl restart -m fast`, `-m immediate` (a crash: recovery from the WAL) and a stop of
`--stop-seconds` before a start. Then, with no load, once more; afterwards every request must
succeed at once (the gunicorn workers' kept connections are dead: CONN_HEALTH_CHECKS).

Checks (exit code 1 if one fails; 77 when there is no PostgreSQL to start):
- every autosave answered 200 is in the database, or a later value of the same field sent by
  the same respondent (whose answer the outage may have cut off);
- no 500 at any time: an outage is answered 503;
- the worker is alive after the restarts and sends the private link of a report started after
  them;
- the requests right after the idle restart all succeed.
Bounded: the load runs at most --max-seconds and --max-requests requests; each wait has a
deadline. tests/fault/test_database_restart.py runs it (marked `fault`).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.smtp import Mailbox, free_port  # noqa: E402

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LINK_RE = re.compile(r"(http://127\.0\.0\.1:\d+/isri/r/[^/\s]+/)")
REPORT_RE = re.compile(r"/isri/report/([0-9a-f-]{36})/")
DEADLINE = 40.0  # seconds for any one wait
NO_POSTGRESQL = 77  # the exit code that says the test could not run (automake's "skipped")


def postgres_bindir() -> Path | None:
    """Debian's PostgreSQL programs (initdb, pg_ctl), the newest version, if installed."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[4]))
    if found:
        return found[-1].parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


class Cluster:
    """A throwaway PostgreSQL cluster on 127.0.0.1 only (no Unix socket), trust auth."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="codemonitor-dbfault-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            shutil.chown(self.folder, self.user)
        self.options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c max_connections=50"
        )
        self.run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"

    def run(self, program: str, *arguments: str) -> None:
        command = [str(self.bindir / program), *arguments]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, timeout=60)

    def ctl(self, *arguments: str) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30", *arguments)

    def start(self) -> None:
        self.ctl("-o", self.options, "start")

    def stop(self, mode: str) -> None:
        self.ctl("-m", mode, "stop")

    def restart(self, mode: str) -> None:
        self.ctl("-m", mode, "-o", self.options, "restart")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop("immediate")
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class Run:
    """What the respondents did and saw, shared by their threads."""

    base: str
    round_number: int
    fields: list[str]
    mailbox: Mailbox
    think: float
    max_requests: int
    deadline: float
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter[int] = field(default_factory=Counter)
    acknowledged: dict[tuple[str, str], int] = field(default_factory=dict)  # → index in sent
    sent: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    ack_times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # connections that failed, a sample
    requests: int = 0

    def take(self) -> bool:
        with self.lock:
            if self.requests >= self.max_requests or time.monotonic() > self.deadline:
                return False
            self.requests += 1
            return True

    def acks_after(self, moment: float) -> list[float]:
        with self.lock:
            return [t for t in self.ack_times if t > moment]


class Browser:
    """One person's cookies and CSRF token; status 0 is a connection that failed."""

    def __init__(self, run: Run) -> None:
        self.run = run
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self.csrf = ""
        self.url = ""

    def request(
        self, path: str, data: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        target = path if path.startswith("http") else self.run.base + path
        request = urllib.request.Request(target, data=body, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
                self.url = response.url
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode("utf-8", "replace")
        except OSError as error:
            status, text = 0, repr(error)
        with self.run.lock:
            self.run.statuses[status] += 1
            if status == 0 and len(self.run.failures) < 5:
                self.run.failures.append(f"{path}: {text[:150]}")
        found = CSRF_RE.search(text)
        if found:
            self.csrf = found[1]
        return status, text


def report_start(run: Run, browser: Browser, email: str, entity: str) -> str:
    """Start a report on the round's page and open the emailed private link: its uuid."""
    browser.request(f"/isri/round/{run.round_number}/")
    status, text = browser.request(
        f"/isri/round/{run.round_number}/start/",
        {
            "csrfmiddlewaretoken": browser.csrf,
            "email": email,
            "entity_name": entity,
            "homepage": "",
        },
    )
    if status != 200:
        raise RuntimeError(f"starting a report answered {status}")
    if not run.mailbox.wait_until(lambda: bool(run.mailbox.to(email)), DEADLINE):
        raise RuntimeError(f"no private link emailed to {email}")
    link = LINK_RE.search(Mailbox.body(run.mailbox.to(email)[0]))
    if not link:
        raise RuntimeError("no link in the email")
    status, text = browser.request(link[1])
    found = REPORT_RE.search(browser.url) or REPORT_RE.search(text)
    if status != 200 or not found:
        raise RuntimeError(f"the private link answered {status}")
    return found[1]


def respondent(run: Run, number: int, started: threading.Barrier) -> None:
    """Start a report, then save field after field until told to stop."""
    browser = Browser(run)
    try:
        report = report_start(run, browser, f"fault{number}@example.org", f"Fault entity {number}")
    except Exception as error:  # counted, never hidden
        run.errors.append(f"respondent {number}: {error}")
        started.abort()
        return
    started.wait()
    autosave = f"/isri/report/{report}/autosave/"
    save = 0
    # The version of each field as the page knows it (the start answered two fields already;
    # a save that went through while its answer was lost comes back as a conflict with it).
    versions: dict[str, int] = {}
    while not run.stopping.is_set() and run.take():
        key = run.fields[save % len(run.fields)]
        value = f"Respondent {number}, save {save}."
        with run.lock:
            values = run.sent.setdefault((report, key), [])
            values.append(value)
            index = len(values) - 1
        status, text = browser.request(
            autosave,
            {
                "csrfmiddlewaretoken": browser.csrf,
                "field": key,
                "value": value,
                "page": "2",
                "version": str(versions.get(key, 0)),
            },
            {"Accept": "application/json"},
        )
        answer = json.loads(text) if status in {200, 409} else {}
        if status == 200 and answer.get("saved"):
            versions[key] = int(answer["version"])
            with run.lock:
                run.acknowledged[report, key] = index
                run.ack_times.append(time.monotonic())
        elif status == 409 and answer.get("conflict"):
            # As the page does: take the stored version and go on (the value shown to the person).
            versions[key] = int(answer["version"])
            with run.lock:
                mine = answer.get("theirs") in run.sent.get((report, key), [])
            if not mine and save >= len(run.fields):
                run.errors.append(f"autosave conflict with a value never sent: {text[:200]}")
        elif status not in {0, 503}:
            run.errors.append(f"autosave answered {status}: {text[:200]}")
        save += 1
        run.stopping.wait(run.think)


def timestamped(process: subprocess.Popen[bytes], began: float, lines: list[str]) -> None:
    """Keep a process's output lines, each with the second it came at."""
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(f"{time.monotonic() - began:7.2f} s  {line.decode().rstrip()}")


def task_done(mailbox: Mailbox, to: str) -> float:
    """Queue an email for the worker; the seconds until it arrived."""
    from django.db import connections

    from codemonitor.core.mail import mail_deliver

    connections.close_all()  # this process's own connection did not live through the restarts
    queued = time.monotonic()
    mail_deliver.enqueue([to], "Database fault test", "Sent by the background worker.")
    if not mailbox.wait_until(lambda: bool(mailbox.to(to)), DEADLINE):
        raise RuntimeError(f"the worker did not send the email to {to}")
    return time.monotonic() - queued


def acks_since(run: Run, moment: float, count: int) -> bool:
    return len(run.acks_after(moment)) >= count


def wait_for(what: str, condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {DEADLINE:.0f} s")
        time.sleep(0.05)  # polling interval only: every wait has a deadline


def text_fields() -> list[str]:
    """The ISRI's free-text fields, as autosave keys."""
    from codemonitor.instruments.models import InstrumentVersion

    form = InstrumentVersion.objects.get(instrument__code="isri").form
    return [f"q__{q.name}__" for q in form.walk() if q.is_input and q.kind == "text"]


def lost_saves(run: Run) -> int:
    """Acknowledged saves whose value (or a later one of the same field) is not stored."""
    from codemonitor.reporting.models import Answer, PersonalAnswer, Report

    reports = {str(r.uuid): r.pk for r in Report.objects.all()}
    lost = 0
    for (report, key), index in run.acknowledged.items():
        question = key.removeprefix("q__").rpartition("__")[0]
        stored = None
        for model in (Answer, PersonalAnswer):
            row = (
                model.objects.filter(report_id=reports[report], question=question, row="")
                .values_list("value", flat=True)
                .first()
            )
            stored = row if row is not None else stored
        if stored not in run.sent[report, key][index:]:
            lost += 1
    return lost


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--respondents", type=int, default=6)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--think", type=float, default=0.05, help="seconds between two saves")
    parser.add_argument("--stop-seconds", type=float, default=3.0)
    parser.add_argument("--max-seconds", type=float, default=60.0)
    parser.add_argument("--max-requests", type=int, default=6000)
    parser.add_argument("--keep", action="store_true", help="keep the cluster's folder and logs")
    args = parser.parse_args()

    bindir = postgres_bindir()
    if bindir is None:
        print("No PostgreSQL programs (initdb, pg_ctl) on this machine.", file=sys.stderr)
        return NO_POSTGRESQL
    began = time.monotonic()
    cluster = Cluster(bindir)
    processes: list[subprocess.Popen[bytes]] = []
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    try:
        cluster.start()
        import psycopg

        with psycopg.connect(f"{cluster.url}/postgres", autocommit=True) as connection:
            connection.execute('CREATE DATABASE "codemonitor"')
        smtp.start()
        env = {
            **os.environ,
            "DATABASE_URL": f"{cluster.url}/codemonitor",
            "DEBUG": "0",
            "SECRET_KEY": "dbfault-" + "k" * 40 + "0123456789abcdefghijklmnopqrstuvwxyz",
            "SECURE_COOKIES": "0",
            "STATIC_MANIFEST": "0",
            "MEDIA_ROOT": str(cluster.folder / "media"),
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "RATE_START_PER_IP": "1000000",
            "RATE_START_PER_EMAIL": "100",
            "PYTHONUNBUFFERED": "1",
        }
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "codemonitor.settings")
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from codemonitor.demo.rounds import demo_round_ensure

        call_command("migrate", verbosity=0, stdout=io.StringIO())
        call_command("load_reference", verbosity=0, stdout=io.StringIO())
        call_command("load_instruments", verbosity=0, stdout=io.StringIO())
        round_number = demo_round_ensure().number
        fields = text_fields()
        connections.close_all()
        ready = time.monotonic() - began

        bin_dir = Path(sys.executable).parent
        port = free_port()
        server_log = (cluster.folder / "gunicorn.log").open("wb")
        processes.append(
            subprocess.Popen(
                [
                    str(bin_dir / "gunicorn"),
                    "codemonitor.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(args.workers),
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
                stdout=server_log,
                stderr=subprocess.STDOUT,
            )
        )
        worker = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "worker",
                "--no-startup-delay",
                "--no-reload",
                "--interval",
                "0.2",
                "--max-backoff",
                "4",
                "--verbosity",
                "1",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        processes.append(worker)
        worker_lines: list[str] = []
        reader = threading.Thread(
            target=timestamped, args=(worker, began, worker_lines), daemon=True
        )
        reader.start()
        run = Run(
            base=f"http://127.0.0.1:{port}",
            round_number=round_number,
            fields=fields,
            mailbox=mailbox,
            think=args.think,
            max_requests=args.max_requests,
            deadline=time.monotonic() + args.max_seconds,
        )
        probe = Browser(run)
        wait_for("gunicorn answers", lambda: probe.request("/healthz")[0] == 200)
        run.statuses.clear()  # refused while gunicorn was starting: not part of the test
        run.failures.clear()
        mail_before = task_done(mailbox, "before-the-restarts@example.org")

        started = threading.Barrier(args.respondents + 1)
        threads = [
            threading.Thread(target=respondent, args=(run, n, started), daemon=True)
            for n in range(args.respondents)
        ]
        for thread in threads:
            thread.start()
        started.wait(timeout=DEADLINE)
        load_began = time.monotonic()
        wait_for("saves acknowledged before the first restart", lambda: len(run.ack_times) >= 30)

        def stop_then_start() -> None:
            cluster.stop("fast")
            time.sleep(args.stop_seconds)  # the outage itself
            cluster.start()

        outages: list[tuple[str, float, float, float]] = []
        timeline: list[str] = []
        faults: list[tuple[str, Callable[[], None]]] = [
            ("restart -m fast", partial(cluster.restart, "fast")),
            ("restart -m immediate (crash, WAL recovery)", partial(cluster.restart, "immediate")),
            (f"stop -m fast, {args.stop_seconds:g} s down, start", stop_then_start),
        ]
        for name, action in faults:
            down = time.monotonic()
            action()
            back = time.monotonic()
            timeline.append(f"{down - began:7.2f} s  {name}; back at {back - began:.2f} s")
            wait_for(f"a save acknowledged after {name}", partial(acks_since, run, back, 1))
            first = run.acks_after(back)[0]
            wait_for(f"saves going on after {name}", partial(acks_since, run, back, 10))
            # The worker takes tasks again (after its back-off: 1, 2, 4 s here).
            task_done(mailbox, f"after-outage-{len(outages)}@example.org")
            outages.append((name, back - down, first - back, time.monotonic() - back))
        run.stopping.set()
        for thread in threads:
            thread.join(timeout=DEADLINE)
        load_seconds = time.monotonic() - load_began
        statuses_under_load = Counter(run.statuses)

        # No load: the gunicorn workers keep their connections; restart under them.
        down = time.monotonic()
        cluster.restart("fast")
        timeline.append(
            f"{down - began:7.2f} s  idle restart -m fast; back at {time.monotonic() - began:.2f} s"
        )
        idle: Counter[int] = Counter()
        lock = threading.Lock()

        def first_requests() -> None:
            browser = Browser(run)
            for path in ("/healthz", "/", f"/isri/round/{round_number}/"):
                status = browser.request(path)[0]
                with lock:
                    idle[status] += 1

        askers = [threading.Thread(target=first_requests) for _ in range(args.workers * 2)]
        for asker in askers:
            asker.start()
        for asker in askers:
            asker.join(timeout=DEADLINE)

        # The worker lived through all of it and still takes tasks: an email queued now.
        worker_alive = worker.poll() is None
        mail_after = task_done(mailbox, "after-the-restarts@example.org")
        lost = lost_saves(run)
        worker_outages = sum("Database unavailable" in line for line in worker_lines)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        try:
            from django.db import connections as open_connections

            open_connections.close_all()
        except Exception:  # Django may not be set up yet
            pass
        smtp.stop()
        if args.keep:
            print(f"kept: {cluster.folder}")
            cluster.stop("fast")
        else:
            cluster.remove()

    total = time.monotonic() - began
    print(
        f"PostgreSQL {bindir.parent.name} on 127.0.0.1:{cluster.port}; gunicorn {args.workers} "
        f"sync workers; manage.py worker; {args.respondents} respondents, {len(fields)} text "
        f"fields, {args.think:g} s between saves; set-up {ready:.1f} s, load {load_seconds:.1f} s, "
        f"total {total:.1f} s"
    )
    for name, outage, recovery, worker_back in outages:
        print(
            f"  {name}: database away {outage:.2f} s; after it was back: first acknowledged "
            f"save {recovery:.2f} s, an email queued by then sent by the worker "
            f"{worker_back:.2f} s"
        )
    print(
        f"autosaves and pages under load: {run.requests} autosaves, statuses "
        f"{dict(sorted(statuses_under_load.items()))} (0 = connection failed)"
    )
    print(
        f"acknowledged saves: {len(run.ack_times)} ({len(run.acknowledged)} fields); lost: {lost}"
    )
    print(f"first requests after an idle restart: {dict(sorted(idle.items()))}")
    print(
        f"worker: alive after {len(outages) + 1} outages: {worker_alive}; outages it logged: "
        f"{worker_outages}; a queued email sent before the restarts in {mail_before:.2f} s, "
        f"after them in {mail_after:.2f} s"
    )
    for line in sorted([*(f"{t}  (database)" for t in timeline), *worker_lines]):
        print(f"  {line}")
    for error in run.errors[:10]:
        print(f"  error: {error}")
    for failure in run.failures:
        print(f"  connection failed: {failure}")
    failed = (
        lost or statuses_under_load[500] or set(idle) != {200} or not worker_alive or run.errors
    )
    print("FAILED" if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
