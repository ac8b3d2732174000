"""Benchmark: concurrent stakeholders filling in the ISRI against a production server.

    .venv/bin/python bench/respondents.py --respondents 50 --workers 4

Sets up a fresh PostgreSQL database, serves Code Monitor with gunicorn on 127.0.0.1 and a real
SMTP server (aiosmtpd) for the private links and receipts, then runs N simulated respondents at
once. Each one opens the round's page, starts a report, opens the private link from its email,
saves every field of the ISRI one by one as the page's script does (pausing `--think` seconds
between fields, as a person typing), uploads a 1 MB document and submits. Bounded: at most
`--max-seconds` of run time and `--max-requests` requests in all.

Prints throughput, p50/p95/p99 latency of autosave and submit, the error count, then checks
that every autosave the server acknowledged is in the database.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LINK_RE = re.compile(r"(http://127\.0\.0\.1:\d+/isri/r/[^/\s]+/)")
REPORT_RE = re.compile(r"/isri/report/([0-9a-f-]{36})/page/1/")


@dataclass
class Stats:
    autosave: list[float] = field(default_factory=list)
    submit: list[float] = field(default_factory=list)
    upload: list[float] = field(default_factory=list)
    other: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    acknowledged: dict[tuple[str, str], Any] = field(default_factory=dict)
    submitted: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Budget:
    def __init__(self, max_requests: int, max_seconds: float) -> None:
        self.left = max_requests
        self.deadline = time.monotonic() + max_seconds
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.left <= 0 or time.monotonic() > self.deadline:
                return False
            self.left -= 1
            return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index] * 1000


class Respondent:
    def __init__(
        self,
        number: int,
        base: str,
        round_number: int,
        stats: Stats,
        budget: Budget,
        mailbox: Any,
        think: float,
        fields: list[tuple[str, Any, bool]],
    ) -> None:
        self.number = number
        self.base = base
        self.round_number = round_number
        self.stats = stats
        self.budget = budget
        self.mailbox = mailbox
        self.think = think
        self.fields = fields
        self.email = f"bench{number}@example.org"
        self.started_fields = STARTED_FIELDS
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self.csrf = ""

    def request(
        self,
        path: str,
        data: dict[str, Any] | bytes | None = None,
        headers: dict[str, str] | None = None,
        kind: str = "other",
    ) -> tuple[int, str]:
        if not self.budget.take():
            raise TimeoutError("budget spent")
        body = None
        if isinstance(data, dict):
            body = urllib.parse.urlencode(data, doseq=True).encode()
        elif isinstance(data, bytes):
            body = data
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=60) as response:
                text = response.read().decode("utf-8", "replace")
                status = response.status
        except urllib.error.HTTPError as error:
            text, status = error.read().decode("utf-8", "replace"), error.code
        elapsed = time.perf_counter() - started
        with self.stats.lock:
            self.stats.requests += 1
            getattr(self.stats, kind).append(elapsed)
            if status >= 400:
                self.stats.errors.append(f"{kind} {path} -> {status}")
        match = CSRF_RE.search(text)
        if match:
            self.csrf = match[1]
        return status, text

    def run(self) -> None:
        try:
            self._run()
        except TimeoutError:
            pass
        except Exception as error:  # counted, never hidden
            with self.stats.lock:
                self.stats.errors.append(f"respondent {self.number}: {error!r}")

    def _run(self) -> None:
        self.request(f"/isri/round/{self.round_number}/")
        status, text = self.request(
            f"/isri/round/{self.round_number}/start/",
            {
                "csrfmiddlewaretoken": self.csrf,
                "email": self.email,
                "entity_name": f"Benchmark entity {self.number}",
                "homepage": "",
            },
        )
        match = REPORT_RE.search(text) or REPORT_RE.search(self._last_url())
        if status != 200:
            raise RuntimeError(f"start failed: {status}")
        link = self._wait_for_link()
        status, text = self.request(link.removeprefix(self.base))
        match = REPORT_RE.search(text) if match is None else match
        report = self._report_uuid(text, match)
        autosave = f"/isri/report/{report}/autosave/"
        for key, value, multiple in self.fields:
            time.sleep(self.think)
            # The version the page was drawn with: 0 for a field not answered yet. The fields
            # answered at the start (the entity's name, the email) were drawn at version 1.
            version = 1 if key in self.started_fields else 0
            data: dict[str, Any] = {
                "csrfmiddlewaretoken": self.csrf,
                "field": key,
                "value": value,
                "page": "2",
                "version": str(version),
            }
            if multiple:
                data["multiple"] = "1"
            status, text = self.request(
                autosave, data, {"Accept": "application/json"}, kind="autosave"
            )
            if status == 200 and '"saved": true' in text:
                with self.stats.lock:
                    self.stats.acknowledged[report, key] = value
        boundary = f"bench{self.number}"
        document = b"%PDF-1.4\n" + b"0" * (1024 * 1024) + b"\n%%EOF\n"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"'
                f"\r\n\r\n{self.csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; "
                f'name="q__q10_documents__"; filename="evidence.pdf"\r\nContent-Type: '
                f"application/pdf\r\n\r\n"
            ).encode()
            + document
            + f"\r\n--{boundary}--\r\n".encode()
        )
        self.request(
            f"/isri/report/{report}/upload/",
            body,
            {
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Accept": "application/json",
            },
            kind="upload",
        )
        time.sleep(self.think)
        status, text = self.request(
            f"/isri/report/{report}/submit/", {"csrfmiddlewaretoken": self.csrf}, kind="submit"
        )
        if status == 200 and "Reference number" in text:
            with self.stats.lock:
                self.stats.submitted += 1

    def _last_url(self) -> str:
        return ""

    def _report_uuid(self, text: str, match: re.Match[str] | None) -> str:
        found = match or re.search(r"/isri/report/([0-9a-f-]{36})/", text)
        if not found:
            raise RuntimeError("no report address in the page")
        return found[1]

    def _wait_for_link(self) -> str:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for message in list(self.mailbox.messages):
                if self.email in str(message["To"]):
                    body = message.get_body(preferencelist=("plain",)).get_content()
                    found = LINK_RE.search(body)
                    if found:
                        return found[1]
            time.sleep(0.05)
        raise RuntimeError("no private link arrived")


# The fields the start answers (the entity's name, the contact email): already at version 1.
STARTED_FIELDS: set[str] = set()


def isri_fields() -> list[tuple[str, Any, bool]]:
    """Every field of the ISRI a respondent can type in, with a valid value."""
    from codemonitor.instruments.models import InstrumentVersion

    form = InstrumentVersion.objects.get(instrument__code="isri").form
    STARTED_FIELDS.update(
        f"q__{name}__"
        for field, name in form.report_fields().items()
        if field in ("entity_name", "contact_email")
    )
    values: list[tuple[str, Any, bool]] = []
    for question in form.walk():
        if not question.is_input or question.kind == "file":
            continue
        key = f"q__{question.name}__"
        if question.kind == "select_multiple":
            values.append(
                (
                    key,
                    ["GHA", "PHL"]
                    if question.list_name == "countries"
                    else [form.choices[question.list_name][0].name],
                    True,
                )
            )
        elif question.kind == "select_one":
            values.append((key, form.choices[question.list_name][0].name, False))
        elif question.name == "email":
            values.append((key, "respondent@example.org", False))
        else:
            values.append((key, f"Benchmark answer to {question.name}: synthetic text.", False))
    return values


def setup_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--respondents", type=int, default=50)
    parser.add_argument("--workers", type=int, default=6, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument(
        "--think", type=float, default=1.0, help="seconds between two fields (a person typing)"
    )
    parser.add_argument("--max-seconds", type=float, default=240)
    parser.add_argument("--max-requests", type=int, default=20000)
    parser.add_argument(
        "--database",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/codemonitor_bench"
        ),
    )
    args = parser.parse_args()

    media = Path("/tmp/codemonitor-bench-media")
    env = {
        **os.environ,
        "DATABASE_URL": args.database,
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "k" * 40 + "0123456789abcdefghijklmnopqrstuvwxyz",
        "SECURE_COOKIES": "0",
        "MEDIA_ROOT": str(media),
        "STATIC_MANIFEST": "0",
        # Every simulated respondent sends from 127.0.0.1: the per-address limits are for people.
        "RATE_START_PER_IP": "1000000",
        "RATE_START_GLOBAL": "1000000",
        "RATE_UPLOAD_PER_IP": "1000000",
        "RATE_AUTOSAVE_PER_IP": "1000000",
        "RATE_START_PER_EMAIL": "100",
        "EMAIL_HOST": "127.0.0.1",
    }
    os.environ.update(env)
    setup_database(args.database)
    from aiosmtpd.controller import Controller

    from tests.smtp import Mailbox

    mailbox = Mailbox()
    smtp_port = free_port()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    env["EMAIL_PORT"] = os.environ["EMAIL_PORT"] = str(smtp_port)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "codemonitor.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0)
    call_command("load_instruments", verbosity=0)
    from codemonitor.demo.rounds import demo_round_ensure

    round_ = demo_round_ensure()
    fields = isri_fields()
    from django.db import connections

    connections.close_all()

    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "codemonitor.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    # The background worker sends the receipts, as in production.
    worker = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "python"),
            "manage.py",
            "db_worker",
            "--no-startup-delay",
            "--interval",
            "0.5",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        stats = Stats()
        budget = Budget(args.max_requests, args.max_seconds)
        respondents = [
            Respondent(n, base, round_.number, stats, budget, mailbox, args.think, fields)
            for n in range(args.respondents)
        ]
        threads = [threading.Thread(target=r.run) for r in respondents]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
            time.sleep(0.02)  # people do not all press "start" in the same millisecond
        for thread in threads:
            thread.join(timeout=args.max_seconds + 60)
        elapsed = time.perf_counter() - started
        receipts_deadline = time.monotonic() + 120
        while (
            sum("Receipt" in str(m["Subject"]) for m in mailbox.messages) < stats.submitted
            and time.monotonic() < receipts_deadline
        ):
            time.sleep(0.5)
        receipts = sum("Receipt" in str(m["Subject"]) for m in mailbox.messages)
    finally:
        server.terminate()
        worker.terminate()
        server.wait(timeout=30)
        worker.wait(timeout=30)
        smtp.stop()

    from codemonitor.reporting.models import Answer, PersonalAnswer, Report

    lost = 0
    by_report = {str(r.uuid): r.pk for r in Report.objects.all()}
    for (report, key), value in stats.acknowledged.items():
        question = key.removeprefix("q__").rpartition("__")[0]
        stored = None
        for model in (Answer, PersonalAnswer):
            row = (
                model.objects.filter(report_id=by_report.get(report, 0), question=question, row="")
                .values_list("value", flat=True)
                .first()
            )
            if row is not None:
                stored = row
        if stored != value:
            lost += 1

    print(
        f"machine: {platform.node()} — {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, gunicorn {args.workers} workers x {args.threads} "
        f"threads, PostgreSQL"
    )
    print(
        f"respondents: {args.respondents}, fields each: {len(fields)}, think time: "
        f"{args.think}s, wall time: {elapsed:.1f}s"
    )
    print(
        f"requests: {stats.requests} ({stats.requests / elapsed:.1f}/s); submitted reports: "
        f"{stats.submitted}/{args.respondents}"
    )
    for name in ("autosave", "upload", "submit", "other"):
        values = getattr(stats, name)
        print(
            f"{name:9} n={len(values):5}  p50={percentile(values, 0.5):7.1f} ms  "
            f"p95={percentile(values, 0.95):7.1f} ms  p99={percentile(values, 0.99):7.1f} ms  "
            f"mean={statistics.fmean(values) * 1000 if values else float('nan'):7.1f} ms"
        )
    print(f"errors: {len(stats.errors)}")
    for error in stats.errors[:10]:
        print(f"  {error}")
    print(f"receipts emailed by the worker: {receipts}/{stats.submitted}")
    print(f"acknowledged autosaves: {len(stats.acknowledged)}; lost: {lost}")
    sys.exit(1 if lost or stats.errors else 0)


if __name__ == "__main__":
    main()
