"""The analysis's pictures, drawn on the server as inline SVG: grouped bars by WHO region and
the network of countries linked by agreements.

The house style is the country profiles' (`workforce/charts.py`, whose helpers are reused):
no script and no `style` attribute (the content security policy forbids both), the look from
classes in site.css, each drawing an image with a title and a description (`role="img"`,
`<title>`, `<desc>`). Every bar carries its answer's name and its value as text, and every node
its country's code, so nothing is told by colour alone; the page and the report put the same
figures in a table beside the picture (`AnalysisFigure.table`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from codemonitor.reporting.selectors import REGIONS
from codemonitor.workforce.charts import WIDTH, _number, _open


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | int
    # The bar's share of its group's whole, in percent, or None.
    share: float | None = None


@dataclass(frozen=True)
class BarGroup:
    label: str
    bars: list[Bar]


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def grouped_bars(title: str, groups: Sequence[BarGroup], *, description: str = "") -> SafeString:
    """Horizontal bars in groups (one group per region, one bar per answer), each labelled
    with its answer and its value (and share); the same answer has the same class in every
    group (`series-1` …), so its colour repeats, but its name is written beside it. One group
    alone is drawn in one colour."""
    if not groups or not any(bar.value for group in groups for bar in group.bars):
        return mark_safe("")
    row, heading, label_w, value_w = 18, 22, 200, 96
    height = 8 + sum(heading + row * len(group.bars) for group in groups)
    room = WIDTH - label_w - value_w
    top = max(float(bar.value) for group in groups for bar in group.bars) or 1.0
    parts = _open(title, description or title, WIDTH, height, "grouped")
    y = 4
    for group in groups:
        parts.append(
            f'<text class="group" x="4" y="{y + 15}" text-anchor="start">'
            f"{escape(_short(group.label, 40))}</text>"
        )
        y += heading
        for index, bar in enumerate(group.bars):
            length = room * float(bar.value) / top
            shown = _number(bar.value)
            if bar.share is not None:
                shown = f"{shown} ({bar.share:.0f}%)"
            parts.append(
                f'<g class="series-{index % 6 + 1 if len(groups) > 1 else 1}">'
                f'<text class="label" x="{label_w - 6}" y="{y + 13}" text-anchor="end">'
                f"{escape(_short(bar.label, 32))}</text>"
                f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{length:.1f}" '
                f'height="{row - 5}"/>'
                f'<text class="value" x="{label_w + length + 4:.1f}" y="{y + 13}" '
                f'text-anchor="start">{escape(shown)}</text></g>'
            )
            y += row
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308


@dataclass(frozen=True)
class Link:
    first: str
    second: str
    weight: int


def network(
    title: str,
    links: Sequence[Link],
    *,
    region_of: Mapping[str, str],
    labels: Mapping[str, str],
    description: str = "",
) -> SafeString:
    """Countries on a circle, grouped by WHO region (a gap between regions, the region's code
    outside its arc), a line for each link, thicker for a heavier one. Each node is labelled
    with the country's code; each line and node has a tooltip with the names."""
    if not links:
        return mark_safe("")
    order = {region: index for index, region in enumerate(REGIONS)}
    codes = {code for link in links for code in (link.first, link.second)}
    nodes = sorted(
        codes,
        key=lambda code: (order.get(region_of.get(code, ""), len(REGIONS)), labels.get(code, code)),
    )
    size = WIDTH
    centre, radius = size / 2, size / 2 - 80
    # One slot per node and one empty slot between two regions.
    slots: list[str | None] = []
    previous = None
    for code in nodes:
        region = region_of.get(code, "")
        if previous is not None and region != previous:
            slots.append(None)
        slots.append(code)
        previous = region
    if len(slots) > 1 and region_of.get(nodes[0], "") != region_of.get(nodes[-1], ""):
        slots.append(None)
    place: dict[str, tuple[float, float, float]] = {}
    for index, slot in enumerate(slots):
        if slot is None:
            continue
        angle = 2 * math.pi * index / len(slots) - math.pi / 2
        place[slot] = (
            centre + radius * math.cos(angle),
            centre + radius * math.sin(angle),
            angle,
        )
    heaviest = max(link.weight for link in links)
    parts = _open(title, description or title, size, size, "network")
    parts.append('<g class="links">')
    for link in sorted(links, key=lambda item: item.weight):
        x1, y1, _a = place[link.first]
        x2, y2, _b = place[link.second]
        width = 1 + (4 * (link.weight - 1) / (heaviest - 1) if heaviest > 1 else 0)
        names = f"{labels.get(link.first, link.first)} – {labels.get(link.second, link.second)}"
        parts.append(
            f'<path class="link" d="M{x1:.1f},{y1:.1f} Q{centre:.1f},{centre:.1f} '
            f'{x2:.1f},{y2:.1f}" stroke-width="{width:.1f}" fill="none">'
            f"<title>{escape(names)}: {link.weight}</title></path>"
        )
    parts.append("</g>")
    for code, (x, y, angle) in place.items():
        region = region_of.get(code, "")
        anchor = "start" if math.cos(angle) >= 0 else "end"
        lx = centre + (radius + 8) * math.cos(angle)
        ly = centre + (radius + 8) * math.sin(angle) + 3
        parts.append(
            f'<g class="node region-{escape(region or "none")}">'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4"><title>'
            f"{escape(labels.get(code, code))} ({escape(region)})</title></circle>"
            f'<text class="label" x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}">'
            f"{escape(code)}</text></g>"
        )
    for region in [*REGIONS, ""]:
        angles = [place[code][2] for code in nodes if region_of.get(code, "") == region]
        if not angles:
            continue
        middle = math.atan2(
            sum(math.sin(a) for a in angles) / len(angles),
            sum(math.cos(a) for a in angles) / len(angles),
        )
        x = centre + (radius + 52) * math.cos(middle)
        y = centre + (radius + 52) * math.sin(middle) + 4
        parts.append(
            f'<text class="group" x="{x:.1f}" y="{y:.1f}" text-anchor="middle">'
            f"{escape(region or '?')}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308
