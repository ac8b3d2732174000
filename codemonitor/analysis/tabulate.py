"""Any question of an instrument, tabulated from the form model itself.

Nothing here knows a question of a shipped instrument: what a question becomes is decided by
its kind (`Question.kind`), its choice list (`list_name`, the form's `choices`, the built-in
`countries` list) and where it sits (`Form.repeat_path()`), so a new instrument version is
analysable the day it is uploaded.

- select_one / select_multiple: reports (or rows of a repeat) by choice × WHO region and by
  choice × safeguards-list status; on the `countries` list, by country (the most named, then
  the others together) and, inside a repeat of a national instrument, the pairs of countries
  linked (reporting country ↔ named country) as a table and as a network picture;
- integer / decimal: how many reported a value, sum, median, min and max by region and by
  safeguards status, and who reported nothing, named; a group of numeric questions together;
- date: by year; in a repeat with a second date question, the rows active in each year;
- text: answered or not (the text itself is read with the search);
- a repeat itself: the reports with at least one row, and how many rows.

The unit counted is the report (a Member State's report, or a stakeholder report, which counts
in each WHO region it concerns), or a repeat's row for a question inside one. The denominator
is what the question applies to: reports (rows) in the selection where the form's rules show
it — answered, or shown but not answered ("no answer", a row of its own). Answers the rules hide
are never counted (`reporting.selectors.answers_table`).

Every cell that counts reports carries `drill`: the query parameters of the list of reports
behind it, which `drill_reports` reads back (the same observations, so the list and the number
cannot disagree).
"""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from codemonitor.analysis import charts
from codemonitor.analysis.filters import whole_number
from codemonitor.analysis.selection import ReportRow, Selection, answers_version, kept
from codemonitor.analysis.tables import (
    AnalysisFigure,
    AnalysisTable,
    Cell,
    Column,
    Number,
    Source,
    count_cell,
    percent,
)
from codemonitor.instruments.engine import AnswerValue
from codemonitor.instruments.schema import COUNTRIES_LIST, METADATA_KINDS, Form, Question
from codemonitor.reference.names import country_labels
from codemonitor.reporting.models import Report
from codemonitor.reporting.selectors import REGIONS, answers_table, round_reports
from codemonitor.workforce.charts import bar_chart

# Drill values besides a choice's name (or a year, or a country's code).
NONE = "__none__"  # shown, not answered
ANY = "__any__"  # answered
OTHERS = "__others__"  # a country outside the most named (with `top`)
SELECTS = frozenset({"select_one", "select_multiple"})
NUMERIC = frozenset({"integer", "decimal"})
TABULATED = SELECTS | NUMERIC | {"date", "text", "repeat"}
# A group of numeric questions is tabulated together when it has at least this many.
GROUP_MINIMUM = 2
# Countries shown one by one before "other countries".
TOP_COUNTRIES = 15
# Beyond this many bars, a chart by region shows the totals only.
CHART_BARS = 48
# The search of free text (another page of the analysis), by path: this app does not import
# the back office (`backoffice:analysis_search`).
SEARCH_PATH = "/backoffice/analysis/search/"

Table = AnalysisTable | AnalysisFigure


class NotAnalysable(LookupError):
    """The instrument has no such question, or it cannot be tabulated (personal data, a note,
    a calculation, a file, metadata)."""


# -- what can be tabulated ----------------------------------------------------------------------


@dataclass(frozen=True)
class AnalysableQuestion:
    name: str
    # The question's kind; "group" for a group of numeric questions tabulated together.
    kind: str
    label: str
    article: str
    # The repeat the question is in (innermost), or "".
    repeat: str = ""
    list_name: str = ""

    @property
    def is_group(self) -> bool:
        return self.kind == "group"


@dataclass(frozen=True)
class QuestionPage:
    """A page of the instrument (a top-level group) and what can be tabulated on it."""

    name: str
    label: str
    article: str
    questions: list[AnalysableQuestion] = field(default_factory=list)


def tabulable(question: Question) -> bool:
    """Whether a question can be tabulated: an answer a person gives (or a repeat's rows),
    never personal data, a note, a calculation, a file or metadata."""
    return (
        question.kind in TABULATED and question.kind not in METADATA_KINDS and not question.personal
    )


def numeric_members(group: Question) -> list[Question]:
    """The numeric questions directly in a group (not a repeat), when there are enough to be
    tabulated together; else []."""
    if group.kind != "group":
        return []
    members = [q for q in group.children if q.kind in NUMERIC and not q.personal]
    return members if len(members) >= GROUP_MINIMUM else []


def _label(question: Question, form: Form, language: str) -> str:
    return question.text("label", language, form.default_language) or question.name


def _article(question: Question, form: Form) -> str:
    """A question's article, else its nearest group's."""
    parents = form.parents()
    node: Question | None = question
    while node is not None:
        if node.article:
            return node.article
        node = parents.get(node.name)
    return ""


def analysable_questions(form: Form, *, language: str = "") -> list[QuestionPage]:
    """The questions that can be tabulated, page by page (the form's top-level groups), each
    with its article; groups of numeric questions are listed too, before their questions.
    Pages with nothing to tabulate are left out."""
    language = language or form.default_language
    paths = form.repeat_path()
    named = form.questions()
    pages: list[QuestionPage] = []
    for page in form.pages():
        found: list[AnalysableQuestion] = []
        nodes = [page, *page.walk()]
        for node in nodes:
            if node.kind == "group" and node.name in named and numeric_members(node):
                found.append(
                    AnalysableQuestion(
                        name=node.name,
                        kind="group",
                        label=_label(node, form, language),
                        article=_article(node, form),
                        repeat=(paths.get(node.name) or ("",))[-1],
                    )
                )
            elif tabulable(node):
                found.append(
                    AnalysableQuestion(
                        name=node.name,
                        kind=node.kind,
                        label=_label(node, form, language),
                        article=_article(node, form),
                        repeat=(paths.get(node.name) or ("",))[-1],
                        list_name=node.list_name,
                    )
                )
        if found:
            pages.append(
                QuestionPage(
                    name=page.name,
                    label=_label(page, form, language),
                    article=_article(page, form),
                    questions=found,
                )
            )
    return pages


