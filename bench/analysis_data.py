"""Benchmark data for the analysis: the demonstration round with 194 national reports and N
stakeholder reports, and earlier rounds of the same national reports.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cm_analysis_bench \
        .venv/bin/python bench/analysis_data.py --stakeholders 10000

The named PostgreSQL database is dropped and made again (`--keep` fills it as it is; without a
PostgreSQL DATABASE_URL, a new SQLite file in a temporary folder), migrated, and given what
`manage.py bootstrap` loads (reference data, the shipped instruments, the history of rounds,
the demonstration round). Then, fast:

1. the demo generator (`demo.reports.demo_reports_create`, which walks each instrument with
   the engine) makes the 194 national reports and `--templates` stakeholder reports (40);
2. the stakeholder reports are cloned in bulk up to `--stakeholders`: new Report rows
   (`bulk_create`, new sequences and uuids) in varied states and languages, their answers
   copied by the database itself (one `INSERT … SELECT` from the templates' answers through a
   table of (clone, template) pairs), each clone concerning other countries and in another
   stakeholder category (the instrument's `countries_concerned` and `stakeholder_category`
   report fields, written by COPY on PostgreSQL), so that regions and categories differ;
   documents are not cloned (their answers are left out);
3. `--earlier-rounds` (2) earlier demonstration rounds (numbers 89, 88 …, three years apart)
   each get an NRI and a copy of every country's national report, numbers moved by up to a
   fifth and one select answer in five chosen again, so that a country has something to
   compare across rounds.

Prints what it made and how long each step took. `bench/analysis.py` then requests the
analysis pages against the same database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from codemonitor.reporting.models import Round, RoundInstrument

# Clones' states and languages (weights).
STAKEHOLDER_STATES = [("draft", 30), ("submitted", 55), ("in_review", 8), ("validated", 7)]
NATIONAL_STATES = [("submitted", 25), ("in_review", 15), ("returned", 10), ("validated", 50)]
LANGUAGES = [("en", 50), ("fr", 20), ("es", 15), ("ar", 5), ("ru", 5), ("zh", 5)]
BATCH = 5000


def prepare_database(keep: bool = False) -> str:
    """A fresh database (unless `keep`): the PostgreSQL one of DATABASE_URL dropped and made
    again, or a new SQLite file when DATABASE_URL names no PostgreSQL database."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        if not url:
            folder = Path(tempfile.mkdtemp(prefix="cm-analysis-bench-"))
            os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
        return "SQLite"
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not keep:
        import psycopg

        admin = parsed._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
    return f"PostgreSQL ({name})"


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "codemonitor.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("STATIC_MANIFEST", "0")  # no collected files needed to draw pages
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="cm-analysis-media-"))
    os.environ.setdefault(
        "SECRET_KEY", "bench-only-key-0123456789abcdef-not-for-production-0123456789abcdef"
    )
    import django

    django.setup()


def _weighted(rng: random.Random, weights: Sequence[tuple[str, int]]) -> str:
    values, counts = zip(*weights, strict=True)
    return str(rng.choices(values, weights=counts)[0])


@dataclass
class Made:
    step: str
    count: int
    seconds: float

    def __str__(self) -> str:
        return f"  {self.step}: {self.count:,} in {self.seconds:.1f} s"


# -- writing rows fast ------------------------------------------------------------------------


