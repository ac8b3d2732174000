"""What every analysis produces: tables and figures with a stable identifier, a source line and
a companion CSV, drawn the same on the analysis pages and in the generated report.

A table is rows of cells; a cell that counts reports may carry `drill`, the query parameters
(beyond the filters) of the list of reports behind it, so that every number can be traced
back to what it counts. A figure is server-drawn SVG with the table of its data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from codemonitor.analysis.selection import Selection
from codemonitor.core.exports import csv_bytes

Number = int | float


@dataclass(frozen=True)
class Cell:
    value: Number | str | None
    # As shown ("12", "35.3 %", "—"); the CSV carries `value`.
    text: str = ""
    # Query parameters (besides the filters) of the reports behind the number, or None.
    drill: dict[str, str] | None = None
    header: bool = False

    @property
    def shown(self) -> str:
        if self.text:
            return self.text
        if self.value is None:
            return "—"
        if isinstance(self.value, float):
            return f"{self.value:,.1f}"
        if isinstance(self.value, int):
            return f"{self.value:,}"
        return str(self.value)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = True


@dataclass(frozen=True)
class Source:
    """Where a table's numbers come from, in one line under it."""

    round_title: str
    instrument: str
    filters: str
    edition: str
    generated: dt.datetime
    counted: int

    @classmethod
    def of(cls, selection: Selection) -> Source:
        version = selection.filters.round_instrument.instrument_version
        return cls(
            round_title=selection.filters.round.title,
            instrument=f"{version.instrument.code.upper()} {version.version}",
            filters=selection.filters.describe(),
            edition=selection.edition_label()
            or _("no safeguards list edition in force at the deadline"),
            generated=timezone.now(),
            counted=len(selection.reports),
        )

    def text(self) -> str:
        return _(
            "Source: %(round)s, %(instrument)s; %(filters)s; %(counted)s reports; "
            "region membership and %(edition)s as of the deadline; generated %(generated)s."
        ) % {
            "round": self.round_title,
            "instrument": self.instrument,
            "filters": self.filters,
            "counted": self.counted,
            "edition": self.edition,
            "generated": timezone.localtime(self.generated).strftime("%Y-%m-%d %H:%M"),
        }


@dataclass
class AnalysisTable:
    # Stable across runs and versions of the data: e.g. "nri.code_awareness.region".
    identifier: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]]
    source: Source
    notes: list[str] = field(default_factory=list)
    # Rows below a line (totals).
    footer: list[list[Cell]] = field(default_factory=list)

    def csv_rows(self) -> list[list[object]]:
        rows: list[list[object]] = [[column.label for column in self.columns]]
        for row in [*self.rows, *self.footer]:
            rows.append(["" if cell.value is None else cell.value for cell in row])
        rows.append([])
        rows.append([self.source.text()])
        rows.extend([note] for note in self.notes)
        return rows

    def csv(self) -> bytes:
        return csv_bytes(self.csv_rows())

    @property
    def filename(self) -> str:
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in self.identifier)
        return f"{safe}.csv"


@dataclass
class AnalysisFigure:
    identifier: str
    title: str
    # The drawing: an <svg> element with role="img", a <title> and a <desc>.
    svg: str
    # The same data as a table (for screen readers, the CSV and the report's annex).
    table: AnalysisTable
    notes: list[str] = field(default_factory=list)


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def count_cell(part: int, whole: int | None = None, drill: dict[str, str] | None = None) -> Cell:
    """A count, with its share of `whole` when given ("12 (35.3 %)")."""
    if whole is None:
        return Cell(part, drill=drill)
    share = percent(part, whole)
    text = f"{part:,}" if share is None else f"{part:,} ({share:.1f} %)"
    return Cell(part, text=text, drill=drill)