def analysable(form: Form, name: str) -> Question:
    """The question (or group of numeric questions) called `name`, else NotAnalysable."""
    question = form.questions().get(name)
    if question is None or not (tabulable(question) or numeric_members(question)):
        raise NotAnalysable(name)
    return question


# -- observations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Observation:
    """One place where a question is shown: a report, or one row of a repeat in it."""

    report: ReportRow
    row: str
    value: AnswerValue


def _answered(value: AnswerValue) -> bool:
    return value is not None and value != "" and value != []


def observations(selection: Selection, name: str) -> list[Observation]:
    """Every place in the selection's reports where the form's rules show `name` (its
    answer, or None), in report order. Hidden answers are not there: the rules hide them."""
    return observations_of(selection, [name])[name]


def observations_of(selection: Selection, names: Sequence[str]) -> dict[str, list[Observation]]:
    """`observations` of several questions, read together: one pass over the answers of the
    questions in the same repeat (those outside repeats together), so that the rules are
    evaluated once per report for all of them — the same observations as one by one."""
    found: dict[str, list[Observation]] = {name: [] for name in names}
    if not selection.reports or not names:
        return found
    round_instrument = selection.filters.round_instrument
    paths = round_instrument.instrument_version.form.repeat_path()
    together: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for name in dict.fromkeys(names):
        together[tuple(paths.get(name, ()))].append(name)
    chosen = selection.by_id()
    for asked in together.values():
        for report_id, row, shown in _shown(selection, asked):
            report = chosen.get(report_id)
            if report is None:
                continue
            for name, value in shown:
                found[name].append(Observation(report, row, value))
    return found


Shown = list[tuple[int, str, list[tuple[str, AnswerValue]]]]


def _shown(selection: Selection, asked: list[str]) -> Shown:
    """(report, row, [(question, answer)…]) wherever the rules show some of `asked` (questions
    of one repeat, or outside repeats) in every report of the round instrument, whatever its
    state: kept in the cache while the round instrument's answers stay as they are
    (`answers_version`); a report's state may change without its answers (a validation), so
    the state is the selection's to apply, never the cache's."""
    round_instrument = selection.filters.round_instrument
    key = f"analysis:shown:{answers_version(round_instrument)}:{','.join(asked)}"
    if len(key) > 240:  # the cache's keys are bounded: a long list of questions by digest
        key = f"analysis:shown:{hashlib.sha256(key.encode()).hexdigest()}"

    def read() -> Shown:
        found: Shown = []
        for line in answers_table(
            round_instrument, asked, reports=round_reports(round_instrument), hidden=True
        ):
            hidden = line.get("hidden")
            hidden_here = set(hidden) if isinstance(hidden, list) and hidden else set()
            shown = [(name, line[name]) for name in asked if name not in hidden_here]
            if shown:
                found.append((int(str(line["report"])), str(line["row"]), shown))
        return found

    return kept(key, read)


class Observed:
    """The observations of a selection's questions, each read once: `read` several in one
    pass (`observations_of`) before tabulating them; a question not read yet is read alone."""

    def __init__(self, selection: Selection) -> None:
        self.selection = selection
        self._found: dict[str, list[Observation]] = {}

    def read(self, names: Iterable[str]) -> None:
        wanted = [name for name in dict.fromkeys(names) if name not in self._found]
        if wanted:
            self._found.update(observations_of(self.selection, wanted))

    def __call__(self, name: str) -> list[Observation]:
        if name not in self._found:
            self.read([name])
        return self._found[name]


# -- keys: what an observation counts under -----------------------------------------------------


def _year(value: AnswerValue) -> str | None:
    text = str(value or "")
    if len(text) >= 4 and text[:4].isdigit():
        return text[:4]
    return None


def _number(value: AnswerValue) -> float | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    return None


def keys_of(question: Question, value: AnswerValue) -> list[str]:
    """The table rows one observation counts in: the choices it names, the year of a date,
    ANY for a number or a text, NONE when it is not answered."""
    if not _answered(value):
        return [NONE]
    kind = question.kind
    if kind == "select_multiple":
        items = value if isinstance(value, list) else str(value).split()
        chosen = list(dict.fromkeys(str(item) for item in items if str(item)))
        return chosen or [NONE]
    if kind == "select_one":
        return [str(value)]
    if kind == "date":
        year = _year(value)
        return [year] if year else [NONE]
    if kind in NUMERIC:
        return [ANY] if _number(value) is not None else [NONE]
    if kind == "repeat":
        return [ANY] if isinstance(value, list) and value else [NONE]
    return [ANY]


# -- tallies ------------------------------------------------------------------------------------

TOTAL, ON, OFF = "total", "on", "off"


@dataclass
class Tally:
    """Observations counted by key and by column (the six regions, the total, on and off the
    safeguards list), with the reports behind each count."""

    # Whether to keep the reports behind each count (a repeat's rows: several per report).
    distinct: bool = False
    cells: Counter[tuple[str, str]] = field(default_factory=Counter)
    # Every key met, in the order met.
    keys: dict[str, None] = field(default_factory=dict)
    reports: dict[tuple[str, str], set[int]] = field(default_factory=lambda: defaultdict(set))
    # The denominators: every observation, by column.
    base: Counter[str] = field(default_factory=Counter)
    base_reports: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    unplaced: set[int] = field(default_factory=set)
    _columns: dict[int, tuple[str, ...]] = field(default_factory=dict)

    def add(self, observation: Observation, keys: Iterable[str]) -> None:
        report = observation.report
        columns = self._columns.get(report.id)
        if columns is None:
            columns = (TOTAL, ON if report.on_list else OFF, *report.regions)
            self._columns[report.id] = columns
            if not report.regions:
                self.unplaced.add(report.id)
        base = self.base
        for column in columns:
            base[column] += 1
        if self.distinct:
            for column in columns:
                self.base_reports[column].add(report.id)
        self.add_keys(observation, keys)

    def add_keys(self, observation: Observation, keys: Iterable[str]) -> None:
        """Count an observation (already in the denominators) under more keys."""
        report = observation.report
        columns = self._columns[report.id]
        keys = list(keys)
        cells, met = self.cells, self.keys
        for key in keys:
            met[key] = None
            for column in columns:
                cells[key, column] += 1
        if self.distinct:
            for column in columns:
                for key in keys:
                    self.reports[key, column].add(report.id)

    def count(self, key: str, column: str = TOTAL) -> int:
        return self.cells.get((key, column), 0)

    def report_ids(self, key: str, column: str = TOTAL) -> set[int]:
        return self.reports.get((key, column), set())

    def report_count(self, key: str, column: str = TOTAL) -> int:
        return len(self.report_ids(key, column)) if self.distinct else self.count(key, column)

    def base_report_count(self, column: str = TOTAL) -> int:
        return len(self.base_reports[column]) if self.distinct else self.base[column]


