"""A published round's figures, charts and report, counted from its published reports only.

The analysis counts what a `Selection` holds; publication decides which reports that is:
`public_selection` is the analysis's selection of a round instrument narrowed to the reports
`public.public_reports` publishes (validated national reports, submitted stakeholder reports,
none withheld, nothing before the round's moment). Everything the public sees of a round's
numbers starts from it, so that a figure of the portal, of the round's public report and of a
search can never count a report that is not published:

- `round_figures`: per instrument, the published reports by WHO region, then the tables and
  charts of its questions article by article of the Code — the same tables and the same choice
  of them (`round_report.article_tables`, the body of the Director-General's draft) as the
  Secretariat's analysis draws, from the published reports alone;
- `public_round_document`: those figures, with the passages the analysts chose to quote from
  published reports, as the analysis's document model (`analysis.document`), drawn as HTML or
  PDF by its renderers — the round's report as the public may read it. The completeness of
  the round (who has not reported, what is in review) and the migration figures are the
  Secretariat's draft only: they count what is not published.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from codemonitor.analysis.coding import quotes
from codemonitor.analysis.document import (
    Block,
    FigureBlock,
    Paragraph,
    Quote,
    ReportDocument,
    Section,
    TableBlock,
)
from codemonitor.analysis.filters import AnalysisFilters
from codemonitor.analysis.round_report import (
    IDENTIFYING_FIELDS,
    article_tables,
    questions_by_article,
    tabulated,
)
from codemonitor.analysis.selection import Selection, selection_for
from codemonitor.analysis.tables import AnalysisFigure, AnalysisTable, Cell, Column, Source
from codemonitor.analysis.tabulate import Observed, Table
from codemonitor.core.languages import BY_CODE
from codemonitor.instruments.models import Instrument
from codemonitor.publication.public import entity_questions, public_reports, round_public
from codemonitor.reference.models import CodeArticle
from codemonitor.reference.names import REGION_NAMES
from codemonitor.reporting.models import Round, RoundInstrument
from codemonitor.reporting.selectors import GENEVA, PUBLIC_STATES, REGIONS
from codemonitor.workforce.charts import bar_chart


def public_selection(
    round_instrument: RoundInstrument, *, region: str = "", now: dt.datetime | None = None
) -> Selection:
    """The analysis's selection of a round instrument's published reports (in one WHO region
    with `region`): empty before the round's moment, never a withheld report."""
    kind = round_instrument.instrument_version.instrument.kind
    states = tuple(sorted(PUBLIC_STATES.get(kind, frozenset())))
    filters = AnalysisFilters(round_instrument=round_instrument, region=region, states=states)
    selection = selection_for(filters)
    if not states or not round_public(round_instrument.round, now=now):
        published: set[int] = set()
    else:
        published = set(public_reports(round_instrument, now=now).values_list("pk", flat=True))
    selection.reports = [row for row in selection.reports if row.id in published]
    return selection


def round_uses(round_: Round) -> list[RoundInstrument]:
    """A round's instruments, national first, then by code."""
    found = list(
        round_.instruments.select_related("round", "instrument_version__instrument").order_by(
            "instrument_version__instrument__code"
        )
    )
    return sorted(
        found, key=lambda use: use.instrument_version.instrument.kind != Instrument.Kind.NATIONAL
    )


# -- the figures of a round ----------------------------------------------------------------------


@dataclass
class ArticleFigures:
    """The tables and charts of the questions of one article of the Code."""

    number: int
    title: str
    items: list[Table] = field(default_factory=list)
    annex: list[Table] = field(default_factory=list)
    quotes: list[tuple[str, str]] = field(default_factory=list)  # (passage, source)

    @property
    def anchor(self) -> str:
        return f"article-{self.number}"

    @property
    def shown(self) -> list[Table]:
        """What a page shows of the article: its tables, and the charts that draw one of them
        (a choice by region). A chart whose data are a table of their own — the network of
        the countries named, its pairs growing with the reports — is left to the round's
        report (`left_to_document`), so that a page's weight stays bounded."""
        tables = {item.identifier for item in self.items if isinstance(item, AnalysisTable)}
        return [
            item
            for item in self.items
            if not isinstance(item, AnalysisFigure) or item.table.identifier in tables
        ]

    @property
    def left_to_document(self) -> int:
        return len(self.items) - len(self.shown)


