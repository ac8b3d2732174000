"""A country across rounds: its answers to the same question in each round side by side.

`country_across_rounds(iso3)` reads the country's national reports in every round that has a
round instrument of the instrument (the NRI unless told), keeps those in the states the caller
allows (by default the states that count: submitted, in review, validated, or returned after a
submission — `reporting.selectors.COUNTING_STATES`), and, for each question *name* that more
than one of those rounds' instrument versions asks, puts the answers side by side: choice
labels in the language asked, a select_multiple as a list, long text shortened (the page links
to the whole report), a table (repeat) as its number of rows and its answers as a list. Each
answer after the first round is flagged against the previous round shown: changed, same, new,
or no longer answered. Numeric answers are drawn as a trend (`workforce.charts.line_chart`)
with their values in a table.

Nothing here names a question of an instrument: what is compared comes from each version's
form model. Answers that the form's rules hide are left out, as in
`reporting.selectors.answers_table`; personal data and documents never appear. Seven queries
or fewer, whatever the number of rounds, reports and questions.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from codemonitor.analysis.tables import AnalysisFigure, AnalysisTable, Cell, Column, Source
from codemonitor.instruments.engine import AnswerKey, AnswerValue, Evaluation
from codemonitor.instruments.models import InstrumentVersion
from codemonitor.instruments.schema import COUNTRIES_LIST, INPUT_KINDS, Form, Question
from codemonitor.reference.models import MemberState
from codemonitor.reference.names import country_labels
from codemonitor.reporting.models import Answer, PersonalAnswer, Report, RoundInstrument
from codemonitor.reporting.selectors import (
    COUNTING_STATES,
    RETURNED_AFTER_SUBMISSION,
    deadline_date,
)
from codemonitor.workforce.charts import Series, line_chart

State = Report.State
ALL_STATES: tuple[str, ...] = tuple(value for value, _label in State.choices)

# How an answer compares with the previous round shown.
CHANGED, SAME, NEW, GONE = "changed", "same", "new", "gone"
NUMERIC_KINDS = frozenset({"integer", "decimal"})
# What is compared: every answer a person gives, but documents (files), and the tables
# (repeats) by their number of rows.
COMPARED_KINDS = (INPUT_KINDS - {"file"}) | {"repeat"}
# Text longer than this is shortened on the page (the CSV has it whole).
SHORT_TEXT = 160


class UnknownCountry(LookupError):
    """No Member State has this code."""


CHANGE_LABELS = {
    CHANGED: gettext_lazy("changed"),
    SAME: gettext_lazy("same"),
    NEW: gettext_lazy("new"),
    GONE: gettext_lazy("no longer answered"),
}


def change_label(change: str) -> str:
    """A change flag in words (in the active language)."""
    label = CHANGE_LABELS.get(change)
    return str(label) if label is not None else ""


@dataclass(frozen=True)
class RoundReport:
    """One round that has the instrument, and the country's report in it (if any)."""

    number: int
    title: str
    year: int
    deadline: dt.date
    # The country's report, or None (no report, or a synthetic one outside the demo round).
    report_id: int | None = None
    reference: str = ""
    state: str = ""
    late: bool = False
    version: str = ""
    # Whether the report is in a state the caller allows: only those are compared.
    shown: bool = False

    @property
    def state_label(self) -> str:
        return str(dict(State.choices).get(self.state, "")) if self.state else ""

    @property
    def heading(self) -> str:
        return f"{self.title} ({self.state_label})" if self.state else self.title


@dataclass(frozen=True)
class TrendCell:
    """One round's answer to one question."""

    round_number: int
    report_id: int
    # Whether the round's instrument version asks the question at all.
    asked: bool
    # As shown: choice labels joined, a number, the text (shortened when `shortened`).
    text: str = ""
    # The whole answer in words, for the CSV (and the title of a shortened text).
    full: str = ""
    # A select_multiple's labels, or a table's answers, one per item.
    items: tuple[str, ...] = ()
    shortened: bool = False
    # The number of a numeric answer (or a table's number of rows).
    number: float | None = None
    # Compared with the previous round shown: CHANGED, SAME, NEW, GONE or "" (first round,
    # or answered in neither).
    change: str = ""

    @property
    def answered(self) -> bool:
        return bool(self.full) or self.number is not None

    @property
    def change_label(self) -> str:
        return change_label(self.change)