def in_column(report: ReportRow, column: str) -> bool:
    """Whether a report counts in a column: a WHO region, on or off the list, the total."""
    if column in REGIONS:
        return column in report.regions
    if column == ON:
        return report.on_list
    if column == OFF:
        return not report.on_list
    return True


def column_drill(column: str) -> dict[str, str]:
    """The drill parameters of a column: its region, or its safeguards status."""
    if column in REGIONS:
        return {"region": column}
    if column in (ON, OFF):
        return {"safeguards": column}
    return {}


def tally(
    found: Iterable[Observation],
    key: Callable[[Observation], list[str]],
    *,
    distinct: bool = False,
) -> Tally:
    counted = Tally(distinct=distinct)
    for observation in found:
        counted.add(observation, key(observation))
    return counted


# -- words --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What every table of one question needs to know."""

    selection: Selection
    form: Form
    question: Question
    language: str
    # The innermost repeat the question is in, or "".
    repeat: str

    @property
    def code(self) -> str:
        return self.selection.filters.instrument.code.lower()

    @property
    def national(self) -> bool:
        return self.selection.filters.is_national

    @property
    def label(self) -> str:
        return _label(self.question, self.form, self.language)

    def identifier(self, suffix: str) -> str:
        return f"{self.code}.{self.question.name}.{suffix}"

    def source(self) -> Source:
        return Source.of(self.selection)

    @property
    def unit(self) -> str:
        """What a count counts, in words."""
        if self.repeat:
            repeat = self.form.questions()[self.repeat]
            return _("rows of the table “%(table)s”") % {
                "table": _label(repeat, self.form, self.language)
            }
        return _("reporting countries") if self.national else _("stakeholder reports")

    def choice_label(self, name: str) -> str:
        if name == NONE:
            return _("No answer")
        if self.question.list_name == COUNTRIES_LIST:
            return country_labels(self.language).get(name, name)
        for choice in self.form.choices.get(self.question.list_name, []):
            if choice.name == name:
                return (
                    choice.label.get(self.language)
                    or choice.label.get(self.form.default_language)
                    or next((v for v in choice.label.values() if v), name)
                )
        return name

    def drill(self, **extra: str) -> dict[str, str]:
        return {"question": self.question.name, **{k: v for k, v in extra.items() if v}}

    def notes(self) -> list[str]:
        notes: list[str] = []
        if not self.national:
            notes.append(
                _(
                    "A stakeholder report counts in each WHO region of the countries it "
                    "concerns; the total counts it once."
                )
            )
        if self.repeat:
            notes.append(_("Each row of the table is counted."))
        return notes


def _region_columns(first: str) -> list[Column]:
    return [
        Column("label", first, numeric=False),
        *(Column(region, region) for region in REGIONS),
        Column(TOTAL, _("Total")),
    ]


def _safeguards_columns(first: str, selection: Selection) -> list[Column]:
    edition = selection.edition_label() or _("no edition in force")
    return [
        Column("label", first, numeric=False),
        Column(ON, _("On the list (%(edition)s)") % {"edition": edition}),
        Column(OFF, _("Not on the list")),
        Column(TOTAL, _("Total")),
    ]


def _safeguards_note(selection: Selection) -> str:
    if selection.edition is None:
        return _("No edition of the safeguards list was in force at the deadline.")
    return _(
        "Safeguards-list status as of the deadline (%(deadline)s): %(edition)s, "
        "%(count)s countries."
    ) % {
        "deadline": selection.deadline.isoformat(),
        "edition": selection.edition_label(),
        "count": len(selection.listed),
    }


def _unplaced_note(counted: Tally, *, safeguards: bool = False) -> list[str]:
    if not counted.unplaced:
        return []
    if safeguards:
        return [
            _(
                "%(count)s reports name no country or region: they count as not concerning a "
                "country on the list."
            )
            % {"count": len(counted.unplaced)}
        ]
    return [
        _("%(count)s reports name no country or region: they are in the total only.")
        % {"count": len(counted.unplaced)}
    ]


# -- select questions ---------------------------------------------------------------------------


def _choice_keys(context: Context, counted: Tally) -> list[str]:
    """The rows of a select's table: the list's choices in order, then any other value
    found (a choice an older version had), then "no answer"."""
    listed = [c.name for c in context.form.choices.get(context.question.list_name, [])]
    extra = sorted(k for k in counted.keys if k not in listed and k != NONE)
    return [*listed, *extra, NONE]


def _top_countries(counted: Tally, top: int = TOP_COUNTRIES) -> list[str]:
    """The most named countries (by count, then code): the rows shown one by one."""
    named = [k for k in counted.keys if k != NONE]
    named.sort(key=lambda k: (-counted.count(k), k))
    return named[:top]