@dataclass
class InstrumentFigures:
    round_instrument: RoundInstrument
    selection: Selection
    national: bool
    regions: AnalysisTable
    regions_chart: str
    articles: list[ArticleFigures] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(self.round_instrument.instrument_version.instrument.title)

    @property
    def code(self) -> str:
        return str(self.round_instrument.instrument_version.instrument.code)

    @property
    def counted(self) -> int:
        return len(self.selection.reports)


def _regions_table(selection: Selection, national: bool) -> AnalysisTable:
    """The published reports by WHO region (as of the deadline): a national report in its
    Member State's, a stakeholder report in each region of the countries it concerns."""
    counted: Counter[str] = Counter()
    for row in selection.reports:
        counted.update(row.regions)
    code = selection.filters.instrument.code.lower()
    rows = [
        [Cell(str(REGION_NAMES.get(region, region)), header=True), Cell(counted.get(region, 0))]
        for region in REGIONS
    ]
    notes = []
    if not national:
        notes.append(
            _(
                "A stakeholder report counts in each WHO region of the countries it concerns; "
                "the total counts it once."
            )
        )
    return AnalysisTable(
        identifier=f"{code}.published.region",
        title=(
            _("Published national reports by WHO region")
            if national
            else _("Published stakeholder reports by WHO region of the countries concerned")
        ),
        columns=[
            Column("label", _("WHO region"), numeric=False),
            Column("reports", _("Reports")),
        ],
        rows=rows,
        footer=[[Cell(_("Total"), header=True), Cell(len(selection.reports))]],
        source=Source.of(selection),
        notes=notes,
    )


def _regions_chart(table: AnalysisTable, *, rtl: bool) -> str:
    items = [(str(row[0].value), Decimal(int(row[1].value or 0))) for row in table.rows]
    if not any(value for _label, value in items):
        return ""
    description = "; ".join(f"{label}: {value}" for label, value in items)
    return str(bar_chart(table.title, items, rtl=rtl, description=description))


def instrument_figures(
    round_instrument: RoundInstrument,
    *,
    language: str,
    with_quotes: bool = False,
    now: dt.datetime | None = None,
) -> InstrumentFigures:
    """One instrument's published figures (see the module): a handful of queries, the answers
    of every tabulated question read in one pass per repeat."""
    selection = public_selection(round_instrument, now=now)
    national = round_instrument.instrument_version.instrument.kind == Instrument.Kind.NATIONAL
    form = round_instrument.instrument_version.form
    form_language = language if language in form.languages else form.default_language
    rtl = BY_CODE[language].direction == "rtl" if language in BY_CODE else False
    regions = _regions_table(selection, national)
    found = InstrumentFigures(
        round_instrument, selection, national, regions, _regions_chart(regions, rtl=rtl)
    )
    if not selection.reports:
        return found
    grouped = questions_by_article(form, language=form_language)
    numbers = sorted(number for number in grouped if number is not None)
    quoted = quotes(round_instrument, selection=selection) if with_quotes else {}
    # A passage of a question that names or reaches a respondent is never quoted in public.
    identifying = {name for key, name in form.report_fields().items() if key in IDENTIFYING_FIELDS}
    identifying |= entity_questions(form)  # what describes the entity, never quoted
    observed = Observed(selection)
    observed.read(tabulated(q for number in numbers for q in grouped[number]))
    titles = {
        article.number: article.title(language)
        for article in CodeArticle.objects.filter(number__in=numbers)
    }
    for number in numbers:
        tables = article_tables(
            selection, grouped[number], language=form_language, observed=observed
        )
        article = ArticleFigures(
            number, titles.get(number, ""), list(tables.body), list(tables.annex)
        )
        for passage in quoted.get(number, []):
            if passage.question not in identifying:
                article.quotes.append((passage.passage, passage.source))
        if article.items or article.quotes:
            found.articles.append(article)
    return found


