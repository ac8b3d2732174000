"""Importing the OECD Health Workforce Migration dataset (HEALTH_WFMI) as users download it.

Two shapes, told by their headings (`shapes.py`): the classic OECD.Stat CSV and the SDMX-CSV of
the OECD Data Explorer (codes only, or codes and labels).

The file is read as a stream (`registers.tables.table_open`) in chunks of `CHUNK` rows: the
figures of a chunk that are stored already are read in a query or two (by series), the new
ones inserted and the changed ones updated with statements prepared once for many rows.
Everything of one file is one transaction: a file that turns out unreadable half-way (bytes
that are not text) saves nothing.
A row that cannot be stored is refused with its line and reason, and the others are stored.
A figure's identity is the model's (dataset, destination, origin, population, occupation,
measure, year): importing the same file again stores nothing new and changes nothing (the file
is recorded again, with a summary saying so). A dry run reads and compares everything and writes
nothing.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from codemonitor.accounts.models import User
from codemonitor.core.audit import Action, audit_log
from codemonitor.reference.models import MemberState
from codemonitor.registers.tables import TableRefused, table_open
from codemonitor.workforce.codes import Places, Unmapped
from codemonitor.workforce.models import IDENTITY, Dataset, Statistic, StatisticsFile
from codemonitor.workforce.shapes import (
    Figure,
    RowRefused,
    StatisticsRefused,
    number,
    shape_of,
)

__all__ = ["ImportSummary", "StatisticsRefused", "number", "statistics_import", "summary_lines"]

CHUNK = 2000
# Refused rows a file's stored summary keeps (its page lists them): the command line lists every
# one, but a file of millions of refused rows must not become a summary of hundreds of MB.
REFUSED_KEPT = 1000
# Parameters of one look-up query: well under SQLite's limit on bound variables.
_LOOKUP_PARAMETERS = 800


@dataclass
class ImportSummary:
    """What an import read and did: counts, every refused row, the codes it did not map."""

    name: str
    sha256: str
    size: int
    format: str = ""
    dry_run: bool = False
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)
    # kind (aggregate / territory / unknown) -> code -> rows naming it
    unmapped: dict[str, Counter[str]] = field(
        default_factory=lambda: {kind.value: Counter() for kind in Unmapped}
    )
    file_id: int | None = None

    def refuse(self, line: int, reason: str) -> None:
        self.refused.append((line, reason))

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "sha256": self.sha256,
            "size": self.size,
            "format": self.format,
            "dry_run": self.dry_run,
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "refused": [[line, reason] for line, reason in self.refused[:REFUSED_KEPT]],
            "refused_count": len(self.refused),
            "unmapped": {
                kind: dict(sorted(codes.items())) for kind, codes in self.unmapped.items()
            },
        }


# -- storing ---------------------------------------------------------------------------------

_COMPARED = ("value", "unit", "flag", "flag_note", "destination_id", "origin_id")
# What a figure of a file writes (a report's figures are written elsewhere).
_WRITTEN = [
    str(f.column)
    for f in Statistic._meta.concrete_fields
    if not f.primary_key and f.name != "source_report"
]
_CHANGED = ["value", "unit", "flag", "flag_note", "destination_id", "origin_id"]
_CHANGED += ["source_file_id", "source_row", "updated_at"]


def _existing(dataset: str, figures: list[Figure]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """The stored figures with the identities of `figures`: identity -> (pk, compared…).

    One query per series (destination, population, occupation, measure) with the series'
    origins and years, a few hundred parameters at a time: a file sorted as the OECD sorts it
    (by country, variable, origin, year) needs one query per chunk, and reads few figures
    beyond the chunk's.
    """
    series: dict[tuple[str, str, str, str], tuple[set[str], set[int]]] = {}
    for figure in figures:
        destination, origin, population, occupation, measure, year = figure.key
        origins, years = series.setdefault(
            (destination, population, occupation, measure), (set(), set())
        )
        origins.add(origin)
        years.add(year)
    found: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    groups = list(series.items())
    while groups:
        branches, parameters = Q(), 0
        while groups and (parameters == 0 or parameters + _size(groups[-1]) < _LOOKUP_PARAMETERS):
            (destination, population, occupation, measure), (origins, years) = groups.pop()
            parameters += _size((destination, (origins, years)))
            branches |= Q(
                destination_code=destination,
                population=population,
                occupation=occupation,
                measure=measure,
                origin_code__in=origins,
                year__in=years,
            )
        rows = Statistic.objects.filter(Q(dataset=dataset) & branches).values_list(
            *IDENTITY,
            "pk",
            *_COMPARED,
        )
        for row in rows:
            found[row[:6]] = row[6:]
    return found


def _size(group: tuple[Any, tuple[set[str], set[int]]]) -> int:
    return 4 + len(group[1][0]) + len(group[1][1])


def _write(new: list[tuple[Any, ...]], changed: list[tuple[Any, ...]]) -> None:
    """INSERT the new figures and UPDATE the changed ones without the ORM's bulk_create and
    bulk_update, which spend most of an import's time compiling each value of each row (about
    80 µs a row): SQLite runs one prepared statement for each row (executemany), PostgreSQL
    takes the new rows through COPY."""
    table = connection.ops.quote_name(Statistic._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(column) for column in _WRITTEN)
    with connection.cursor() as cursor:
        if new and connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in new:
                    copy.write_row(values)
        elif new:
            row = ", ".join(["%s"] * len(_WRITTEN))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({row})", new)  # noqa: S608
        if changed:
            assignments = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in _CHANGED)
            key = connection.ops.quote_name("id")
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {key} = %s",  # noqa: S608
                changed,
            )


def _store(
    figures: list[Figure],
    *,
    dataset: str,
    file: StatisticsFile | None,
    summary: ImportSummary,
    first: bool = False,
) -> None:
    """Compare a chunk's figures with those stored, and write the new and changed ones (not in
    a dry run). `first`: the dataset had no figures when the import began, nothing to read."""
    if not figures:
        return
    stored = {} if first else _existing(dataset, figures)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    file_id = file.pk if file is not None else None
    new: list[tuple[Any, ...]] = []
    changed: list[tuple[Any, ...]] = []
    for figure in figures:
        origin = figure.origin.member_state if figure.origin else None
        values = (
            figure.value,
            figure.unit,
            figure.flag,
            figure.note,
            figure.destination.member_state,
            origin,
        )
        old = stored.get(figure.key)
        if old is None:
            new.append(_row(dataset, figure, origin, file_id, now))
        elif old[1:] != values:
            changed.append((*values, file_id, str(figure.line), now, old[0]))
        else:
            summary.unchanged += 1
    summary.created += len(new)
    summary.updated += len(changed)
    if file is not None:
        _write(new, changed)


def _row(
    dataset: str, figure: Figure, origin: str | None, file_id: int | None, now: Any
) -> tuple[Any, ...]:
    """A new figure's values, in the order of `_WRITTEN`."""
    destination, origin_code, population, occupation, measure, year = figure.key
    values = {
        "dataset": dataset,
        "destination_code": destination,
        "destination_id": figure.destination.member_state,
        "population": population,
        "origin_code": origin_code,
        "origin_id": origin,
        "occupation": occupation,
        "measure": measure,
        "year": year,
        "value": figure.value,
        "unit": figure.unit,
        "flag": figure.flag,
        "flag_note": figure.note,
        "source_file_id": file_id,
        "source_question": "",
        "source_row": str(figure.line),
        "updated_at": now,
    }
    return tuple(values[column] for column in _WRITTEN)