def _copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert rows: COPY on PostgreSQL, one prepared INSERT run per row on SQLite."""
    from django.db import connection

    quoted = connection.ops.quote_name
    names = ", ".join(quoted(column) for column in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quoted(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            marks = ", ".join(["%s"] * len(columns))
            batch: list[Sequence[Any]] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= BATCH:
                    cursor.executemany(
                        f"INSERT INTO {quoted(table)} ({names}) VALUES ({marks})", batch
                    )
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(f"INSERT INTO {quoted(table)} ({names}) VALUES ({marks})", batch)
                count += len(batch)
    return count


def _datetime(value: dt.datetime) -> Any:
    from django.db import connection

    return connection.ops.adapt_datetimefield_value(value)


def _answer_rows(
    report_id: int, round_instrument_id: int, values: dict[str, Any], at: dt.datetime
) -> Iterable[tuple[Any, ...]]:
    stamp = _datetime(at)
    for question, value in values.items():
        yield (report_id, round_instrument_id, question, "", json.dumps(value), 1, False, stamp)


ANSWER_COLUMNS = (
    "report_id",
    "round_instrument_id",
    "question",
    "row",
    "value",
    "version",
    "carried",
    "updated_at",
)


def _copy_answers_from(
    model_table: str, pairs: Sequence[tuple[int, int]], round_instrument_id: int, leave: set[str]
) -> int:
    """Copy the answers of each template to its clone, in the database: (clone, template)
    pairs go into a temporary table, then one INSERT … SELECT. `leave`: questions not copied."""
    from django.db import connection

    quoted = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_clone_pairs")
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_clone_pairs (clone_id bigint, template_id bigint)"
        )
    _copy_rows("bench_clone_pairs", ("clone_id", "template_id"), pairs)
    table = quoted(model_table)
    columns = ", ".join(quoted(column) for column in ANSWER_COLUMNS)
    copied_columns = ", ".join(
        f"a.{quoted(column)}" for column in ("question", "row", "value", "version", "carried")
    )
    left = ", ".join(["%s"] * len(leave)) if leave else ""
    where = f"WHERE a.{quoted('question')} NOT IN ({left})" if leave else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) "
            f"SELECT p.clone_id, %s, {copied_columns}, a.{quoted('updated_at')} FROM {table} a "
            f"JOIN bench_clone_pairs p ON a.{quoted('report_id')} = p.template_id {where}",
            [round_instrument_id, *sorted(leave)],
        )
        copied = cursor.rowcount
        cursor.execute("DROP TABLE bench_clone_pairs")
    return int(copied)


def _skip_foreign_key_checks() -> None:
    """On PostgreSQL, for the current transaction, no foreign key triggers: every clone points
    to rows that exist (its report, made just before; the round instrument), and checking
    millions of answers one by one at commit takes as long as writing them. Needs a superuser
    (the benchmark's database); without one, the checks run."""
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        pass


# -- the clones ---------------------------------------------------------------------------------


def stakeholders_clone(round_instrument: RoundInstrument, count: int, *, seed: int = 2024) -> int:
    """Add `count` stakeholder reports to the round instrument, cloned from its synthetic
    reports (the templates): varied states, languages, countries concerned and categories.
    Returns the number of answers written."""
    from django.db import transaction
    from django.db.models import Max
    from django.utils import timezone

    from codemonitor.reference.countries import member_state_codes
    from codemonitor.reporting.models import Answer, PersonalAnswer, Report
    from codemonitor.reporting.selectors import REGIONS

    if count <= 0:
        return 0
    rng = random.Random(seed)
    form = round_instrument.instrument_version.form
    fields = form.report_fields()
    questions = form.questions()
    templates = list(
        Report.objects.filter(round_instrument=round_instrument, is_demo=True)
        .order_by("sequence")
        .values_list("id", "entity_name")
    )
    if not templates:
        raise SystemExit("no synthetic report to clone: run the demo generator first")
    countries = list(member_state_codes())
    concerned = fields.get("countries_concerned", "")
    category = fields.get("stakeholder_category", "")
    entity = fields.get("entity_name", "")
    categories = (
        [choice.name for choice in form.choices.get(questions[category].list_name, [])]
        if category
        else []
    )
    multiple = bool(concerned) and questions[concerned].kind == "select_multiple"
    # What is written for each clone rather than copied; documents are not cloned.
    leave = {name for name, question in questions.items() if question.kind == "file"}
    leave |= {name for name in (concerned, category, entity) if name}
    languages = [(code, weight) for code, weight in LANGUAGES if code in form.languages] or [
        (form.default_language, 1)
    ]
    now = timezone.now()
    written = 0
    with transaction.atomic():
        _skip_foreign_key_checks()
        top = Report.objects.filter(round_instrument=round_instrument).aggregate(
            top=Max("sequence")
        )
        sequence = (top["top"] or 0) + 1
        for start in range(0, count, BATCH):
            size = min(BATCH, count - start)
            made: list[Report] = []
            chosen: list[int] = []
            for index in range(size):
                template_id, template_name = templates[rng.randrange(len(templates))]
                state = _weighted(rng, STAKEHOLDER_STATES)
                started = now - dt.timedelta(days=rng.randint(1, 60), minutes=rng.randint(0, 900))
                submitted = (
                    None if state == "draft" else started + dt.timedelta(days=rng.randint(1, 20))
                )
                name = f"{template_name.split(' (synthetic)')[0]} clone {sequence + start + index}"
                made.append(
                    Report(
                        round_instrument=round_instrument,
                        instrument_version=round_instrument.instrument_version,
                        sequence=sequence + start + index,
                        entity_name=f"{name} (synthetic)",
                        state=state,
                        language=_weighted(rng, languages),
                        uuid=uuid.uuid4(),
                        is_demo=True,
                        publish_entity_name=rng.random() < 0.7,
                        created_at=started,
                        updated_at=started + dt.timedelta(hours=rng.randint(1, 300)),
                        submitted_at=submitted,
                        is_late=submitted is not None and rng.random() < 0.1,
                    )
                )
                chosen.append(template_id)
            Report.objects.bulk_create(made, batch_size=BATCH)
            pairs = [(report.pk, template) for report, template in zip(made, chosen, strict=True)]
            for model in (Answer, PersonalAnswer):
                written += _copy_answers_from(
                    model._meta.db_table, pairs, round_instrument.pk, leave
                )

            def own(reports: list[Report]) -> Iterable[tuple[Any, ...]]:
                for report in reports:
                    values: dict[str, Any] = {}
                    if entity:
                        values[entity] = report.entity_name.removesuffix(" (synthetic)")
                    if category and categories:
                        values[category] = rng.choice(categories)
                    if concerned:
                        # Mostly countries, a region now and then: regions differ.
                        picked = rng.sample(countries, rng.randint(1, 3))
                        if rng.random() < 0.1:
                            picked = [rng.choice(REGIONS)]
                        values[concerned] = sorted(picked) if multiple else picked[0]
                    yield from _answer_rows(report.pk, round_instrument.pk, values, now)

            written += _copy_rows(Answer._meta.db_table, ANSWER_COLUMNS, own(made))
    return written


def earlier_rounds(demo: Round, count: int, *, seed: int = 2024) -> tuple[int, int]:
    """`count` earlier demonstration rounds, three years apart, each with an NRI and a copy of
    the demo round's national reports (numbers moved, some choices made again). Returns
    (reports, answers)."""
    from django.db import transaction
    from django.utils import timezone

    from codemonitor.reporting.models import Answer, Report, Round, RoundInstrument
    from codemonitor.reporting.rounds import NATIONAL, round_instrument_for

    current = round_instrument_for(demo, NATIONAL)
    if current is None or count <= 0:
        return 0, 0
    rng = random.Random(seed)
    form = current.instrument_version.form
    questions = form.questions()
    files = {name for name, question in questions.items() if question.kind == "file"}
    sources = list(
        Report.objects.filter(round_instrument=current, member_state__isnull=False).values_list(
            "id", "member_state_id", "entity_name"
        )
    )
    answers: dict[int, list[tuple[str, str, Any]]] = {}
    for report_id, question, row, value in Answer.objects.filter(
        report__in=[source[0] for source in sources]
    ).values_list("report_id", "question", "row", "value"):
        if question not in files:
            answers.setdefault(report_id, []).append((question, row, value))
    reports = written = 0
    with transaction.atomic():
        for back in range(1, count + 1):
            number, year = demo.number - back, demo.year - 3 * back
            round_, _created = Round.objects.get_or_create(
                number=number,
                defaults={
                    "year": year,
                    "title": f"Demonstration round, earlier ({year}) — synthetic data",
                    "is_demo": True,
                    "notes": "Made by bench/analysis_data.py.",
                },
            )
            closes = current.closes_at - dt.timedelta(days=3 * 365 * back)
            round_instrument, _created = RoundInstrument.objects.get_or_create(
                round=round_,
                instrument_version=current.instrument_version,
                defaults={"opens_at": closes - dt.timedelta(days=150), "closes_at": closes},
            )
            if Report.objects.filter(round_instrument=round_instrument).exists():
                continue
            made = [
                Report(
                    round_instrument=round_instrument,
                    instrument_version=current.instrument_version,
                    sequence=index,
                    member_state_id=iso3,
                    entity_name=name,
                    state=_weighted(rng, NATIONAL_STATES),
                    language=rng.choice(["en", "en", "en", "fr", "es"]),
                    uuid=uuid.uuid4(),
                    is_demo=True,
                    created_at=closes - dt.timedelta(days=100),
                    updated_at=closes - dt.timedelta(days=10),
                    submitted_at=closes - dt.timedelta(days=rng.randint(1, 30)),
                )
                for index, (_id, iso3, name) in enumerate(sources, start=1)
            ]
            Report.objects.bulk_create(made, batch_size=BATCH)
            reports += len(made)

            def rows(made: list[Report], round_instrument_id: int) -> Iterable[tuple[Any, ...]]:
                stamp = _datetime(timezone.now())
                for report, (source_id, _iso3, _name) in zip(made, sources, strict=True):
                    for question, row, value in answers.get(source_id, []):
                        asked = questions.get(question)
                        kind = asked.kind if asked is not None else ""
                        if kind in ("integer", "decimal") and isinstance(value, (int, float)):
                            moved = value * rng.uniform(0.8, 1.2)
                            value = round(moved) if kind == "integer" else round(moved, 2)
                        elif kind == "select_one" and asked is not None and rng.random() < 0.2:
                            names = [c.name for c in form.choices.get(asked.list_name, [])]
                            value = rng.choice(names) if names else value
                        yield (
                            report.pk,
                            round_instrument_id,
                            question,
                            row,
                            json.dumps(value),
                            1,
                            False,
                            stamp,
                        )

            written += _copy_rows(
                Answer._meta.db_table, ANSWER_COLUMNS, rows(made, round_instrument.pk)
            )
    return reports, written


def fill(
    *,
    stakeholders: int,
    templates: int = 40,
    national: int = 194,
    earlier: int = 2,
    seed: int = 2024,
) -> list[Made]:
    """Everything above, in an empty migrated database. Returns what each step made."""
    from codemonitor.demo.reports import demo_reports_create
    from codemonitor.demo.rounds import demo_round_ensure
    from codemonitor.instruments.services import instruments_load_shipped
    from codemonitor.reference.services import reference_load
    from codemonitor.reporting.rounds import STAKEHOLDER, round_instrument_for, rounds_load_history

    steps: list[Made] = []
    started = time.perf_counter()
    reference_load()
    instruments_load_shipped()
    rounds_load_history()
    demo = demo_round_ensure()
    steps.append(Made("reference data, instruments, rounds", 1, time.perf_counter() - started))
    started = time.perf_counter()
    templates = min(templates, stakeholders)
    summary = demo_reports_create(round_=demo, national=national, stakeholders=templates, seed=seed)
    steps.append(
        Made(
            f"reports by the demo generator ({summary.national} national, "
            f"{summary.stakeholders} stakeholder; answers)",
            summary.answers,
            time.perf_counter() - started,
        )
    )
    started = time.perf_counter()
    isri = round_instrument_for(demo, STAKEHOLDER)
    if isri is not None:
        answers = stakeholders_clone(isri, stakeholders - templates, seed=seed)
        steps.append(
            Made(
                f"stakeholder reports cloned ({stakeholders - templates:,}; answers)",
                answers,
                time.perf_counter() - started,
            )
        )
    started = time.perf_counter()
    reports, answers = earlier_rounds(demo, earlier, seed=seed)
    steps.append(
        Made(
            f"earlier rounds ({earlier}: {reports} national reports; answers)",
            answers,
            time.perf_counter() - started,
        )
    )
    from django.db import connection

    if connection.vendor == "postgresql":
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        steps.append(Made("ANALYZE", 1, time.perf_counter() - started))
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stakeholders", type=int, default=10_000)
    parser.add_argument("--templates", type=int, default=40)
    parser.add_argument("--earlier-rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--keep", action="store_true", help="do not drop the database first")
    arguments = parser.parse_args()
    if not 0 <= arguments.stakeholders <= 1_000_000:
        parser.error("--stakeholders: between 0 and 1,000,000")
    if not 0 <= arguments.earlier_rounds <= 20:
        parser.error("--earlier-rounds: between 0 and 20")
    database = prepare_database(keep=arguments.keep)
    setup_django()
    from django.core.management import call_command

    print(f"{database}: {os.environ['DATABASE_URL']}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"  migrated in {time.perf_counter() - started:.1f} s")
    total = time.perf_counter()
    for step in fill(
        stakeholders=arguments.stakeholders,
        templates=arguments.templates,
        earlier=arguments.earlier_rounds,
        seed=arguments.seed,
    ):
        print(step)
    print(f"  filled in {time.perf_counter() - total:.1f} s")


if __name__ == "__main__":
    main()
