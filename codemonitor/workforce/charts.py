"""Charts drawn on the server as inline SVG: a line chart over years, a horizontal bar chart.

No script and no `style` attribute (the content security policy forbids both): the look comes
from classes in site.css (`.chart`, `.series-1` …). Each chart is an image with a title and a
description (`role="img"`, `<title>`, `<desc>`); the page puts the same figures in a table
under it, which is what screen readers and copy-paste use. The bar chart is mirrored for a
right-to-left language (labels on the right, bars growing to the left); a time axis runs left to
right in every language, as printed charts in Arabic do.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 240
_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    label: str
    points: dict[int, Decimal | None]  # year -> value


def _number(value: Decimal | float, *, percent: bool = False) -> str:
    if percent:
        return f"{float(value):.1f}%"
    value = float(value)
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    return f"{value:,.0f}" if value >= 100 or value == int(value) else f"{value:.1f}"


def _ceiling(top: float) -> float:
    """A round number at or above the largest value, for the top of the axis."""
    if top <= 0:
        return 1.0
    step = 10 ** (len(str(int(top))) - 1)
    for factor in (1, 2, 2.5, 5, 10):
        if factor * step >= top:
            return float(factor * step)
    return float(10 * step)


def _open(title: str, description: str, width: int, height: int, kind: str) -> list[str]:
    uid = next(_ids)
    return [
        f'<svg class="chart chart-{kind}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-{uid}-title chart-{uid}-desc" direction="ltr" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-{uid}-title">{escape(title)}</title>',
        f'<desc id="chart-{uid}-desc">{escape(description)}</desc>',
    ]


def line_chart(
    title: str, series: Sequence[Series], *, percent: bool = False, description: str = ""
) -> SafeString:
    """Lines over years, one per series (missing years leave a gap); a legend below."""
    years = sorted({year for s in series for year in s.points})
    values = [float(v) for s in series for v in s.points.values() if v is not None]
    if not years or not values:
        return mark_safe("")
    left, right, top, bottom = 64, 16, 12, 28
    plot_w, plot_h = WIDTH - left - right, HEIGHT - top - bottom
    ceiling = _ceiling(max(values))

    def x(year: int) -> float:
        if len(years) == 1:
            return left + plot_w / 2
        return left + plot_w * (year - years[0]) / (years[-1] - years[0])

    def y(value: float) -> float:
        return top + plot_h * (1 - value / ceiling)

    parts = _open(title, description or title, WIDTH, HEIGHT, "line")
    for step in range(5):
        level = ceiling * step / 4
        parts.append(
            f'<line class="grid" x1="{left}" x2="{WIDTH - right}" y1="{y(level):.1f}" '
            f'y2="{y(level):.1f}"/>'
            f'<text class="axis" x="{left - 6}" y="{y(level) + 4:.1f}" text-anchor="end">'
            f"{_number(level, percent=percent)}</text>"
        )
    shown = years if len(years) <= 12 else years[:: max(1, len(years) // 10)]
    for year in shown:
        parts.append(
            f'<text class="axis" x="{x(year):.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
            f"{year}</text>"
        )
    for number, s in enumerate(series, start=1):
        css = f"series series-{(number - 1) % 6 + 1}"
        run: list[str] = []
        runs: list[list[str]] = []
        for year in years:
            value = s.points.get(year)
            if value is None:
                if run:
                    runs.append(run)
                run = []
                continue
            run.append(f"{x(year):.1f},{y(float(value)):.1f}")
        if run:
            runs.append(run)
        parts.append(f'<g class="{css}">')
        for points in runs:
            if len(points) > 1:
                parts.append(f'<polyline points="{" ".join(points)}"/>')
            for point in points:
                cx, cy = point.split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="3"/>')
        parts.append("</g>")
    parts.append("</svg>")
    legend = "".join(
        f'<li><span class="swatch series-{(n - 1) % 6 + 1}" aria-hidden="true"></span>'
        f"{escape(s.label)}</li>"
        for n, s in enumerate(series, start=1)
    )
    return mark_safe("".join(parts) + f'<ul class="chart-legend">{legend}</ul>')  # noqa: S308


def bar_chart(
    title: str,
    items: Sequence[tuple[str, Decimal]],
    *,
    rtl: bool = False,
    description: str = "",
) -> SafeString:
    """Horizontal bars, largest first as given: [(label, value)]."""
    if not items:
        return mark_safe("")
    row, label_w, value_w = 22, 170, 56
    height = row * len(items) + 8
    bar_room = WIDTH - label_w - value_w
    top = max(float(v) for _label, v in items) or 1.0
    parts = _open(title, description or title, WIDTH, height, "bar")
    for index, (name, value) in enumerate(items):
        # The full name is in the table below the chart; the chart has room for about 24.
        label = name if len(name) <= 24 else name[:23] + "…"
        y = 4 + index * row
        length = bar_room * float(value) / top
        if rtl:
            edge = WIDTH - label_w
            parts.append(
                f'<text class="label" x="{edge + 6}" y="{y + 15}" text-anchor="start">'
                f"{escape(label)}</text>"
                f'<rect class="bar" x="{edge - length:.1f}" y="{y + 3}" width="{length:.1f}" '
                f'height="{row - 6}"/>'
                f'<text class="value" x="{edge - length - 4:.1f}" y="{y + 15}" '
                f'text-anchor="end">{_number(value)}</text>'
            )
        else:
            parts.append(
                f'<text class="label" x="{label_w - 6}" y="{y + 15}" text-anchor="end">'
                f"{escape(label)}</text>"
                f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{length:.1f}" '
                f'height="{row - 6}"/>'
                f'<text class="value" x="{label_w + length + 4:.1f}" y="{y + 15}" '
                f'text-anchor="start">{_number(value)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308
