"""The open data of a round: its tables, described as a Frictionless Data Package.

A round's data are a list of `Table`s, each a name, typed columns (Table Schema fields: types,
the choice lists' codes and labels, keys) and its rows, read from the database in chunks and
handed on one at a time — never the whole table in memory, whatever the number of reports:

- `countries`: the Member States, their WHO region at the round's deadline (every other table
  points to it);
- per instrument of the round (`national`, `stakeholder`): `<kind>_reports`, one row per report,
  one column per question outside repeats; `<kind>_answers`, one row per answer (report,
  question, row, value); and one table per repeat (`<kind>_<repeat>`: the rows of, say, the
  bilateral agreements a country listed);
- the registers and statistics as they stand: `authorities` (the public register of designated
  national authorities), `laws`, `recruiters` (validated entries only) and `statistics` (health
  personnel migration figures; those taken from a report only once that report is public).

What the tables hold is decided by a `Scope`. The public scope (the portal's downloads, the API,
`export_round` by default) is the embargo of `publication.public`: nothing of a round before its
publication moment, then its published reports only, never a personal answer, a contact, a
document or the name of an entity that did not agree to be named. The Secretariat's archive
scope reads the same reports (those the publication will show) whatever the date, and — only on
its explicit choice, which its callers audit — the personal answers and contacts too.

A report's answers that the form's rules hide (a stale answer to a question that no longer
applies) are left out, as on the report's pages. The reports table is typed (an integer question
is an integer column); an answer that is not of its question's type (old data) is left empty
there and kept as written in the answers table, whose values are all text.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import json
import queue
import re
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Aggregate, F, Q, QuerySet, TextField, Value
from django.db.models.functions import Concat
from django.utils import timezone, translation

from codemonitor.core.languages import BY_CODE, LANGUAGES
from codemonitor.instruments.engine import Evaluation, relevance_inputs
from codemonitor.instruments.models import Instrument
from codemonitor.instruments.schema import COUNTRIES_LIST, Form, Question
from codemonitor.publication.country import public_laws_filter, public_statistics
from codemonitor.publication.public import (
    PUBLIC_AUTHORITY_FIELDS,
    NotPublic,
    entity_questions,
    form_left_out,
    public_reports,
    round_public,
)
from codemonitor.reference.models import MemberState
from codemonitor.reference.names import REGION_NAMES, country_labels
from codemonitor.registers.models import Law, NationalAuthority, Recruiter, Validation
from codemonitor.reporting.models import (
    Answer,
    PersonalAnswer,
    Report,
    ReportContact,
    Round,
    RoundInstrument,
)
from codemonitor.reporting.selectors import (
    GENEVA,
    deadline_date,
    regions_on,
    repeat_rows,
    reports_to_publish,
)
from codemonitor.workforce.models import Statistic
from codemonitor.workforce.selectors import plain_decimal

CHUNK = 10_000  # rows read from the database at a time
# The question kinds a table has a column for (documents never: their names may name a person).
EXPORTED_KINDS = frozenset({"text", "integer", "decimal", "date", "select_one", "select_multiple"})
TYPES = {"integer": "integer", "decimal": "number", "date": "date"}


@dataclass(frozen=True)
class Scope:
    """Who the data are for. `embargo`: the public's (only once the round is public, at `now`);
    without it, the Secretariat's archive (the reports the publication shows, whatever the
    date). `personal`: the personal answers and contacts too (the archive only)."""

    embargo: bool = True
    personal: bool = False
    now: dt.datetime | None = None

    def __post_init__(self) -> None:
        if self.embargo and self.personal:
            raise ValueError("personal data are never public")


PUBLIC = Scope()


@dataclass(frozen=True)
class Column:
    """A column: a Table Schema field."""

    name: str
    type: str = "string"  # string, integer, number, date, datetime
    title: str = ""
    description: str = ""
    # A choice list: (code, label) in the package's language; its codes are the only values.
    categories: tuple[tuple[str, str], ...] = ()
    question: str = ""  # the instrument's question it holds
    required: bool = False

    def descriptor(self, *, labels: bool = False) -> dict[str, Any]:
        described: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.title:
            described["title"] = self.title
        if self.description:
            described["description"] = self.description
        constraints: dict[str, Any] = {}
        if self.required:
            constraints["required"] = True
        if self.categories and not labels:
            described["categories"] = [
                {"value": code, "label": label} for code, label in self.categories
            ]
            constraints["enum"] = [code for code, _label in self.categories]
        if constraints:
            described["constraints"] = constraints
        return described


@dataclass
class Table:
    """A table of the package: its columns and a way to read its rows (`rows(labels)`: the
    choices' codes, or their labels in the package's language)."""

    name: str
    title: str
    description: str
    columns: list[Column]
    rows: Callable[[bool], Iterator[list[object]]]
    primary_key: tuple[str, ...] = ()
    # (column, table, its column): the values are the other table's keys.
    foreign_keys: tuple[tuple[str, str, str], ...] = ()

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns]

    def schema(self, *, labels: bool = False) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "fields": [column.descriptor(labels=labels) for column in self.columns],
            "missingValues": [""],
        }
        if self.primary_key:
            schema["primaryKey"] = list(self.primary_key)
        if self.foreign_keys:
            schema["foreignKeys"] = [
                {"fields": mine, "reference": {"resource": table, "fields": theirs}}
                for mine, table, theirs in self.foreign_keys
            ]
        return schema


# -- the round ---------------------------------------------------------------------------------


def round_tables(round_: Round, *, scope: Scope = PUBLIC, language: str = "en") -> list[Table]:
    """The tables of a round, in the package's order. NotPublic for a round under embargo
    (in the public scope)."""
    if scope.embargo and not round_public(round_, now=scope.now):
        raise NotPublic(round_.number)
    language = language if language in BY_CODE else "en"
    # The labels (choice lists, regions, register vocabularies) are worked out now, in the
    # package's language: the rows are written later, in whatever language is active then.
    with translation.override(BY_CODE[language].django_code):
        return _round_tables(round_, scope, language)


def _round_tables(round_: Round, scope: Scope, language: str) -> list[Table]:
    uses = instrument_prefixes(round_)
    deadline = max((deadline_date(use) for use, _ in uses), default=timezone.localdate())
    tables = [_countries(deadline, language)]
    for use, prefix in uses:
        tables.extend(InstrumentTables(use, prefix, scope, language).tables())
    tables.extend(_registers(scope, language))
    return tables


def instrument_prefixes(round_: Round) -> list[tuple[RoundInstrument, str]]:
    """A round's instruments, each with the name its tables start with (`national`,
    `stakeholder`, or the form's id; a second instrument of a kind adds its id): the data
    package's and the codebook's names agree."""
    found: list[tuple[RoundInstrument, str]] = []
    taken: set[str] = set()
    uses = round_.instruments.select_related("instrument_version__instrument").order_by(
        "instrument_version__instrument__kind", "pk"
    )
    for use in uses:
        instrument = use.instrument_version.instrument
        prefix = resource_name(instrument.kind if instrument.kind != "other" else instrument.code)
        if prefix in taken:
            prefix = resource_name(f"{prefix}_{instrument.code}")
        taken.add(prefix)
        found.append((use, prefix))
    return found


def release_date(round_: Round, scope: Scope = PUBLIC) -> dt.date:
    """The date a package's version names: the round's publication (Geneva), or today for an
    archive made before it."""
    moment = round_.published_at or round_.publishes_at
    if scope.embargo and moment is not None:
        return timezone.localtime(moment, GENEVA).date()
    return timezone.localtime(scope.now or timezone.now(), GENEVA).date()


def package_version(round_: Round, scope: Scope = PUBLIC) -> str:
    """Round and release date (`5.2025-05-27`); an archive before publication says so."""
    version = f"{round_.number}.{release_date(round_, scope).isoformat()}"
    return version if scope.embargo else f"{version}-archive"


def resource_name(text: str) -> str:
    """A Data Package resource name (lower case letters, digits, `_`, `-`, `.`)."""
    name = re.sub(r"[^a-z0-9._-]+", "_", text.lower()).strip("_.-")
    return name or "table"


# -- the tables of an instrument ---------------------------------------------------------------


@dataclass
class _Group:
    """The questions of a table: outside repeats (`path` empty) or of one repeat."""

    path: tuple[str, ...]
    questions: list[Question] = field(default_factory=list)


class InstrumentTables:
    """The reports, answers and repeat tables of one instrument of a round."""

    def __init__(self, use: RoundInstrument, prefix: str, scope: Scope, language: str) -> None:
        self.use = use
        self.prefix = prefix
        self.scope = scope
        self.language = language
        self.form: Form = use.instrument_version.form
        self.kind = use.instrument_version.instrument.kind
        self.national = self.kind == Instrument.Kind.NATIONAL
        self.entity_hidden = entity_questions(self.form)
        left_out = (
            {name for name, q in self.form.questions().items() if q.kind == "file"}
            if scope.personal
            else set(form_left_out(self.form))
        )
        paths = self.form.repeat_path()
        self.groups: dict[tuple[str, ...], _Group] = {(): _Group(())}
        self.exported: list[Question] = []
        for question in self.form.walk():
            if question.kind == "repeat":
                path = (*paths.get(question.name, ()), question.name)
                self.groups.setdefault(path, _Group(path))
            if question.kind not in EXPORTED_KINDS and question.kind != "calculate":
                continue
            if question.name in left_out:
                continue
            self.exported.append(question)
            path = paths.get(question.name, ())
            self.groups.setdefault(path, _Group(path)).questions.append(question)
        self.order = {question.name: index for index, question in enumerate(self.exported)}
        self.by_name = {question.name: question for question in self.exported}
        self.repeats = sorted({name for path in self.groups for name in path})
        self.rules = any(question.relevant for question in self.form.walk())
        wanted = {question.name for question in self.exported} | set(self.repeats)
        if self.rules:
            wanted |= relevance_inputs(self.form, wanted)
        self.wanted = sorted(wanted - left_out)
        self.meta = self._meta_names()
        self._regions: dict[str, str] | None = None
        self._labels: dict[str, dict[str, str]] = {}

    # -- which reports --------------------------------------------------------------------------

    def reports(self) -> QuerySet[Report]:
        if self.scope.embargo:
            return public_reports(self.use, now=self.scope.now)
        return reports_to_publish(self.use)

    def _meta_names(self) -> dict[str, str]:
        """The report's own columns; a question of the same name keeps its name, the report's
        column gets `report_` in front."""
        taken = {question.name for question in self.exported}
        names = ["report_id", "round", "instrument_version", "language", "submitted_at", "state"]
        names += ["country", "who_region"] if self.national else ["entity"]
        if self.scope.personal:
            names.append("contact_email")
        return {name: (f"report_{name}" if name in taken else name) for name in names}

    # -- the tables ------------------------------------------------------------------------------

    def tables(self) -> list[Table]:
        reports_name = f"{self.prefix}_reports"
        found = [
            Table(
                name=reports_name,
                title=f"{self.use.instrument_version.title}: reports",
                description=(
                    "One row per report, one column per question outside repeats "
                    "(codes of choice lists, or their labels)."
                ),
                columns=self._report_columns() + self._question_columns(self.groups[()]),
                rows=self._report_rows,
                primary_key=(self.meta["report_id"],),
                foreign_keys=(
                    ((self.meta["country"], "countries", "iso3"),) if self.national else ()
                ),
            ),
            Table(
                name=f"{self.prefix}_answers",
                title=f"{self.use.instrument_version.title}: answers",
                description=(
                    "One row per answer: the report, the question (its name in the instrument), "
                    "the row of a repeat (empty outside repeats) and the value as text "
                    "(a multiple choice: its codes separated by spaces)."
                ),
                columns=[
                    Column("report_id", "integer", "Report", required=True),
                    Column("question", "string", "Question", required=True),
                    Column("row", "string", "Row of a repeat"),
                    Column("value", "string", "Answer"),
                ],
                rows=self._answer_rows,
                primary_key=("report_id", "question", "row"),
                foreign_keys=(("report_id", reports_name, self.meta["report_id"]),),
            ),
        ]
        used = {table.name for table in found}
        for path, group in sorted(self.groups.items()):
            if not path:
                continue
            name = resource_name(f"{self.prefix}_{path[-1]}")
            while name in used:
                name = f"{name}_"
            used.add(name)
            repeat = self.form.questions()[path[-1]]
            found.append(
                Table(
                    name=name,
                    title=(
                        f"{self.use.instrument_version.title}: "
                        f"{repeat.text('label', self.language, self.form.default_language)}"
                    ),
                    description=(
                        f"One row per entry of the repeat `{path[-1]}`; `row` is its place "
                        "(the rows of enclosing repeats first, separated by `/`)."
                    ),
                    columns=[
                        Column("report_id", "integer", "Report", required=True),
                        Column("row", "string", "Row of the repeat", required=True),
                        *self._question_columns(group),
                    ],
                    rows=self._repeat_reader(path, group),
                    primary_key=("report_id", "row"),
                    foreign_keys=(("report_id", reports_name, self.meta["report_id"]),),
                )
            )
        return found

    def _report_columns(self) -> list[Column]:
        meta = self.meta
        columns = [
            Column(meta["report_id"], "integer", "Report", required=True),
            Column(meta["round"], "integer", "Round of reporting", required=True),
            Column(meta["instrument_version"], "string", "Version of the instrument"),
            Column(meta["language"], "string", "Language of the report"),
            Column(meta["submitted_at"], "datetime", "Submitted (UTC)"),
            Column(
                meta["state"],
                "string",
                "State",
                categories=tuple(
                    (code, str(label))
                    for code, label in Report.State.choices
                    if code in {"submitted", "in_review", "validated", "returned"}
                ),
            ),
        ]
        if self.national:
            columns += [
                Column(meta["country"], "string", "Member State (ISO 3166 alpha-3)"),
                Column(
                    meta["who_region"],
                    "string",
                    "WHO region at the deadline",
                    categories=tuple((code, str(name)) for code, name in REGION_NAMES.items()),
                ),
            ]
        else:
            columns.append(
                Column(
                    meta["entity"],
                    "string",
                    "Reporting entity",
                    description="Empty where the entity did not agree to be named.",
                )
            )
        if self.scope.personal:
            columns.append(Column(meta["contact_email"], "string", "Contact (personal data)"))
        return columns

    def _question_columns(self, group: _Group) -> list[Column]:
        columns = []
        for question in group.questions:
            categories: tuple[tuple[str, str], ...] = ()
            if question.kind == "select_one":
                categories = tuple(self._choice_labels(question).items())
            description = question.text("hint", self.language, self.form.default_language)
            if question.kind == "select_multiple":
                codes = ", ".join(self._choice_labels(question))
                description = f"Codes separated by spaces, among: {codes}. {description}".strip()
            if question.article:
                description = f"{description} (Code article {question.article})".strip()
            columns.append(
                Column(
                    question.name,
                    TYPES.get(question.kind, "string"),
                    question.text("label", self.language, self.form.default_language)[:500],
                    description=description[:1000],
                    categories=categories,
                    question=question.name,
                )
            )
        return columns

    def _choice_labels(self, question: Question) -> dict[str, str]:
        """Code -> label of a select question's choices in the package's language."""
        if question.list_name not in self._labels:
            if question.list_name == COUNTRIES_LIST:
                labels = dict(country_labels(self.language))
            else:
                labels = {
                    choice.name: (
                        choice.label.get(self.language)
                        or choice.label.get(self.form.default_language)
                        or next(iter(choice.label.values()), choice.name)
                    )
                    for choice in self.form.choices.get(question.list_name, [])
                }
            self._labels[question.list_name] = labels
        return self._labels[question.list_name]

    # -- reading -------------------------------------------------------------------------------

    def _report_info(self) -> Iterator[tuple[Any, ...]]:
        fields_ = [
            "pk",
            "member_state_id",
            "entity_name",
            "publish_entity_name",
            "language",
            "submitted_at",
            "state",
            "instrument_version__version",
        ]
        rows = self.reports().order_by("pk").values_list(*fields_)
        if self.scope.personal:
            contacts = dict(
                ReportContact.objects.filter(report__in=self.reports().values("pk")).values_list(
                    "report_id", "email"
                )
            )
            for row in rows.iterator(chunk_size=CHUNK):
                yield (*row, contacts.get(row[0], ""))
        else:
            for row in rows.iterator(chunk_size=CHUNK):
                yield (*row, "")

    def _answers(
        self, questions: Sequence[str]
    ) -> Iterator[tuple[tuple[Any, ...], dict[tuple[str, str], Any]]]:
        """Each report (its own fields) with its answers to `questions` (and to what their rules
        read), the reports and their answers read side by side in the order of their ids."""
        reports = self.reports().values("pk")
        wanted = sorted(set(questions))
        stored = _by_report(Answer, self.use, reports, wanted)
        if self.scope.personal:
            stored = _together(stored, _by_report(PersonalAnswer, self.use, reports, wanted))
        pending = next(stored, None)
        for info in self._report_info():
            answers: dict[tuple[str, str], Any] = {}
            while pending is not None and pending[0] < info[0]:
                pending = next(stored, None)
            if pending is not None and pending[0] == info[0]:
                answers = pending[1]
                pending = next(stored, None)
            yield info, self._shown(info, answers)

    def _shown(
        self, info: tuple[Any, ...], answers: dict[tuple[str, str], Any]
    ) -> dict[tuple[str, str], Any]:
        """A report's answers less those its rules hide and, without consent, the entity's name."""
        hidden: frozenset[str] = frozenset()
        if not info[3] and not self.scope.personal:
            hidden = self.entity_hidden  # publication.public.entity_questions
        if not self.rules and not hidden:
            return answers
        evaluation = Evaluation(self.form, answers) if self.rules else None
        return {
            (name, row): value
            for (name, row), value in answers.items()
            if name not in hidden
            and (evaluation is None or name not in self.by_name or evaluation.relevant(name, row))
        }

    def _questions_of(self, group: _Group) -> list[str]:
        names = {question.name for question in group.questions} | set(group.path)
        if self.rules:
            names |= relevance_inputs(self.form, names)
        return sorted(names & set(self.wanted))

    def _report_rows(self, labels: bool) -> Iterator[list[object]]:
        group = self.groups[()]
        regions = self._region_of() if self.national else {}
        columns = [
            ((question.name, ""), self._converter(question, labels)) for question in group.questions
        ]
        for info, answers in self._answers(self._questions_of(group)):
            get = answers.get
            pk, country, entity, consent, language, submitted, state, version, contact = info
            row: list[object] = [
                pk,
                self.use.round.number,
                version,
                language,
                _moment(submitted),
                state,
            ]
            if self.national:
                row += [country or None, regions.get(country or "", None)]
            else:
                row.append(entity if (consent or self.scope.personal) and entity else None)
            if self.scope.personal:
                row.append(contact or None)
            row += [convert(get(key)) for key, convert in columns]
            yield row

    def _answer_rows(self, labels: bool) -> Iterator[list[object]]:
        exported = [question.name for question in self.exported]
        for info, answers in self._answers(sorted(set(exported) | set(self.repeats))):
            kept = sorted(
                (key for key in answers if key[0] in self.by_name),
                key=lambda key: (self.order[key[0]], key[1]),
            )
            for name, row in kept:
                text = self._text(self.by_name[name], answers[name, row], labels)
                if text is not None:
                    yield [info[0], name, row, text]

    def _repeat_reader(
        self, path: tuple[str, ...], group: _Group
    ) -> Callable[[bool], Iterator[list[object]]]:
        paths = self.form.repeat_path()

        def rows(labels: bool) -> Iterator[list[object]]:
            for info, answers in self._answers(self._questions_of(group)):
                for row_path in repeat_rows(answers, path):
                    line: list[object] = [info[0], row_path]
                    for question in group.questions:
                        depth = len(paths.get(question.name, ()))
                        at = "/".join(row_path.split("/")[:depth]) if depth else ""
                        line.append(self._typed(question, answers.get((question.name, at)), labels))
                    yield line

        return rows

    def _region_of(self) -> dict[str, str]:
        if self._regions is None:
            self._regions = regions_on(deadline_date(self.use))
        return self._regions

    # -- values ----------------------------------------------------------------------------------

    def _converter(self, question: Question, labels: bool) -> Callable[[Any], object]:
        """`_typed` for one question, its choices looked up once: what a table's column calls
        for each of its values (a plain text, most answers, goes through as it is)."""
        if question.kind == "text":

            def text(value: Any) -> object:
                if value.__class__ is str:
                    return value or None
                return self._text(question, value, labels)

            return text
        if question.kind == "select_one":
            names = self._choice_labels(question)

            def choice(value: Any) -> object:
                if value is None or value == "":
                    return None
                code = str(value)
                if labels:
                    return names.get(code, code)
                return code if code in names else None

            return choice
        return lambda value: self._typed(question, value, labels)

    def _typed(self, question: Question, value: Any, labels: bool) -> object:
        """A value for the typed tables: a number for a number question, a choice's code or
        label, the codes or labels of a multiple choice. A value that is not of its question's
        type (not a number, a code no longer in the list) is left empty: it stays as written in
        the answers table."""
        if value is None or value == "" or value == []:
            return None
        if question.kind == "integer":
            return _integer(value)
        if question.kind == "decimal":
            return _number(value)
        if question.kind == "date":
            return _date(value)
        if question.kind == "select_one" and not labels:
            code = str(value)
            return code if code in self._choice_labels(question) else None
        return self._text(question, value, labels)

    def _text(self, question: Question, value: Any, labels: bool) -> str | None:
        if value is None or value == "" or value == []:
            return None
        if question.kind in {"select_one", "select_multiple"}:
            codes = value if isinstance(value, list) else str(value).split()
            codes = [str(code) for code in codes]
            if question.kind == "select_one" and not isinstance(value, list):
                codes = [str(value)]
            if labels:
                names = self._choice_labels(question)
                return "; ".join(names.get(code, code) for code in codes)
            return " ".join(codes)
        if isinstance(value, list):
            return " ".join(str(item) for item in value)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)


SEPARATOR = "\x1f"  # between a question's name and its row in the database's keys


class _Answers(Aggregate):
    """A report's answers as one JSON object built by the database, `{question␟row: value}`:
    one row and one parse per report instead of a row and Python work per answer."""

    function = "JSON_OBJECT_AGG"  # PostgreSQL
    # As text: parsed by the caller (the driver's JSON loader would parse it in the reading
    # thread, which holds the interpreter while the writing waits).
    template = "%(function)s(%(expressions)s)::text"
    output_field = TextField()

    def __init__(self) -> None:
        super().__init__(Concat(F("question"), Value(SEPARATOR), F("row")), F("value"))

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # The stored value is JSON text: `JSON()` keeps it a value, not a string of JSON.
        key, value = self.get_source_expressions()[:2]
        key_sql, key_params = compiler.compile(key)
        value_sql, value_params = compiler.compile(value)
        return f"JSON_GROUP_OBJECT({key_sql}, JSON({value_sql}))", [*key_params, *value_params]


def _by_report(
    model: type[Answer] | type[PersonalAnswer],
    use: RoundInstrument,
    reports: QuerySet[Any],
    questions: Sequence[str],
) -> Iterator[tuple[int, dict[tuple[str, str], Any]]]:
    """The stored answers of some reports to some questions, report by report in the order of
    their ids: (report, {(question, row): value}). Each report's answers come as one JSON
    object that the database builds (`_Answers`), read in chunks through a cursor that streams
    (a server-side cursor on PostgreSQL)."""
    found = (
        model.objects.filter(round_instrument=use, report__in=reports, question__in=questions)
        .order_by()
        .values("report_id")
        .annotate(answers=_Answers())
        .order_by("report_id")
        .values_list("report_id", "answers")
    )
    loads = json.loads
    for report_id, stored in _read_ahead(found, CHUNK // 10):
        answers = loads(stored) if isinstance(stored, str | bytes) else stored
        yield report_id, {tuple(key.split(SEPARATOR, 1)): value for key, value in answers.items()}


READ_AHEAD = 4  # chunks a reading thread keeps ready


def _read_ahead(found: QuerySet[Any], size: int) -> Generator[Any, None, None]:
    """The rows of a query, read in chunks. On PostgreSQL, outside a transaction (a download,
    `export_round`), a thread of its own reads the next chunks with its own connection while
    the caller writes the rows it has — the database's work and the writing overlap —, never
    more than READ_AHEAD chunks ahead (flat memory). In a transaction (whose rows another
    connection would not see) and on SQLite, the rows are read here, chunk after chunk."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield from found.iterator(chunk_size=size)
        return
    chunks: queue.Queue[list[Any] | BaseException | None] = queue.Queue(maxsize=READ_AHEAD)
    stop = threading.Event()

    def read() -> None:
        try:
            # In a transaction of its own, the cursor is not held past it: the database hands
            # the rows over as it finds them (a held cursor would work out the whole result
            # first).
            with transaction.atomic():
                rows = found.iterator(chunk_size=size)
                while not stop.is_set():
                    chunk = list(itertools.islice(rows, size))
                    if not chunk:
                        break
                    chunks.put(chunk)
            chunks.put(None)
        except BaseException as error:  # handed to the caller, raised there
            chunks.put(error)
        finally:
            connections.close_all()  # this thread's connections only

    reader = threading.Thread(target=read, name="opendata-read-ahead", daemon=True)
    reader.start()
    try:
        while (chunk := chunks.get()) is not None:
            if isinstance(chunk, BaseException):
                raise chunk
            yield from chunk
    finally:
        stop.set()
        while reader.is_alive():  # let a reader blocked on a full queue finish
            try:
                chunks.get(timeout=0.1)
            except queue.Empty:
                continue
        reader.join()


