"""The shapes of the files of the OECD Health Workforce Migration dataset, told by their
headings, and what each row of them says: a `Figure` (its identity, places, value, unit, flag
and note) or a `RowRefused` with the reason (`codemonitor/workforce/imports.py` stores them).

- The classic OECD.Stat CSV: `COU, Country, VAR, Variable, CO2, Country of origin, YEA, Year,
  Value, Flag Codes, Flags` (and `Unit Code`, `PowerCode Code` where present), any order, any
  case, extra columns ignored.
- The SDMX-CSV of the OECD Data Explorer: `REF_AREA`, the other dimensions, `TIME_PERIOD`,
  `OBS_VALUE`, `OBS_STATUS`, `UNIT_MEASURE`, `UNIT_MULT`…, codes only or codes and labels
  (`REF_AREA: Reference area` and `FRA: France`, or a label column after its code column). The
  origin is the dimension whose name says so (COUNTERPART_AREA, COUNTRY_ORIGIN, COUNTRY_BIRTH,
  CITIZENSHIP…); who is counted, the occupation and the measure are read from the codes and
  labels of the other dimensions (`codes.variable_of`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from codemonitor.registers.tables import TableRefused, heading_key
from codemonitor.workforce.codes import Place, Places, Variable, variable_of
from codemonitor.workforce.models import TOTAL_ORIGIN, Population, StatisticsFile

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
CODE_MAX = 20  # Statistic.destination_code and origin_code


class StatisticsRefused(TableRefused):
    """A file that is not read at all, and why (`line` 0 for the file as a whole): a table
    that cannot be read, or one that is not a statistics file."""


class RowRefused(Exception):
    """A row that is not stored, and why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class Figure:
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
    if text.isascii() and text.isdigit():  # not "²", which is a digit but not a number
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


class Shape:
    """What a row's cells hold, by the shape of the file."""

    format: str

    def figure(self, line: int, cells: list[str]) -> Figure:
        raise NotImplementedError


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index]


class Builder:
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
    ) -> Figure:
        if not destination:
            raise RowRefused(_("no destination country"))
        where = self.places.place(destination)
        if variable.population == Population.TOTAL:
            given = self.places.place(origin) if origin else None
            if given is not None and given.code != TOTAL_ORIGIN:
                raise RowRefused(
                    _("a figure of all health personnel has no country of origin, not %(code)s")
                    % {"code": origin}
                )
            source: Place | None = None
            origin_code = ""
        else:
            if not origin:
                raise RowRefused(_("no country of origin"))
            source = self.places.place(origin)
            origin_code = source.code
        for code in (where.code, origin_code):
            if len(code) > CODE_MAX:
                raise RowRefused(
                    _("the code %(code)s is longer than %(limit)s characters")
                    % {"code": code[:40], "limit": CODE_MAX}
                )
        match = _YEAR.match(year.strip())
        found_year = int(match[1]) if match else 0
        if not YEARS[0] <= found_year <= YEARS[1]:
            raise RowRefused(
                _("the year %(year)s is not a year from %(first)s to %(last)s")
                % {"year": year or _("(empty)"), "first": YEARS[0], "last": YEARS[1]}
            )
        if not value:
            raise RowRefused(_("no value"))
        amount = number(value)
        if amount is None:
            raise RowRefused(_("the value %(value)s is not a number") % {"value": value})
        if multiplier:
            try:
                power = int(multiplier)
            except ValueError:
                raise RowRefused(
                    _("the unit multiplier %(value)s is not a whole number") % {"value": multiplier}
                ) from None
            if abs(power) > 12:
                raise RowRefused(
                    _("the unit multiplier %(value)s is out of range") % {"value": multiplier}
                )
            amount = amount.scaleb(power)
        if amount < 0:
            raise RowRefused(_("the value %(value)s is negative") % {"value": value})
        amount = amount.quantize(_THOUSANDTH)
        if amount > _MAX_VALUE:
            raise RowRefused(_("the value %(value)s is too large") % {"value": value})
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
        return Figure(line, key, where, source, amount, unit, flag, note)


class _Classic(Shape):
    """The OECD.Stat CSV: COU, VAR, CO2, YEA, Value, Flag Codes, Flags (and labels)."""

    format = StatisticsFile.Format.OECD_CSV

    def __init__(self, index: dict[str, int], builder: Builder) -> None:
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

    def figure(self, line: int, cells: list[str]) -> Figure:
        code, label = _cell(cells, self.var), _cell(cells, self.variable)
        variable = variable_of((code,), (label,))
        if variable is None:
            raise RowRefused(_unknown_variable(f"{code} ({label})" if label else code))
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


class _Sdmx(Shape):
    """The SDMX-CSV of the OECD Data Explorer, codes only or codes and labels."""

    format = StatisticsFile.Format.SDMX_CSV

    def __init__(self, columns: dict[str, _Column], builder: Builder) -> None:
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

    def figure(self, line: int, cells: list[str]) -> Figure:
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
            raise RowRefused(_unknown_variable(named or _("(no dimension)")))
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


def shape_of(headers: list[str], places: Places) -> Shape:
    builder = Builder(places)
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