def _count_table(
    context: Context,
    counted: Tally,
    keys: Sequence[str],
    *,
    suffix: str,
    title: str,
    columns: list[Column],
    by: Sequence[str],
    drill_of: Callable[[str, str], dict[str, str]],
    notes: list[str],
    others: int = 0,
) -> AnalysisTable:
    """A table of counts: one row per key (with a share of the column's observations), the
    row of the `others` countries not shown one by one (counted under OTHERS) when there are,
    and the denominators as the footer."""
    reports_column = bool(context.repeat)
    if reports_column:
        columns = [*columns, Column("reports", _("Reports"))]
        notes = [*notes, _("“Reports” counts the reports with at least one such row.")]
    rows: list[list[Cell]] = []

    def row_of(label: str, key: str, count: Callable[[str], int], reports: int) -> list[Cell]:
        cells = [Cell(label, header=True)]
        for column in by:
            cells.append(count_cell(count(column), counted.base[column], drill_of(key, column)))
        if reports_column:
            cells.append(Cell(reports, drill=drill_of(key, TOTAL)))
        return cells

    for key in keys:
        if key == NONE and not counted.count(NONE):
            continue
        rows.append(
            row_of(
                context.choice_label(key),
                key,
                lambda column, key=key: counted.count(key, column),  # type: ignore[misc]
                counted.report_count(key),
            )
        )
    if others:
        rows.insert(
            len([k for k in keys if k != NONE]),
            row_of(
                _("Other countries (%(count)s)") % {"count": others},
                OTHERS,
                lambda column: counted.count(OTHERS, column),
                counted.report_count(OTHERS),
            ),
        )
    footer = [Cell(_("Applies to (%(unit)s)") % {"unit": context.unit}, header=True)]
    for column in by:
        footer.append(Cell(counted.base[column], drill=drill_of("", column)))
    if reports_column:
        footer.append(Cell(counted.base_report_count(), drill=drill_of("", TOTAL)))
    return AnalysisTable(
        identifier=context.identifier(suffix),
        title=title,
        columns=columns,
        rows=rows,
        footer=[footer],
        source=context.source(),
        notes=notes,
    )


def _select_tables(context: Context, found: list[Observation]) -> list[Table]:
    question = context.question
    counted = tally(found, lambda o: keys_of(question, o.value), distinct=bool(context.repeat))
    countries = question.list_name == COUNTRIES_LIST
    others: list[str] = []
    if countries:
        keys = [*_top_countries(counted), NONE]
        others = [k for k in counted.keys if k not in keys]
        if others:
            # One row for the rest: the observations naming at least one of them.
            shown = set(keys)
            for observation in found:
                if any(key not in shown for key in keys_of(question, observation.value)):
                    counted.add_keys(observation, [OTHERS])
        first = _("Country")
    else:
        keys = _choice_keys(context, counted)
        first = _("Answer")
    notes = context.notes()
    if question.kind == "select_multiple":
        notes.append(_("Several answers could be chosen: the percentages do not add up to 100."))
    if countries and others:
        notes.append(
            _("The %(top)s countries named most often are shown one by one.")
            % {"top": TOP_COUNTRIES}
        )

    def drill_of(key: str, column: str) -> dict[str, str]:
        value = key
        extra: dict[str, str] = {}
        if key == OTHERS:
            extra["top"] = str(TOP_COUNTRIES)
        extra.update(column_drill(column))
        return context.drill(value=value, **extra)

    region = _count_table(
        context,
        counted,
        keys,
        suffix="region",
        title=_("%(question)s — %(unit)s by WHO region")
        % {"question": context.label, "unit": context.unit},
        columns=_region_columns(first),
        by=[*REGIONS, TOTAL],
        drill_of=drill_of,
        notes=[*notes, *_unplaced_note(counted)],
        others=len(others),
    )
    safeguards = _count_table(
        context,
        counted,
        keys,
        suffix="safeguards",
        title=_("%(question)s — %(unit)s by safeguards-list status (%(edition)s)")
        % {
            "question": context.label,
            "unit": context.unit,
            "edition": context.selection.edition_label() or _("no edition in force"),
        },
        columns=_safeguards_columns(first, context.selection),
        by=[ON, OFF, TOTAL],
        drill_of=drill_of,
        notes=[
            *notes,
            *_unplaced_note(counted, safeguards=True),
            _safeguards_note(context.selection),
        ],
        others=len(others),
    )
    tables: list[Table] = [region, _region_figure(context, region, counted, keys), safeguards]
    if countries and context.repeat and any(row.member_state for row in context.selection.reports):
        tables.extend(_pair_tables(context, found))
    return tables


def _region_figure(
    context: Context, table: AnalysisTable, counted: Tally, keys: Sequence[str]
) -> AnalysisFigure:
    """The region table as grouped bars: one group per region (and all regions), one bar
    per answer, each labelled with its count and share."""
    labels = [context.choice_label(key) for key in keys if key != NONE or counted.count(NONE)]
    shown = [key for key in keys if key != NONE or counted.count(NONE)]
    groups: list[charts.BarGroup] = []
    columns = [*REGIONS, TOTAL] if len(shown) * 7 <= CHART_BARS else [TOTAL]
    for column in columns:
        whole = counted.base[column]
        groups.append(
            charts.BarGroup(
                label=column if column in REGIONS else _("All regions"),
                bars=[
                    charts.Bar(
                        label,
                        counted.count(key, column),
                        percent(counted.count(key, column), whole),
                    )
                    for key, label in zip(shown, labels, strict=True)
                ],
            )
        )
    title = _("%(question)s, by WHO region") % {"question": context.label}
    description = _(
        "Bar chart: for each WHO region and for all regions, the number of %(unit)s giving "
        "each answer, with its share of those to which the question applies. The figures are "
        "in the table."
    ) % {"unit": context.unit}
    return AnalysisFigure(
        identifier=context.identifier("chart"),
        title=title,
        svg=charts.grouped_bars(title, groups, description=description),
        table=table,
        notes=[] if len(columns) > 1 else [_("Too many answers to draw by region: all regions.")],
    )


# -- pairs of countries -------------------------------------------------------------------------


def pair_key(first: str, second: str) -> str:
    """An unordered pair of countries as one drill value: "AAA-BBB", in code order."""
    low, high = sorted((first, second))
    return f"{low}-{high}"


def pairs_of(found: Iterable[Observation]) -> dict[str, list[Observation]]:
    """The rows linking a national report's Member State to each country a row names
    (WHO regions and the country itself left out), by unordered pair."""
    linked: dict[str, list[Observation]] = defaultdict(list)
    for observation in found:
        home = observation.report.member_state
        if not home:
            continue
        named = keys_of_countries(observation.value)
        for other in named:
            if other != home and other not in REGIONS:
                linked[pair_key(home, other)].append(observation)
    return linked


