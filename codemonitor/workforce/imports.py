"""Importing the OECD Health Workforce Migration dataset (HEALTH_WFMI) as users download it.

Two shapes, told by their headings (any order, any case, quoted or not, extra columns ignored):
- the classic OECD.Stat CSV: `COU, Country, VAR, Variable, CO2, Country of origin, YEA, Year,
  Value, Flag Codes, Flags` (and `Unit Code`, `PowerCode Code` where present);
- the SDMX-CSV of the OECD Data Explorer: `DATAFLOW` (or `STRUCTURE…`), `REF_AREA`, the other
  dimensions, `TIME_PERIOD`, `OBS_VALUE`, `OBS_STATUS`, `UNIT_MEASURE`, `UNIT_MULT`…, with codes
  only or with codes and labels (`REF_AREA: Reference area`, `FRA: France`, or a label column
  after its code column).

The file is read as a stream (`registers.tables.table_open`) in chunks of `CHUNK` rows: the
figures of a chunk that are stored already are read in a few queries, the new ones created with
`bulk_create`, the changed ones written with `bulk_update`. Everything of one file is one
transaction: a file that turns out unreadable half-way (bytes that are not text) saves nothing.
A row that cannot be stored is refused with its line and reason, and the others are stored.
A figure's identity is the model's (dataset, destination, origin, population, occupation,
measure, year): importing the same file again stores nothing new and changes nothing (the file
is recorded again, with a summary saying so). A dry run reads and compares everything and writes
nothing.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from codemonitor.accounts.models import User
from codemonitor.core.audit import Action, audit_log
from codemonitor.reference.models import MemberState
from codemonitor.registers.tables import TableRefused, heading_key, table_open
from codemonitor.workforce.codes import Place, Places, Unmapped, Variable, variable_of
from codemonitor.workforce.models import (
    TOTAL_ORIGIN,
    Dataset,
    Population,
    Statistic,
    StatisticsFile,
)

CHUNK = 2000
# Parameters of one look-up query: well under SQLite's limit on bound variables.
_LOOKUP_PARAMETERS = 800
YEARS = (1900, 2100)
PERSONS = "persons"
_UNIT_PERSONS = frozenset({"PS", "PER", "PERS", "PERSONS", "PERSMYNB", "PERSNB", "NB", "NOMBRE"})
# The largest value the model holds (16 digits, 3 of them decimals).
_MAX_VALUE = Decimal("9999999999999.999")
_THOUSANDTH = Decimal("0.001")
_YEAR = re.compile(r"^(\d{4})(?:$|-)")
_SPACES = re.compile(r"[\s\u00a0\u202f']")
_SDMX_ID = re.compile(r"^[A-Z][A-Z0-9_]*$")
FLAG_MAX, NOTE_MAX, UNIT_MAX = 10, 300, 30


class StatisticsRefused(ValueError):
    """A file that is not read at all, and why (`line` 0 for the file as a whole)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        if self.line:
            return _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}
        return self.message


