"""The Secretariat's tabulation of any question of a round's instrument, and the list of the
reports behind any number.

- `/backoffice/analysis/questions/`: the instrument's questions page by page, with their
  article, each linking to its tabulation;
- `/backoffice/analysis/questions/<name>/`: the tables and charts of one question (or group of
  numeric questions), from `analysis.tabulate.question_tables`;
- `/backoffice/analysis/reports/`: the reports a number counts (the filters, and `question`,
  `value`, `region`, `safeguards`, `pair`, `active`, `top` as the tables' cells give them),
  each linking to its page in the back office.

Each page answers `?csv=<table identifier>` with that table's CSV (`table_csv`).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from codemonitor.accounts.access import secretariat_required
from codemonitor.analysis.filters import AnalysisFilters
from codemonitor.analysis.pages import table_csv
from codemonitor.analysis.selection import selection_for
from codemonitor.analysis.tables import AnalysisFigure
from codemonitor.analysis.tabulate import (
    OTHERS,
    Drill,
    NotAnalysable,
    Table,
    analysable,
    analysable_questions,
    drill_reports,
    find_table,
    question_tables,
    reports_table,
    search_path,
)
from codemonitor.backoffice.analysis import (
    NoRounds,
    analysis_filters,
    filters_context,
    no_rounds,
)
from codemonitor.core.languages import active as active_language
from codemonitor.instruments.schema import COUNTRIES_LIST
from codemonitor.reference.models import CodeArticle

# The drill parameters that are not filters, carried by the reports page's filter form.
DRILL_KEYS = ("question", "value", "pair", "active", "top")
# Reports listed on the page (the CSV has them all).
SHOWN = 500


def _kind(kind: str, list_name: str = "") -> str:
    labels = {
        "select_one": _("one choice"),
        "select_multiple": _("several choices"),
        "integer": _("number"),
        "decimal": _("number"),
        "date": _("date"),
        "text": _("text"),
        "repeat": _("table of rows"),
        "group": _("numbers together"),
    }
    label = labels.get(kind, kind)
    if list_name == COUNTRIES_LIST:
        label = _("%(kind)s, countries") % {"kind": label}
    return label


def _articles() -> dict[str, str]:
    language = active_language()
    return {str(article.number): article.title(language) for article in CodeArticle.objects.all()}


def _article_label(article: str, titles: dict[str, str]) -> str:
    if not article:
        return ""
    title = titles.get(article.split(".")[0], "")
    label = _("Article %(number)s") % {"number": article}
    return f"{label} — {title}" if title else label


def _csv_url(filters: AnalysisFilters, identifier: str, **extra: str) -> str:
    return "?" + filters.querystring(**extra, csv=identifier)


@require_safe
@secretariat_required
def analysis_questions(request: HttpRequest) -> HttpResponse:
    """The instrument's questions, page by page, each linking to its tabulation."""
    try:
        filters = analysis_filters(request)
    except NoRounds as empty:
        return no_rounds(request, str(empty))
    form = filters.round_instrument.instrument_version.form
    titles = _articles()
    pages = [
        {
            "page": page,
            "article": _article_label(page.article, titles),
            "questions": [
                {
                    "question": question,
                    "kind": _kind(question.kind, question.list_name),
                    "article": question.article if question.article != page.article else "",
                }
                for question in page.questions
            ],
        }
        for page in analysable_questions(form, language=active_language())
    ]
    return render(
        request,
        "backoffice/analysis/questions.html",
        {**filters_context(filters), "title": _("Questions, tabulated"), "pages": pages},
    )


def _missing(
    request: HttpRequest, filters: AnalysisFilters, name: str, message: str
) -> HttpResponse:
    return render(
        request,
        "backoffice/analysis/question_missing.html",
        {
            **filters_context(filters),
            "title": _("No such question"),
            "name": name,
            "message": message,
        },
        status=404,
    )


