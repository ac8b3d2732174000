"""Benchmark: importing 100,000 health personnel migration statistics (an OECD.Stat CSV file).

    .venv/bin/python bench/migration_import.py --rows 100000 \
        --database sqlite --database postgres://postgres@127.0.0.1:5432/cm_oecd_bench

Writes an OECD.Stat CSV file of `--rows` rows to a temporary folder, shaped as the OECD's
HEALTH_WFMI download is (quoted, with a byte order mark, sorted by country, variable, origin and
year): 40 destinations × up to 190 origins (and the total of origins) × foreign-trained doctors
and nurses, stock and annual inflow, plus total doctors and nurses, over as many years as it
takes; a few values flagged "B" (break in series). Then, for each `--database` (`sqlite`: a
fresh SQLite file; a PostgreSQL URL: the database dropped and made again), migrates it, loads
the reference data and runs `manage.py import_migration_data FILE` in a child process twice: the
first import (all created) and the same file again (all unchanged). Prints, per run, the wall
time of the child (Python and Django's start included), rows per second and the child's peak
resident memory (ru_maxrss). Targets: ≥ 5,000 rows/s, ≤ 200 MB.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
VARIABLES = [
    ("FTDS", "Foreign-trained doctors (stock)"),
    ("FTDF", "Foreign-trained doctors (annual inflow)"),
    ("FTNS", "Foreign-trained nurses (stock)"),
    ("FTNF", "Foreign-trained nurses (annual inflow)"),
]
TOTALS = [("TNBD", "Total doctors"), ("TNBN", "Total nurses")]
HEADER = ["COU", "Country", "VAR", "Variable", "CO2", "Country of origin", "YEA", "Year"]
HEADER += ["Value", "Flag Codes", "Flags"]


def countries() -> list[tuple[str, str]]:
    import pycountry

    return sorted((c.alpha_3, c.name) for c in pycountry.countries)


def write_file(path: Path, rows: int) -> int:
    """The OECD.Stat CSV file of `rows` rows, in the OECD's order. Returns its size."""
    every = countries()
    destinations = every[5 : 5 + 40 * 6 : 6]  # 40 of them, spread over the alphabet
    origins = [*every[:190], ("TOT", "Total")]
    per_year = len(destinations) * (len(VARIABLES) * len(origins) + len(TOTALS))
    years = list(range(2023 - -(-rows // per_year), 2023))
    written = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle, quoting=csv.QUOTE_ALL)  # as a download, not a platform export
        out.writerow(HEADER)
        for cou, country in destinations:
            series = [(v, o) for v in VARIABLES for o in origins if o[0] != cou]
            series += [(t, ("TOT", "Total")) for t in TOTALS]
            for (var, label), (co2, origin) in series:
                for year in years:
                    if written == rows:
                        break
                    value = (written * 7919 % 50000) / (1 if var[-1] == "S" else 7)
                    flag = ("B", "Break in series") if written % 50 == 0 else ("", "")
                    out.writerow(
                        [cou, country, var, label, co2, origin, year, year, f"{value:.1f}", *flag]
                    )
                    written += 1
    return path.stat().st_size


def database_url(kind: str, folder: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'bench.sqlite3'}"
    import psycopg

    parts = urllib.parse.urlparse(kind)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return kind


def child(arguments: list[str], env: dict[str, str]) -> tuple[float, int, int, str]:
    """Run `manage.py …` as a child: (wall seconds, peak RSS in KB, exit code, output)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [PYTHON, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - started, usage.ru_maxrss, process.returncode, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--database",
        action="append",
        help="sqlite (a fresh file) or a PostgreSQL URL (dropped and made again); repeatable",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cm-migration-bench-") as temporary:
        folder = Path(temporary)
        path = folder / "HEALTH_WFMI.csv"
        size = write_file(path, args.rows)
        print(
            f"{platform.node()} · {platform.processor() or platform.machine()} · "
            f"{os.cpu_count()} cores · Python {platform.python_version()} · "
            f"{dt.datetime.now():%Y-%m-%d %H:%M}"
        )
        print(f"file: {args.rows} rows, {size / 1024 / 1024:.1f} MB")
        for kind in args.database or ["sqlite"]:
            env = {
                **os.environ,
                "DATABASE_URL": database_url(kind, folder),
                "DEBUG": "0",
                "SECRET_KEY": "bench-" + "k" * 40 + "0123456789abcdefghijklmnopqrstuvwxyz",
                "DJANGO_SETTINGS_MODULE": "codemonitor.settings",
            }
            for setup in (["migrate", "--verbosity", "0"], ["load_reference", "--verbosity", "0"]):
                _seconds, _rss, code, output = child(setup, env)
                if code:
                    sys.exit(f"{' '.join(setup)} failed:\n{output}")
            engine = "SQLite" if kind == "sqlite" else "PostgreSQL"
            for run in ("first import", "same file again"):
                seconds, rss, code, output = child(["import_migration_data", str(path)], env)
                summary = next((ln for ln in output.splitlines() if "rows read" in ln), output)
                if code:
                    sys.exit(f"{engine}, {run}: exit {code}\n{output[-2000:]}")
                print(
                    f"{engine:10} {run:16} {seconds:6.1f} s  {args.rows / seconds:8.0f} rows/s  "
                    f"peak RSS {rss / 1024:5.0f} MB  ({summary})"
                )


if __name__ == "__main__":
    main()