class _Refused(Exception):
    """A row that is not stored, and why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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
            "refused": [[line, reason] for line, reason in self.refused],
            "unmapped": {
                kind: dict(sorted(codes.items())) for kind, codes in self.unmapped.items()
            },
        }


@dataclass(slots=True)
class _Figure:
    line: int
    key: tuple[str, str, str, str, str, int]  # destination, origin, population, occupation…
    destination: Place
    origin: Place | None
    value: Decimal
    unit: str
    flag: str
    note: str


# -- values ----------------------------------------------------------------------------------


def number(text: str) -> Decimal | None:
    """A number as statistics sites and spreadsheets write it, or None.

    `1234`, `1234.5`, `1 234,5`, `1.234.567`, `1,234,567.5`, `1'234`: when both `.` and `,`
    appear the last one is the decimal mark; one mark alone is a decimal mark, except a comma
    followed by exactly three digits after a non-zero whole part (`1,234`: thousands), and a
    mark that appears more than once (thousands).
    """
    if text.isdigit():
        return Decimal(text)
    text = _SPACES.sub("", text)
    if not text:
        return None
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        text = text.replace(thousands, "").replace(decimal_mark, ".")
    elif text.count(",") > 1 or text.count(".") > 1:
        text = text.replace(",", "").replace(".", "")
    elif "," in text:
        whole, _comma, part = text.partition(",")
        grouped = len(part) == 3 and part.isdigit() and whole.lstrip("+-") not in {"", "0"}
        text = whole + part if grouped else f"{whole}.{part}"
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _split(cell: str) -> tuple[str, str]:
    """`FRA: France` -> (`FRA`, `France`); `FRA` -> (`FRA`, ``)."""
    code, colon, label = cell.partition(":")
    if not colon:
        return cell.strip(), ""
    return code.strip(), label.strip()


def _unit(code: str, label: str = "") -> str:
    if not code and not label:
        return PERSONS
    if code.upper() in _UNIT_PERSONS or label.casefold() in {"persons", "personnes"}:
        return PERSONS
    return (label or code)[:UNIT_MAX]


class _Rows:
    """What a row's cells hold, by the shape of the file."""

    format: str

    def figure(self, line: int, cells: list[str]) -> _Figure:
        raise NotImplementedError


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index]


class _Builder:
    """The checks every shape shares: a figure's places, year, value, flag and note."""

    def __init__(self, places: Places) -> None:
        self.places = places

    def figure(
        self,
        *,
        line: int,
        destination: str,
        origin: str,
        variable: Variable,
        year: str,
        value: str,
        unit: str,
        multiplier: str = "",
        flag: str = "",
        note: str = "",
    ) -> _Figure:
        if not destination:
            raise _Refused(_("no destination country"))
        where = self.places.place(destination)
        if variable.population == Population.TOTAL:
            given = self.places.place(origin) if origin else None
            if given is not None and given.code != TOTAL_ORIGIN:
                raise _Refused(
                    _("a figure of all health personnel has no country of origin, not %(code)s")
                    % {"code": origin}
                )
            source: Place | None = None
            origin_code = ""
        else:
            if not origin:
                raise _Refused(_("no country of origin"))
            source = self.places.place(origin)
            origin_code = source.code
        match = _YEAR.match(year.strip())
        found_year = int(match[1]) if match else 0
        if not YEARS[0] <= found_year <= YEARS[1]:
            raise _Refused(
                _("the year %(year)s is not a year from %(first)s to %(last)s")
                % {"year": year or _("(empty)"), "first": YEARS[0], "last": YEARS[1]}
            )
        if not value:
            raise _Refused(_("no value"))
        amount = number(value)
        if amount is None:
            raise _Refused(_("the value %(value)s is not a number") % {"value": value})
        if multiplier:
            try:
                power = int(multiplier)
            except ValueError:
                raise _Refused(
                    _("the unit multiplier %(value)s is not a whole number") % {"value": multiplier}
                ) from None
            if abs(power) > 12:
                raise _Refused(
                    _("the unit multiplier %(value)s is out of range") % {"value": multiplier}
                )
            amount = amount.scaleb(power)
        if amount < 0:
            raise _Refused(_("the value %(value)s is negative") % {"value": value})
        amount = amount.quantize(_THOUSANDTH)
        if amount > _MAX_VALUE:
            raise _Refused(_("the value %(value)s is too large") % {"value": value})
        if len(flag) > FLAG_MAX:  # kept whole in the note
            note = f"{flag}: {note}" if note else flag
            flag = flag[:FLAG_MAX]
        if len(note) > NOTE_MAX:
            note = note[: NOTE_MAX - 1] + "…"
        key = (
            where.code,
            origin_code,
            variable.population,
            variable.occupation,
            variable.measure,
            found_year,
        )
        return _Figure(line, key, where, source, amount, unit, flag, note)


