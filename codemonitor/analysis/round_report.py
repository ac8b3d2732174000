"""The draft of the Director-General's report on a round, generated from the data.

`round_report_build(round_, language=…)` says what the report holds, as a `ReportDocument`
(`document.py` draws it as DOCX, HTML or PDF). It counts nothing itself: every figure is one
of the analysis pages', made by the same functions from the same `Selection`, so that the
numbers of the report equal those of the pages by construction:

1. **The round in brief**: the dates of its instruments; the completeness of the national
   round (`completeness.round_completeness`: Member States by WHO region as of the deadline,
   designated national authorities, reports by status, late), its world map
   (`worldmap.world_map`) and the previous rounds side by side (`Completeness.history_table`).
2. **One section per article of the Code** that questions of the national instrument concern
   (the question's article, else its group's, as the tabulation gives it: "5.2" → article 5):
   its tables and charts (`article_tables`, from `tabulate.question_tables`) and the passages
   the analysts marked as quotes (`coding.quotes`).
3. Under the articles on data and information exchange, **the migration figures**:
   dependency on foreign-trained doctors and nurses, and the foreign-trained personnel trained
   in countries on the safeguards list (`workforce/indicators.py`).
4. **The stakeholders' contribution**: the round's stakeholder instrument — its reports by
   category and by WHO region of the countries they concern
   (`completeness.stakeholder_completeness`), then its questions and quotes by article.
5. **The annex**: every Member State with the status of its report (the world map's table),
   the tables of the questions that the body leaves out (by safeguards-list status, each
   question of a group of numbers, …), and the data table of every figure (added by the
   layout).

Which of a question's tables go in the body and which in the annex is `placement`'s choice;
free-text questions are named, not tabulated (they are read with the text search and quoted),
and questions tied to no article of the Code are left to the analysis pages.

Every table carries its source line and CSV, and every number — in a table or in the text —
the query of the list behind it on the page that lists exactly what it counts: the
completeness list (`status`, `region`, `category`) for completeness figures, the tabulation's
list of reports (`question`, `value`, `region`, `safeguards`, …) for the tables of questions.

Generation reads in a bounded number of queries whatever the number of reports: a selection
is four queries, a completeness a few more, the answers of every tabulated question of an
instrument one pass per repeat (`tabulate.Observed`), the quotes one, the migration figures two.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count as CountOf
from django.db.models import Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from codemonitor.accounts.models import User
from codemonitor.analysis.coding import CodedPassage, quotes
from codemonitor.analysis.completeness import (
    AUTHORITY,
    COUNTED,
    LATE,
    MEMBER_STATES,
    RECEIVED,
    Completeness,
    StakeholderCompleteness,
    round_completeness,
    stakeholder_completeness,
)
from codemonitor.analysis.document import (
    COMPLETENESS,
    REPORTS,
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
    fewer_collections,
    html_text,
    pdf_bytes,
)
from codemonitor.analysis.filters import AnalysisFilters, whole_number
from codemonitor.analysis.selection import ReportRow, Selection
from codemonitor.analysis.tables import AnalysisFigure, AnalysisTable, Cell, Column, Source
from codemonitor.analysis.tabulate import (
    NUMERIC,
    SELECTS,
    AnalysableQuestion,
    Observed,
    Table,
    analysable_questions,
    numeric_members,
    question_tables,
)
from codemonitor.analysis.worldmap import world_map
from codemonitor.core.audit import Action, audit_log
from codemonitor.core.languages import BY_CODE
from codemonitor.instruments.models import Instrument
from codemonitor.instruments.schema import COUNTRIES_LIST, Form
from codemonitor.reference.models import CodeArticle
from codemonitor.reference.names import country_labels
from codemonitor.reporting.models import Report, Round, RoundInstrument
from codemonitor.reporting.selectors import GENEVA
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
# The articles of the Code on data gathering and research (6) and information exchange (7):
# the migration figures go under the first of them.
DATA_ARTICLES = (6, 7)
# The occupations the migration section shows (the Code's reports speak of them first).
MIGRATION_OCCUPATIONS = (Occupation.DOCTORS, Occupation.NURSES)
# The largest number of bars in a chart of countries.
TOP_COUNTRIES = 15
# Report fields that name or reach the respondent: never tabulated.
IDENTIFYING_FIELDS = frozenset({"entity_name", "contact_email", "entity_name_consent"})
# Where a table of a question goes.
BODY, ANNEX = "body", "annex"
# A choice question with at least this many choices has its chart in the body (one with
# fewer, yes / no / partly, reads best as its table).
CHART_CHOICES = 4


def bars(title: str, items: list[tuple[str, Decimal]], *, rtl: bool = False) -> str:
    """A horizontal bar chart (`workforce.charts`) whose description says every value."""
    description = "; ".join(f"{label}: {value.normalize():f}" for label, value in items)
    return str(bar_chart(title, items, rtl=rtl, description=description))


# -- the tables of questions, the quotes of an article -----------------------------------------


def placement(
    question: AnalysableQuestion, identifier: str, *, grouped: bool = False, choices: int = 0
) -> str | None:
    """Where one of a question's tables or figures (`tabulate.question_tables`, told apart by
    the end of their stable identifier) goes: BODY, ANNEX, or None (left to the analysis
    page), so that the body reads as a report:

    - a choice question: its table by WHO region in the body, with its chart when it has
      `CHART_CHOICES` choices or more (`choices`), by safeguards-list status in the annex; on
      the list of countries (partner countries, countries of training), the network of the
      countries linked in the body, its pairs (a long table) and the countries by region in
      the annex;
    - a number: by region in the body, by safeguards status and who reported nothing in the
      annex; a number of a group (`grouped`): the group's table in the body, the number by
      region in the annex;
    - a date in a table of rows: the rows active in each year in the body, by year in the
      annex; a table of rows itself: the reports with rows, by region, in the body.
    """
    suffix = identifier.rsplit(".", 1)[-1]
    kind = question.kind
    chosen: dict[str, str]
    if question.is_group:
        chosen = {"numbers": BODY}
    elif kind in SELECTS and question.list_name == COUNTRIES_LIST:
        chosen = {"network": BODY, "pairs": ANNEX, "region": ANNEX}
    elif kind in SELECTS:
        chosen = {"region": BODY, "safeguards": ANNEX}
        if choices >= CHART_CHOICES:
            chosen["chart"] = BODY
    elif kind in NUMERIC and grouped:
        chosen = {"region": ANNEX}
    elif kind in NUMERIC:
        chosen = {"region": BODY, "safeguards": ANNEX, "missing": ANNEX}
    elif kind == "date":
        chosen = {"active": BODY, "years": ANNEX}
    elif kind == "repeat":
        chosen = {"rows": BODY}
    else:
        chosen = {}
    return chosen.get(suffix)


@dataclass
class ArticleTables:
    """What the questions of an article give the report."""

    body: list[Table] = field(default_factory=list)
    annex: list[Table] = field(default_factory=list)
    # The questions answered in free text: read with the text search and quoted, not
    # tabulated.
    texts: list[AnalysableQuestion] = field(default_factory=list)


def tabulated(questions: Iterable[AnalysableQuestion]) -> list[str]:
    """The questions whose answers the tables read (groups read their numbers; texts are not
    tabulated)."""
    return [q.name for q in questions if not q.is_group and q.kind != "text"]


def article_tables(
    selection: Selection,
    questions: Sequence[AnalysableQuestion],
    *,
    language: str = "en",
    observed: Observed | None = None,
) -> ArticleTables:
    """The tables and charts of some questions of the selection's instrument, as the
    analysis pages draw them (`tabulate.question_tables`), each placed in the body or the
    annex (`placement`), once each. `observed`: the answers read already (else read here in
    one pass per repeat)."""
    observed = observed or Observed(selection)
    observed.read(tabulated(questions))
    form = selection.filters.round_instrument.instrument_version.form
    named = form.questions()
    grouped = {
        member.name
        for question in questions
        if question.is_group
        for member in numeric_members(named[question.name])
    }
    found = ArticleTables()
    seen: set[str] = set()
    for question in questions:
        if question.kind == "text":
            found.texts.append(question)
            continue
        for item in question_tables(selection, question.name, language=language, observed=observed):
            where = placement(
                question,
                item.identifier,
                grouped=question.name in grouped,
                choices=len(form.choices.get(question.list_name, [])),
            )
            if where is None or item.identifier in seen:
                continue
            seen.add(item.identifier)
            (found.body if where == BODY else found.annex).append(item)
    return found


def quote_blocks(passages: Iterable[CodedPassage]) -> list[Quote]:
    """The passages the analysts marked as quotes (`coding.quotes`), each once (two analysts,
    or two codes of the article, may have marked the same), with its source as publication may
    show it (`CodedPassage.source`: the country of a national report; a stakeholder's entity
    only where it agreed to publication)."""
    found: dict[tuple[int, str, str, int | None, int | None], Quote] = {}
    for passage in passages:
        key = (passage.report_id, passage.question, passage.row, passage.start, passage.end)
        found.setdefault(key, Quote(passage.passage, passage.source))
    return list(found.values())


# -- what the report is made of ----------------------------------------------------------------


def article_of(article: str) -> int | None:
    """The article of the Code an article reference names: the part before the dot."""
    head = article.split(".", 1)[0].strip()
    return whole_number(head)


def questions_by_article(
    form: Form, *, language: str = ""
) -> dict[int | None, list[AnalysableQuestion]]:
    """The questions the analysis can tabulate (`tabulate.analysable_questions`, in the form's
    order, groups of numbers before their questions), by article of the Code (None: none),
    without the report fields that name or reach the respondent."""
    identifying = {name for key, name in form.report_fields().items() if key in IDENTIFYING_FIELDS}
    grouped: dict[int | None, list[AnalysableQuestion]] = defaultdict(list)
    for page in analysable_questions(form, language=language):
        for question in page.questions:
            if question.name not in identifying:
                grouped[article_of(question.article)].append(question)
    return dict(grouped)


def questions_count(questions: Iterable[AnalysableQuestion]) -> int:
    return sum(1 for question in questions if not question.is_group)


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
            questions_count(by_national.get(article.number, [])),
            questions_count(by_stakeholder.get(article.number, [])),
        )
        for article in CodeArticle.objects.filter(number__in=numbers).order_by("number")
    ]
    return ReportPlan(
        round=round_,
        national=national,
        stakeholder=stakeholder,
        articles=articles,
        unassigned_national=questions_count(by_national.get(None, [])),
        unassigned_stakeholder=questions_count(by_stakeholder.get(None, [])),
    )


# -- building ----------------------------------------------------------------------------------


@dataclass
class Annexed:
    """Tables of an instrument's questions that the body leaves to the annex."""

    round_instrument: RoundInstrument
    base: dict[str, Any]
    tables: list[Table] = field(default_factory=list)


