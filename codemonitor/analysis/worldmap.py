"""A world map of a national round's reporting status, drawn on the server as SVG.

The country shapes are Natural Earth's 1:110m countries (world-atlas 2.0.2), projected and
simplified once by `data/build_worldmap.py` into `data/world-110m.json`, a file of the
repository: nothing is fetched at run time. Each Member State is filled by its status in the
round — validated; submitted or in review; returned; in progress; not started — with a pattern
as well as a colour, and a legend that names each status with its count, so that the map never
relies on colour alone; each shape has a `<title>` with its name and status; the figure's table
lists every Member State (the accessible version, and its CSV). Member States too small to be
drawn at this scale are named under the map and stay in the table.

The drawing uses presentation attributes only (no `style`, no script): it is allowed by the
content security policy and reads the same outside the page (in the generated report).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.html import escape
from django.utils.translation import gettext as _

from codemonitor.analysis.completeness import (
    IN_PROGRESS,
    NOT_STARTED,
    Completeness,
    CountryStatus,
    Shared,
    region_label,
)
from codemonitor.analysis.tables import AnalysisFigure, AnalysisTable, Cell, Column, Source
from codemonitor.reporting.models import Report

DATA = Path(__file__).resolve().parent / "data" / "world-110m.json"
State = Report.State
SUBMITTED_OR_REVIEW = "submitted_or_review"
# The map's statuses, in the legend's order.
MAP_STATUSES = (State.VALIDATED, SUBMITTED_OR_REVIEW, State.RETURNED, IN_PROGRESS, NOT_STARTED)
OUTSIDE, OTHER = "outside", "other"
_ids = itertools.count(1)


@dataclass(frozen=True)
class Look:
    fill: str
    # A second colour drawn over the fill as a pattern: "" (solid), "lines", "cross", "dots".
    pattern: str = ""
    ink: str = ""


LOOKS: dict[str, Look] = {
    State.VALIDATED: Look("#0b4f8a"),
    SUBMITTED_OR_REVIEW: Look("#8ec1ea", "lines", "#0b4f8a"),
    State.RETURNED: Look("#f2b04c", "cross", "#8a4b00"),
    IN_PROGRESS: Look("#fbeaa0", "dots", "#8a6d00"),
    NOT_STARTED: Look("#ffffff"),
    OUTSIDE: Look("#c9c9c9"),
    OTHER: Look("#ececec"),
}


@dataclass(frozen=True)
class WorldShapes:
    view_box: str
    width: float
    height: float
    countries: dict[str, str]
    other: tuple[str, ...]
    source: str

    @classmethod
    @cache
    def load(cls) -> WorldShapes:
        """The shipped shapes (read once per process)."""
        data = json.loads(DATA.read_text(encoding="utf-8"))
        _x, _y, width, height = (float(part) for part in data["viewBox"].split())
        return cls(
            view_box=data["viewBox"],
            width=width,
            height=height,
            countries=dict(data["countries"]),
            other=tuple(data["other"]),
            source=str(data["source"]),
        )


def map_status(country: CountryStatus) -> str:
    if country.status in (State.SUBMITTED, State.IN_REVIEW):
        return SUBMITTED_OR_REVIEW
    return country.status


def status_label(status: str) -> str:
    labels = {
        State.VALIDATED: _("Validated"),
        SUBMITTED_OR_REVIEW: _("Submitted or in review"),
        State.RETURNED: _("Returned for changes"),
        IN_PROGRESS: _("In progress"),
        NOT_STARTED: _("Not started"),
        OUTSIDE: _("Outside the filters"),
        OTHER: _("Other areas"),
    }
    return str(labels.get(status, status))


def _pattern(uid: str, status: str, look: Look) -> str:
    if not look.pattern:
        return ""
    rotate = ' patternTransform="rotate(45)"' if look.pattern != "dots" else ""
    head = (
        f'<pattern id="{uid}-{status}" width="6" height="6" patternUnits="userSpaceOnUse"'
        f'{rotate}><rect width="6" height="6" fill="{look.fill}"/>'
    )
    if look.pattern == "lines":
        body = f'<line x1="0" y1="0" x2="0" y2="6" stroke="{look.ink}" stroke-width="1.6"/>'
    elif look.pattern == "cross":
        body = (
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="{look.ink}" stroke-width="1.2"/>'
            f'<line x1="0" y1="0" x2="6" y2="0" stroke="{look.ink}" stroke-width="1.2"/>'
        )
    else:
        body = f'<circle cx="3" cy="3" r="1.3" fill="{look.ink}"/>'
    return f"{head}{body}</pattern>"


def _fill(uid: str, status: str) -> str:
    look = LOOKS[status]
    return f"url(#{uid}-{status})" if look.pattern else look.fill


def world_map(completeness: Completeness) -> AnalysisFigure:
    """The reporting status of every Member State in the completeness' round, as a map."""
    shapes = WorldShapes.load()
    shared = completeness.shared or Shared.read()
    chosen = {country.iso3: country for country in completeness.countries}
    statuses = {iso3: map_status(country) for iso3, country in chosen.items()}
    counts = dict.fromkeys(MAP_STATUSES, 0)
    for status in statuses.values():
        counts[status] = counts.get(status, 0) + 1
    outside = [iso3 for iso3 in shared.member_states if iso3 not in chosen]
    small = [country for country in completeness.countries if country.iso3 not in shapes.countries]
    uid = f"map{next(_ids)}"
    round_title = str(completeness.filters.round)
    title = _("Reporting status of the Member States, %(round)s") % {"round": round_title}
    summary = "; ".join(f"{status_label(status)}: {counts[status]}" for status in MAP_STATUSES)
    description = _(
        "A world map of the %(count)s Member States counted, each filled by the state of its "
        "national report. %(summary)s. %(small)s Member States are too small to be drawn at "
        "this scale and are named under the map. The table beside the map lists every Member "
        "State with its status."
    ) % {"count": len(chosen), "summary": summary, "small": len(small)}
    legend_statuses = [*MAP_STATUSES, *([OUTSIDE] if outside else []), OTHER]
    legend_rows = (len(legend_statuses) + 2) // 3
    legend_top = shapes.height + 12
    height = legend_top + 26 * legend_rows
    parts = [
        f'<svg class="chart world-map" viewBox="0 0 {shapes.width:g} {height:g}" role="img" '
        f'aria-labelledby="{uid}-title {uid}-desc" direction="ltr" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{uid}-title">{escape(title)}</title>',
        f'<desc id="{uid}-desc">{escape(description)}</desc>',
        "<defs>",
        *(_pattern(uid, status, look) for status, look in LOOKS.items()),
        "</defs>",
        f'<g class="map-other" fill="{LOOKS[OTHER].fill}" stroke="#9a9a9a" stroke-width=".3">',
        *(f'<path d="{d}"/>' for d in shapes.other),
        "</g>",
        '<g class="map-countries" stroke="#6b6b6b" stroke-width=".35">',
    ]
    names = shared.names
    for iso3 in sorted(shapes.countries):
        if iso3 in chosen:
            status = statuses[iso3]
            name = chosen[iso3].name
        elif iso3 in shared.member_states:
            status, name = OUTSIDE, names.get(iso3, iso3)
        else:
            continue
        label = f"{name}: {status_label(status)}"
        parts.append(
            f'<path d="{shapes.countries[iso3]}" fill="{_fill(uid, status)}" '
            f'class="map-{status}" data-iso3="{iso3}" data-status="{status}">'
            f"<title>{escape(label)}</title></path>"
        )
    parts.append("</g>")
    parts.append('<g class="map-legend" font-size="14" fill="#1d1d1d">')
    column_width = shapes.width / 3
    for index, status in enumerate(legend_statuses):
        x = 10 + (index % 3) * column_width
        y = legend_top + 26 * (index // 3)
        count: int | None = None
        if status in MAP_STATUSES:
            count = counts.get(status, 0)
        elif status == OUTSIDE:
            count = len(outside)
        text = status_label(status) + ("" if count is None else f" ({count})")
        parts.append(
            f'<rect x="{x:g}" y="{y:g}" width="28" height="16" fill="{_fill(uid, status)}" '
            f'stroke="#6b6b6b" stroke-width=".8"/>'
            f'<text x="{x + 36:g}" y="{y + 13:g}">{escape(text)}</text>'
        )
    parts.append("</g></svg>")
    table = _table(completeness, statuses, shapes)
    notes = []
    if small:
        notes.append(
            _("Not drawn at this scale: %(countries)s.")
            % {
                "countries": ", ".join(
                    f"{country.name} ({status_label(statuses[country.iso3])})" for country in small
                )
            }
        )
    notes.append(
        _(
            "Country shapes: %(source)s (public domain). Boundaries as Natural Earth draws them; "
            "they imply no opinion on the legal status of any country or area or of its borders."
        )
        % {"source": shapes.source}
    )
    return AnalysisFigure(
        identifier=f"{completeness.code}.completeness.map",
        title=title,
        svg="".join(parts),
        table=table,
        notes=notes,
    )


def _table(
    completeness: Completeness, statuses: dict[str, str], shapes: WorldShapes
) -> AnalysisTable:
    not_drawn = _("not drawn at this scale")
    rows = [
        [
            Cell(country.name, header=True),
            Cell(country.iso3),
            Cell(country.region, text=region_label(country.region)),
            Cell(status_label(statuses[country.iso3])),
            Cell(_("yes") if country.iso3 in shapes.countries else not_drawn),
        ]
        for country in completeness.countries
    ]
    return AnalysisTable(
        identifier=f"{completeness.code}.completeness.map",
        title=_("Reporting status of each Member State"),
        columns=[
            Column("country", _("Member State"), numeric=False),
            Column("iso3", _("ISO 3166 code"), numeric=False),
            Column("region", _("WHO region"), numeric=False),
            Column("status", _("Status"), numeric=False),
            Column("drawn", _("On the map"), numeric=False),
        ],
        rows=rows,
        source=Source.of(completeness.selection),
        notes=[
            _("Submitted or in review: the report is submitted, or in the Secretariat's review.")
        ],
    )