class _Classic(_Rows):
    """The OECD.Stat CSV: COU, VAR, CO2, YEA, Value, Flag Codes, Flags (and labels)."""

    format = StatisticsFile.Format.OECD_CSV

    def __init__(self, index: dict[str, int], builder: _Builder) -> None:
        self.builder = builder
        self.cou = index["cou"]
        self.var = index["var"]
        self.variable = index.get("variable")
        self.co2 = index.get("co2")
        self.year = index.get("yea", index.get("year"))
        self.value = index["value"]
        self.flag = index.get("flag codes")
        self.note = index.get("flags")
        self.unit = index.get("unit code")
        self.unit_label = index.get("unit")
        self.power = index.get("powercode code")

    def figure(self, line: int, cells: list[str]) -> _Figure:
        code, label = _cell(cells, self.var), _cell(cells, self.variable)
        variable = variable_of((code,), (label,))
        if variable is None:
            raise _Refused(_unknown_variable(f"{code} ({label})" if label else code))
        return self.builder.figure(
            line=line,
            destination=_cell(cells, self.cou),
            origin=_cell(cells, self.co2),
            variable=variable,
            year=_cell(cells, self.year),
            value=_cell(cells, self.value),
            unit=_unit(_cell(cells, self.unit), _cell(cells, self.unit_label)),
            multiplier=_cell(cells, self.power),
            flag=_cell(cells, self.flag),
            note=_cell(cells, self.note),
        )


def _unknown_variable(named: str) -> str:
    return _(
        "the variable %(variable)s does not say plainly which occupation, who is counted "
        "(all, foreign-trained, foreign-born or foreign citizens) and whether a stock or an "
        "annual inflow"
    ) % {"variable": named}


# SDMX columns that are not dimensions of the figure: the structure, the frequency, attributes.
_SDMX_IGNORED = frozenset(
    {"DATAFLOW", "STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION", "FREQ", "DECIMALS"}
    | {"BASE_PER", "TIME_FORMAT", "CONF_STATUS", "OBS_CONF", "PRICE_BASE", "UNIT_MULT"}
    | {"REF_AREA", "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS", "UNIT_MEASURE", "UNIT_MEAS"}
)
_ORIGIN_WORDS = {
    "counterpart": None,
    "origin": None,
    "birth": Population.FOREIGN_BORN,
    "born": Population.FOREIGN_BORN,
    "citizenship": Population.FOREIGN_CITIZENS,
    "nationality": Population.FOREIGN_CITIZENS,
    "training": Population.FOREIGN_TRAINED,
    "trained": Population.FOREIGN_TRAINED,
}
_NOTE_WORDS = ("note", "comment", "footnote", "obs flag")


@dataclass
class _Column:
    id: str  # the SDMX id, upper case
    label: str  # its heading's label, if any
    index: int
    labels: int | None = None  # a column holding its cells' labels