def keys_of_countries(value: AnswerValue) -> list[str]:
    if not _answered(value):
        return []
    items = value if isinstance(value, list) else [value]
    return list(dict.fromkeys(str(item) for item in items if str(item)))


def _pair_tables(context: Context, found: list[Observation]) -> list[Table]:
    linked = pairs_of(found)
    labels = country_labels(context.language)
    region_of = context.selection.region_of

    def folded(code: str) -> str:
        return (labels.get(code) or code).casefold()

    def named(key: str) -> tuple[str, str]:
        """The pair's two countries, the first by name first."""
        first, second = sorted(key.split("-"), key=folded)
        return first, second

    # The pairs with the most rows first, then by the countries' names.
    ordered = sorted(
        linked, key=lambda key: (-len(linked[key]), *(folded(code) for code in named(key)))
    )
    rows: list[list[Cell]] = []
    for key in ordered:
        first, second = named(key)
        reports = {o.report.id for o in linked[key]}
        rows.append(
            [
                Cell(labels.get(first, first), header=True),
                Cell(labels.get(second, second)),
                Cell(f"{region_of.get(first, '')}–{region_of.get(second, '')}"),
                Cell(len(linked[key]), drill=context.drill(pair=key)),
                Cell(len(reports), drill=context.drill(pair=key)),
            ]
        )
    table = AnalysisTable(
        identifier=context.identifier("pairs"),
        title=_("%(question)s — pairs of countries linked") % {"question": context.label},
        columns=[
            Column("first", _("Country"), numeric=False),
            Column("second", _("Country"), numeric=False),
            Column("regions", _("WHO regions"), numeric=False),
            Column("rows", _("Rows")),
            Column("reports", _("Reports")),
        ],
        rows=rows,
        source=context.source(),
        notes=[
            _(
                "A pair is the reporting country and a country one of its rows names, in "
                "either direction: a link both countries report is counted in each of their "
                "reports. WHO regions named as partners are left out."
            ),
        ],
    )
    links = [
        charts.Link(first, second, len(linked[key]))
        for key in ordered
        for first, second in [key.split("-")]
    ]
    title = _("%(question)s — network of countries") % {"question": context.label}
    description = _(
        "Network: %(nodes)s countries on a circle, grouped by WHO region; a line joins two "
        "countries linked by at least one row, thicker for more rows (%(links)s links). "
        "The pairs are in the table."
    ) % {"nodes": len({code for key in ordered for code in key.split("-")}), "links": len(links)}
    figure = AnalysisFigure(
        identifier=context.identifier("network"),
        title=title,
        svg=charts.network(
            title, links, region_of=region_of, labels=labels, description=description
        ),
        table=table,
    )
    return [table, figure]


# -- numbers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    reporting: int
    missing: int
    total: Number | None
    median: Number | None
    low: Number | None
    high: Number | None


def summarise(values: Sequence[Number], missing: int) -> Summary:
    if not values:
        return Summary(0, missing, None, None, None, None)
    median = statistics.median(values)
    if isinstance(median, float) and median.is_integer():
        median = int(median)
    return Summary(len(values), missing, sum(values), median, min(values), max(values))


def _numeric_columns(first: str, context: Context) -> list[Column]:
    reporting = (
        _("Countries reporting") if context.national and not context.repeat else _("With a value")
    )
    return [
        Column("label", first, numeric=False),
        Column("reporting", reporting),
        Column("sum", _("Sum")),
        Column("median", _("Median")),
        Column("min", _("Min")),
        Column("max", _("Max")),
        Column("missing", _("No answer")),
    ]


def _summary_cells(summary: Summary, drill: Callable[[str], dict[str, str]]) -> list[Cell]:
    return [
        Cell(summary.reporting, drill=drill(ANY)),
        Cell(summary.total),
        Cell(summary.median),
        Cell(summary.low),
        Cell(summary.high),
        Cell(summary.missing, drill=drill(NONE)),
    ]


def _numbers_by(found: Sequence[Observation], column: str) -> tuple[list[Number], int]:
    values: list[Number] = []
    missing = 0
    for observation in found:
        if not in_column(observation.report, column):
            continue
        number = _number(observation.value)
        if number is None:
            missing += 1
        else:
            values.append(number)
    return values, missing


def _numeric_tables(context: Context, found: list[Observation]) -> list[Table]:
    def table(
        suffix: str, title: str, by: Sequence[tuple[str, str]], notes: list[str]
    ) -> AnalysisTable:
        rows = []
        for column, label in by:
            values, missing = _numbers_by(found, column)

            def drill(value: str, column: str = column) -> dict[str, str]:
                extra = {"value": value}
                extra.update(column_drill(column))
                return context.drill(**extra)

            rows.append(
                [Cell(label, header=True), *_summary_cells(summarise(values, missing), drill)]
            )
        return AnalysisTable(
            identifier=context.identifier(suffix),
            title=title,
            columns=_numeric_columns(
                _("WHO region") if suffix == "region" else _("Safeguards list"), context
            ),
            rows=rows[:-1],
            footer=rows[-1:],
            source=context.source(),
            notes=notes,
        )

    notes = [
        *context.notes(),
        _(
            "Only answers the instrument's rules show are counted; “no answer” counts those shown "
            "but left empty."
        ),
    ]
    region = table(
        "region",
        _("%(question)s — by WHO region") % {"question": context.label},
        [*((region, region) for region in REGIONS), (TOTAL, _("All regions"))],
        notes,
    )
    edition = context.selection.edition_label() or _("no edition in force")
    safeguards = table(
        "safeguards",
        _("%(question)s — by safeguards-list status (%(edition)s)")
        % {"question": context.label, "edition": edition},
        [
            (ON, _("On the list (%(edition)s)") % {"edition": edition}),
            (OFF, _("Not on the list")),
            (TOTAL, _("All")),
        ],
        [*notes, _safeguards_note(context.selection)],
    )
    title = _("%(question)s — sum by WHO region") % {"question": context.label}
    sums = [(code, Decimal(sum(_numbers_by(found, code)[0]))) for code in REGIONS]
    figure = AnalysisFigure(
        identifier=context.identifier("chart"),
        title=title,
        svg=bar_chart(
            title,
            sums,
            description=_(
                "Bar chart: the sum of the answers in each WHO region. The figures are in the "
                "table."
            ),
        )
        if any(value for _code, value in sums)
        else "",
        table=region,
    )
    return [region, figure, safeguards, _missing_table(context, found)]


