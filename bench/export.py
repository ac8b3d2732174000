"""Benchmark: the open data of a published round, and its public pages under load.

    .venv/bin/python bench/export.py --database cm_export10k --prepare 10000
    .venv/bin/python bench/export.py --database cm_export100k --prepare 100000 --no-pages

`--prepare N` fills the PostgreSQL database (dropped and made again) with `bench/analysis_data.py`
(194 national reports, N stakeholder reports), then makes its round publishable: every report
in a state the publication shows (national validated, stakeholder submitted), none withheld,
the round public since yesterday (the installation publishes demonstration rounds:
`PUBLISH_DEMO_ROUNDS=1`, set here for every process).

1. **Exports.** Each file is written by a fresh process (`--child FORMAT`), through the same
   functions as the portal's downloads (`publication.files`), to a temporary file: the wall time
   of the export and the process's peak resident memory (`ru_maxrss`, Django and the data
   included), and the file's size:
   `csv` (the stakeholder reports table, one row per report), `answers` (its long answers
   table), `xlsx` (every table, one workbook), `json` (every table, one document), `package`
   (the data package ZIP: every CSV file, datapackage.json, the codebook as CSV, HTML and PDF).
2. **Public pages.** gunicorn on 127.0.0.1 (`--workers` × `--threads`), `--clients` concurrent
   clients (threads, no think time, a fresh connection per request, no cookies or validators:
   the worst case, a page drawn each time) requesting the round's page and a country's page in
   turn: p50, p95 and max per page. Bounded: at most `--requests` requests and `--max-seconds`.

Prints a Markdown table for docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FORMATS = ("csv", "answers", "xlsx", "json", "package")


def environment(database: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    env["PUBLISH_DEMO_ROUNDS"] = "1"
    env.setdefault("SECRET_KEY", "bench-only-key-" + "x" * 50)
    env.setdefault("DEBUG", "0")
    env["DJANGO_SETTINGS_MODULE"] = "codemonitor.settings"
    env["PYTHONPATH"] = str(ROOT)
    return env


def prepare(database: str, stakeholders: int) -> None:
    env = environment(database)
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "analysis_data.py"),
            "--stakeholders",
            str(stakeholders),
        ],
        env=env,
        check=True,
    )
    code = """
import django, datetime as dt
django.setup()
from django.utils import timezone
from codemonitor.reporting.models import Report, Round
round_ = Round.objects.filter(is_demo=True).order_by("-number").first()
reports = Report.objects.filter(round_instrument__round=round_)
reports.filter(member_state__isnull=False).update(state="validated", withheld=False)
reports.filter(member_state__isnull=True).update(
    state="submitted", withheld=False, submitted_at=timezone.now()
)
Round.objects.filter(pk=round_.pk).update(publishes_at=timezone.now() - dt.timedelta(days=1))
print("round", round_.number, "public with", reports.count(), "reports")
"""
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT)


def child(file_format: str) -> None:
    """One export in this process: prints its figures as JSON."""
    import django

    django.setup()
    from codemonitor.publication.files import (
        package_zip,
        round_json,
        round_xlsx,
        table_csv,
    )
    from codemonitor.publication.public import public_rounds

    round_ = public_rounds().first()
    assert round_ is not None, "no public round: run with --prepare first"
    from codemonitor.publication.opendata import round_tables

    started = time.perf_counter()
    rows = 0
    with tempfile.TemporaryFile() as out:
        tables = round_tables(round_)
        by_name = {table.name: table for table in tables}
        if file_format in {"csv", "answers"}:
            table = by_name[
                "stakeholder_reports" if file_format == "csv" else "stakeholder_answers"
            ]
            for chunk in table_csv(table):
                rows += chunk.count(b"\n")
                out.write(chunk)
        elif file_format == "json":
            for chunk in round_json(round_, tables):
                out.write(chunk)
        elif file_format == "xlsx":
            rows = round_xlsx(out, tables)
        else:
            package_zip(round_, out)
        size = out.tell()
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "bytes": size, "lines": rows}))


def exports(
    database: str, formats: list[str], runs: int
) -> list[tuple[str, list[dict[str, float]]]]:
    env = environment(database)
    found = []
    for file_format in formats:
        results = []
        for _ in range(runs):
            done = subprocess.run(
                [sys.executable, __file__, "--child", file_format, "--database", database],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        found.append((file_format, results))
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))] * 1000


def pages(database: str, args: argparse.Namespace) -> dict[str, list[float]]:
    env = environment(database)
    code = """
