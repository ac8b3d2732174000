"""The draft of the Director-General's report on a round, generated from the data.

`round_report_build(round_, language=…)` says what the report holds, as a `ReportDocument`
(`document.py` draws it as DOCX, HTML or PDF):

1. **The round in brief**: the dates of its instruments, the designated national authorities,
   the national reports received by WHO region (membership as of the deadline) and the same
   figures for the previous rounds (rounds without data in the database from their historical
   counts).
2. **One section per article of the Code** that questions of the national instrument concern
   (`Question.article`, the part before the dot: "5.2" → article 5): its tables and charts
   (`article_tables`) and the passages the analysts chose as quotes (`article_quotes`).
3. Under the articles on data and information exchange, **the migration figures**:
   dependency on foreign-trained doctors and nurses, and the foreign-trained personnel trained
   in countries on the safeguards list (`workforce/indicators.py`).
4. **The stakeholders' contribution**: the round's stakeholder instrument — reports by
   category and by WHO region of the countries they concern, then its questions by article.
5. **The annex**: the national reports counted (the list every national number comes from),
   and the data table of every figure (added by the layout).

Every table starts from a `Selection` (the reports the analysis pages count with the same
filters: validated national reports, submitted stakeholder reports), carries its source line
and CSV; every number in the text is a `Count` with the query of its list of reports.

The tables of a question and the quotes of an article come through two functions only,
`article_tables` and `article_quotes`, so that the tabulation and the coding of the analysis
can replace what they do here without touching the rest.

Generation reads in a bounded number of queries whatever the number of reports: a selection
is four queries, the answers of an article's questions one pass, the migration figures two.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count as CountOf
from django.db.models import Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from codemonitor.accounts.models import User
from codemonitor.analysis.document import (
    Block,
    Count,
    FigureBlock,
    Links,
    Note,
    Paragraph,
    Quote,
    ReportDocument,
    Section,
    TableBlock,
    Trace,
    docx_bytes,
    html_text,
    pdf_bytes,
)
from codemonitor.analysis.filters import AnalysisFilters
from codemonitor.analysis.selection import ReportRow, Selection, selection_for
from codemonitor.analysis.tables import (
    AnalysisFigure,
    AnalysisTable,
    Cell,
    Column,
    Source,
    count_cell,
)
from codemonitor.core.audit import Action, audit_log
from codemonitor.core.languages import BY_CODE
from codemonitor.instruments.models import Instrument
from codemonitor.instruments.schema import COUNTRIES_LIST, Form, Question
from codemonitor.reference.models import CodeArticle
from codemonitor.reference.names import REGION_NAMES, country_labels
from codemonitor.registers.models import NationalAuthority
from codemonitor.reporting.models import Report, Round, RoundInstrument
from codemonitor.reporting.selectors import (
    COUNTING_STATES,
    GENEVA,
    REGIONS,
    answers_table,
    round_reports,
)
from codemonitor.workforce.charts import bar_chart
from codemonitor.workforce.indicators import (
    AGGREGATE_ORIGINS,
    FIGURE_FIELDS,
    SOURCE_ORDER,
    SOURCE_RULE,
    Figure,
    FigureSet,
    OriginSum,
    SafeguardsLists,
    dependency,
    preferred,
    safeguards_share,
)
from codemonitor.workforce.models import TOTAL_ORIGIN, Measure, Occupation, Population, Statistic

State = Report.State
# A national report is "received" once submitted, whatever the Secretariat did next.
RECEIVED_STATES = tuple(sorted(COUNTING_STATES | {State.RETURNED}))
# The articles of the Code on data gathering and research (6) and information exchange (7):
# the migration figures go under the first of them.
DATA_ARTICLES = (6, 7)
# The occupations the migration section shows (the Code's reports speak of them first).
MIGRATION_OCCUPATIONS = (Occupation.DOCTORS, Occupation.NURSES)
# The largest number of bars in a chart of countries.
TOP_COUNTRIES = 15
# Report fields that name or reach the respondent: never tabulated.
IDENTIFYING_FIELDS = frozenset({"entity_name", "contact_email", "entity_name_consent"})


def bars(title: str, items: list[tuple[str, Decimal]], *, rtl: bool = False) -> str:
    """A horizontal bar chart (`workforce.charts`) whose description says every value."""
    description = "; ".join(f"{label}: {value.normalize():f}" for label, value in items)
    return str(bar_chart(title, items, rtl=rtl, description=description))


# -- the two seams: tables of questions, quotes of an article --------------------------------


def article_tables(
    selection: Selection, questions: Sequence[Question], *, language: str = "en"
) -> list[AnalysisTable | AnalysisFigure]:
    """The tables (and charts) of some questions of the selection's instrument.

    For now, each `select_one` question outside a repeat: how many of the selected reports
    chose each answer, with the share of those that answered — one pass over the stored
    answers of the questions asked (`answers_table` without re-applying the form's rules to
    every report, which would read every answer of every report: the tabulation of the
    analysis replaces this)."""
    filters = selection.filters
    round_instrument = filters.round_instrument
    form = round_instrument.instrument_version.form
    paths = form.repeat_path()
    chosen = [
        q
        for q in questions
        if q.kind == "select_one"
        and not paths.get(q.name)
        and not q.personal
        and q.list_name != COUNTRIES_LIST
        and q.report_field not in IDENTIFYING_FIELDS
    ]
    if not chosen or not selection.reports:
        return []
    wanted = {row.id for row in selection.reports}
    reports = round_reports(round_instrument).filter(state__in=filters.chosen_states)
    lines = [
        line
        for line in answers_table(
            round_instrument, [q.name for q in chosen], reports=reports, relevant_only=False
        )
        if line["report"] in wanted
    ]
    code = filters.instrument.code
    source = Source.of(selection)
    found: list[AnalysisTable | AnalysisFigure] = []
    for question in chosen:
        counts = Counter(
            str(line[question.name]) for line in lines if line.get(question.name) not in (None, "")
        )
        answered = sum(counts.values())
        rows = []
        for choice in form.choices.get(question.list_name, []):
            label = choice.label.get(language) or choice.label.get(form.default_language) or ""
            rows.append(
                [
                    Cell(label or choice.name, header=True),
                    count_cell(
                        counts.get(choice.name, 0),
                        answered,
                        drill={"question": question.name, "answer": choice.name},
                    ),
                ]
            )
        found.append(
            AnalysisTable(
                identifier=f"{code}.{question.name}.choices",
                title=question.text("label", language, form.default_language) or question.name,
                columns=[
                    Column("answer", _("Answer"), numeric=False),
                    Column("reports", _("Reports (share of those answering)")),
                ],
                rows=rows,
                footer=[
                    [Cell(_("Answered"), header=True), Cell(answered)],
                    [
                        Cell(_("No answer"), header=True),
                        Cell(len(selection.reports) - answered),
                    ],
                ],
                source=source,
                notes=[_("Question %(name)s.") % {"name": question.name}],
            )
        )
    return found


def article_quotes(round_instrument: RoundInstrument, article: int | None) -> list[Quote]:
    """The coded passages of a round instrument's answers that the analysts marked to be quoted
    under an article (None: those of no article), each with its source as publication may show
    it (see `quote_source`). None yet: the coding of passages comes with the text analysis."""
    return []


def quote_source(
    row: ReportRow, *, countries: dict[str, str], categories: dict[str, str] | None = None
) -> str:
    """Who said it, as the report may say: the country of a national report; a stakeholder's
    name only where it agreed to its publication, else its category."""
    if row.member_state:
        return _("%(country)s, national report %(reference)s") % {
            "country": countries.get(row.member_state, row.member_state),
            "reference": row.reference,
        }
    if row.publish_name and row.entity_name:
        return _("%(entity)s, stakeholder report %(reference)s") % {
            "entity": row.entity_name,
            "reference": row.reference,
        }
    category = (categories or {}).get(row.category, "")
    if category:
        return _("A stakeholder (%(category)s), report %(reference)s") % {
            "category": category,
            "reference": row.reference,
        }
    return _("A stakeholder, report %(reference)s") % {"reference": row.reference}


# -- what the report is made of ----------------------------------------------------------------


def analysable(form: Form) -> list[Question]:
    """The questions whose answers the report may count: input questions, no file, nothing
    personal, nothing that names or reaches the respondent."""
    return [
        q
        for q in form.walk()
        if q.is_input
        and q.kind != "file"
        and not q.personal
        and q.report_field not in IDENTIFYING_FIELDS
    ]


def article_number(question: Question) -> int | None:
    """The article of the Code a question concerns: the part of `article` before the dot."""
    head = question.article.split(".", 1)[0].strip()
    return int(head) if head.isdigit() else None


def questions_by_article(form: Form) -> dict[int | None, list[Question]]:
    grouped: dict[int | None, list[Question]] = defaultdict(list)
    for question in analysable(form):
        grouped[article_number(question)].append(question)
    return dict(grouped)


@dataclass
class ArticlePlan:
    article: CodeArticle
    national: int
    stakeholder: int


@dataclass
class ReportPlan:
    """What the report of a round will contain, without counting anything (for the page that
    offers it): its instruments, the articles their questions concern, how many questions."""

    round: Round
    national: RoundInstrument | None
    stakeholder: RoundInstrument | None
    articles: list[ArticlePlan]
    unassigned_national: int
    unassigned_stakeholder: int


def round_instruments_of(round_: Round) -> tuple[RoundInstrument | None, RoundInstrument | None]:
    """A round's national and stakeholder instruments (the first of each kind by code)."""
    found = list(
        round_.instruments.select_related("round", "instrument_version__instrument").order_by(
            "instrument_version__instrument__code"
        )
    )
    national = next(
        (ri for ri in found if ri.instrument_version.instrument.kind == Instrument.Kind.NATIONAL),
        None,
    )
    stakeholder = next(
        (
            ri
            for ri in found
            if ri.instrument_version.instrument.kind == Instrument.Kind.STAKEHOLDER
        ),
        None,
    )
    return national, stakeholder


