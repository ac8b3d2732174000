"""The pages of a report: what each field shows, and saving what a person typed.

Shared by every instrument (the ISRI now, the NRI later): the views of each audience decide who
may see a report; this module turns a report and its form into pages, parses what comes back, and
saves it, one answer at a time, through the answer store. What is shown and what is wrong always
comes from the form engine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from codemonitor.accounts.models import User
from codemonitor.instruments.engine import Evaluation, join_row
from codemonitor.instruments.schema import COUNTRIES_LIST, Form, Question
from codemonitor.reference.languages import BY_CODE
from codemonitor.reference.names import country_labels
from codemonitor.reporting.answers import StaleAnswer, answer_save, answers_with_versions
from codemonitor.reporting.models import Answer, PersonalAnswer, Report, ReportFile

_INTEGER_RE = re.compile(r"^-?\d+$")
_DECIMAL_RE = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")
FIELD_PREFIX = "q__"


def field_key(name: str, row: str = "") -> str:
    """The name of a form input: `q__<question>__<row path with / as .>`."""
    return f"{FIELD_PREFIX}{name}__{row.replace('/', '.')}"


def parse_key(key: str) -> tuple[str, str] | None:
    if not key.startswith(FIELD_PREFIX):
        return None
    name, sep, row = key[len(FIELD_PREFIX) :].rpartition("__")
    if not sep or not name:
        return None
    return name, row.replace(".", "/")


def parse_value(question: Question, raw: str | list[str]) -> Any:
    """What a person sent for a question, as it is stored: typed when valid, as typed if not.

    Nothing typed is thrown away: an invalid number stays text, and the engine says what is wrong.
    """
    if question.kind == "select_multiple":
        items = raw if isinstance(raw, list) else str(raw).split()
        chosen = [item.strip() for item in items if item.strip()]
        return chosen or None
    text = (raw[0] if raw else "") if isinstance(raw, list) else str(raw)
    text = text.replace("\r\n", "\n").strip()
    if text == "":
        return None
    if question.kind == "integer" and _INTEGER_RE.match(text) and len(text) < 19:
        return int(text)
    if question.kind == "decimal" and _DECIMAL_RE.match(text) and len(text) < 30:
        return float(text)
    return text  # however long: the engine says when it is too long, nothing is cut


def value_digest(value: Any) -> str:
    """A short fingerprint of a stored value, to tell later which fields a person changed."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


@dataclass
class FieldView:
    question: Question
    row: str
    key: str
    label: str
    hint: str
    visible: bool
    required: bool = False
    read_only: bool = False
    value: Any = None
    text: str = ""
    chosen: set[str] = field(default_factory=set)
    choices: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None
    version: int = 0
    digest: str = ""
    files: list[ReportFile] = field(default_factory=list)
    children: list[FieldView] = field(default_factory=list)
    rows: list[RowView] = field(default_factory=list)
    carried: bool = False

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def widget(self) -> str:
        """How the field is drawn: the template picks a partial by this name."""
        q = self.question
        if q.kind in {"group", "repeat", "note", "file"}:
            return q.kind
        if q.kind == "text":
            return "textarea" if "multiline" in q.appearance else "text"
        if q.kind in {"integer", "decimal"}:
            return "number"
        if q.kind == "date":
            return "date"
        if q.kind == "select_one":
            return (
                "dropdown"
                if (
                    "minimal" in q.appearance
                    or q.list_name == COUNTRIES_LIST
                    or len(self.choices) > 12
                )
                else "radio"
            )
        if q.kind == "select_multiple":
            return "countries" if q.list_name == COUNTRIES_LIST else "checkboxes"
        return "hidden"


@dataclass
class RowView:
    row: str
    row_id: str
    number: int
    fields: list[FieldView]


@dataclass
class PageView:
    number: int
    name: str
    title: str
    fields: list[FieldView]
    done: bool
    problems: int
    # (field key, label, message) of each answer that needs attention, for the summary.
    problem_list: list[tuple[str, str, str]] = field(default_factory=list)