class _Builder:
    def __init__(self, round_: Round, language: str) -> None:
        self.round = round_
        self.language = language
        self.countries = country_labels(language)
        self.rtl = BY_CODE[language].direction == "rtl"
        self.national, self.stakeholder = round_instruments_of(round_)
        self.sections: list[Section] = []
        self.annex: list[Section] = []
        self.annexed: list[Annexed] = []
        # The world map of the national round (its table is the annex's list of the Member
        # States and their reports' status).
        self.world_map: AnalysisFigure | None = None

    # helpers
    def form_language(self, form: Form) -> str:
        return self.language if self.language in form.languages else form.default_language

    def named(self, rows: Iterable[ReportRow]) -> tuple[str, ...]:
        """The references of some reports, with the country of a national one."""
        return tuple(
            f"{self.countries.get(row.member_state, row.member_state)} ({row.reference})"
            if row.member_state
            else row.reference
            for row in rows
        )

    @staticmethod
    def traced(
        value: int,
        query: dict[str, Any],
        description: str,
        references: tuple[str, ...],
        page: str,
    ) -> tuple[Count, Note]:
        """A number in the text and the footnote that traces it to its list."""
        trace = Trace(query, value, description, references, page)
        return Count(value, trace), Note(description, trace)

    def count(self, selection: Selection, description: str) -> tuple[Count, Note]:
        """The number of reports of a selection (the tabulation's list of its reports)."""
        return self.traced(
            len(selection.reports),
            selection.filters.query(),
            description,
            self.named(selection.reports),
            REPORTS,
        )

    def figure(
        self, completeness: Completeness, figure: str, description: str
    ) -> tuple[Count, Note]:
        """A figure of the completeness of the national round (its list of Member States)."""
        members = completeness.members(figure)
        return self.traced(
            len(members),
            completeness.filters.query(status=figure),
            description,
            tuple(
                f"{country.name} ({country.report.reference})" if country.report else country.name
                for country in members
            ),
            COMPLETENESS,
        )

    def contribution(self, found: StakeholderCompleteness, description: str) -> tuple[Count, Note]:
        """The stakeholder reports counted (the completeness list of them)."""
        return self.traced(
            len(found.counted),
            found.filters.query(status=COUNTED),
            description,
            self.named(found.counted),
            COMPLETENESS,
        )

    def instrument_name(self, round_instrument: RoundInstrument) -> str:
        version = round_instrument.instrument_version
        return f"{version.instrument.code.upper()} {version.version}"

    def date(self, when: dt.datetime | None) -> str:
        if when is None:
            return "—"
        return timezone.localtime(when, GENEVA).strftime("%Y-%m-%d")

    # sections
    def build(self) -> ReportDocument:
        completeness: Completeness | None = None
        national: Selection | None = None
        if self.national is not None:
            filters = AnalysisFilters(round_instrument=self.national)
            completeness = round_completeness(filters)
            national = completeness.selection.narrowed(filters)
        contribution: StakeholderCompleteness | None = None
        stakeholders: Selection | None = None
        if self.stakeholder is not None:
            filters = AnalysisFilters(round_instrument=self.stakeholder)
            contribution = stakeholder_completeness(filters)
            stakeholders = contribution.selection.narrowed(filters)
        self.brief(completeness, contribution)
        if national is not None:
            self.articles(national)
        else:
            self.migration_section()
        if stakeholders is not None and contribution is not None:
            self.stakeholders(stakeholders, contribution)
        self.annex_section(completeness)
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
        self, completeness: Completeness | None, contribution: StakeholderCompleteness | None
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
        if self.round.publishes_at:
            dates.append(
                " "
                + _("Its data are published from %(date)s.")
                % {"date": self.date(self.round.publishes_at)}
            )
        blocks.append(Paragraph(dates))
        if completeness is None:
            blocks.append(Paragraph.of(_("The round has no national instrument.")))
        else:
            blocks.extend(self.national_brief(completeness))
        if contribution is not None:
            number, note = self.contribution(
                contribution,
                _("Stakeholder reports submitted to %(round)s (%(instrument)s).")
                % {
                    "round": self.round.title,
                    "instrument": self.instrument_name(contribution.filters.round_instrument),
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
        if completeness is not None:
            blocks.append(
                TableBlock(
                    completeness.history_table(),
                    completeness.filters.query(),
                    COMPLETENESS,
                    listed=None,
                )
            )

    def national_brief(self, completeness: Completeness) -> list[Block]:
        """The completeness of the national round, as its page shows it."""
        deadline = completeness.selection.deadline.isoformat()
        title = self.round.title
        members, members_note = self.figure(
            completeness,
            MEMBER_STATES,
            _("Member States counted in %(round)s, each in its WHO region as of the deadline.")
            % {"round": title},
        )
        authorities, authorities_note = self.figure(
            completeness,
            AUTHORITY,
            _("Member States with a designated national authority by the deadline of %(round)s.")
            % {"round": title},
        )
        received, received_note = self.figure(
            completeness,
            RECEIVED,
            _(
                "National reports received in %(round)s: submitted, in review, validated, or "
                "returned for changes after their submission."
            )
            % {"round": title},
        )
        validated, validated_note = self.figure(
            completeness,
            State.VALIDATED,
            _("Validated national reports of %(round)s: the reports the tables count.")
            % {"round": title},
        )
        late, late_note = self.figure(
            completeness,
            LATE,
            _("National reports of %(round)s marked late or submitted after the deadline.")
            % {"round": title},
        )
        base = completeness.filters.query()
        self.world_map = world_map(completeness)
        return [
            Paragraph.of(
                members,
                " ",
                _(
                    "Member States are counted, each in the WHO region it belonged to at the "
                    "deadline (%(date)s)"
                )
                % {"date": deadline},
                members_note,
                "; ",
                authorities,
                " ",
                _("of them had a designated national authority by then"),
                authorities_note,
                ". ",
                received,
                " ",
                _("national reports were received"),
                received_note,
                _(", of which "),
                validated,
                " ",
                _("are validated"),
                validated_note,
                "; ",
                late,
                " ",
                _("were late"),
                late_note,
                ". ",
                _("The tables of this report count the validated national reports."),
            ),
            TableBlock(completeness.table(), base, COMPLETENESS, listed={"status": MEMBER_STATES}),
            FigureBlock(self.world_map, base, COMPLETENESS),
        ]

    def texts_paragraph(self, texts: Sequence[AnalysableQuestion]) -> Paragraph:
        return Paragraph.of(
            ngettext(
                "%(count)s question is answered in free text, read with the text search of "
                "the analysis (passages the analysts chose are quoted): %(questions)s.",
                "%(count)s questions are answered in free text, read with the text search of "
                "the analysis (passages the analysts chose are quoted): %(questions)s.",
                len(texts),
            )
            % {"count": len(texts), "questions": "; ".join(f"“{q.label}”" for q in texts)}
        )

    def untabulated_paragraph(self, questions: Sequence[AnalysableQuestion]) -> Paragraph:
        count = questions_count(questions)
        return Paragraph.of(
            ngettext(
                "%(count)s question is tied to no article of the Code: the analysis pages "
                "tabulate it.",
                "%(count)s questions are tied to no article of the Code: the analysis pages "
                "tabulate them.",
                count,
            )
            % {"count": count}
        )

    @staticmethod
    def blocks_of(base: dict[str, Any], items: Iterable[Table]) -> list[Block]:
        return [
            FigureBlock(item, base) if isinstance(item, AnalysisFigure) else TableBlock(item, base)
            for item in items
        ]

    def article_blocks(
        self,
        selection: Selection,
        questions: Sequence[AnalysableQuestion],
        observed: Observed,
        language: str,
        annexed: Annexed,
    ) -> list[Block]:
        """The tables of an article's questions (those for the annex kept aside) and the
        line naming its free-text questions."""
        found = article_tables(selection, questions, language=language, observed=observed)
        annexed.tables.extend(found.annex)
        blocks = self.blocks_of(selection.filters.query(), found.body)
        if found.texts:
            blocks.append(self.texts_paragraph(found.texts))
        return blocks

    def articles(self, national: Selection) -> None:
        assert self.national is not None
        form = self.national.instrument_version.form
        language = self.form_language(form)
        grouped = questions_by_article(form, language=language)
        quoted = quotes(self.national, selection=national)
        known = {a.number: a for a in CodeArticle.objects.order_by("number")}
        wanted = sorted(
            {*(n for n in [*grouped, *quoted] if n is not None), DATA_ARTICLES[0]} & set(known)
        )
        observed = Observed(national)
        observed.read(tabulated(q for number in wanted for q in grouped.get(number, [])))
        annexed = Annexed(self.national, national.filters.query())
        self.annexed.append(annexed)
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
                    national,
                    _("Validated national reports of %(round)s.") % {"round": self.round.title},
                )
                asked = questions_count(questions)
                section.blocks.append(
                    Paragraph.of(
                        ngettext(
                            "%(count)s question of the %(instrument)s concerns this article. "
                            "The tables count the ",
                            "%(count)s questions of the %(instrument)s concern this article. "
                            "The tables count the ",
                            asked,
                        )
                        % {"count": asked, "instrument": instrument},
                        counted,
                        " ",
                        _("validated national reports."),
                        note,
                    )
                )
                section.blocks.extend(
                    self.article_blocks(national, questions, observed, language, annexed)
                )
            chosen = quote_blocks(quoted.get(number, []))
            if chosen:
                self.sections.append(
                    Section(
                        _("From the national reports"),
                        2,
                        list(chosen),
                        identifier=f"article-{number}-quotes",
                    )
                )
            if number == DATA_ARTICLES[0]:
                self.migration_section()
        rest = grouped.get(None, [])
        chosen = quote_blocks(quoted.get(None, []))
        if rest or chosen:
            blocks: list[Block] = [self.untabulated_paragraph(rest)] if rest else []
            blocks.extend(chosen)
            self.sections.append(
                Section(
                    _("Questions not tied to an article of the Code"),
                    1,
                    blocks,
                    identifier="other-questions",
                )
            )

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

    def stakeholders(self, selection: Selection, contribution: StakeholderCompleteness) -> None:
        assert self.stakeholder is not None
        form = self.stakeholder.instrument_version.form
        language = self.form_language(form)
        section = Section(_("The stakeholders' contribution"), 1, identifier="stakeholders")
        self.sections.append(section)
        counted, note = self.contribution(
            contribution,
            _("Stakeholder reports submitted to %(round)s.") % {"round": self.round.title},
        )
        section.blocks.append(
            Paragraph.of(
                counted,
                " ",
                _("stakeholder reports were submitted to the %(instrument)s.")
                % {"instrument": self.stakeholder.instrument_version.instrument.title},
                note,
                " ",
                _(
                    "A passage of a stakeholder report is quoted with the name of its entity "
                    "only where the entity agreed to its publication."
                ),
            )
        )
        base = contribution.filters.query()
        categories = contribution.category_table()
        section.blocks.append(
            TableBlock(categories, base, COMPLETENESS, listed={"status": COUNTED})
        )
        if categories.rows:
            section.blocks.append(
                FigureBlock(
                    AnalysisFigure(
                        identifier=f"{categories.identifier}.figure",
                        title=categories.title,
                        svg=bars(
                            categories.title,
                            [
                                (row[0].shown, Decimal(str(row[1].value or 0)))
                                for row in categories.rows
                            ],
                            rtl=self.rtl,
                        ),
                        table=categories,
                    ),
                    base,
                    COMPLETENESS,
                )
            )
        section.blocks.append(
            TableBlock(contribution.region_table(), base, COMPLETENESS, listed={"status": COUNTED})
        )
        grouped = questions_by_article(form, language=language)
        quoted = quotes(self.stakeholder, selection=selection)
        known = {
            a.number: a
            for a in CodeArticle.objects.filter(
                number__in=[n for n in [*grouped, *quoted] if n is not None]
            ).order_by("number")
        }
        observed = Observed(selection)
        observed.read(tabulated(q for number in known for q in grouped.get(number, [])))
        annexed = Annexed(self.stakeholder, selection.filters.query())
        self.annexed.append(annexed)
        for number, article in known.items():
            questions = grouped.get(number, [])
            blocks = (
                self.article_blocks(selection, questions, observed, language, annexed)
                if questions
                else []
            )
            blocks.extend(quote_blocks(quoted.get(number, [])))
            self.sections.append(
                Section(
                    _("Article %(number)s. %(title)s")
                    % {"number": number, "title": article.title(self.language)},
                    2,
                    blocks,
                    identifier=f"stakeholders-article-{number}",
                )
            )
        rest = grouped.get(None, [])
        chosen = quote_blocks(quoted.get(None, []))
        if rest or chosen:
            blocks = [self.untabulated_paragraph(rest)] if rest else []
            blocks.extend(chosen)
            self.sections.append(
                Section(_("Other questions"), 2, blocks, identifier="stakeholders-other-questions")
            )

    def annex_section(self, completeness: Completeness | None) -> None:
        annex = Section(_("Annex"), 1, identifier="annex")
        self.annex.append(annex)
        annex.blocks.append(
            Paragraph.of(
                _(
                    "The Member States and the status of their national reports, from which "
                    "every national figure of this report is counted; the tables of the "
                    "questions that the text leaves out; the data of every figure. Each table "
                    "has a companion CSV file named after its identifier."
                )
            )
        )
        if self.world_map is not None and completeness is not None:
            # The data of the map: every Member State with the status of its report.
            annex.blocks.append(
                TableBlock(
                    self.world_map.table,
                    completeness.filters.query(),
                    COMPLETENESS,
                    listed={"status": MEMBER_STATES},
                )
            )
        for annexed in self.annexed:
            if not annexed.tables:
                continue
            instrument = annexed.round_instrument.instrument_version.instrument
            self.annex.append(
                Section(
                    _("Further tables: %(instrument)s") % {"instrument": instrument.title},
                    2,
                    self.blocks_of(annexed.base, annexed.tables),
                    identifier=f"annex-{instrument.code}",
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
    with fewer_collections():
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