def _digest(source: IO[bytes]) -> tuple[str, int]:
    source.seek(0)
    digest, size = hashlib.sha256(), 0
    for block in iter(lambda: source.read(1024 * 1024), b""):
        digest.update(block)
        size += len(block)
    source.seek(0)
    return digest.hexdigest(), size


def _chunks(rows: Iterator[tuple[int, list[str]]], size: int) -> Iterator[list[Any]]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def statistics_import(
    source: IO[bytes],
    *,
    name: str,
    user: User | None = None,
    actor_label: str | None = None,
    dry_run: bool = False,
    dataset: str = Dataset.OECD,
    chunk: int = CHUNK,
) -> ImportSummary:
    """Import a file of the OECD Health Workforce Migration dataset (see the module's text).

    Raises StatisticsRefused when the file cannot be read at all (not a table, headings of
    neither shape, bytes that are not text on some line): nothing is saved then. Otherwise
    returns the summary; rows that could not be stored are in `summary.refused`.
    """
    sha256, size = _digest(source)
    summary = ImportSummary(name=name[:255], sha256=sha256, size=size, dry_run=dry_run)
    places = Places(dict(MemberState.objects.values_list("iso2", "iso3")))
    table = None
    try:
        table = table_open(source)
        shape = shape_of(table.headers, places)
        summary.format = shape.format
        with transaction.atomic():
            file = None
            if not dry_run:
                file = StatisticsFile.objects.create(
                    name=summary.name,
                    sha256=sha256,
                    size=size,
                    format=shape.format,
                    dataset=dataset,
                    imported_by=user,
                )
            seen: dict[tuple[Any, ...], int] = {}
            # The identities of this file are unique (`seen`): with no figure of the dataset
            # stored before it, there is nothing to look up.
            first = not Statistic.objects.filter(dataset=dataset).exists()
            for rows in _chunks(table.rows, chunk):
                figures = []
                for line, cells in rows:
                    summary.read += 1
                    try:
                        figure = shape.figure(line, cells)
                    except RowRefused as refused:
                        summary.refuse(line, refused.reason)
                        continue
                    earlier = seen.setdefault(figure.key, line)
                    if earlier != line:
                        summary.refuse(
                            line, _("the same figure as line %(line)s") % {"line": earlier}
                        )
                        continue
                    for place in (figure.destination, figure.origin):
                        if place is not None and place.unmapped is not None:
                            summary.unmapped[place.unmapped][place.code] += 1
                    figures.append(figure)
                _store(figures, dataset=dataset, file=file, summary=summary, first=first)
            if file is not None:
                summary.file_id = file.pk
                file.summary = summary.as_json()
                file.save(update_fields=["summary"])
                audit_log(
                    action=Action.STATISTICS_IMPORTED,
                    actor=user,
                    actor_label=actor_label,
                    target=file,
                    data={
                        "sha256": sha256,
                        "format": shape.format,
                        **{
                            count: getattr(summary, count)
                            for count in ("read", "created", "updated", "unchanged")
                        },
                        "refused": len(summary.refused),
                    },
                )
    except TableRefused as refused:
        raise StatisticsRefused(refused.message, refused.line) from None
    except IntegrityError:
        # Another import of the same dataset stored some of these figures while this one ran.
        raise StatisticsRefused(
            _("another import of this dataset was saved while this file was read; import it again")
        ) from None
    finally:
        # Close the reader while the file is still open (it lets go of the file then).
        close = getattr(table.rows, "close", None) if table is not None else None
        if close is not None:
            close()
    return summary