def _missing_table(context: Context, found: Sequence[Observation]) -> AnalysisTable:
    """Who reported nothing: the reports where the question is shown but has no value."""
    labels = country_labels(context.language)
    missing: dict[int, ReportRow] = {}
    for observation in found:
        if _number(observation.value) is None:
            missing.setdefault(observation.report.id, observation.report)
    rows = []
    for report in missing.values():
        name = (
            labels.get(report.member_state, report.member_state)
            if report.member_state
            else (report.entity_name)
        )
        rows.append(
            [
                Cell(name or report.reference, header=True),
                Cell(report.reference),
                Cell(", ".join(sorted(report.regions)) or "—"),
            ]
        )
    who = _("Countries") if context.national else _("Reports")
    return AnalysisTable(
        identifier=context.identifier("missing"),
        title=_("%(question)s — %(who)s that reported nothing (%(count)s)")
        % {"question": context.label, "who": who.lower(), "count": len(rows)},
        columns=[
            Column("name", who, numeric=False),
            Column("reference", _("Report"), numeric=False),
            Column("regions", _("WHO region"), numeric=False),
        ],
        rows=rows,
        source=context.source(),
        notes=[_("The question is shown to them but has no answer.")],
    )


def group_table(
    selection: Selection, name: str, *, language: str, observed: Observed | None = None
) -> AnalysisTable:
    """A group of numeric questions together: one row per question (countries or reports
    with a value, sum, median, min, max, no answer)."""
    form = selection.filters.round_instrument.instrument_version.form
    group = analysable(form, name)
    members = numeric_members(group)
    if not members:
        raise NotAnalysable(name)
    context = _context(selection, form, group, language)
    observed = observed or Observed(selection)
    observed.read(question.name for question in members)
    rows = []
    for question in members:
        found = observed(question.name)
        values, missing = _numbers_by(found, TOTAL)

        def drill(value: str, question: Question = question) -> dict[str, str]:
            return {"question": question.name, "value": value}

        rows.append(
            [
                Cell(_label(question, form, language), header=True),
                *_summary_cells(summarise(values, missing), drill),
            ]
        )
    return AnalysisTable(
        identifier=context.identifier("numbers"),
        title=_("%(group)s — all questions") % {"group": context.label},
        columns=_numeric_columns(_("Question"), context),
        rows=rows,
        source=context.source(),
        notes=[
            *context.notes(),
            _("Each question counts the reports it is shown in: the rules may hide some."),
        ],
    )


# -- dates --------------------------------------------------------------------------------------


def _date_partner(context: Context) -> tuple[str, str] | None:
    """(start, end): the first two date questions of the question's repeat, when the question
    is one of them — the period each row covers."""
    if not context.repeat:
        return None
    repeat = context.form.questions()[context.repeat]
    dates = [q.name for q in repeat.walk() if q.kind == "date" and not q.personal]
    if len(dates) < 2 or context.question.name not in dates[:2]:
        return None
    return dates[0], dates[1]


def active_years(start: AnswerValue, end: AnswerValue, until: int) -> range:
    """The years a row covers: from its start's to its end's (to `until` without an end)."""
    first = _year(start)
    if first is None:
        return range(0)
    last = _year(end)
    return range(int(first), (int(last) if last else until) + 1)


def _date_tables(context: Context, found: list[Observation], observed: Observed) -> list[Table]:
    question = context.question
    counted = tally(found, lambda o: keys_of(question, o.value), distinct=bool(context.repeat))
    years = sorted(k for k in counted.keys if k != NONE)
    keys = [*years, NONE]

    def drill_of(key: str, column: str) -> dict[str, str]:
        extra: dict[str, str] = {"value": key}
        extra.update(column_drill(column))
        return context.drill(**extra)

    tables: list[Table] = [
        _count_table(
            context,
            counted,
            keys,
            suffix="years",
            title=_("%(question)s — %(unit)s by year")
            % {"question": context.label, "unit": context.unit},
            columns=_region_columns(_("Year")),
            by=[*REGIONS, TOTAL],
            drill_of=drill_of,
            notes=[*context.notes(), *_unplaced_note(counted)],
        )
    ]
    partner = _date_partner(context)
    if partner is not None:
        tables.append(
            coverage_table(context.selection, partner, language=context.language, observed=observed)
        )
    return tables


def coverage_table(
    selection: Selection,
    dates: tuple[str, str],
    *,
    language: str,
    observed: Observed | None = None,
) -> AnalysisTable:
    """The rows of a repeat active in each year, from a start date to an end date (to the
    deadline's year when there is no end), by WHO region."""
    form = selection.filters.round_instrument.instrument_version.form
    start_name, end_name = dates
    start_question = form.questions()[start_name]
    context = _context(selection, form, start_question, language)
    until = selection.deadline.year
    observed = observed or Observed(selection)
    observed.read(dates)
    ends = {(o.report.id, o.row): o.value for o in observed(end_name)}
    counted = Tally(distinct=True)
    for observation in observed(start_name):
        years = active_years(
            observation.value, ends.get((observation.report.id, observation.row)), until
        )
        counted.add(observation, [str(year) for year in years])
    keys = sorted(counted.keys)[-80:]  # at most eighty years

    def drill_of(key: str, column: str) -> dict[str, str]:
        extra: dict[str, str] = {"active": key} if key else {}
        extra.update(column_drill(column))
        return context.drill(**extra)

    end_label = _label(form.questions()[end_name], form, language)
    table = _count_table(
        context,
        counted,
        keys,
        suffix="active",
        title=_("%(unit)s active in each year") % {"unit": context.unit.capitalize()},
        columns=_region_columns(_("Year")),
        by=[*REGIONS, TOTAL],
        drill_of=drill_of,
        notes=[
            *context.notes(),
            _(
                "A row is active from the year of “%(start)s” to the year of “%(end)s”, or "
                "to %(until)s without one; rows without a start are left out."
            )
            % {"start": context.label, "end": end_label, "until": until},
        ],
    )
    # The shares of a year's rows would mislead (a row is counted in every year it covers).
    for row in table.rows:
        for index, cell in enumerate(row):
            if not cell.header and isinstance(cell.value, int):
                row[index] = Cell(cell.value, drill=cell.drill)
    return table