@dataclass
class QuestionTrend:
    name: str
    label: str
    # The label of the group (or table) it is in, in the newest version asking it.
    section: str
    kind: str
    article: str
    numeric: bool
    cells: list[TrendCell]
    figure: AnalysisFigure | None = None

    @property
    def changes(self) -> int:
        return sum(1 for cell in self.cells if cell.change in (CHANGED, NEW, GONE))


@dataclass
class CountryTrends:
    iso3: str
    country: str
    instrument_code: str
    language: str
    states: tuple[str, ...]
    # Every round that has the instrument, oldest first.
    rounds: list[RoundReport]
    questions: list[QuestionTrend] = field(default_factory=list)
    generated: dt.datetime = field(default_factory=timezone.now)
    # The demonstration rounds left out: the country has reports in real rounds.
    demo_left_out: bool = False

    @cached_property
    def columns(self) -> list[RoundReport]:
        """The rounds whose report is compared, oldest first."""
        return [item for item in self.rounds if item.shown]

    @property
    def comparable(self) -> bool:
        return len(self.columns) > 1

    @property
    def numeric(self) -> list[QuestionTrend]:
        return [question for question in self.questions if question.figure is not None]

    @property
    def changed(self) -> list[QuestionTrend]:
        return [question for question in self.questions if question.changes]

    def source(self) -> Source:
        columns = self.columns
        versions = sorted({item.version for item in columns if item.version})
        state_labels = dict(State.choices)
        return Source(
            round_title=", ".join(item.title for item in columns) or _("no round"),
            instrument=f"{self.instrument_code.upper()} {', '.join(versions)}".strip(),
            filters="; ".join(
                [
                    _("states: %(states)s")
                    % {"states": ", ".join(str(state_labels[s]) for s in self.states)},
                    _("country: %(country)s") % {"country": self.iso3},
                ]
            ),
            edition=_("each round's edition of the safeguards list"),
            generated=self.generated,
            counted=len(columns),
        )

    def rounds_table(self) -> AnalysisTable:
        """Every round with the instrument, the country's report in it and its state."""
        rows = []
        for item in self.rounds:
            if item.report_id is None:
                shown = _("no report")
            elif item.shown:
                shown = _("compared")
            else:
                shown = _("not in the states chosen")
            rows.append(
                [
                    Cell(item.title, header=True),
                    Cell(item.year, text=str(item.year)),
                    Cell(item.deadline.isoformat()),
                    Cell(item.reference or None),
                    Cell(item.state_label or None),
                    Cell(shown),
                ]
            )
        return AnalysisTable(
            identifier=f"trends.{self.iso3.lower()}.rounds",
            title=_("National reports of %(country)s by round") % {"country": self.country},
            columns=[
                Column("round", _("Round"), numeric=False),
                Column("year", _("Year")),
                Column("deadline", _("Deadline"), numeric=False),
                Column("report", _("Report"), numeric=False),
                Column("state", _("State"), numeric=False),
                Column("compared", _("In the comparison"), numeric=False),
            ],
            rows=rows,
            source=self.source(),
        )

    def answers_table(self) -> AnalysisTable:
        """The answers side by side: a line per question, a column per round compared (and
        the change since the previous round after the first)."""
        columns = [
            Column("question", _("Question"), numeric=False),
            Column("section", _("Section"), numeric=False),
            Column("label", _("Label"), numeric=False),
        ]
        for index, item in enumerate(self.columns):
            columns.append(Column(f"round_{item.number}", item.heading, numeric=False))
            if index:
                columns.append(
                    Column(
                        f"change_{item.number}",
                        _("%(round)s: change") % {"round": item.title},
                        numeric=False,
                    )
                )
        rows = []
        for question in self.questions:
            row = [
                Cell(question.name, header=True),
                Cell(question.section),
                Cell(question.label),
            ]
            for index, cell in enumerate(question.cells):
                value: Any = cell.number if cell.number is not None else (cell.full or None)
                if not cell.asked:
                    row.append(Cell(None, text=_("not asked")))
                else:
                    row.append(Cell(value, text=cell.text))
                if index:
                    row.append(Cell(cell.change_label or None))
            rows.append(row)
        return AnalysisTable(
            identifier=self.answers_identifier,
            title=_("Answers of %(country)s across rounds") % {"country": self.country},
            columns=columns,
            rows=rows,
            source=self.source(),
            notes=[self.note],
        )

    @property
    def answers_identifier(self) -> str:
        return f"trends.{self.iso3.lower()}.answers"

    @property
    def note(self) -> str:
        return _(
            "Questions asked in more than one round's instrument; answers the instrument's "
            "rules hide, documents and personal data are left out."
        )

    def tables(self) -> dict[str, AnalysisTable]:
        """Every table of the page by its identifier (for `?csv=`)."""
        found = {table.identifier: table for table in (self.rounds_table(), self.answers_table())}
        for question in self.numeric:
            assert question.figure is not None
            found[question.figure.table.identifier] = question.figure.table
        return found

    def figures(self) -> list[AnalysisFigure]:
        return [question.figure for question in self.numeric if question.figure is not None]