class ReportPages:
    """A report seen page by page in one language; built once per request."""

    def __init__(
        self,
        report: Report,
        *,
        language: str | None = None,
        answers: Mapping[tuple[str, str], Any] | None = None,
    ) -> None:
        self.report = report
        self.form: Form = report.instrument_version.form
        self.language = language or report.language
        if answers is None:
            loaded, versions, carried = answers_with_versions(report)
            self.answers: dict[tuple[str, str], Any] = loaded
            self._versions: dict[tuple[str, str], int] | None = versions
            self._carried: set[tuple[str, str]] | None = carried
        else:
            self.answers = dict(answers)
            self._versions = None
            self._carried = None
        self.evaluation = Evaluation(
            self.form, self.answers, language=self.language, today=timezone.localdate()
        )
        self.pages = self.form.pages()
        self._files: dict[tuple[str, str], list[ReportFile]] | None = None
        self._countries: dict[str, str] | None = None

    @property
    def instrument_translated(self) -> bool:
        return self.language in self.form.languages

    def text(self, question: Question, attribute: str) -> str:
        return question.text(attribute, self.language, self.form.default_language)

    def versions(self) -> dict[tuple[str, str], int]:
        if self._versions is None:
            self._versions = {}
            for model in (Answer, PersonalAnswer):
                for question, row, version in model.objects.filter(report=self.report).values_list(
                    "question", "row", "version"
                ):
                    self._versions[question, row] = version
        return self._versions

    def carried(self) -> set[tuple[str, str]]:
        """Answers copied from the previous round that nobody has confirmed or changed yet."""
        if self._carried is None:
            self._carried = set()
            for model in (Answer, PersonalAnswer):
                self._carried |= set(
                    model.objects.filter(report=self.report, carried=True).values_list(
                        "question", "row"
                    )
                )
        return self._carried

    def files(self, name: str, row: str) -> list[ReportFile]:
        if self._files is None:
            self._files = {}
            for document in self.report.files.order_by("uploaded_at", "pk"):
                self._files.setdefault((document.question, document.row), []).append(document)
        return self._files.get((name, row), [])

    def countries(self) -> dict[str, str]:
        if self._countries is None:
            self._countries = country_labels(self.language)
        return self._countries

    def choices(self, question: Question, row: str) -> list[tuple[str, str]]:
        if question.list_name == COUNTRIES_LIST:
            return list(self.countries().items())
        return [
            (
                choice.name,
                choice.label.get(self.language)
                or choice.label.get(self.form.default_language)
                or choice.name,
            )
            for choice in self.evaluation.choices(question.name, row)
        ]

    # -- building pages --------------------------------------------------------------------

    def page(self, number: int, *, with_errors: bool = True) -> PageView:
        node = self.pages[number - 1]
        fields = [self._field(child, "", with_errors) for child in node.children]
        problems = self.evaluation.problems(node.children)
        listed = [
            (
                field_key(p.question, p.row),
                self.text(self.evaluation.questions[p.question], "label") or p.question,
                p.message,
            )
            for p in problems
        ]
        return PageView(
            number,
            node.name,
            self.text(node, "label") or node.name,
            fields,
            self.page_done(number),
            len(problems),
            listed,
        )

    def page_state(self, number: int) -> dict[str, Any]:
        """The keys of the shown fields of a page and their errors, without drawing it."""
        evaluation = self.evaluation
        visible: list[str] = []
        errors: dict[str, str] = {}
        for question, row in evaluation.walk_instances(self.pages[number - 1].children):
            if not evaluation.relevant(question.name, row):
                continue
            key = field_key(question.name, row)
            visible.append(key)
            message = evaluation.problem(question.name, row)
            if message:
                errors[key] = message
        return {"visible": visible, "errors": errors}

    def page_done(self, number: int) -> bool:
        node = self.pages[number - 1]
        return node.name in self.report.visited_pages and not self.evaluation.problems(
            node.children
        )

    def progress(self) -> tuple[int, int]:
        return sum(1 for n in range(1, len(self.pages) + 1) if self.page_done(n)), len(self.pages)

    def outline(self) -> list[tuple[int, str, bool]]:
        return [
            (n, self.text(page, "label") or page.name, self.page_done(n))
            for n, page in enumerate(self.pages, start=1)
        ]

    def _field(self, question: Question, row: str, with_errors: bool) -> FieldView:
        evaluation = self.evaluation
        visible = evaluation.relevant(question.name, row)
        view = FieldView(
            question=question,
            row=row,
            key=field_key(question.name, row),
            label=self._interpolate(self.text(question, "label"), row),
            hint=self.text(question, "hint"),
            visible=visible,
        )
        if question.kind == "group":
            view.children = [self._field(child, row, with_errors) for child in question.children]
            return view
        if question.kind == "repeat":
            for number, row_id in enumerate(evaluation.rows(question.name, row), start=1):
                path = join_row(row, row_id)
                view.rows.append(
                    RowView(
                        path,
                        row_id,
                        number,
                        [self._field(child, path, with_errors) for child in question.children],
                    )
                )
            view.value = [r.row_id for r in view.rows]
            view.version = self.versions().get((question.name, row), 0)
            return view
        if not question.is_input:
            return view
        stored = self.answers.get((question.name, row))
        view.value = stored
        view.version = self.versions().get((question.name, row), 0)
        view.digest = value_digest(stored)
        view.carried = (question.name, row) in self.carried()
        view.required = visible and evaluation.required(question.name, row)
        view.read_only = evaluation.read_only(question.name, row)
        if question.kind in {"select_one", "select_multiple"}:
            view.choices = self.choices(question, row)
            items = stored if isinstance(stored, list) else ([] if stored is None else [stored])
            view.chosen = {str(item) for item in items}
        elif question.kind == "file":
            view.files = self.files(question.name, row)
        else:
            view.text = "" if stored is None else str(stored)
        if with_errors and visible:
            view.error = evaluation.problem(question.name, row)
        return view

    _REF_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.\-]*)\}")

    def _interpolate(self, text: str, row: str) -> str:
        """`${name}` in a label shows that answer (as XLSForm labels do)."""
        if "${" not in text:
            return text

        def replace(match: re.Match[str]) -> str:
            name = match[1]
            if name not in self.evaluation.questions:
                return match[0]
            value = self.evaluation.resolve(name, row, name)
            from codemonitor.instruments.expressions import to_string

            return to_string(value)

        return self._REF_RE.sub(replace, text)

    # -- showing answers (review page, receipt, back office) --------------------------------

    def display(self, question: Question, row: str) -> str:
        value = self.answers.get((question.name, row))
        if value is None or value == [] or value == "":
            return ""
        if question.kind in {"select_one", "select_multiple"}:
            labels = dict(self.choices(question, row))
            items = value if isinstance(value, list) else [value]
            return ", ".join(labels.get(str(item), str(item)) for item in items)
        if question.kind == "file":
            return ", ".join(document.original_name for document in self.files(question.name, row))
        return str(value)

    def review(self) -> list[tuple[int, str, list[tuple[str, str, int]]]]:
        """Every shown answer in form order: (page, title, [(label, answer, depth)])."""
        result = []
        for number, page in enumerate(self.pages, start=1):
            lines: list[tuple[str, str, int]] = []
            self._review_nodes(page.children, "", lines, 0)
            result.append((number, self.text(page, "label") or page.name, lines))
        return result

    def _review_nodes(
        self, nodes: Iterable[Question], row: str, lines: list[tuple[str, str, int]], depth: int
    ) -> None:
        for node in nodes:
            if not self.evaluation.relevant(node.name, row):
                continue
            if node.kind == "group":
                label = self.text(node, "label")
                if label:
                    lines.append((label, "", depth))
                self._review_nodes(node.children, row, lines, depth + 1)
            elif node.kind == "repeat":
                rows = self.evaluation.rows(node.name, row)
                lines.append(
                    (
                        self.text(node, "label") or node.name,
                        _("%(count)s row(s)") % {"count": len(rows)},
                        depth,
                    )
                )
                for number, row_id in enumerate(rows, start=1):
                    lines.append((_("Row %(number)s") % {"number": number}, "", depth + 1))
                    self._review_nodes(node.children, join_row(row, row_id), lines, depth + 2)
            elif node.is_input:
                lines.append(
                    (self.text(node, "label") or node.name, self.display(node, row) or "—", depth)
                )


