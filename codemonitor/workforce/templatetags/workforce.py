"""Figures as the profile shows them: grouped in the active language's way, quickly (a profile
has a few thousand of them; `floatformat:"g"` costs ten times more)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django import template
from django.utils.formats import get_format
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from codemonitor.workforce.indicators import Figure

register = template.Library()


@register.filter
def amount(value: Decimal | int | None) -> str:
    """A number of persons: whole numbers grouped (12,345), others with one decimal; — for
    none."""
    if value is None or value == "":
        return "—"
    number = Decimal(value)
    text = f"{int(number):,}" if number == number.to_integral_value() else f"{number:,.1f}"
    group, point = str(get_format("THOUSAND_SEPARATOR")), str(get_format("DECIMAL_SEPARATOR"))
    return text.replace(",", "\0").replace(".", point).replace("\0", group)


@register.filter
def share(value: Decimal | None) -> str:
    """A percentage with one decimal (12.5), in the active language's way; — for none."""
    if value is None:
        return "—"
    return f"{value:.1f}".replace(".", str(get_format("DECIMAL_SEPARATOR")))


@register.simple_tag
def figure_rows(figures: Iterable[Figure]) -> SafeString:
    """The rows of the table of every figure (occupation, population, measure, year, value,
    source, flag): hundreds of rows for a country rich in data, drawn here in one pass rather
    than cell by cell by the template engine."""
    return format_html_join(
        "",
        '<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="number">{}</td><td>{}</td>'
        "<td>{}</td></tr>",
        (
            (
                f.occupation_label,
                f.population_label,
                f.measure_label,
                f.year,
                amount(f.value),
                f.dataset_label,
                f"{f.flag} — {f.flag_note}" if f.flag_note else f.flag,
            )
            for f in figures
        ),
    )