@require_safe
@secretariat_required
def analysis_question(request: HttpRequest, name: str) -> HttpResponse:
    """The tables and charts of one question, with the filters; `?csv=` one table's CSV."""
    try:
        filters = analysis_filters(request)
    except NoRounds as empty:
        return no_rounds(request, str(empty))
    form = filters.round_instrument.instrument_version.form
    try:
        question = analysable(form, name)
    except NotAnalysable:
        return _missing(
            request,
            filters,
            name,
            _(
                "%(instrument)s has no question “%(name)s” that can be tabulated (notes, "
                "calculations, files and personal data are not)."
            )
            % {"instrument": filters.instrument.title, "name": name[:100]},
        )
    language = active_language()
    selection = selection_for(filters)
    tables = question_tables(selection, name, language=language)
    wanted = request.GET.get("csv", "")
    if wanted:
        table = find_table(tables, wanted)
        if table is not None:
            return table_csv(table)
        return _missing(
            request,
            filters,
            name,
            _("This page has no table “%(identifier)s”.") % {"identifier": wanted[:100]},
        )
    titles = _articles()
    article = next(
        (
            q.article
            for page in analysable_questions(form, language=language)
            for q in page.questions
            if q.name == name
        ),
        "",
    )
    return render(
        request,
        "backoffice/analysis/question.html",
        {
            **filters_context(filters),
            "title": question.text("label", language, form.default_language) or name,
            "name": name,
            "kind": _kind(question.kind, question.list_name),
            "article": _article_label(article, titles),
            "counted": len(selection.reports),
            "items": _items(filters, tables),
            "drill_url": reverse("backoffice:analysis_reports"),
            "search_url": search_path(selection, name) if question.kind == "text" else "",
        },
    )


def _items(filters: AnalysisFilters, tables: list[Table]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for item in tables:
        if isinstance(item, AnalysisFigure):
            items.append({"figure": item, "csv_url": _csv_url(filters, item.table.identifier)})
        else:
            items.append({"table": item, "csv_url": _csv_url(filters, item.identifier)})
    return items


@require_safe
@secretariat_required
def analysis_reports(request: HttpRequest) -> HttpResponse:
    """The reports behind a number: the filters and the cell's drill parameters."""
    try:
        filters = analysis_filters(request)
    except NoRounds as empty:
        return no_rounds(request, str(empty))
    drill = Drill.from_query(request.GET)
    language = active_language()
    selection = selection_for(filters)
    problems: list[str] = []
    try:
        reports = drill_reports(selection, drill)
    except NotAnalysable:
        problems.append(
            _("%(instrument)s has no question “%(name)s” that can be tabulated.")
            % {"instrument": filters.instrument.title, "name": drill.question[:100]}
        )
        drill = Drill(regions=drill.regions, safeguards=drill.safeguards)
        reports = drill_reports(selection, drill)
    table = reports_table(selection, reports, drill, language=language)
    extra = {key: str(getattr(drill, key)) for key in DRILL_KEYS[:-1] if getattr(drill, key)}
    if drill.value == OTHERS:
        extra["top"] = str(drill.top)
    if request.GET.get("csv", "") == table.identifier:
        return table_csv(table)
    page = "backoffice:national_report" if filters.is_national else "backoffice:stakeholder_report"
    shown = list(zip(reports, table.rows, strict=True))[:SHOWN]
    return render(
        request,
        "backoffice/analysis/reports.html",
        {
            **filters_context(filters),
            "title": _("Reports behind a number"),
            "table": table,
            "rows": [(reverse(page, args=[report.id]), row) for report, row in shown],
            "more": max(0, len(reports) - SHOWN),
            "drill_hidden": sorted(extra.items()),
            "problems": problems,
            "csv_url": "?" + filters.querystring(**extra, csv=table.identifier),
            "question_url": (
                reverse("backoffice:analysis_question", args=[drill.question])
                + "?"
                + filters.querystring()
            )
            if drill.question
            else "",
        },
    )
