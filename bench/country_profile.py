"""Benchmark: a Member State's profile page with 100,000 statistics loaded.

(Not `bench/profile.py`: a script's folder comes first on its path, and a `profile.py` there
would stand in for the standard library's `profile`, which cProfile imports.)

    .venv/bin/python bench/country_profile.py            # SQLite, in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cm_profile_bench \
        .venv/bin/python bench/country_profile.py

Makes a fresh database (SQLite: a new file; PostgreSQL: the named database dropped and created
again), migrates it, loads the reference data, then bulk-inserts `--statistics` figures spread
as the OECD dataset is: about 40 destinations, each with its total and foreign-trained stocks
and inflows and its foreign-trained by country of training (up to 190 origins), for several
occupations and years — and one country rich in data (the United Kingdom: every occupation,
23 years, every origin). It adds laws and recruiters, then requests the richest country's
profile (`/backoffice/countries/GBR/`) `--requests` times as a Secretariat analyst through
Django's test client (the whole request: middleware, session, view, queries, template) and
prints p50/p95/max in milliseconds and the SQL statements of one request.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RICH = "GBR"
OCCUPATIONS = ["doctors", "nurses", "midwives", "nurses_midwives", "dentists", "pharmacists"]


def prepare_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        folder = Path(tempfile.mkdtemp(prefix="cm-profile-bench-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
        return "SQLite"
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"PostgreSQL ({name})"


def statistics_rows(total: int, seed: int = 2024) -> list[Any]:
    from codemonitor.reference.countries import member_state_codes
    from codemonitor.workforce.models import TOTAL_ORIGIN, Dataset, Statistic

    rng = random.Random(seed)
    members = list(member_state_codes())
    rows: list[Statistic] = []
    seen: set[tuple[object, ...]] = set()

    def add(
        destination: str,
        origin: str,
        population: str,
        occupation: str,
        measure: str,
        year: int,
        value: int,
        dataset: str = Dataset.OECD,
    ) -> None:
        key = (dataset, destination, origin, population, occupation, measure, year)
        if key in seen or len(rows) >= total:
            return
        seen.add(key)
        rows.append(
            Statistic(
                dataset=dataset,
                destination_code=destination,
                destination_id=destination,
                origin_code=origin,
                origin_id=origin if origin in members else None,
                population=population,
                occupation=occupation,
                measure=measure,
                year=year,
                value=Decimal(value),
                flag="B" if rng.random() < 0.02 else "",
            )
        )

    def country(destination: str, occupations: list[str], years: range, origins: int) -> None:
        chosen = rng.sample([m for m in members if m != destination], origins)
        for occupation in occupations:
            for year in years:
                stock = rng.randint(5_000, 300_000)
                trained = stock * rng.randint(2, 40) // 100
                add(destination, "", "total", occupation, "stock", year, stock)
                add(
                    destination, TOTAL_ORIGIN, "foreign_trained", occupation, "stock", year, trained
                )
                add(
                    destination,
                    TOTAL_ORIGIN,
                    "foreign_trained",
                    occupation,
                    "inflow",
                    year,
                    trained // 10,
                )
                for origin in chosen:
                    add(
                        destination,
                        origin,
                        "foreign_trained",
                        occupation,
                        "stock",
                        year,
                        rng.randint(0, max(1, trained // 20)),
                    )

    country(RICH, OCCUPATIONS, range(2000, 2023), 190)
    # Its own national report, for the latest years: the NRI comes first for these.
    for occupation in OCCUPATIONS:
        for year in range(2020, 2023):
            add(RICH, "", "total", occupation, "stock", year, 250_000, Dataset.NRI)
    others = rng.sample([m for m in members if m != RICH], 39)
    while len(rows) < total:
        for destination in others:
            country(
                destination,
                rng.sample(OCCUPATIONS[:2] + OCCUPATIONS[4:], 2),
                range(rng.randint(2008, 2016), 2023),
                rng.randint(40, 190),
            )
            if len(rows) >= total:
                break
    return rows


def load(total: int) -> None:
    from django.core.management import call_command
    from django.db import transaction

    from codemonitor.registers.models import Law, NationalAuthority, Recruiter, Validation
    from codemonitor.workforce.models import Statistic

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("load_reference", verbosity=0)
    started = time.perf_counter()
    rows = statistics_rows(total)
    print(f"  {len(rows):,} statistics made in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with transaction.atomic():
        Statistic.objects.bulk_create(rows, batch_size=5000)
    print(f"  {len(rows):,} statistics inserted in {time.perf_counter() - started:.1f} s")
    NationalAuthority.objects.create(member_state_id=RICH, name="Department of Health")
    validations = [Validation.VALIDATED, Validation.PENDING, Validation.RETURNED]
    Law.objects.bulk_create(
        Law(
            member_state_id=country,
            title=f"Law {n} of {country}",
            kind="law",
            validation=validations[n % 3],
        )
        for country in (RICH, "FRA", "DEU", "IND")
        for n in range(80 if country == RICH else 10)
    )
    Recruiter.objects.bulk_create(
        Recruiter(
            member_state_id=country,
            legal_name=f"Recruiter {n} of {country}",
            licence_number=f"{country}-{n}",
            licence_key=f"{country}{n}",
            status="authorised",
            validation=validations[n % 3],
        )
        for country in (RICH, "FRA", "IRL")
        for n in range(400 if country == RICH else 20)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statistics", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    arguments = parser.parse_args()
    if arguments.requests < 1 or arguments.requests > 2000:
        parser.error("--requests: between 1 and 2000")
    database = prepare_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "codemonitor.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    # The production static files storage needs its manifest: collected into a temporary folder.
    os.environ["STATIC_ROOT"] = tempfile.mkdtemp(prefix="cm-profile-static-")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from codemonitor.accounts.access import SESSION_VERIFIED
    from codemonitor.accounts.models import Role, User

    print(
        f"{database}, {platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}"
    )
    load(arguments.statistics)
    analyst = User.objects.create_user(
        "analyst@who.example",
        "analyst@who.example",
        "a long bench password 1",
        role=Role.SECRETARIAT_ANALYST,
        totp_secret="JBSWY3DPEHPK3PXP",
        totp_confirmed_at=timezone.now(),
    )
    client = Client(HTTP_HOST="127.0.0.1", secure=True)
    client.force_login(analyst)
    session = client.session
    session[SESSION_VERIFIED] = analyst.pk
    session.save()
    url = f"/backoffice/countries/{RICH}/"
    for _ in range(5):  # warm: templates compiled, country names cached
        response = client.get(url)
        assert response.status_code == 200, response.status_code
    statements: list[str] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        client.get(url)
        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ["BENCH_PROFILE"]).print_stats(30)
    size = len(response.content)
    from django.core.cache import cache

    print(
        f"  {url}: {arguments.requests} requests each way, page {size / 1024:.0f} KB, "
        f"{len(statements)} SQL statements (migration section kept)"
    )
    # Kept: the migration section drawn once for this version of the figures (every request
    # after the first following an import). Drawn: the cache emptied before each request
    # (the first request after the figures changed).
    for label, drawn in (("kept", False), ("drawn", True)):
        timings, cpu = [], []
        for _ in range(arguments.requests):
            if drawn:
                cache.clear()
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200
        cuts = statistics.quantiles(timings, n=100)
        cpu_cuts = statistics.quantiles(cpu, n=100)
        # The process's own CPU time: what the request costs here, without the waits of a
        # machine shared with other work (the database server's time is not in it).
        print(
            f"  {label}: wall p50 {cuts[49]:.0f} ms, p95 {cuts[94]:.0f} ms, "
            f"max {max(timings):.0f} ms; CPU p50 {cpu_cuts[49]:.0f} ms, p95 {cpu_cuts[94]:.0f} ms"
        )
    print(f"  load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