class _Sdmx(_Rows):
    """The SDMX-CSV of the OECD Data Explorer, codes only or codes and labels."""

    format = StatisticsFile.Format.SDMX_CSV

    def __init__(self, columns: dict[str, _Column], builder: _Builder) -> None:
        self.builder = builder
        self.area = columns["REF_AREA"]
        self.time = columns["TIME_PERIOD"]
        self.value = columns["OBS_VALUE"]
        self.status = columns.get("OBS_STATUS")
        self.unit = columns.get("UNIT_MEASURE") or columns.get("UNIT_MEAS")
        self.multiplier = columns.get("UNIT_MULT")
        self.origin: _Column | None = None
        self.implied: str | None = None
        self.notes: list[_Column] = []
        self.dimensions: list[_Column] = []
        for column in columns.values():
            if column.id in _SDMX_IGNORED:
                continue
            words = heading_key(f"{column.id} {column.label}".replace("_", " "))
            if any(word in words for word in _NOTE_WORDS):
                self.notes.append(column)
                continue
            if self.origin is None:
                named = [w for w in _ORIGIN_WORDS if w in words.split()]
                if named:
                    self.origin = column
                    implied = [_ORIGIN_WORDS[w] for w in named if _ORIGIN_WORDS[w]]
                    self.implied = str(implied[0]) if implied else None
                    continue
            self.dimensions.append(column)

    def _code(self, cells: list[str], column: _Column | None) -> tuple[str, str]:
        if column is None:
            return "", ""
        code, label = _split(_cell(cells, column.index))
        return code, label or _cell(cells, column.labels)

    def figure(self, line: int, cells: list[str]) -> _Figure:
        codes, labels = [], []
        for column in self.dimensions:
            code, label = self._code(cells, column)
            codes.append(code)
            labels.append(label)
        variable = variable_of(tuple(codes), tuple(labels), self.implied)
        if variable is None:
            named = ", ".join(
                f"{column.id}={code}" + (f" ({label})" if label else "")
                for column, code, label in zip(self.dimensions, codes, labels, strict=True)
            )
            raise _Refused(_unknown_variable(named or _("(no dimension)")))
        flag, flag_label = self._code(cells, self.status)
        notes = [flag_label] if flag_label else []
        notes += [_cell(cells, c.index) for c in self.notes if _cell(cells, c.index)]
        unit_code, unit_label = self._code(cells, self.unit)
        return self.builder.figure(
            line=line,
            destination=self._code(cells, self.area)[0],
            origin=self._code(cells, self.origin)[0],
            variable=variable,
            year=self._code(cells, self.time)[0],
            value=_cell(cells, self.value.index),
            unit=_unit(unit_code, unit_label),
            multiplier=self._code(cells, self.multiplier)[0],
            flag=flag,
            note="; ".join(notes),
        )


def _sdmx_columns(headers: list[str]) -> dict[str, _Column]:
    columns: dict[str, _Column] = {}
    previous: _Column | None = None
    for index, heading in enumerate(headers):
        code, label = _split(heading)
        if _SDMX_ID.match(code):
            previous = columns.setdefault(code, _Column(code, label, index))
        elif previous is not None and previous.labels is None:
            previous.labels = index  # "Reference area" after REF_AREA: that column's labels
    return columns


def _shape(headers: list[str], places: Places) -> _Rows:
    builder = _Builder(places)
    sdmx = _sdmx_columns(headers)
    if {"REF_AREA", "OBS_VALUE"} <= set(sdmx):
        missing = [name for name in ("TIME_PERIOD",) if name not in sdmx]
        if missing:
            raise StatisticsRefused(
                _("the SDMX-CSV file has no %(columns)s column") % {"columns": ", ".join(missing)},
                1,
            )
        return _Sdmx(sdmx, builder)
    index: dict[str, int] = {}
    for position, heading in enumerate(headers):
        index.setdefault(heading_key(heading), position)
    if {"cou", "var", "value"} <= set(index) or {"cou", "value", "yea"} <= set(index):
        missing = [name.upper() for name in ("cou", "var", "value") if name not in index] + (
            [] if {"yea", "year"} & set(index) else ["YEA"]
        )
        if missing:
            raise StatisticsRefused(
                _("the OECD.Stat file has no %(columns)s column") % {"columns": ", ".join(missing)},
                1,
            )
        return _Classic(index, builder)
    raise StatisticsRefused(
        _(
            "the headings are neither those of an OECD.Stat CSV file (COU, VAR, CO2, YEA, Value, "
            "Flag Codes…) nor those of an SDMX-CSV file (REF_AREA, TIME_PERIOD, OBS_VALUE…)"
        ),
        1,
    )


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


def _existing(dataset: str, figures: list[_Figure]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
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
            "destination_code",
            "origin_code",
            "population",
            "occupation",
            "measure",
            "year",
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
    figures: list[_Figure],
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
    dataset: str, figure: _Figure, origin: str | None, file_id: int | None, now: Any
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
        shape = _shape(table.headers, places)
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
                    except _Refused as refused:
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
