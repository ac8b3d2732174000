"""Benchmark: the Secretariat's analysis pages, timed server-side, with their SQL statements.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cm_analysis_bench \
        .venv/bin/python bench/analysis_data.py --stakeholders 10000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cm_analysis_bench \
        .venv/bin/python bench/analysis.py --runs 20

    # or fill and measure in one go:
    DATABASE_URL=… .venv/bin/python bench/analysis.py --fill 10000

Nothing is served to the network: every request goes through Django's test client in this
process (middleware, session, view, queries, template: the whole request but the socket),
signed in as a Secretariat analyst with the second factor. Each page of `PAGES` (below; add the
pages you make) is requested once cold (the first request of the process for that page,
reported apart), once with its SQL statements counted (`CaptureQueriesContext`), then `--runs`
times (at least 20): p50, p95 and max of the wall time, and p50 and p95 of the process's own
CPU time (what the request costs here without the database server's work and without waiting
for a core). A page answering 404 is reported as "missing" (not merged yet), any other status or an
exception as such: the run goes on. Bounded: at most `--runs` × pages requests, and no more
runs of a page once `--budget` seconds have gone by.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The pages measured: (name, path). The path's {placeholders} come from `placeholders()`:
# {round} the demonstration round's number, {country} the Member State with the most rounds
# of national reports, {question} a select_one question of the round's NRI, {isri_question}
# one of its ISRI, {word} a word found in the answers' text.
PAGES: list[tuple[str, str]] = [
    ("completeness", "/backoffice/analysis/completeness/?round={round}"),
    ("completeness (ISRI)", "/backoffice/analysis/completeness/?round={round}&instrument=isri"),
    ("one question (NRI)", "/backoffice/analysis/questions/{question}/?round={round}"),
    (
        "one question (ISRI)",
        "/backoffice/analysis/questions/{isri_question}/?round={round}&instrument=isri",
    ),
    ("search", "/backoffice/analysis/search/?q={word}&round={round}"),
    ("report generation", "/backoffice/analysis/report.docx?round={round}"),
    ("report generation (PDF)", "/backoffice/analysis/report.pdf?round={round}"),
    ("a country across rounds", "/backoffice/analysis/countries/{country}/"),
    (
        "a country across rounds (counting states)",
        "/backoffice/analysis/countries/{country}/?state=submitted&state=in_review"
        "&state=returned&state=validated",
    ),
]


@dataclass
class Measured:
    name: str
    url: str
    status: str = ""
    statements: int | None = None
    size: int = 0
    cold: float | None = None
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def cells(self) -> list[str]:
        if not self.wall:
            return [self.name, self.status, "", "", "", "", "", "", "", ""]
        cuts = statistics.quantiles(self.wall, n=100) if len(self.wall) > 1 else self.wall * 99
        cpu = statistics.quantiles(self.cpu, n=100) if len(self.cpu) > 1 else self.cpu * 99
        return [
            self.name,
            self.status,
            str(self.statements) if self.statements is not None else "",
            f"{self.size / 1024:.0f}",
            f"{self.cold:.0f}" if self.cold is not None else "",
            f"{cuts[49]:.0f}",
            f"{cuts[94]:.0f}",
            f"{max(self.wall):.0f}",
            f"{cpu[49]:.0f}",
            f"{cpu[94]:.0f}",
        ]


def placeholders() -> dict[str, str]:
    from django.db.models import Count

    from codemonitor.demo.rounds import DEMO_ROUND_NUMBER
    from codemonitor.reporting.models import Report, Round
    from codemonitor.reporting.rounds import NATIONAL, STAKEHOLDER, round_instrument_for

    demo = Round.objects.filter(number=DEMO_ROUND_NUMBER).first() or Round.objects.first()
    if demo is None:
        raise SystemExit("no round: fill the database first (bench/analysis_data.py)")
    found = {"round": str(demo.number), "word": "recruitment", "question": "", "isri_question": ""}
    for key, kind in (("question", NATIONAL), ("isri_question", STAKEHOLDER)):
        round_instrument = round_instrument_for(demo, kind)
        if round_instrument is not None:
            form = round_instrument.instrument_version.form
            found[key] = next(
                (q.name for q in form.walk() if q.kind == "select_one" and not q.personal), ""
            )
    busiest = (
        Report.objects.filter(member_state__isnull=False)
        .values("member_state_id")
        .annotate(rounds=Count("round_instrument"))
        .order_by("-rounds", "member_state_id")
        .first()
    )
    found["country"] = busiest["member_state_id"] if busiest else "GHA"
    return found


def signed_in_client() -> Any:
    from django.test import Client
    from django.utils import timezone

    from codemonitor.accounts.access import SESSION_VERIFIED
    from codemonitor.accounts.models import Role, User

    email = "bench-analyst@who.example"
    analyst = User.objects.filter(username=email).first() or User.objects.create_user(
        email,
        email,
        "a long bench password 1",
        role=Role.SECRETARIAT_ANALYST,
        totp_secret="JBSWY3DPEHPK3PXP",
        totp_confirmed_at=timezone.now(),
    )
    client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
    client.force_login(analyst)
    session = client.session
    session[SESSION_VERIFIED] = analyst.pk
    session.save()
    return client


def measure(
    client: Any, name: str, url: str, runs: int, deadline: float, *, count: bool = True
) -> Measured:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result = Measured(name, url)
    try:
        started = time.perf_counter()
        response = client.get(url)
        cold = (time.perf_counter() - started) * 1000
    except Exception as error:  # a crash of the page is a result, not the end of the run
        result.status = f"error: {type(error).__name__}"
        return result
    if response.status_code == 404:
        result.status = "missing"
        return result
    if response.status_code != 200:
        result.status = f"status {response.status_code}"
        return result
    result.status, result.cold = "ok", cold
    result.size = len(response.content)
    if count:
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        result.statements = len(queries)
    for _ in range(runs):
        if time.perf_counter() > deadline:
            result.status = f"ok ({len(result.wall)} runs: budget spent)"
            break
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        result.wall.append((time.perf_counter() - started) * 1000)
        result.cpu.append((time.process_time() - started_cpu) * 1000)
        if response.status_code != 200:
            result.status = f"status {response.status_code} on a later run"
            break
    return result


def table(results: list[Measured]) -> str:
    header = [
        "page",
        "status",
        "SQL",
        "KB",
        "cold ms",
        "p50 ms",
        "p95 ms",
        "max ms",
        "CPU p50",
        "CPU p95",
    ]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(result.cells()) + " |" for result in results]
    return "\n".join(lines)


def machine(database: str) -> str:
    from codemonitor.reporting.models import Report

    memory = ""
    try:
        with Path("/proc/meminfo").open() as handle:
            total_kb = int(handle.readline().split()[1])
        memory = f", {total_kb / 1024 / 1024:.0f} GB"
    except (OSError, ValueError, IndexError):
        pass
    national = Report.objects.filter(member_state__isnull=False).count()
    stakeholders = Report.objects.filter(member_state__isnull=True).count()
    processor = platform.processor() or platform.machine()
    return (
        f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} — {database}; {os.cpu_count()} cores "
        f"{processor}{memory}; Python {platform.python_version()}; "
        f"{national:,} national and {stakeholders:,} stakeholder reports; "
        f"load average {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    import analysis_data

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page (≥ 20)")
    parser.add_argument("--budget", type=float, default=900.0, help="seconds for all the runs")
    parser.add_argument(
        "--fill",
        type=int,
        default=None,
        metavar="N",
        help="first fill the database: N stakeholders",
    )
    parser.add_argument(
        "--page", action="append", default=[], help="only pages whose name has this"
    )
    arguments = parser.parse_args()
    if not 20 <= arguments.runs <= 500:
        parser.error("--runs: between 20 and 500")
    if arguments.fill is not None and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("--fill needs a PostgreSQL DATABASE_URL (it drops and makes the database)")
    database = analysis_data.prepare_database(keep=arguments.fill is None)
    if database == "SQLite" and arguments.fill is None and not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL to the database bench/analysis_data.py filled")
    analysis_data.setup_django()
    if arguments.fill is not None:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        for step in analysis_data.fill(stakeholders=arguments.fill):
            print(step)
    # A page not merged yet answers 404: the table says "missing", the log need not.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    values = placeholders()
    client = signed_in_client()
    deadline = time.perf_counter() + arguments.budget
    results = []
    for name, path in PAGES:
        if arguments.page and not any(word in name for word in arguments.page):
            continue
        try:
            url = path.format(**values)
        except KeyError as missing:
            results.append(Measured(name, path, status=f"no value for {missing}"))
            continue
        result = measure(client, name, url, arguments.runs, deadline)
        print(f"  {name}: {result.status} ({url})", file=sys.stderr)
        results.append(result)
    print(machine(database))
    print(table(results))


if __name__ == "__main__":
    main()
