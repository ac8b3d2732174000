"""The completeness of a round: the Secretariat's first screen during and after a round.

`/backoffice/analysis/completeness/` shows, for a national instrument, the completeness table
by WHO region, the world map of reporting status and the previous rounds side by side; for a
stakeholder instrument, its reports by state, category and WHO region (the instrument filter
switches). Every number links to `/backoffice/analysis/completeness/list/`, the countries or
reports behind it. `?csv=<table identifier>` answers a table's CSV. The figures come from
`analysis.completeness` and `analysis.worldmap`; these views only choose and draw them.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from codemonitor.accounts.access import secretariat_required
from codemonitor.analysis.completeness import (
    CompletenessRefused,
    completeness_list,
    list_heading,
    region_label,
    round_completeness,
    stakeholder_completeness,
)
from codemonitor.analysis.filters import AnalysisFilters
from codemonitor.analysis.pages import table_csv
from codemonitor.analysis.tables import AnalysisFigure, AnalysisTable, Cell
from codemonitor.analysis.worldmap import world_map
from codemonitor.backoffice.analysis import (
    NoRounds,
    analysis_filters,
    filters_context,
    no_rounds,
)

# Rows of a list behind a number per page (a number may count thousands of stakeholder reports).
PER_PAGE = 250


@dataclass
class LinkedTable:
    """A table with the address of the list behind each of its numbers."""

    table: AnalysisTable
    # Each cell with the address of its list ("" when none) and whether its column is numeric.
    rows: list[list[tuple[Cell, str, bool]]]
    footer: list[list[tuple[Cell, str, bool]]]
    csv_url: str


def drill_href(filters: AnalysisFilters, drill: dict[str, str] | None) -> str:
    """The list behind a number: the filters, with the number's drill (its keys replace the
    filters' — a history row names its own round)."""
    if not drill:
        return ""
    query = {**filters.query(), **drill}
    return f"{reverse('backoffice:analysis_completeness_list')}?{urlencode(query, doseq=True)}"


def linked(table: AnalysisTable, filters: AnalysisFilters) -> LinkedTable:
    numeric = [column.numeric for column in table.columns]

    def cells(rows: list[list[Cell]]) -> list[list[tuple[Cell, str, bool]]]:
        return [
            [
                (
                    cell,
                    drill_href(filters, cell.drill),
                    numeric[index] if index < len(numeric) else False,
                )
                for index, cell in enumerate(row)
            ]
            for row in rows
        ]

    csv_url = (
        f"{reverse('backoffice:analysis_completeness')}?"
        f"{urlencode({**filters.query(), 'csv': table.identifier}, doseq=True)}"
    )
    return LinkedTable(table, cells(table.rows), cells(table.footer), csv_url)


@require_safe
@secretariat_required
def analysis_completeness(request: HttpRequest) -> HttpResponse:
    """The completeness of the chosen round instrument."""
    try:
        filters = analysis_filters(request)
    except NoRounds as empty:
        return no_rounds(request, str(empty))
    figure: AnalysisFigure | None = None
    if filters.is_national:
        completeness = round_completeness(filters)
        figure = world_map(completeness)
        tables = [completeness.table(), completeness.history_table()]
    else:
        tables = stakeholder_completeness(filters).tables()
    every = [*tables, *([figure.table] if figure is not None else [])]
    problems = []
    wanted = request.GET.get("csv", "")
    if wanted:
        chosen = next((table for table in every if table.identifier == wanted), None)
        if chosen is not None:
            return table_csv(chosen)
        problems.append(
            _("This page has no table '%(table)s' to download.") % {"table": wanted[:100]}
        )
    return render(
        request,
        "backoffice/analysis/completeness.html",
        {
            **filters_context(filters),
            "title": _("Completeness of the round"),
            "tables": [linked(table, filters) for table in tables],
            "figure": figure,
            "figure_table": linked(figure.table, filters) if figure is not None else None,
            "problems": problems,
        },
    )


@require_safe
@secretariat_required
def analysis_completeness_list(request: HttpRequest) -> HttpResponse:
    """The Member States or reports behind one number of the completeness tables."""
    try:
        filters = analysis_filters(request)
    except NoRounds as empty:
        return no_rounds(request, str(empty))
    status = request.GET.get("status", "")[:40]
    category = request.GET.get("category", "")[:100]
    problem = ""
    items: list[object] = []
    if not status:
        problem = _("Choose a number of the completeness tables: the list behind it opens here.")
    else:
        try:
            items = list(completeness_list(filters, status, filters.region, category=category))
        except CompletenessRefused as refused:
            problem = str(refused)
    pages = Paginator(items, PER_PAGE)
    shown = pages.get_page(request.GET.get("page"))

    def page_url(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return f"?{query.urlencode()}"

    heading = list_heading(filters, status, category) if not problem else _("Nothing to list")
    where = region_label(filters.region) if filters.region else _("All regions")
    back = f"{reverse('backoffice:analysis_completeness')}?{urlencode(filters.query(), doseq=True)}"
    return render(
        request,
        "backoffice/analysis/completeness_list.html",
        {
            **filters_context(filters),
            "title": f"{heading} — {where}",
            "status": status,
            "category": category,
            "items": shown.object_list,
            "count": pages.count,
            "page": shown,
            "previous_url": page_url(shown.previous_page_number()) if shown.has_previous() else "",
            "next_url": page_url(shown.next_page_number()) if shown.has_next() else "",
            "problem": problem,
            "back": back,
        },
    )