def statistics_file_summary(file: StatisticsFile) -> dict[str, Any]:
    """A stored file's summary, as `ImportSummary.as_json` wrote it (empty parts filled in)."""
    found = dict(file.summary or {})
    found.setdefault("refused", [])
    found.setdefault("refused_count", len(found["refused"]))
    found.setdefault("unmapped", {})
    return found


def summary_lines(summary: ImportSummary) -> list[str]:
    """The summary as lines of text (for the command line)."""
    lines = [
        (
            _("%(name)s (%(format)s, SHA-256 %(sha256)s), dry run: nothing stored")
            if summary.dry_run
            else _("%(name)s (%(format)s, SHA-256 %(sha256)s)")
        )
        % {"name": summary.name, "format": summary.format, "sha256": summary.sha256},
        _(
            "rows read: %(read)s; created: %(created)s; updated: %(updated)s; "
            "unchanged: %(unchanged)s; refused: %(refused)s"
        )
        % {
            "read": summary.read,
            "created": summary.created,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "refused": len(summary.refused),
        },
    ]
    labels = {
        Unmapped.AGGREGATE: _("aggregates kept as such"),
        Unmapped.TERRITORY: _("territories that are not Member States"),
        Unmapped.UNKNOWN: _("unknown codes, kept"),
    }
    for kind, label in labels.items():
        codes = summary.unmapped.get(kind, Counter())
        if codes:
            listed = ", ".join(f"{code} ({count})" for code, count in sorted(codes.items()))
            lines.append(
                _("not mapped to a Member State, %(kind)s: %(codes)s")
                % {"kind": label, "codes": listed}
            )
    for line, reason in summary.refused:
        lines.append(_("line %(line)s refused: %(reason)s") % {"line": line, "reason": reason})
    return lines