def _together(
    first: Iterator[tuple[int, dict[tuple[str, str], Any]]],
    second: Iterator[tuple[int, dict[tuple[str, str], Any]]],
) -> Iterator[tuple[int, dict[tuple[str, str], Any]]]:
    """Two streams of answers by report (both in the order of the ids) as one."""
    merged = heapq.merge(first, second, key=lambda item: item[0])
    for report_id, items in itertools.groupby(merged, key=lambda item: item[0]):
        answers: dict[tuple[str, str], Any] = {}
        for _id, part in items:
            answers.update(part)
        yield report_id, answers


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = str(value).strip()
    return int(text) if re.fullmatch(r"-?\d{1,18}", text) else None


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return float(number) if number.is_finite() else None


def _date(value: Any) -> str | None:
    text = str(value).strip()[:10]
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def _moment(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# -- countries, registers, statistics -----------------------------------------------------------


def _countries(deadline: dt.date, language: str) -> Table:
    names = country_labels(language)
    regions = regions_on(deadline)
    region_names = {code: str(name) for code, name in REGION_NAMES.items()}

    def rows(labels: bool) -> Iterator[list[object]]:
        for iso3, iso2 in MemberState.objects.order_by("iso3").values_list("iso3", "iso2"):
            region = regions.get(iso3, "")
            yield [
                iso3,
                iso2,
                names.get(iso3, iso3),
                (region_names.get(region, region) if labels else region) or None,
            ]

    return Table(
        name="countries",
        title="WHO Member States",
        description="The Member States, with their WHO region at the round's deadline.",
        columns=[
            Column("iso3", "string", "ISO 3166 alpha-3", required=True),
            Column("iso2", "string", "ISO 3166 alpha-2"),
            Column("name", "string", "Name"),
            Column(
                "who_region",
                "string",
                "WHO region",
                categories=tuple((code, str(name)) for code, name in REGION_NAMES.items()),
            ),
        ],
        rows=rows,
        primary_key=("iso3",),
    )


def _registers(scope: Scope, language: str) -> list[Table]:
    def authorities(labels: bool) -> Iterator[list[object]]:
        found = NationalAuthority.objects.order_by("member_state_id").values_list(
            "member_state_id", *PUBLIC_AUTHORITY_FIELDS
        )
        for row in found.iterator(chunk_size=CHUNK):
            yield [value.isoformat() if isinstance(value, dt.date) else value for value in row]

    kinds = {code: str(label) for code, label in Law.Kind.choices}
    law_states = {code: str(label) for code, label in Law.Status.choices}
    recruiter_states = {code: str(label) for code, label in Recruiter.Status.choices}

    def laws(labels: bool) -> Iterator[list[object]]:
        found = (
            Law.objects.filter(
                public_laws_filter(now=scope.now)
                if scope.embargo
                else Q(validation=Validation.VALIDATED)
            )
            .prefetch_related("articles")
            .order_by("member_state_id", "pk")
        )
        for law in found.iterator(chunk_size=500):
            yield [
                law.pk,
                law.member_state_id,
                law.title,
                law.title_en or None,
                law.title_fr or None,
                kinds.get(law.kind, law.kind) if labels else law.kind,
                law.number or None,
                law.issuing_body or None,
                law_states.get(law.status, law.status) if labels else law.status,
                law.abstract or None,
                law.url or None,
                law.language or None,
                " ".join(str(article.number) for article in law.articles.all()) or None,
                "; ".join(str(word) for word in law.keywords or []) or None,
            ]

    def recruiters(labels: bool) -> Iterator[list[object]]:
        found = (
            Recruiter.objects.filter(validation=Validation.VALIDATED)
            .order_by("member_state_id", "legal_name", "pk")
            .values_list(
                "pk",
                "member_state_id",
                "legal_name",
                "other_names",
                "licence_number",
                "issuing_authority",
                "status",
                "valid_from",
                "valid_to",
                "website",
                "source_url",
                "last_verified",
            )
        )
        for row in found.iterator(chunk_size=CHUNK):
            pk, country, name, others, licence, issuer, status = row[:7]
            start, end, website, source, verified = row[7:]
            yield [
                pk,
                country,
                name,
                "; ".join(str(other) for other in others or []) or None,
                licence,
                issuer or None,
                recruiter_states.get(status, status) if labels else status,
                start.isoformat() if start else None,
                end.isoformat() if end else None,
                website or None,
                source or None,
                verified.isoformat() if verified else None,
            ]

    def statistics(labels: bool) -> Iterator[list[object]]:
        # The public figures as the portal shows them (publication.country): imported ones,
        # a national report's only once that report is published.
        found = public_statistics(now=scope.now) if scope.embargo else Statistic.objects.all()
        rows = found.order_by("pk").values_list(
            "dataset",
            "destination_code",
            "destination_id",
            "origin_code",
            "origin_id",
            "population",
            "occupation",
            "measure",
            "year",
            "value",
            "unit",
            "flag",
            "flag_note",
            "source_report_id",
        )
        for row in rows.iterator(chunk_size=CHUNK):
            line = list(row)
            line[9] = _number(plain_decimal(line[9]))
            yield [None if value == "" else value for value in line]

    law_kinds = tuple((code, str(label)) for code, label in Law.Kind.choices)
    law_statuses = tuple((code, str(label)) for code, label in Law.Status.choices)
    recruiter_statuses = tuple((code, str(label)) for code, label in Recruiter.Status.choices)
    to_countries = ("countries", "iso3")
    return [
        Table(
            name="authorities",
            title="Designated national authorities",
            description=(
                "The public register of designated national authorities (Code Art. 7.4): the "
                "authority and its official contact."
            ),
            columns=[
                Column("country", "string", "Member State", required=True),
                Column("name", "string", "Authority"),
                Column("institution", "string", "Institution"),
                Column("website", "string", "Website"),
                Column("email", "string", "Official address"),
                Column("designated_on", "date", "Designated on"),
            ],
            rows=authorities,
            primary_key=("country",),
            foreign_keys=(("country", *to_countries),),
        ),
        Table(
            name="laws",
            title="Laws and regulations",
            description="The validated entries of the database of laws and regulations.",
            columns=[
                Column("law_id", "integer", "Entry", required=True),
                Column("country", "string", "Member State", required=True),
                Column("title", "string", "Title in the original language"),
                Column("title_en", "string", "Title in English"),
                Column("title_fr", "string", "Title in French"),
                Column("kind", "string", "Type", categories=law_kinds),
                Column("number", "string", "Number"),
                Column("issuing_body", "string", "Issuing body"),
                Column("status", "string", "Status", categories=law_statuses),
                Column("abstract", "string", "Abstract"),
                Column("url", "string", "Full text"),
                Column("language", "string", "Language"),
                Column("articles", "string", "Code articles (numbers, separated by spaces)"),
                Column("keywords", "string", "Keywords"),
            ],
            rows=laws,
            primary_key=("law_id",),
            foreign_keys=(("country", *to_countries),),
        ),
        Table(
            name="recruiters",
            title="Authorised recruiters",
            description="The validated entries of the record of authorised recruiters.",
            columns=[
                Column("recruiter_id", "integer", "Entry", required=True),
                Column("country", "string", "Member State", required=True),
                Column("legal_name", "string", "Legal name"),
                Column("other_names", "string", "Other names"),
                Column("licence_number", "string", "Licence or registration number"),
                Column("issuing_authority", "string", "Issuing authority"),
                Column("status", "string", "Status", categories=recruiter_statuses),
                Column("valid_from", "date", "Valid from"),
                Column("valid_to", "date", "Valid until"),
                Column("website", "string", "Website"),
                Column("source_url", "string", "The country's public source"),
                Column("last_verified", "date", "Last verified"),
            ],
            rows=recruiters,
            primary_key=("recruiter_id",),
            foreign_keys=(("country", *to_countries),),
        ),
        Table(
            name="statistics",
            title="Health personnel migration statistics",
            description=(
                "Stocks and flows of health personnel by destination and origin, as imported "
                "(OECD, national sources) or taken from validated national reports."
            ),
            columns=[
                Column("dataset", "string", "Dataset"),
                Column("destination_code", "string", "Destination as given"),
                Column("destination", "string", "Destination Member State"),
                Column("origin_code", "string", "Origin as given"),
                Column("origin", "string", "Origin Member State"),
                Column("population", "string", "Population"),
                Column("occupation", "string", "Occupation"),
                Column("measure", "string", "Measure"),
                Column("year", "integer", "Year"),
                Column("value", "number", "Value"),
                Column("unit", "string", "Unit"),
                Column("flag", "string", "Flag"),
                Column("flag_note", "string", "Note"),
                Column("source_report", "integer", "Report it was taken from"),
            ],
            rows=statistics,
            foreign_keys=(
                ("destination", *to_countries),
                ("origin", *to_countries),
            ),
        ),
    ]


# -- the package descriptor ---------------------------------------------------------------------


def data_package(
    round_: Round,
    tables: Iterable[Table],
    *,
    scope: Scope = PUBLIC,
    labels: bool = False,
    path: Callable[[Table], str] = lambda table: f"data/{table.name}.csv",
) -> dict[str, Any]:
    """The `datapackage.json` of a round's tables (written as CSV files at `path`)."""
    licence = settings.OPEN_DATA_LICENCE
    return {
        "profile": "tabular-data-package",
        "name": f"who-code-monitor-round-{round_.number}",
        "title": f"{round_.title}: reports on the WHO Global Code of Practice",
        "description": (
            "Reports of Member States (National Reporting Instrument) and of independent "
            "stakeholders (Independent Stakeholders Reporting Instrument) on the application of "
            "the WHO Global Code of Practice on the International Recruitment of Health "
            "Personnel, with the registers and statistics the Code asks for. Personal data "
            "are never published."
            if scope.embargo
            else "The Secretariat's archive of the round (not for publication)."
            + (" It holds personal data." if scope.personal else "")
        ),
        "version": package_version(round_, scope),
        "created": _moment(scope.now or timezone.now()),
        "keywords": ["WHO", "health workforce", "international recruitment", "migration"],
        "languages": [language.code for language in LANGUAGES],
        "licenses": [dict(licence)],
        "sources": [
            {
                "title": f"World Health Organization, Code Monitor, round {round_.number}",
                "path": settings.SITE_URL.rstrip("/") + f"/rounds/{round_.number}/",
            }
        ],
        "resources": [
            {
                "name": table.name,
                "title": table.title,
                "description": table.description,
                "path": path(table),
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": table.schema(labels=labels),
            }
            for table in tables
        ],
    }
