"""The pages of a report, read only: what each page and field shows, in one language.

Shared by every instrument and every audience. The views of an audience decide who may see a
report; this presenter turns a report, its form and its answers (through the engine's
`Evaluation`) into pages, fields, the review and the progress. It never writes: saving is done by
the editing services (`reporting/editing.py`), which work on `(report, evaluation)` and do not
need this read model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from codemonitor.instruments.engine import AnswerKey, AnswerValue, Evaluation, join_row
from codemonitor.instruments.expressions import to_string
from codemonitor.instruments.schema import COUNTRIES_LIST, Form, Question
from codemonitor.reference.names import country_labels
from codemonitor.reporting.answers import answers_with_versions
from codemonitor.reporting.fields import field_key, value_digest
from codemonitor.reporting.models import Answer, PersonalAnswer, Report, ReportFile


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
    value: AnswerValue = None
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
        answers: Mapping[AnswerKey, AnswerValue] | None = None,
        evaluation: Evaluation | None = None,
        leave_out: frozenset[str] = frozenset(),
    ) -> None:
        """Load the report's answers, or draw the given ones (`answers`), or the answers of an
        evaluation that an editing service has just changed (`evaluation`). The questions of
        `leave_out` are never drawn in the review (publication leaves out personal ones)."""
        self.report = report
        self.leave_out = leave_out
        self.form: Form = report.instrument_version.form
        self.language = language or report.language
        self._versions: dict[AnswerKey, int] | None = None
        self._carried: set[AnswerKey] | None = None
        if evaluation is not None:
            self.evaluation = evaluation
        else:
            if answers is None:
                loaded, self._versions, self._carried = answers_with_versions(report)
                answers = loaded
            self.evaluation = Evaluation(
                self.form, answers, language=self.language, today=timezone.localdate()
            )
        self.pages = self.form.pages()
        self._files: dict[tuple[str, str], list[ReportFile]] | None = None
        self._countries: dict[str, str] | None = None

    @property
    def answers(self) -> Mapping[AnswerKey, AnswerValue]:
        return self.evaluation.answers

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
            return to_string(self.evaluation.resolve(name, row, name))

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
            if node.name in self.leave_out or not self.evaluation.relevant(node.name, row):
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