# -- text and repeats ---------------------------------------------------------------------------


def search_path(selection: Selection, name: str) -> str:
    """The search of a text question's answers, with the selection's filters."""
    return f"{SEARCH_PATH}?{urlencode(selection.filters.query(question=name), doseq=True)}"


def _text_tables(context: Context, found: list[Observation]) -> list[Table]:
    question = context.question
    counted = tally(found, lambda o: keys_of(question, o.value), distinct=bool(context.repeat))

    def drill_of(key: str, column: str) -> dict[str, str]:
        extra: dict[str, str] = {"value": key} if key else {}
        extra.update(column_drill(column))
        return context.drill(**extra)

    table = _count_table(
        context,
        counted,
        [ANY, NONE],
        suffix="answered",
        title=_("%(question)s — answered, by WHO region") % {"question": context.label},
        columns=_region_columns(_("Answer")),
        by=[*REGIONS, TOTAL],
        drill_of=drill_of,
        notes=[*context.notes(), *_unplaced_note(counted)],
    )
    table.rows = [
        [Cell(_("Answered"), header=True), *row[1:]] if row[0].value == ANY else row
        for row in table.rows
    ]
    return [table]


def _repeat_tables(context: Context, found: list[Observation]) -> list[Table]:
    """A repeat itself: for each region, the reports it is shown in, those with at least one
    row and those without, the rows and the median number of rows."""
    rows = []
    for column, label in [*((r, r) for r in REGIONS), (TOTAL, _("All regions"))]:
        chosen = [o for o in found if column == TOTAL or column in o.report.regions]
        counts = [len(o.value) if isinstance(o.value, list) else 0 for o in chosen]
        with_rows = [n for n in counts if n]
        extra = {"region": column} if column in REGIONS else {}
        rows.append(
            [
                Cell(label, header=True),
                Cell(len(chosen), drill=context.drill(**extra)),
                count_cell(len(with_rows), len(chosen), context.drill(value=ANY, **extra)),
                count_cell(
                    len(chosen) - len(with_rows), len(chosen), context.drill(value=NONE, **extra)
                ),
                Cell(sum(with_rows)),
                Cell(summarise(with_rows, 0).median),
            ]
        )
    table = AnalysisTable(
        identifier=context.identifier("rows"),
        title=_("%(table)s — reports with rows, by WHO region") % {"table": context.label},
        columns=[
            Column("label", _("WHO region"), numeric=False),
            Column("applies", _("Applies to")),
            Column("with", _("With at least one row")),
            Column("without", _("Without rows")),
            Column("rows", _("Rows")),
            Column("median", _("Median rows (reports with rows)")),
        ],
        rows=rows[:-1],
        footer=rows[-1:],
        source=context.source(),
        notes=context.notes(),
    )
    return [table]


# -- one question -------------------------------------------------------------------------------


def _context(selection: Selection, form: Form, question: Question, language: str) -> Context:
    language = language if language in form.languages else form.default_language
    path = form.repeat_path().get(question.name, ())
    return Context(selection, form, question, language, path[-1] if path else "")


def question_tables(
    selection: Selection, name: str, *, language: str, observed: Observed | None = None
) -> list[Table]:
    """The tables and figures of one question (or group of numeric questions), chosen by its
    kind; NotAnalysable for a question that does not exist or cannot be tabulated. Several
    questions of a selection tabulated one after the other share `observed` (read together
    beforehand with `Observed.read`)."""
    form = selection.filters.round_instrument.instrument_version.form
    question = analysable(form, name)
    observed = observed or Observed(selection)
    if question.kind == "group":
        return [group_table(selection, name, language=language, observed=observed)]
    context = _context(selection, form, question, language)
    found = observed(name)
    tables: list[Table]
    if question.kind in SELECTS:
        tables = _select_tables(context, found)
    elif question.kind in NUMERIC:
        tables = _numeric_tables(context, found)
        parent = form.parents().get(name)
        if parent is not None and numeric_members(parent):
            tables.append(group_table(selection, parent.name, language=language, observed=observed))
    elif question.kind == "date":
        tables = _date_tables(context, found, observed)
    elif question.kind == "repeat":
        tables = _repeat_tables(context, found)
    else:
        tables = _text_tables(context, found)
    # A picture with nothing to draw (no answer at all) is left out; its table stays.
    return [item for item in tables if not isinstance(item, AnalysisFigure) or item.svg]


def find_table(tables: Iterable[Table], identifier: str) -> AnalysisTable | None:
    """The table (or a figure's table) with this identifier."""
    for item in tables:
        table = item.table if isinstance(item, AnalysisFigure) else item
        if item.identifier == identifier or table.identifier == identifier:
            return table
    return None


# -- the reports behind a number ----------------------------------------------------------------


@dataclass(frozen=True)
class Drill:
    """The query parameters of a list of reports behind a number (besides the filters)."""

    question: str = ""
    value: str = ""
    regions: tuple[str, ...] = ()
    safeguards: tuple[str, ...] = ()
    pair: str = ""
    active: str = ""
    top: int = TOP_COUNTRIES

    @classmethod
    def from_query(cls, query: Mapping[str, object]) -> Drill:
        def first(key: str) -> str:
            value = query.get(key, "")
            if isinstance(value, list | tuple):
                value = value[-1] if value else ""
            return str(value or "").strip()[:100]

        def every(key: str) -> tuple[str, ...]:
            getlist = getattr(query, "getlist", None)
            raw = getlist(key) if getlist is not None else query.get(key, [])
            values = [raw] if isinstance(raw, str) else raw if isinstance(raw, list | tuple) else []
            return tuple(str(v).strip()[:20] for v in values if str(v).strip())

        top = first("top")
        return cls(
            question=first("question"),
            value=first("value"),
            regions=tuple(r.upper() for r in every("region")),
            safeguards=tuple(s.lower() for s in every("safeguards")),
            pair=first("pair"),
            active=first("active"),
            top=whole_number(top, most=500) or TOP_COUNTRIES,
        )