def round_report_plan(round_: Round) -> ReportPlan:
    national, stakeholder = round_instruments_of(round_)
    by_national = questions_by_article(national.instrument_version.form) if national else {}
    by_stakeholder = (
        questions_by_article(stakeholder.instrument_version.form) if stakeholder else {}
    )
    numbers = {n for n in [*by_national, *by_stakeholder] if n is not None}
    articles = [
        ArticlePlan(
            article,
            len(by_national.get(article.number, [])),
            len(by_stakeholder.get(article.number, [])),
        )
        for article in CodeArticle.objects.filter(number__in=numbers).order_by("number")
    ]
    return ReportPlan(
        round=round_,
        national=national,
        stakeholder=stakeholder,
        articles=articles,
        unassigned_national=len(by_national.get(None, [])),
        unassigned_stakeholder=len(by_stakeholder.get(None, [])),
    )


# -- building ----------------------------------------------------------------------------------


class _Builder:
    def __init__(self, round_: Round, language: str) -> None:
        self.round = round_
        self.language = language
        self.countries = country_labels(language)
        self.rtl = BY_CODE[language].direction == "rtl"
        # Member States with a designated national authority in the register (today).
        self.authorities: int | None = None
        self.national, self.stakeholder = round_instruments_of(round_)
        self.sections: list[Section] = []
        self.annex: list[Section] = []

    # helpers
    def form_language(self, form: Form) -> str:
        return self.language if self.language in form.languages else form.default_language

    def region_name(self, code: str) -> str:
        return str(REGION_NAMES.get(code, code))

    def named(self, rows: Iterable[ReportRow]) -> tuple[str, ...]:
        """The references of some reports, with the country of a national one."""
        return tuple(
            f"{self.countries.get(row.member_state, row.member_state)} ({row.reference})"
            if row.member_state
            else row.reference
            for row in rows
        )

    def count(
        self,
        rows: Sequence[ReportRow],
        filters: AnalysisFilters,
        description: str,
        **drill: str,
    ) -> tuple[Count, Note]:
        """A number of reports in the text and the footnote that traces it."""
        trace = Trace(filters.query(**drill), len(rows), description, self.named(rows))
        return Count(len(rows), trace), Note(description, trace)

    def instrument_name(self, round_instrument: RoundInstrument) -> str:
        version = round_instrument.instrument_version
        return f"{version.instrument.code.upper()} {version.version}"

    def date(self, when: dt.datetime | None) -> str:
        if when is None:
            return "—"
        return timezone.localtime(when, GENEVA).strftime("%Y-%m-%d")

    # sections
    def build(self) -> ReportDocument:
        national_selection = received = None
        if self.national is not None:
            filters = AnalysisFilters(round_instrument=self.national)
            national_selection = selection_for(filters)
            received = selection_for(filters.with_(states=RECEIVED_STATES))
        stakeholder_selection = None
        if self.stakeholder is not None:
            stakeholder_selection = selection_for(
                AnalysisFilters(round_instrument=self.stakeholder)
            )
        self.brief(national_selection, received, stakeholder_selection)
        if national_selection is not None:
            self.articles(national_selection)
        else:
            self.migration_section()
        if stakeholder_selection is not None:
            self.stakeholders(stakeholder_selection)
        self.annex_section(received)
        subtitle = _("Draft report of the Director-General on %(round)s") % {
            "round": self.round.title
        }
        if self.round.report_to:
            subtitle += " — " + _("for %(body)s") % {"body": self.round.report_to}
        return ReportDocument(
            title=_(
                "Implementation of the WHO Global Code of Practice on the International "
                "Recruitment of Health Personnel"
            ),
            subtitle=subtitle,
            sections=self.sections,
            annex=self.annex,
            language=self.language,
        )

    def brief(
        self,
        national: Selection | None,
        received: Selection | None,
        stakeholder: Selection | None,
    ) -> None:
        section = Section(_("The round in brief"), 1, identifier="round-in-brief")
        self.sections.append(section)
        blocks = section.blocks
        dates: list[str | Count | Note] = [
            _("%(round)s (%(year)s).") % {"round": self.round.title, "year": self.round.year}
        ]
        for ri in (self.national, self.stakeholder):
            if ri is None:
                continue
            dates.append(
                " "
                + _(
                    "The %(instrument)s was open from %(opens)s to its deadline, %(closes)s "
                    "(Geneva time)."
                )
                % {
                    "instrument": ri.instrument_version.instrument.title,
                    "opens": self.date(ri.opens_at),
                    "closes": self.date(ri.closes_at),
                }
            )
        if self.round.publication_date:
            dates.append(
                " "
                + _("Its data are published from %(date)s.")
                % {"date": self.round.publication_date.isoformat()}
            )
        blocks.append(Paragraph(dates))
        if national is None or received is None:
            blocks.append(Paragraph.of(_("The round has no national instrument.")))
        else:
            blocks.extend(self.national_brief(national, received))
        if stakeholder is not None:
            number, note = self.count(
                stakeholder.reports,
                stakeholder.filters,
                _("Stakeholder reports submitted to %(round)s (%(instrument)s).")
                % {
                    "round": self.round.title,
                    "instrument": self.instrument_name(stakeholder.filters.round_instrument),
                },
            )
            blocks.append(
                Paragraph.of(
                    _("Stakeholders submitted "),
                    number,
                    " ",
                    _("reports (see “The stakeholders' contribution”)."),
                    note,
                )
            )
        blocks.append(TableBlock(self.history_table(received, stakeholder)))

    def national_brief(self, national: Selection, received: Selection) -> list[Block]:
        deadline = national.deadline
        members = national.region_of
        authorities = set(
            NationalAuthority.objects.filter(member_state_id__in=list(members)).values_list(
                "member_state_id", flat=True
            )
        )
        self.authorities = len(authorities)
        received_count, received_note = self.count(
            received.reports,
            received.filters,
            _(
                "National reports received (submitted, in review, returned or validated) in "
                "%(round)s."
            )
            % {"round": self.round.title},
        )
        validated_count, validated_note = self.count(
            national.reports,
            national.filters,
            _("Validated national reports of %(round)s: the reports the tables count.")
            % {"round": self.round.title},
        )
        late_rows = [row for row in received.reports if row.late]
        late_count, late_note = self.count(
            late_rows,
            received.filters,
            _("National reports received after the deadline in %(round)s.")
            % {"round": self.round.title},
            late="1",
        )
        blocks: list[Block] = [
            Paragraph.of(
                _(
                    "Of the %(members)s Member States (WHO regions as of the deadline, %(date)s), "
                    "%(authorities)s have a designated national authority in the register."
                )
                % {
                    "members": len(members),
                    "date": deadline.isoformat(),
                    "authorities": len(authorities),
                },
                " ",
                received_count,
                " ",
                _("national reports were received"),
                received_note,
                _(", of which "),
                validated_count,
                " ",
                _("are validated"),
                validated_note,
                _(" and "),
                late_count,
                " ",
                _("arrived after the deadline"),
                late_note,
                ". ",
                _("The tables of this report count the validated national reports."),
            )
        ]
        # Reports received by region.
        source = Source.of(received)
        rows: list[list[Cell]] = []
        totals = Counter[str]()
        members_in: Counter[str] = Counter(members.values())
        for region in REGIONS:
            in_region = received.in_region(region)
            validated = [row for row in in_region if row.state == State.VALIDATED]
            late = [row for row in in_region if row.late]
            dna = sum(1 for iso3 in authorities if members.get(iso3) == region)
            values = {
                "members": members_in.get(region, 0),
                "dna": dna,
                "received": len(in_region),
                "validated": len(validated),
                "late": len(late),
            }
            totals.update(values)
            rows.append(
                [
                    Cell(self.region_name(region), header=True),
                    Cell(values["members"]),
                    count_cell(dna, values["members"]),
                    count_cell(len(in_region), values["members"], drill={"region": region}),
                    count_cell(
                        len(validated),
                        values["members"],
                        drill={"region": region, "state": State.VALIDATED},
                    ),
                    count_cell(len(late), drill={"region": region, "late": "1"}),
                ]
            )
        footer = [
            [
                Cell(_("All regions"), header=True),
                Cell(totals["members"]),
                count_cell(totals["dna"], totals["members"]),
                count_cell(totals["received"], totals["members"], drill={}),
                count_cell(
                    totals["validated"], totals["members"], drill={"state": State.VALIDATED}
                ),
                count_cell(totals["late"], drill={"late": "1"}),
            ]
        ]
        by_region = AnalysisTable(
            identifier="round.reports_by_region",
            title=_(
                "Member States, designated national authorities and national reports "
                "received, by WHO region"
            ),
            columns=[
                Column("region", _("WHO region"), numeric=False),
                Column("members", _("Member States")),
                Column("dna", _("With a designated national authority")),
                Column("received", _("National reports received")),
                Column("validated", _("Validated")),
                Column("late", _("Received late")),
            ],
            rows=rows,
            footer=footer,
            source=source,
            notes=[
                _(
                    "Shares are of the Member States of the region as of the deadline; the "
                    "designated national authorities are those of the register today."
                )
            ],
        )
        blocks.append(TableBlock(by_region, received.filters.query()))
        chart_rows = [
            [
                Cell(self.region_name(region), header=True),
                Cell(len(received.in_region(region)), drill={"region": region}),
            ]
            for region in REGIONS
        ]
        data = AnalysisTable(
            identifier="round.reports_by_region.figure.data",
            title=_("National reports received, by WHO region"),
            columns=[
                Column("region", _("WHO region"), numeric=False),
                Column("received", _("National reports received")),
            ],
            rows=chart_rows,
            source=source,
        )
        svg = bars(
            _("National reports received, by WHO region"),
            [
                (self.region_name(region), Decimal(len(received.in_region(region))))
                for region in REGIONS
            ],
            rtl=self.rtl,
        )
        blocks.append(
            FigureBlock(
                AnalysisFigure(
                    identifier="round.reports_by_region.figure",
                    title=_("National reports received, by WHO region"),
                    svg=str(svg),
                    table=data,
                ),
                received.filters.query(),
            )
        )
        return blocks

    def history_table(
        self, received: Selection | None, stakeholder: Selection | None
    ) -> AnalysisTable:
        """This round and the previous ones side by side: designated national authorities,
        national reports (by region where the database has them), stakeholder reports. This
        round's figures are those of its selections."""
        rounds = list(Round.objects.filter(number__lte=self.round.number).order_by("number"))
        instruments: dict[int, list[RoundInstrument]] = defaultdict(list)
        for ri in RoundInstrument.objects.filter(round__in=rounds).select_related(
            "round", "instrument_version__instrument"
        ):
            instruments[ri.round_id].append(ri)
        rows: list[list[Cell]] = []
        for round_ in rounds:
            if round_.is_demo and round_.pk != self.round.pk:
                continue
            national_ri = next(
                (
                    ri
                    for ri in instruments.get(round_.pk, [])
                    if ri.instrument_version.instrument.kind == Instrument.Kind.NATIONAL
                ),
                None,
            )
            stakeholder_ri = next(
                (
                    ri
                    for ri in instruments.get(round_.pk, [])
                    if ri.instrument_version.instrument.kind == Instrument.Kind.STAKEHOLDER
                ),
                None,
            )
            by_region: dict[str, int | None] = dict.fromkeys(REGIONS)
            national_count: int | None = round_.national_reports_count
            if national_ri is not None:
                chosen = (
                    received
                    if received is not None and round_.pk == self.round.pk
                    else selection_for(
                        AnalysisFilters(round_instrument=national_ri, states=RECEIVED_STATES)
                    )
                )
                if chosen.reports or national_count is None:
                    national_count = len(chosen.reports)
                    by_region = {region: len(chosen.in_region(region)) for region in REGIONS}
            stakeholder_count: int | None = None
            if stakeholder_ri is not None:
                stakeholder_count = len(
                    (
                        stakeholder
                        if stakeholder is not None and round_.pk == self.round.pk
                        else selection_for(AnalysisFilters(round_instrument=stakeholder_ri))
                    ).reports
                )
            authorities: int | None = round_.designated_authorities
            if round_.pk == self.round.pk and authorities is None:
                authorities = self.authorities
            rows.append(
                [
                    Cell(round_.title, header=True),
                    Cell(str(round_.year)),
                    Cell(authorities),
                    Cell(national_count),
                    *(Cell(by_region[region]) for region in REGIONS),
                    Cell(stakeholder_count),
                ]
            )
        source = (
            Source.of(received)
            if received is not None
            else Source(self.round.title, "", "", "", timezone.now(), 0)
        )
        return AnalysisTable(
            identifier="round.history",
            title=_("Designated national authorities and reports received, by round"),
            columns=[
                Column("round", _("Round"), numeric=False),
                Column("year", _("Year"), numeric=False),
                Column("dna", _("Designated national authorities")),
                Column("national", _("National reports")),
                *(Column(region.lower(), region) for region in REGIONS),
                Column("stakeholder", _("Stakeholder reports")),
            ],
            rows=rows,
            source=source,
            notes=[
                _(
                    "Rounds without reports in the platform show the counts published at the "
                    "time (“—”: not known); national reports by WHO region as of each round's "
                    "deadline; the designated national authorities of this round are those of "
                    "the register today."
                )
            ],
        )

    def articles(self, national: Selection) -> None:
        assert self.national is not None
        form = self.national.instrument_version.form
        language = self.form_language(form)
        grouped = questions_by_article(form)
        numbers = sorted(n for n in grouped if n is not None)
        known = {a.number: a for a in CodeArticle.objects.order_by("number")}
        wanted = sorted({*numbers, DATA_ARTICLES[0]} & set(known))
        instrument = self.national.instrument_version.instrument.title
        for number in wanted:
            article = known[number]
            section = Section(
                _("Article %(number)s. %(title)s")
                % {"number": number, "title": article.title(self.language)},
                1,
                identifier=f"article-{number}",
            )
            self.sections.append(section)
            questions = grouped.get(number, [])
            if questions:
                counted, note = self.count(
                    national.reports,
                    national.filters,
                    _("Validated national reports of %(round)s.") % {"round": self.round.title},
                )
                section.blocks.append(
                    Paragraph.of(
                        ngettext(
                            "%(count)s question of the %(instrument)s concerns this article. "
                            "The tables count the ",
                            "%(count)s questions of the %(instrument)s concern this article. "
                            "The tables count the ",
                            len(questions),
                        )
                        % {"count": len(questions), "instrument": instrument},
                        counted,
                        " ",
                        _("validated national reports."),
                        note,
                    )
                )
                section.blocks.extend(self.blocks_of(national, questions, language))
            quotes = article_quotes(self.national, number)
            if quotes:
                self.sections.append(
                    Section(
                        _("From the national reports"),
                        2,
                        list(quotes),
                        identifier=f"article-{number}-quotes",
                    )
                )
            if number == DATA_ARTICLES[0]:
                self.migration_section()
        rest = grouped.get(None, [])
        if rest:
            section = Section(
                _("Questions not tied to an article of the Code"), 1, identifier="other-questions"
            )
            section.blocks.extend(self.blocks_of(national, rest, language))
            self.sections.append(section)

    def blocks_of(
        self, selection: Selection, questions: Sequence[Question], language: str
    ) -> list[Block]:
        base = selection.filters.query()
        blocks: list[Block] = []
        for item in article_tables(selection, questions, language=language):
            if isinstance(item, AnalysisFigure):
                blocks.append(FigureBlock(item, base))
            else:
                blocks.append(TableBlock(item, base))
        return blocks

    def migration_section(self) -> None:
        section = Section(
            _("Health personnel migration: figures and indicators (Articles 6 and 7)"),
            2,
            identifier="migration",
        )
        self.sections.append(section)
        migration = MigrationFigures.load(self.round.year)
        if not migration.destinations:
            section.blocks.append(
                Paragraph.of(
                    _(
                        "No migration statistics of doctors or nurses up to %(year)s have been "
                        "imported or reported yet."
                    )
                    % {"year": self.round.year}
                )
            )
            return
        section.blocks.append(
            Paragraph.of(
                _(
                    "Figures on foreign-trained doctors and nurses up to %(year)s are available "
                    "for %(count)s countries: their own validated national reports and the OECD "
                    "Health Workforce Migration dataset. For each country, the latest year with "
                    "both the foreign-trained and the total stock is shown."
                )
                % {"year": self.round.year, "count": len(migration.destinations)},
                Note(str(SOURCE_RULE)),
            )
        )
        section.blocks.extend(migration.blocks(self.countries, rtl=self.rtl))

    def stakeholders(self, selection: Selection) -> None:
        assert self.stakeholder is not None
        form = self.stakeholder.instrument_version.form
        language = self.form_language(form)
        section = Section(_("The stakeholders' contribution"), 1, identifier="stakeholders")
        self.sections.append(section)
        counted, note = self.count(
            selection.reports,
            selection.filters,
            _("Stakeholder reports submitted to %(round)s.") % {"round": self.round.title},
        )
        named = sum(1 for row in selection.reports if row.publish_name)
        section.blocks.append(
            Paragraph.of(
                counted,
                " ",
                _("stakeholder reports were submitted to the %(instrument)s.")
                % {"instrument": self.stakeholder.instrument_version.instrument.title},
                note,
                " ",
                _(
                    "%(named)s of the entities agreed that their name be published; the others "
                    "are quoted by their category only."
                )
                % {"named": named},
            )
        )
        categories = self.categories(form, language)
        base = selection.filters.query()
        source = Source.of(selection)
        total = len(selection.reports)
        by_category = Counter(row.category for row in selection.reports)
        rows = [
            [
                Cell(label, header=True),
                count_cell(by_category.get(name, 0), total, drill={"category": name}),
            ]
            for name, label in categories.items()
        ]
        unknown = sum(n for name, n in by_category.items() if name not in categories)
        if unknown:
            rows.append([Cell(_("Not given"), header=True), count_cell(unknown, total)])
        category_table = AnalysisTable(
            identifier=f"{self.stakeholder.instrument_version.instrument.code}.category",
            title=_("Stakeholder reports by category of the reporting entity"),
            columns=[
                Column("category", _("Category"), numeric=False),
                Column("reports", _("Reports")),
            ],
            rows=rows,
            footer=[[Cell(_("All categories"), header=True), Cell(total, drill={})]],
            source=source,
        )
        section.blocks.append(TableBlock(category_table, base))
        if categories:
            section.blocks.append(
                FigureBlock(
                    AnalysisFigure(
                        identifier=f"{category_table.identifier}.figure",
                        title=category_table.title,
                        svg=bars(
                            category_table.title,
                            [
                                (label, Decimal(by_category.get(name, 0)))
                                for name, label in categories.items()
                            ],
                            rtl=self.rtl,
                        ),
                        table=category_table,
                    ),
                    base,
                )
            )
        region_rows = [
            [
                Cell(self.region_name(region), header=True),
                count_cell(len(selection.in_region(region)), total, drill={"region": region}),
            ]
            for region in REGIONS
        ]
        nowhere = sum(1 for row in selection.reports if not row.regions)
        region_rows.append([Cell(_("No country given"), header=True), count_cell(nowhere, total)])
        section.blocks.append(
            TableBlock(
                AnalysisTable(
                    identifier=f"{self.stakeholder.instrument_version.instrument.code}.region",
                    title=_("Stakeholder reports by WHO region of the countries they concern"),
                    columns=[
                        Column("region", _("WHO region"), numeric=False),
                        Column("reports", _("Reports")),
                    ],
                    rows=region_rows,
                    footer=[[Cell(_("All reports"), header=True), Cell(total, drill={})]],
                    source=source,
                    notes=[_("A report concerning countries of several regions counts in each.")],
                ),
                base,
            )
        )
        grouped = questions_by_article(form)
        known = {
            a.number: a
            for a in CodeArticle.objects.filter(
                number__in=[n for n in grouped if n is not None]
            ).order_by("number")
        }
        for number, article in known.items():
            blocks = self.blocks_of(selection, grouped[number], language)
            blocks.extend(article_quotes(self.stakeholder, number))
            self.sections.append(
                Section(
                    _("Article %(number)s. %(title)s")
                    % {"number": number, "title": article.title(self.language)},
                    2,
                    blocks
                    or [
                        Paragraph.of(
                            ngettext(
                                "%(count)s question concerns this article; its answers are "
                                "read in the text analysis.",
                                "%(count)s questions concern this article; their answers are "
                                "read in the text analysis.",
                                len(grouped[number]),
                            )
                            % {"count": len(grouped[number])}
                        )
                    ],
                    identifier=f"stakeholders-article-{number}",
                )
            )
        rest = grouped.get(None, [])
        if rest:
            blocks = self.blocks_of(selection, rest, language)
            blocks.extend(article_quotes(self.stakeholder, None))
            if blocks:
                self.sections.append(
                    Section(
                        _("Other questions"), 2, blocks, identifier="stakeholders-other-questions"
                    )
                )

    def categories(self, form: Form, language: str) -> dict[str, str]:
        name = form.report_fields().get("stakeholder_category")
        question = form.questions().get(name) if name else None
        if question is None:
            return {}
        return {
            choice.name: choice.label.get(language)
            or choice.label.get(form.default_language)
            or choice.name
            for choice in form.choices.get(question.list_name, [])
        }

    def annex_section(self, received: Selection | None) -> None:
        annex = Section(_("Annex"), 1, identifier="annex")
        self.annex.append(annex)
        annex.blocks.append(
            Paragraph.of(
                _(
                    "The national reports received, from which every national figure of this "
                    "report is counted, and the data of every figure. Each table has a companion "
                    "CSV file named after its identifier."
                )
            )
        )
        if received is None:
            return
        states = dict(State.choices)
        rows = [
            [
                Cell(self.countries.get(row.member_state, row.member_state), header=True),
                Cell(", ".join(sorted(row.regions))),
                Cell(row.reference),
                Cell(str(states.get(row.state, row.state))),
                Cell(self.date(row.submitted_at)),
                Cell(_("yes") if row.late else ""),
            ]
            for row in sorted(
                received.reports,
                key=lambda r: self.countries.get(r.member_state, r.member_state),
            )
        ]
        annex.blocks.append(
            TableBlock(
                AnalysisTable(
                    identifier="annex.national_reports",
                    title=_("National reports received"),
                    columns=[
                        Column("country", _("Member State"), numeric=False),
                        Column("region", _("WHO region"), numeric=False),
                        Column("reference", _("Reference"), numeric=False),
                        Column("state", _("State"), numeric=False),
                        Column("submitted", _("Submitted"), numeric=False),
                        Column("late", _("Late"), numeric=False),
                    ],
                    rows=rows,
                    source=Source.of(received),
                ),
                received.filters.query(),
            )
        )