def round_figures(
    round_: Round, *, language: str, with_quotes: bool = False, now: dt.datetime | None = None
) -> list[InstrumentFigures]:
    """Every instrument's published figures of a public round (national first); none for a
    round that is not public."""
    if not round_public(round_, now=now):
        return []
    return [
        instrument_figures(use, language=language, with_quotes=with_quotes, now=now)
        for use in round_uses(round_)
    ]


# -- the round's public report ------------------------------------------------------------------


def _date(when: dt.datetime | None) -> str:
    return timezone.localtime(when, GENEVA).strftime("%Y-%m-%d") if when else "—"


def _blocks(items: list[Table]) -> list[Block]:
    return [
        FigureBlock(item) if isinstance(item, AnalysisFigure) else TableBlock(item, listed=None)
        for item in items
    ]


def public_round_document(
    round_: Round, *, language: str, now: dt.datetime | None = None
) -> ReportDocument:
    """The round's report from its published reports (see the module), in `language`."""
    figures = round_figures(round_, language=language, with_quotes=True, now=now)
    brief = Section(_("The round in brief"), 1, identifier="round-in-brief")
    dates = [_("%(round)s (%(year)s).") % {"round": round_.title, "year": round_.year}]
    for item in figures:
        use = item.round_instrument
        dates.append(
            _(
                "The %(instrument)s was open from %(opens)s to its deadline, %(closes)s "
                "(Geneva time)."
            )
            % {
                "instrument": item.title,
                "opens": _date(use.opens_at),
                "closes": _date(use.closes_at),
            }
        )
    dates.append(
        _("Its reports are published from %(date)s.") % {"date": _date(round_.publishes_at)}
    )
    brief.blocks.append(Paragraph.of(" ".join(dates)))
    brief.blocks.append(
        Paragraph.of(
            _(
                "Every figure of this document counts the published reports only: validated "
                "national reports and submitted stakeholder reports, less those the Secretariat "
                "withheld. Personal data are never published."
            )
        )
    )
    sections = [brief]
    annex: list[Section] = []
    for item in figures:
        section = Section(item.title, 1, identifier=f"{item.code}")
        section.blocks.append(
            Paragraph.of(
                ngettext(
                    "%(count)s published report of the %(instrument)s is counted.",
                    "%(count)s published reports of the %(instrument)s are counted.",
                    item.counted,
                )
                % {"count": item.counted, "instrument": item.title}
            )
        )
        section.blocks.append(TableBlock(item.regions, listed=None))
        sections.append(section)
        further: list[Table] = []
        for article in item.articles:
            blocks = _blocks(article.items)
            blocks.extend(_quotes(article.quotes))
            sections.append(
                Section(
                    _("Article %(number)s. %(title)s")
                    % {"number": article.number, "title": article.title},
                    2,
                    blocks,
                    identifier=f"{item.code}-{article.anchor}",
                )
            )
            further.extend(article.annex)
        if further:
            annex.append(
                Section(
                    _("Further tables: %(instrument)s") % {"instrument": item.title},
                    1,
                    _blocks(further),
                    identifier=f"annex-{item.code}",
                )
            )
    return ReportDocument(
        title=_(
            "Implementation of the WHO Global Code of Practice on the International "
            "Recruitment of Health Personnel"
        ),
        subtitle=_("%(round)s: the figures of its published reports") % {"round": round_.title},
        sections=sections,
        annex=annex,
        language=language,
    )


def _quotes(passages: list[tuple[str, str]]) -> list[Block]:
    """Quoted passages, each once (two codes may have marked the same)."""
    seen: dict[tuple[str, str], Block] = {}
    for text, source in passages:
        seen.setdefault((text, source), Quote(text, source))
    return list(seen.values())