# -- reading ---------------------------------------------------------------------------------


def _counts(state: str, submitted_at: dt.datetime | None, states: Collection[str] | None) -> bool:
    if states is None:
        return state in COUNTING_STATES or (
            state == RETURNED_AFTER_SUBMISSION and submitted_at is not None
        )
    return state in states


def _empty(value: AnswerValue) -> bool:
    return value is None or value == "" or value == []


def _number(value: AnswerValue) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value) if isinstance(value, (int, float)) else float(Decimal(str(value)))
    except (InvalidOperation, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _shown_number(number: float) -> str:
    if not math.isfinite(number):
        return str(number)
    return f"{int(number):,}" if number == int(number) else f"{number:,.2f}"


class _Labels:
    """Choice labels in one language, looked up once per list of each version's form."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._lists: dict[tuple[int, str], dict[str, str]] = {}
        self._countries: dict[str, str] | None = None

    def of(self, version_id: int, form: Form, question: Question) -> dict[str, str]:
        if question.list_name == COUNTRIES_LIST:
            if self._countries is None:
                self._countries = country_labels(self.language)
            return self._countries
        key = (version_id, question.list_name)
        if key not in self._lists:
            self._lists[key] = {
                choice.name: choice.label.get(self.language)
                or choice.label.get(form.default_language)
                or choice.name
                for choice in form.choices.get(question.list_name, [])
            }
        return self._lists[key]


def _section(form: Form, name: str, language: str) -> str:
    parent = form.parents().get(name)
    while parent is not None:
        label = parent.text("label", language, form.default_language)
        if label:
            return label
        parent = form.parents().get(parent.name)
    return ""


def _comparable(form: Form) -> dict[str, Question]:
    """The questions of a form whose answers are compared across rounds."""
    paths = form.repeat_path()
    return {
        name: question
        for name, question in form.questions().items()
        if question.kind in COMPARED_KINDS
        and not question.personal
        # Only tables at the top level are counted by rows (a table in a table has rows per
        # row of its parent: its answers are listed with the others of the inner table).
        and not (question.kind == "repeat" and paths.get(name))
    }


@dataclass
class _Observed:
    """One round's answer to one question, before it is compared."""

    text: str = ""
    full: str = ""
    items: tuple[str, ...] = ()
    number: float | None = None
    # What is compared: equal keys are the same answer.
    key: Any = None


def _observe(
    question: Question,
    form: Form,
    version_id: int,
    evaluation: Evaluation,
    answers: Mapping[AnswerKey, AnswerValue],
    labels: _Labels,
) -> _Observed:
    name, kind = question.name, question.kind
    if kind == "repeat":
        if not evaluation.relevant(name, ""):
            return _Observed()
        stored = answers.get((name, ""))
        if stored is None:
            return _Observed()
        rows = len(stored) if isinstance(stored, list) else 0
        return _Observed(text=str(rows), full=str(rows), number=float(rows), key=rows)
    inside = bool(form.repeat_path().get(name))
    values: list[AnswerValue] = []
    for row in evaluation.instances(name):
        value = answers.get((name, row))
        if _empty(value) or not evaluation.relevant(name, row):
            continue
        values.append(value)
    if not values:
        return _Observed()
    choices = (
        labels.of(version_id, form, question) if kind in ("select_one", "select_multiple") else {}
    )

    def words(value: AnswerValue) -> list[str]:
        items = value if isinstance(value, list) else [value]
        if choices:
            return [choices.get(str(item), str(item)) for item in items]
        if kind in NUMERIC_KINDS:
            number = _number(value)
            return [_shown_number(number) if number is not None else str(value)]
        return [str(item) for item in items]

    if not inside:
        (value,) = values
        items = tuple(words(value))
        if kind in NUMERIC_KINDS:
            number = _number(value)
            return _Observed(
                text=items[0],
                full=items[0],
                number=number,
                key=number if number is not None else items[0],
            )
        if kind == "select_multiple":
            key: Any = frozenset(str(item) for item in value) if isinstance(value, list) else value
            return _Observed(text=", ".join(items), full=", ".join(items), items=items, key=key)
        if kind == "select_one":
            return _Observed(text=items[0], full=items[0], key=str(value))
        full = str(value).strip()
        short = full if len(full) <= SHORT_TEXT else full[: SHORT_TEXT - 1].rstrip() + "…"
        return _Observed(text=short, full=full, key=" ".join(full.split()))
    # Inside a table: every row's answer, listed (compared regardless of the rows' order).
    listed = tuple(
        " ".join(words(value)) if kind != "select_multiple" else ", ".join(words(value))
        for value in values
    )
    joined = "; ".join(listed)
    short = joined if len(joined) <= SHORT_TEXT else joined[: SHORT_TEXT - 1].rstrip() + "…"
    return _Observed(
        text=short,
        full=joined,
        items=listed,
        key=tuple(sorted(" ".join(item.split()) for item in listed)),
    )


def _change(previous: _Observed | None, current: _Observed) -> str:
    if previous is None:
        return ""
    before, now = previous.key is not None, current.key is not None
    if before and now:
        return SAME if previous.key == current.key else CHANGED
    if now:
        return NEW
    if before:
        return GONE
    return ""


def _trend_figure(
    trends: CountryTrends, question: QuestionTrend, columns: Sequence[RoundReport]
) -> AnalysisFigure | None:
    numbers = [cell.number for cell in question.cells]
    if not any(number is not None for number in numbers):
        return None
    years = [item.year for item in columns]
    # The axis is the rounds' years; rounds of the same year are drawn by their number.
    keys = years if len(set(years)) == len(years) else [item.number for item in columns]
    points = {
        key: (Decimal(str(number)) if number is not None else None)
        for key, number in zip(keys, numbers, strict=True)
    }
    identifier = f"trends.{trends.iso3.lower()}.{question.name}"
    title = f"{question.section} — {question.label}" if question.section else question.label
    described = "; ".join(
        f"{item.title}: {_shown_number(number) if number is not None else '—'}"
        for item, number in zip(columns, numbers, strict=True)
    )
    svg = line_chart(
        title,
        [Series(question.label, points)],
        description=_("%(question)s by round: %(values)s.")
        % {"question": title, "values": described},
    )
    rows = [
        [
            Cell(item.title, header=True),
            Cell(item.year, text=str(item.year)),
            Cell(cell.number, text=cell.text if cell.number is not None else ""),
            Cell(cell.change_label or None),
        ]
        for item, cell in zip(columns, question.cells, strict=True)
    ]
    table = AnalysisTable(
        identifier=identifier,
        title=title,
        columns=[
            Column("round", _("Round"), numeric=False),
            Column("year", _("Year")),
            Column("value", _("Answer")),
            Column("change", _("Change since the previous round"), numeric=False),
        ],
        rows=rows,
        source=trends.source(),
    )
    return AnalysisFigure(identifier=identifier, title=title, svg=str(svg), table=table)


def country_across_rounds(
    iso3: str,
    *,
    instrument_code: str = "nri",
    language: str = "en",
    states: Collection[str] | None = None,
    reports: Collection[int] | None = None,
) -> CountryTrends:
    """A country's national reports in every round of the instrument, compared question by
    question (see the module's docstring).

    `states`: the report states compared; None for the states that count (submitted, in
    review, validated, returned after a submission). `reports`: only these reports are read
    (publication passes the published ones), the rounds without one of them are left out, and
    one report alone is shown too (its answers in one column). Raises UnknownCountry for a
    code that names no Member State.
    """
    code = iso3.strip().upper()
    country = MemberState.objects.filter(pk=code).first()
    if country is None:
        raise UnknownCountry(iso3)
    chosen_states = tuple(
        sorted(COUNTING_STATES | {RETURNED_AFTER_SUBMISSION}) if states is None else states
    )
    round_instruments = list(
        RoundInstrument.objects.filter(instrument_version__instrument__code=instrument_code)
        .select_related("round")
        .only(
            "id",
            "closes_at",
            "round",
            "round__number",
            "round__year",
            "round__title",
            "round__is_demo",
        )
        .order_by("round__number", "pk")
    )
    by_round: dict[int, RoundInstrument] = {}
    for item in round_instruments:
        by_round.setdefault(item.round.number, item)
    # By round instrument: (report, version, sequence, state, submitted, late).
    found_reports = Report.objects.filter(
        member_state_id=code, round_instrument__in=[ri.pk for ri in by_round.values()]
    ).filter(Q(is_demo=False) | Q(round_instrument__round__is_demo=True))
    if reports is not None:
        found_reports = found_reports.filter(pk__in=list(reports))
    chosen: dict[int, tuple[int, int, int, str, dt.datetime | None, bool]] = {}
    for (
        round_instrument_id,
        report_id,
        version_id,
        sequence,
        state,
        submitted_at,
        late,
    ) in found_reports.values_list(
        "round_instrument_id",
        "id",
        "instrument_version_id",
        "sequence",
        "state",
        "submitted_at",
        "is_late",
    ):
        chosen[round_instrument_id] = (report_id, version_id, sequence, state, submitted_at, late)
    if reports is not None:
        by_round = {number: item for number, item in by_round.items() if item.pk in chosen}
    # Synthetic answers are never compared with real ones: once the country has a report in a
    # real round, the demonstration rounds are left out (the page says so).
    demo = {number for number, item in by_round.items() if item.round.is_demo}
    demo_left_out = bool(demo) and any(
        item.pk in chosen for number, item in by_round.items() if number not in demo
    )
    if demo_left_out:
        by_round = {number: item for number, item in by_round.items() if number not in demo}
    versions = {
        version.pk: version
        for version in InstrumentVersion.objects.filter(
            pk__in={rest[1] for rest in chosen.values()}
        ).only("id", "version", "sha256", "schema")
    }
    rounds: list[RoundReport] = []
    for number in sorted(by_round):
        round_instrument = by_round[number]
        round_ = round_instrument.round
        found = chosen.get(round_instrument.pk)
        if found is None:
            rounds.append(
                RoundReport(
                    number=number,
                    title=round_.title,
                    year=round_.year,
                    deadline=deadline_date(round_instrument),
                )
            )
            continue
        report_id, version_id, sequence, state, submitted_at, late = found
        rounds.append(
            RoundReport(
                number=number,
                title=round_.title,
                year=round_.year,
                deadline=deadline_date(round_instrument),
                report_id=report_id,
                reference=f"{instrument_code.upper()}-{round_.year}-{sequence:06d}",
                state=state,
                late=late,
                version=versions[version_id].version,
                shown=_counts(state, submitted_at, states),
            )
        )
    trends = CountryTrends(
        iso3=code,
        country=country_labels(language).get(code) or country.name,
        instrument_code=instrument_code,
        language=language,
        states=chosen_states,
        rounds=rounds,
        demo_left_out=demo_left_out,
    )
    columns = trends.columns
    if len(columns) < (1 if reports is not None else 2):
        return trends
    _compare(
        trends,
        columns,
        {item.number: versions[chosen[by_round[item.number].pk][1]] for item in columns},
    )
    return trends


def _compare(
    trends: CountryTrends,
    columns: Sequence[RoundReport],
    versions: Mapping[int, InstrumentVersion],
) -> None:
    """Fill `trends.questions`: the answers of the reports of `columns` (two queries)."""
    language = trends.language
    report_of = {item.number: item.report_id for item in columns if item.report_id is not None}
    ids = list(report_of.values())
    stored: dict[int, dict[AnswerKey, AnswerValue]] = {pk: {} for pk in ids}
    for report_id, question, row, value in Answer.objects.filter(report_id__in=ids).values_list(
        "report_id", "question", "row", "value"
    ):
        stored[report_id][question, row] = value
    personal: dict[int, dict[AnswerKey, AnswerValue]] = {pk: {} for pk in ids}
    # Rules may read personal answers: they decide what is shown, never shown themselves.
    for report_id, question, row, value in PersonalAnswer.objects.filter(
        report_id__in=ids
    ).values_list("report_id", "question", "row", "value"):
        personal[report_id][question, row] = value
    numbers = [item.number for item in columns]
    forms = {number: versions[number].form for number in numbers}
    # A question one version marks personal is personal in every round it is compared in.
    personal_names = {
        name for form in forms.values() for name, q in form.questions().items() if q.personal
    }
    asked = {
        number: {name: q for name, q in _comparable(form).items() if name not in personal_names}
        for number, form in forms.items()
    }
    seen: dict[str, int] = {}
    for questions in asked.values():
        for name in questions:
            seen[name] = seen.get(name, 0) + 1
    # In the newest form's order, then what only older forms ask.
    order: list[str] = []
    for number in reversed(numbers):
        for name in forms[number].questions():
            # One round alone (publication's single report): all its questions.
            if seen.get(name, 0) > min(1, len(numbers) - 1) and name not in order:
                order.append(name)
    labels = _Labels(language)
    evaluations = {
        number: Evaluation(
            forms[number], {**stored[report_of[number]], **personal[report_of[number]]}
        )
        for number in numbers
    }
    for name in order:
        newest_number = next(number for number in reversed(numbers) if name in asked[number])
        newest_form = forms[newest_number]
        newest = asked[newest_number][name]
        label = newest.text("label", language, newest_form.default_language) or name
        if newest.kind == "repeat":
            label = _("%(table)s: number of rows") % {"table": label}
        numeric = not newest_form.repeat_path().get(name) and all(
            asked[number][name].kind in NUMERIC_KINDS | {"repeat"}
            for number in numbers
            if name in asked[number]
        )
        cells: list[TrendCell] = []
        previous: _Observed | None = None
        for number in numbers:
            report_id = report_of[number]
            asked_question = asked[number].get(name)
            observed = (
                _observe(
                    asked_question,
                    forms[number],
                    versions[number].pk,
                    evaluations[number],
                    stored[report_id],
                    labels,
                )
                if asked_question is not None
                else _Observed()
            )
            cells.append(
                TrendCell(
                    number,
                    report_id,
                    asked=asked_question is not None,
                    text=observed.text,
                    full=observed.full,
                    items=observed.items,
                    shortened=observed.text != observed.full,
                    number=observed.number if numeric else None,
                    change=_change(previous, observed),
                )
            )
            previous = observed
        trend = QuestionTrend(
            name=name,
            label=label,
            section=_section(newest_form, name, language),
            kind=newest.kind,
            article=newest.article,
            numeric=numeric,
            cells=cells,
        )
        if numeric:
            trend.figure = _trend_figure(trends, trend, columns)
        trends.questions.append(trend)


def states_from_query(
    query: Mapping[str, Any], *, default: Sequence[str] | None = None
) -> tuple[tuple[str, ...] | None, list[str]]:
    """The `state` parameters (repeated) of a query string, each checked; unknown values are
    named as problems. Without any, `default` (None: the states that count)."""
    getlist = getattr(query, "getlist", None)
    raw = getlist("state") if getlist is not None else query.get("state", [])
    values = [raw] if isinstance(raw, str) else list(raw or [])
    chosen: list[str] = []
    problems: list[str] = []
    for value in values:
        value = str(value).strip()[:40]
        if not value:
            continue
        if value in ALL_STATES:
            if value not in chosen:
                chosen.append(value)
        else:
            problems.append(_("'%(state)s' is not a report state.") % {"state": value})
    if chosen:
        return tuple(state for state in ALL_STATES if state in chosen), problems
    return (tuple(default) if default is not None else None), problems