# -- saving ------------------------------------------------------------------------------------


@dataclass
class Conflict:
    question: Question
    row: str
    mine: Any
    theirs: Any
    version: int

    @property
    def mine_list(self) -> list[Any]:
        return self.mine if isinstance(self.mine, list) else [self.mine]

    @property
    def row_key(self) -> str:
        return self.row.replace("/", ".")

    @property
    def theirs_digest(self) -> str:
        return value_digest(self.theirs)


@dataclass
class SaveResult:
    saved: int = 0
    conflicts: list[Conflict] = field(default_factory=list)


def _page_inputs(pages: ReportPages, number: int) -> list[tuple[Question, str]]:
    """The input questions of a page at every row, hidden or not, as drawn on the page."""
    found: list[tuple[Question, str]] = []

    def visit(nodes: Iterable[Question], row: str) -> None:
        for node in nodes:
            if node.kind == "group":
                visit(node.children, row)
            elif node.kind == "repeat":
                for row_id in pages.evaluation.rows(node.name, row):
                    visit(node.children, join_row(row, row_id))
            elif node.is_input and node.kind != "file":
                found.append((node, row))

    visit(pages.pages[number - 1].children, "")
    return found


def page_save(
    *,
    pages: ReportPages,
    number: int,
    data: QueryDict,
    user: User | None = None,
    actor_label: str = "",
) -> SaveResult:
    """Save a page sent as a plain form (no JavaScript): only the fields the person changed.

    Each field carries the fingerprint and version of the value it was drawn with. A field
    whose value is unchanged is left alone, so a page from an old tab cannot overwrite what was
    saved since; a changed field saved elsewhere meanwhile is a conflict, shown to the person.
    """
    result = SaveResult()
    for question, row in _page_inputs(pages, number):
        key = field_key(question.name, row)
        if f"d{key}" not in data:
            continue  # the field was not on the page that was sent
        raw: str | list[str] = (
            data.getlist(key) if question.kind == "select_multiple" else data.get(key, "")
        )
        value = parse_value(question, raw)
        if value_digest(value) == data.get(f"d{key}"):
            continue
        try:
            version = int(data.get(f"v{key}", "0"))
        except ValueError:
            version = 0
        try:
            saved = answer_save(
                report=pages.report,
                question=question.name,
                row=row,
                value=value,
                user=user,
                expected_version=version,
            )
        except StaleAnswer as stale:
            result.conflicts.append(
                Conflict(question, row, value, stale.current.value, stale.current.version)
            )
            continue
        pages.answers[question.name, row] = value
        pages.versions()[question.name, row] = saved.version
        result.saved += 1
    pages.evaluation.forget()
    _record_side_effects(pages)
    return result