# -- migration figures -------------------------------------------------------------------------


def _rank(dataset: str) -> int:
    """Which source counts first (`indicators.SOURCE_ORDER`)."""
    return SOURCE_ORDER.index(dataset) if dataset in SOURCE_ORDER else len(SOURCE_ORDER)


class StatisticsSource(Source):
    """The source line of a table of migration statistics (figures, not reports)."""

    def text(self) -> str:
        return _(
            "Source: %(instrument)s; %(filters)s; %(counted)s figures; %(edition)s; generated "
            "%(generated)s."
        ) % {
            "instrument": self.instrument,
            "filters": self.filters,
            "counted": self.counted,
            "edition": self.edition,
            "generated": timezone.localtime(self.generated).strftime("%Y-%m-%d %H:%M"),
        }


@dataclass
class MigrationRow:
    destination: str
    occupation: str
    year: int
    dependency: Decimal | None
    share: Decimal | None
    listed: Decimal | None
    edition: str
    inputs: int


@dataclass
class MigrationFigures:
    """Per destination and occupation, the latest year up to the round's with a dependency
    figure, the dependency and the part trained in countries on the safeguards list."""

    year: int
    rows: list[MigrationRow]
    figures: int

    @property
    def destinations(self) -> list[str]:
        return sorted({row.destination for row in self.rows})

    @classmethod
    def load(cls, year: int) -> MigrationFigures:
        """Two queries for every country: the figures of all origins together, and the sums
        over the countries of origin by source and year (with the part on each edition of the
        safeguards list), added up by the database — as `FigureSet.for_destination` does for
        one country."""
        lists = SafeguardsLists.load()
        chosen = Statistic.objects.filter(
            measure=Measure.STOCK,
            occupation__in=MIGRATION_OCCUPATIONS,
            year__lte=year,
            population__in=[Population.TOTAL, Population.FOREIGN_TRAINED],
            destination__isnull=False,
        )
        own = [
            Figure(*row)
            for row in chosen.filter(origin_code__in=["", TOTAL_ORIGIN]).values_list(*FIGURE_FIELDS)
        ]
        listed = {
            f"listed_{edition.year}": Sum(
                "value", filter=Q(origin_code__in=sorted(lists.listed(edition)))
            )
            for edition in lists.editions
        }
        grouped: dict[tuple[str, str, str, str, int], list[OriginSum]] = defaultdict(list)
        for values in (
            chosen.filter(population=Population.FOREIGN_TRAINED)
            .exclude(origin_code__in=[*AGGREGATE_ORIGINS, ""])
            .values("destination_code", "dataset", "population", "occupation", "measure", "year")
            .annotate(total=Sum("value"), count=CountOf("pk"), **listed)
            .order_by()
        ):
            found: dict[str, Any] = dict(values)
            grouped[
                found["destination_code"],
                found["population"],
                found["occupation"],
                found["measure"],
                found["year"],
            ].append(
                OriginSum(
                    found["dataset"],
                    found["total"],
                    found["count"],
                    [],
                    {
                        edition.year: found[f"listed_{edition.year}"] or Decimal(0)
                        for edition in lists.editions
                    },
                )
            )
        sums = {
            key: min(options, key=lambda s: _rank(s.dataset)) for key, options in grouped.items()
        }
        figures = FigureSet(preferred(own), sums)
        totals: dict[tuple[str, str], set[int]] = defaultdict(set)
        trained: dict[tuple[str, str], set[int]] = defaultdict(set)
        for figure in figures:
            key = (figure.destination, figure.occupation)
            if figure.population == Population.TOTAL:
                totals[key].add(figure.year)
            elif figure.origin == TOTAL_ORIGIN:
                trained[key].add(figure.year)
        for destination, _population, occupation, _measure, at in sums:
            trained[destination, occupation].add(at)
        rows: list[MigrationRow] = []
        for key in sorted(totals):
            years = totals[key] & trained.get(key, set())
            if not years:
                continue
            destination, occupation = key
            latest = max(years)
            found_dependency = dependency(figures, destination, occupation, latest)
            share = safeguards_share(figures, destination, occupation, latest, lists)
            summed = figures.origin_sum(
                destination, Population.FOREIGN_TRAINED, occupation, Measure.STOCK, latest
            )
            edition = lists.in_force(latest)
            listed_value = (
                figures.listed_sum(summed, edition, lists.listed(edition))
                if summed is not None and edition is not None
                else None
            )
            rows.append(
                MigrationRow(
                    destination,
                    occupation,
                    latest,
                    found_dependency.value,
                    share.value,
                    listed_value,
                    share.basis,
                    len(found_dependency.inputs),
                )
            )
        return cls(year, rows, len(figures) + sum(s.count for s in sums.values()))

    def source(self) -> StatisticsSource:
        return StatisticsSource(
            round_title="",
            instrument=_(
                "health personnel migration statistics (validated national reports, "
                "then the OECD Health Workforce Migration dataset)"
            ),
            filters=_("stock of doctors and nurses, latest year up to %(year)s")
            % {"year": self.year},
            edition=_("the safeguards list edition in force in the year of each figure"),
            generated=timezone.now(),
            counted=self.figures,
        )

    def blocks(self, countries: dict[str, str], *, rtl: bool = False) -> list[Block]:
        source = self.source()
        by_destination: dict[str, dict[str, MigrationRow]] = defaultdict(dict)
        for row in self.rows:
            by_destination[row.destination][row.occupation] = row
        order = sorted(by_destination, key=lambda code: countries.get(code, code))
        occupation_names = dict(Occupation.choices)

        def pct(value: Decimal | None) -> Cell:
            if value is None:
                return Cell(None)
            shown = (value * 100).quantize(Decimal("0.1"))
            return Cell(float(shown), text=f"{shown} %")

        def year_of(row: MigrationRow | None) -> Cell:
            return Cell(str(row.year) if row else "")

        columns = [Column("country", _("Country"), numeric=False)]
        for occupation in MIGRATION_OCCUPATIONS:
            name = str(occupation_names[occupation])
            columns.append(Column(f"{occupation}_year", _("%(o)s: year") % {"o": name}, False))
            columns.append(
                Column(f"{occupation}_dependency", _("%(o)s: foreign-trained") % {"o": name})
            )
        dependency_rows = []
        for code in order:
            cells = [Cell(countries.get(code, code), header=True)]
            for occupation in MIGRATION_OCCUPATIONS:
                found = by_destination[code].get(occupation)
                cells.extend([year_of(found), pct(found.dependency if found else None)])
            dependency_rows.append(cells)
        dependency_table = AnalysisTable(
            identifier="migration.dependency",
            title=_(
                "Dependency on foreign-trained doctors and nurses (share of the stock "
                "trained abroad)"
            ),
            columns=columns,
            rows=dependency_rows,
            source=source,
            notes=[str(SOURCE_RULE)],
        )
        share_columns = [Column("country", _("Country"), numeric=False)]
        for occupation in MIGRATION_OCCUPATIONS:
            name = str(occupation_names[occupation])
            share_columns.append(
                Column(f"{occupation}_year", _("%(o)s: year") % {"o": name}, False)
            )
            share_columns.append(
                Column(
                    f"{occupation}_listed",
                    _("%(o)s: trained in safeguards-list countries") % {"o": name},
                )
            )
            share_columns.append(
                Column(
                    f"{occupation}_share", _("%(o)s: share of the foreign-trained") % {"o": name}
                )
            )
        share_rows = []
        for code in order:
            cells = [Cell(countries.get(code, code), header=True)]
            for occupation in MIGRATION_OCCUPATIONS:
                found = by_destination[code].get(occupation)
                cells.extend(
                    [
                        year_of(found),
                        Cell(float(found.listed) if found and found.listed is not None else None),
                        pct(found.share if found else None),
                    ]
                )
            share_rows.append(cells)
        share_table = AnalysisTable(
            identifier="migration.safeguards",
            title=_(
                "Foreign-trained doctors and nurses trained in countries on the WHO health "
                "workforce support and safeguards list"
            ),
            columns=share_columns,
            rows=share_rows,
            source=source,
            notes=[
                _(
                    "Countries of training as given by each destination; the edition of the list "
                    "is the one in force in the year of the figures."
                )
            ],
        )
        blocks: list[Block] = [TableBlock(dependency_table), TableBlock(share_table)]
        nurses = sorted(
            (
                row
                for row in self.rows
                if row.occupation == Occupation.NURSES and row.listed is not None and row.listed
            ),
            key=lambda row: (-(row.listed or 0), row.destination),
        )[:TOP_COUNTRIES]
        if nurses:
            title = _(
                "Foreign-trained nurses trained in countries on the safeguards list: the "
                "%(count)s destinations with the most"
            ) % {"count": len(nurses)}
            data = AnalysisTable(
                identifier="migration.safeguards.nurses.figure.data",
                title=title,
                columns=[
                    Column("country", _("Country"), numeric=False),
                    Column("year", _("Year"), numeric=False),
                    Column("listed", _("Nurses trained in safeguards-list countries")),
                    Column("edition", _("Edition of the list"), numeric=False),
                ],
                rows=[
                    [
                        Cell(countries.get(row.destination, row.destination), header=True),
                        Cell(str(row.year)),
                        Cell(float(row.listed or 0)),
                        Cell(row.edition),
                    ]
                    for row in nurses
                ],
                source=source,
            )
            svg = bars(
                title,
                [
                    (countries.get(row.destination, row.destination), row.listed or Decimal(0))
                    for row in nurses
                ],
                rtl=rtl,
            )
            blocks.append(
                FigureBlock(
                    AnalysisFigure(
                        identifier="migration.safeguards.nurses.figure",
                        title=title,
                        svg=str(svg),
                        table=data,
                    )
                )
            )
        return blocks