import django
django.setup()
from codemonitor.publication.public import public_rounds, all_public_reports
round_ = public_rounds().first()
country = (
    all_public_reports()
    .filter(member_state__isnull=False)
    .values_list("member_state_id", flat=True)
    .first()
)
print(round_.number, country)
"""
    number, country = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout.split()
    targets = {"round page": f"/rounds/{number}/", "country page": f"/countries/{country}/"}
    # The static files as `make run` serves them (the pages name them by their hashed names).
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        env=env,
        check=True,
        cwd=ROOT,
    )
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
    base = f"http://127.0.0.1:{port}"
    timings: dict[str, list[float]] = {name: [] for name in targets}
    errors: list[str] = []
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        for path in targets.values():  # warm every worker's caches a little
            for _ in range(args.workers * 2):
                urllib.request.urlopen(base + path, timeout=60).read()
        lock = threading.Lock()
        left = [args.requests]
        deadline = time.monotonic() + args.max_seconds

        def client(offset: int) -> None:
            names = list(targets)
            turn = offset
            while True:
                with lock:
                    if left[0] <= 0 or time.monotonic() > deadline:
                        return
                    left[0] -= 1
                name = names[turn % len(names)]
                turn += 1
                started = time.perf_counter()
                try:
                    with urllib.request.urlopen(base + targets[name], timeout=60) as response:
                        response.read()
                        status = response.status
                except urllib.error.HTTPError as error:
                    status = error.code
                except OSError as error:
                    with lock:
                        errors.append(str(error))
                    continue
                elapsed = time.perf_counter() - started
                with lock:
                    if status == 200:
                        timings[name].append(elapsed)
                    else:
                        errors.append(f"{name}: {status}")

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.max_seconds + 120)
        elapsed = time.perf_counter() - started
        answered = sum(len(values) for values in timings.values())
        print(f"{answered} answers in {elapsed:.1f} s: {answered / elapsed:.0f} per second")
    finally:
        server.terminate()
        server.wait(timeout=30)
    if errors:
        print(f"{len(errors)} errors, first: {errors[0]}", file=sys.stderr)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--database", required=True, help="the PostgreSQL database's name")
    parser.add_argument(
        "--prepare", type=int, default=0, help="fill it first with N stakeholder reports"
    )
    parser.add_argument("--child", choices=FORMATS, help=argparse.SUPPRESS)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per format")
    parser.add_argument("--no-pages", action="store_true", help="exports only")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=3000, help="at most this many requests")
    parser.add_argument("--max-seconds", type=float, default=120, help="and at most this long")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if args.prepare:
        prepare(args.database, args.prepare)
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, PostgreSQL database {args.database}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    print("\n| Export | Runs | Time p50 (s) | Time max (s) | Peak RSS max (MB) | Size (MB) |")
    print("|---|---|---|---|---|---|")
    for file_format, results in exports(args.database, args.formats.split(","), args.runs):
        times = sorted(result["seconds"] for result in results)
        print(
            f"| {file_format} | {len(results)} | {times[len(times) // 2]:.2f} | {times[-1]:.2f} | "
            f"{max(result['peak_mb'] for result in results):.0f} | "
            f"{results[0]['bytes'] / 1e6:.1f} |"
        )
    if args.no_pages:
        return
    timings = pages(args.database, args)
    print(
        f"\n{args.clients} concurrent clients, "
        f"gunicorn {args.workers} workers × {args.threads} threads"
    )
    print("\n| Page | Requests | p50 (ms) | p95 (ms) | max (ms) |")
    print("|---|---|---|---|---|")
    for name, values in timings.items():
        print(
            f"| {name} | {len(values)} | {percentile(values, 0.5):.0f} | "
            f"{percentile(values, 0.95):.0f} | {percentile(values, 1.0):.0f} |"
        )


if __name__ == "__main__":
    main()