def _in_columns(report: ReportRow, drill: Drill) -> bool:
    return all(region in report.regions for region in drill.regions) and all(
        in_column(report, status) for status in drill.safeguards if status in (ON, OFF)
    )


def drill_reports(selection: Selection, drill: Drill) -> list[ReportRow]:
    """The reports behind a number of a question's tables: those with an observation that
    the number counts (in the region and safeguards status asked for), in report order.
    Without a question, the selection's reports in those columns."""
    reports = [report for report in selection.reports if _in_columns(report, drill)]
    if not drill.question:
        return reports
    form = selection.filters.round_instrument.instrument_version.form
    question = analysable(form, drill.question)
    if question.kind == "group":
        raise NotAnalysable(drill.question)
    found = observations(selection, drill.question)
    matches: Callable[[Observation], bool]
    if drill.pair:
        linked = pairs_of(found).get(drill.pair, [])
        wanted = {o.report.id for o in linked}
        matches = lambda o: o.report.id in wanted  # noqa: E731
    elif drill.active:
        partner = _date_partner(_context(selection, form, question, form.default_language))
        if partner is None:
            return []
        until = selection.deadline.year
        ends = {(o.report.id, o.row): o.value for o in observations(selection, partner[1])}
        starts = found if question.name == partner[0] else observations(selection, partner[0])
        year = whole_number(drill.active, most=9999)
        active = {
            o.report.id
            for o in starts
            if year is not None
            and year in active_years(o.value, ends.get((o.report.id, o.row)), until)
        }
        matches = lambda o: o.report.id in active  # noqa: E731
    elif drill.value == OTHERS:
        counted = tally(found, lambda o: keys_of(question, o.value))
        top = set(_top_countries(counted, drill.top))
        matches = lambda o: any(  # noqa: E731
            key not in top and key != NONE for key in keys_of(question, o.value)
        )
    elif drill.value:
        matches = lambda o: drill.value in keys_of(question, o.value)  # noqa: E731
    else:
        matches = lambda o: True  # noqa: E731
    chosen = {o.report.id for o in found if matches(o)}
    return [report for report in reports if report.id in chosen]


def answer_texts(
    selection: Selection, name: str, reports: Iterable[ReportRow], *, language: str
) -> dict[int, str]:
    """What each report answered to a question (outside repeats), as shown in a list: choice
    labels, numbers, dates; a text's first words. {} for a question inside a repeat."""
    form = selection.filters.round_instrument.instrument_version.form
    question = analysable(form, name)
    if question.kind == "group" or form.repeat_path().get(name):
        return {}
    context = _context(selection, form, question, language)
    wanted = {report.id for report in reports}
    shown: dict[int, str] = {}
    for observation in observations(selection, name):
        if observation.report.id not in wanted or not _answered(observation.value):
            continue
        value = observation.value
        if question.kind in SELECTS:
            text = "; ".join(context.choice_label(key) for key in keys_of(question, value))
        elif question.kind == "repeat":
            text = str(len(value)) if isinstance(value, list) else ""
        else:
            text = str(value)
        shown[observation.report.id] = text if len(text) <= 120 else text[:119] + "…"
    return shown


def describe_drill(selection: Selection, drill: Drill, *, language: str) -> str:
    """The list's criteria in words ("Question: …; answer: …; WHO region: AFR")."""
    form = selection.filters.round_instrument.instrument_version.form
    parts: list[str] = []
    if drill.question:
        question = analysable(form, drill.question)
        context = _context(selection, form, question, language)
        parts.append(_("question: %(question)s") % {"question": context.label})
        if drill.value == ANY:
            parts.append(_("answered"))
        elif drill.value == OTHERS:
            parts.append(
                _("a country other than the %(top)s named most often") % {"top": drill.top}
            )
        elif drill.value:
            parts.append(_("answer: %(answer)s") % {"answer": context.choice_label(drill.value)})
        if drill.pair:
            labels = country_labels(context.language)
            parts.append(
                _("countries linked: %(pair)s")
                % {"pair": " – ".join(labels.get(c, c) for c in drill.pair.split("-"))}
            )
        if drill.active:
            parts.append(_("a row active in %(year)s") % {"year": drill.active})
    for region in drill.regions:
        parts.append(_("WHO region: %(region)s") % {"region": region})
    for status in drill.safeguards:
        parts.append(
            _("on the safeguards list") if status == ON else _("not on the safeguards list")
        )
    return "; ".join(parts)


def reports_table(
    selection: Selection, reports: Sequence[ReportRow], drill: Drill, *, language: str
) -> AnalysisTable:
    """The reports behind a number, one row each: reference, country or entity, regions,
    safeguards status, state, and the answer when the question is outside a repeat."""
    labels = country_labels(language)
    answers = (
        answer_texts(selection, drill.question, reports, language=language)
        if drill.question
        else {}
    )
    states = dict(Report.State.choices)
    rows = []
    for report in reports:
        name = (
            labels.get(report.member_state, report.member_state)
            if report.member_state
            else report.entity_name
        )
        rows.append(
            [
                Cell(report.reference, header=True),
                Cell(name),
                Cell(", ".join(sorted(report.regions)) or "—"),
                Cell(_("yes") if report.on_list else _("no")),
                Cell(str(states.get(report.state, report.state))),
                Cell(report.language),
                Cell(answers.get(report.id, "")),
            ]
        )
    code = selection.filters.instrument.code.lower()
    described = describe_drill(selection, drill, language=language)
    return AnalysisTable(
        identifier=f"{code}.{drill.question or 'all'}.reports",
        title=_("Reports counted (%(count)s)") % {"count": len(rows)}
        + (f" — {described}" if described else ""),
        columns=[
            Column("reference", _("Report"), numeric=False),
            Column("name", _("Country") if selection.filters.is_national else _("Entity"), False),
            Column("regions", _("WHO region"), numeric=False),
            Column("on_list", _("On the safeguards list"), numeric=False),
            Column("state", _("State"), numeric=False),
            Column("language", _("Language"), numeric=False),
            Column("answer", _("Answer"), numeric=False),
        ],
        rows=rows,
        source=Source.of(selection),
    )