# -- the entry point -----------------------------------------------------------------------------


def round_report_build(round_: Round, *, language: str = "en") -> ReportDocument:
    """The draft report of a round, in a language of the platform (labels of the instruments
    in that language where they have it, else in their default one)."""
    language = language if language in BY_CODE else "en"
    with translation.override(BY_CODE[language].django_code):
        return _Builder(round_, language).build()


# -- generating a file ---------------------------------------------------------------------------

FORMATS: dict[str, str] = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


class FormatRefused(ValueError):
    """Not a format the report is made in."""


@dataclass
class GeneratedReport:
    document: ReportDocument
    content: bytes
    format: str
    filename: str

    @property
    def content_type(self) -> str:
        return FORMATS[self.format]


def round_report_render(document: ReportDocument, fmt: str, links: Links | None = None) -> bytes:
    if fmt == "docx":
        return docx_bytes(document, links)
    if fmt == "html":
        return html_text(document, links).encode("utf-8")
    if fmt == "pdf":
        return pdf_bytes(document, links)
    raise FormatRefused(fmt)


def round_report_generate(
    round_: Round,
    fmt: str,
    *,
    language: str = "en",
    links: Links | None = None,
    user: User | None = None,
    actor_label: str | None = None,
) -> GeneratedReport:
    """Build the report of a round, draw it in a format and audit that it was generated (who,
    which round, format and language, how many tables and figures)."""
    if fmt not in FORMATS:
        raise FormatRefused(
            _("The report is made as %(formats)s, not '%(format)s'.")
            % {"formats": ", ".join(FORMATS), "format": fmt[:20]}
        )
    document = round_report_build(round_, language=language)
    content = round_report_render(document, fmt, links)
    layout = document.layout()
    audit_log(
        action=Action.ANALYSIS_REPORT_GENERATED,
        actor=user,
        actor_label=actor_label,
        target=round_,
        data={
            "round": round_.number,
            "format": fmt,
            "language": document.language,
            "tables": len(layout.numbered("table")),
            "figures": len(layout.numbered("figure")),
            "bytes": len(content),
        },
    )
    return GeneratedReport(
        document=document,
        content=content,
        format=fmt,
        filename=f"round-{round_.number}-report-{document.language}.{fmt}",
    )
