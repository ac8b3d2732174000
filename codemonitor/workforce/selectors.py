"""Reading the migration statistics: filtered for a page, and as rows of the export that a
researcher downloads (`manage.py export_migration_data`, the back office's CSV download)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from codemonitor.reference.models import MemberState
from codemonitor.workforce.models import Dataset, Measure, Occupation, Population, Statistic

EXPORT_COLUMNS = [
    "destination_code",
    "destination",
    "origin_code",
    "origin",
    "population",
    "occupation",
    "measure",
    "year",
    "value",
    "unit",
    "flag",
    "flag_note",
    "dataset",
    "source_file",
    "source_sha256",
    "source_report",
    "source_question",
]


@dataclass(frozen=True)
class StatisticsFilter:
    """What the browse page narrows the statistics to (empty: everything)."""

    destination: str = ""
    origin: str = ""
    occupation: str = ""
    population: str = ""
    measure: str = ""
    year: int | None = None
    dataset: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> StatisticsFilter:
        """The filter a GET query asks for; a value that is not understood is left out (never
        reaches the database: PostgreSQL refuses a NUL byte with a server error)."""
        year = query.get("year", "").strip()

        def chosen(name: str, values: list[str]) -> str:
            value = query.get(name, "").strip()
            return value if value in values else ""

        return cls(
            destination=_code(query.get("destination", "")),
            origin=_code(query.get("origin", "")),
            occupation=chosen("occupation", Occupation.values),
            population=chosen("population", Population.values),
            measure=chosen("measure", Measure.values),
            year=int(year) if year.isascii() and year.isdigit() and len(year) == 4 else None,
            dataset=chosen("dataset", Dataset.values),
        )


def _code(value: str) -> str:
    """A place's code as stored (kept as the source gave it): printable, at most the model's
    length; anything else, nothing."""
    code = value.strip().upper()
    return code if len(code) <= 20 and code.isprintable() else ""


def statistics_filtered(found: StatisticsFilter | None = None) -> QuerySet[Statistic]:
    """The statistics that a filter keeps, in a stable order."""
    statistics = Statistic.objects.all()
    if found is not None:
        conditions = {
            "destination_code": found.destination,
            "origin_code": found.origin,
            "occupation": found.occupation,
            "population": found.population,
            "measure": found.measure,
            "year": found.year,
            "dataset": found.dataset,
        }
        statistics = statistics.filter(**{k: v for k, v in conditions.items() if v})
    return statistics.order_by(
        "dataset", "destination_code", "population", "occupation", "measure", "origin_code", "year"
    )


def statistics_rows(statistics: QuerySet[Statistic]) -> Iterator[list[object]]:
    """The export's header, then one row per statistic, read from the database in batches
    (constant memory whatever the number of statistics)."""
    names = {state.iso3: state.name for state in MemberState.objects.all()}
    header: list[object] = list(EXPORT_COLUMNS)
    yield header
    rows = statistics.values_list(
        "destination_code",
        "destination_id",
        "origin_code",
        "origin_id",
        "population",
        "occupation",
        "measure",
        "year",
        "value",
        "unit",
        "flag",
        "flag_note",
        "dataset",
        "source_file__name",
        "source_file__sha256",
        "source_report_id",
        "source_question",
    )
    for row in rows.iterator(chunk_size=2000):
        (destination_code, destination, origin_code, origin, *middle, report, question) = row
        middle[4] = plain_decimal(middle[4])  # the value: 1310, not 1310.000
        yield [
            destination_code,
            names.get(destination, "") if destination else "",
            origin_code,
            names.get(origin, "") if origin else "",
            *middle,
            report or "",
            question,
        ]


def plain_decimal(value: object) -> str:
    """A stored value as a person writes it: no trailing zeros, no exponent."""
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text