def field_save(
    *,
    pages: ReportPages,
    key: str,
    raw: str | list[str],
    version: int | None,
    user: User | None = None,
) -> tuple[Any, int]:
    """Save one field (autosave). Returns (value, new version); raises StaleAnswer or KeyError."""
    parsed = parse_key(key)
    if parsed is None:
        raise KeyError(key)
    name, row = parsed
    question = pages.evaluation.questions.get(name)
    if question is None or not question.is_input or question.kind == "file":
        raise KeyError(key)
    if row and not _row_exists(pages, name, row):
        raise KeyError(key)
    value = parse_value(question, raw)
    saved = answer_save(
        report=pages.report,
        question=name,
        row=row,
        value=value,
        user=user,
        expected_version=version,
    )
    pages.answers[name, row] = value
    pages.versions()[name, row] = saved.version
    pages.evaluation.forget()
    _record_side_effects(pages)
    return value, saved.version


def _row_exists(pages: ReportPages, name: str, row: str) -> bool:
    return row in pages.evaluation.instances(name)


def row_add(
    *, pages: ReportPages, repeat: str, parent_row: str = "", user: User | None = None
) -> str:
    question = pages.evaluation.questions.get(repeat)
    if question is None or question.kind != "repeat":
        raise KeyError(repeat)
    rows = pages.evaluation.rows(repeat, parent_row)
    if len(rows) >= 200:
        raise ValueError(_("A table may have at most 200 rows."))
    row_id = secrets.token_hex(4)
    answer_save(
        report=pages.report, question=repeat, row=parent_row, value=[*rows, row_id], user=user
    )
    pages.answers[repeat, parent_row] = [*rows, row_id]
    pages.evaluation.forget()
    return row_id


def row_remove(*, pages: ReportPages, repeat: str, row: str, user: User | None = None) -> None:
    """Remove one row of a repeat and every answer inside it."""
    parent_row, _sep, row_id = row.rpartition("/")
    rows = pages.evaluation.rows(repeat, parent_row)
    if row_id not in rows:
        raise KeyError(row)
    remaining = [r for r in rows if r != row_id]
    answer_save(
        report=pages.report, question=repeat, row=parent_row, value=remaining or None, user=user
    )
    for model in (Answer, PersonalAnswer):
        model.objects.filter(report=pages.report, row=row).delete()
        model.objects.filter(report=pages.report, row__startswith=row + "/").delete()
    pages.answers = {
        k: v for k, v in pages.answers.items() if not (k[1] == row or k[1].startswith(row + "/"))
    }
    pages.answers[repeat, parent_row] = remaining or None
    pages.evaluation = Evaluation(
        pages.form, pages.answers, language=pages.language, today=timezone.localdate()
    )


def _record_side_effects(pages: ReportPages) -> None:
    """Answers that the report itself keeps: the entity's name and the publication consent."""
    report = pages.report
    changes: dict[str, Any] = {}
    entity = pages.answers.get(("entity_name", ""))
    if report.member_state_id is None and isinstance(entity, str) and entity != report.entity_name:
        changes["entity_name"] = entity[:300]
    consent = pages.answers.get(("publish_name", "")) == "yes"
    if consent != report.publish_entity_name:
        changes["publish_entity_name"] = consent
    if changes:
        Report.objects.filter(pk=report.pk).update(**changes)
        for name, value in changes.items():
            setattr(report, name, value)


def page_visited(report: Report, pages: ReportPages, number: int) -> None:
    name = pages.pages[number - 1].name
    if name not in report.visited_pages:
        report.visited_pages = [*report.visited_pages, name]
        Report.objects.filter(pk=report.pk).update(visited_pages=report.visited_pages)


def language_of(report: Report) -> str:
    return report.language if report.language in BY_CODE else "en"


def deadline_passed(report: Report, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) >= report.round_instrument.closes_at
