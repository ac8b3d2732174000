"""Changing a report's answers: one field, a page sent as a plain form, rows of a table.

Every service here works on `(report, evaluation)`: the report and its answers seen through the
form's rules (`report_evaluation` loads them). A writer — a page, autosave, an import, a
Secretariat correction — needs nothing more; drawing the pages (`reporting/presenter.py`) is a
separate, read-only step. Each service saves through the answer store (one row per answer,
versioned, audited), keeps the evaluation in step with what it saved, and keeps the report's own
fields (the entity's name, its consent to publication) in step with the answers the instrument
declares for them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from codemonitor.accounts.models import User
from codemonitor.core.audit import Action, audit_log
from codemonitor.instruments.engine import AnswerValue, Evaluation, join_row
from codemonitor.instruments.schema import Question
from codemonitor.reporting.answers import (
    StaleAnswer,
    answer_audit_data,
    answer_save,
    answers_load,
)
from codemonitor.reporting.documents import document_remove
from codemonitor.reporting.fields import (
    AnswerRefused,
    field_key,
    parse_key,
    parse_value,
    value_digest,
)
from codemonitor.reporting.models import Answer, PersonalAnswer, Report

MAX_ROWS = 200  # rows of one table (the message below says so)


def report_evaluation(report: Report, *, language: str | None = None) -> Evaluation:
    """The report's answers through its form's rules (two queries, one per answer table)."""
    return Evaluation(
        report.instrument_version.form,
        answers_load(report),
        language=language or report.language,
        today=timezone.localdate(),
    )


@dataclass
class SavedField:
    question: str
    row: str
    value: AnswerValue
    version: int


@dataclass
class Conflict:
    """A field changed elsewhere since the page was drawn: both values are shown."""

    question: Question
    row: str
    mine: AnswerValue
    theirs: AnswerValue
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
class Refusal:
    """A field whose value could not be stored at all, with what the person is told."""

    question: Question
    row: str
    typed: str | list[str]
    message: str


@dataclass
class SaveResult:
    saved: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


def field_save(
    *,
    report: Report,
    evaluation: Evaluation,
    key: str,
    raw: str | list[str],
    version: int | None,
    user: User | None = None,
) -> SavedField:
    """Save one field (autosave). Raises KeyError for a field the report does not have,
    AnswerRefused for a value that cannot be stored, StaleAnswer when `version` is not the stored
    one (None stands for "no answer yet"), ReportClosed when the report is not open."""
    parsed = parse_key(key)
    if parsed is None:
        raise KeyError(key)
    name, row = parsed
    question = evaluation.questions.get(name)
    if question is None or not question.is_input or question.kind == "file":
        raise KeyError(key)
    if row and row not in evaluation.instances(name):
        raise KeyError(key)
    value = parse_value(question, raw)
    with transaction.atomic():  # the report's copy changes under the same lock as the answer
        saved = answer_save(
            report=report,
            question=name,
            row=row,
            value=value,
            user=user,
            expected_version=version or 0,
        )
        _remember(evaluation, name, row, value)
        if not row and name in evaluation.form.report_fields().values():
            _report_fields_sync(report, evaluation)
    return SavedField(name, row, value, saved.version)


def _page_inputs(evaluation: Evaluation, page: Question) -> list[tuple[Question, str]]:
    """The input questions of a page at every row, hidden or not, as drawn on the page."""
    found: list[tuple[Question, str]] = []

    def visit(nodes: Iterable[Question], row: str) -> None:
        for node in nodes:
            if node.kind == "group":
                visit(node.children, row)
            elif node.kind == "repeat":
                for row_id in evaluation.rows(node.name, row):
                    visit(node.children, join_row(row, row_id))
            elif node.is_input and node.kind != "file":
                found.append((node, row))

    visit(page.children, "")
    return found


def page_save(
    *,
    report: Report,
    evaluation: Evaluation,
    page: int,
    data: QueryDict,
    user: User | None = None,
) -> SaveResult:
    """Save a page sent as a plain form (no JavaScript): only the fields the person changed.

    Each field carries the fingerprint and version of the value it was drawn with. A field
    whose value is unchanged is left alone, so a page from an old tab cannot overwrite what was
    saved since; a changed field saved elsewhere meanwhile is a conflict, shown to the person.
    """
    with transaction.atomic():  # the report's copy changes under the same lock as the answers
        return _page_save(report=report, evaluation=evaluation, page=page, data=data, user=user)


def _page_save(
    *, report: Report, evaluation: Evaluation, page: int, data: QueryDict, user: User | None
) -> SaveResult:
    result = SaveResult()
    node = evaluation.form.pages()[page - 1]
    declared = set(evaluation.form.report_fields().values())
    declared_saved = False
    for question, row in _page_inputs(evaluation, node):
        key = field_key(question.name, row)
        if f"d{key}" not in data:
            continue  # the field was not on the page that was sent
        raw: str | list[str] = (
            data.getlist(key) if question.kind == "select_multiple" else data.get(key, "")
        )
        try:
            value = parse_value(question, raw)
        except AnswerRefused as refused:
            result.refused.append(Refusal(question, row, raw, str(refused)))
            continue
        if value_digest(value) == data.get(f"d{key}"):
            continue
        try:
            version = int(data.get(f"v{key}", "0"))
        except ValueError:
            version = 0
        try:
            answer_save(
                report=report,
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
        evaluation.answers[question.name, row] = value
        result.saved += 1
        declared_saved = declared_saved or (not row and question.name in declared)
    evaluation.forget()
    if declared_saved:
        _report_fields_sync(report, evaluation)
    return result


def answer_confirm(
    *, report: Report, evaluation: Evaluation, question: str, row: str, user: User | None = None
) -> bool:
    """Confirm an answer carried over from the previous round as it is; False if there is none."""
    if (question, row) not in evaluation.answers:
        return False
    answer_save(
        report=report,
        question=question,
        row=row,
        value=evaluation.answers[question, row],
        user=user,
    )
    return True


def row_add(
    *,
    report: Report,
    evaluation: Evaluation,
    repeat: str,
    parent_row: str = "",
    user: User | None = None,
) -> str:
    """Add a row to a table (a repeat); returns its id. KeyError or ValueError when refused."""
    rows = _table_rows(evaluation, repeat, parent_row)
    if len(rows) >= MAX_ROWS:
        raise ValueError(_("A table may have at most 200 rows."))
    row_id = secrets.token_hex(4)
    answer_save(report=report, question=repeat, row=parent_row, value=[*rows, row_id], user=user)
    _remember(evaluation, repeat, parent_row, [*rows, row_id])
    return row_id


def row_remove(
    *, report: Report, evaluation: Evaluation, repeat: str, row: str, user: User | None = None
) -> int:
    """Remove one row of a table, every answer and document inside it, each removal audited.

    Returns how many answers were removed. All of it is one transaction: the row list, the
    answers, the documents and their audit entries stand or fall together.
    """
    parent_row, _sep, row_id = row.rpartition("/")
    rows = _table_rows(evaluation, repeat, parent_row)
    if row_id not in rows:
        raise KeyError(row)
    remaining = [r for r in rows if r != row_id]
    inside = Q(row=row) | Q(row__startswith=row + "/")
    removed = 0
    now = timezone.now()
    with transaction.atomic():
        answer_save(
            report=report, question=repeat, row=parent_row, value=remaining or None, user=user
        )
        for document in list(report.files.filter(inside)):
            document_remove(document=document, user=user)
        for model in (Answer, PersonalAnswer):
            doomed = list(
                model.objects.filter(inside, report=report).values_list(
                    "pk", "question", "row", "value"
                )
            )
            for _pk, question, answer_row, value in doomed:
                audit_log(
                    action=Action.REPORT_ANSWER_REMOVED,
                    target=report,
                    actor=user,
                    at=now,
                    data=answer_audit_data(
                        question=question,
                        row=answer_row,
                        old=value,
                        new=None,
                        personal=model is PersonalAnswer,
                    ),
                )
            model.objects.filter(pk__in=[pk for pk, *_rest in doomed]).delete()
            removed += len(doomed)
        if removed:
            Report.objects.filter(pk=report.pk).update(updated_at=now)
    for key in [k for k in evaluation.answers if k[1] == row or k[1].startswith(row + "/")]:
        del evaluation.answers[key]
    _remember(evaluation, repeat, parent_row, remaining or None)
    return removed


def report_language_set(
    *, report: Report, language: str, user: User | None = None, actor_label: str = ""
) -> bool:
    """The language of a report's pages and emails; True if it changed (and was audited)."""
    if language == report.language:
        return False
    with transaction.atomic():
        previous = report.language
        report.language = language
        Report.objects.filter(pk=report.pk).update(language=language)
        audit_log(
            action=Action.REPORT_LANGUAGE_CHANGED,
            target=report,
            actor=user,
            actor_label=actor_label,
            data={"old": previous, "new": language},
        )
    return True


def _table_rows(evaluation: Evaluation, repeat: str, parent_row: str) -> list[str]:
    """The row ids of a table under one row of its enclosing table; KeyError if `repeat` is not
    a table or that enclosing row does not exist."""
    table = evaluation.questions.get(repeat)
    if table is None or table.kind != "repeat":
        raise KeyError(repeat)
    if parent_row and parent_row not in evaluation.instances(repeat):
        raise KeyError(parent_row)
    return evaluation.rows(repeat, parent_row)


def report_page_visit(*, report: Report, page: str) -> None:
    """Mark a page as visited (a page counts as done once visited and without problems)."""
    if page not in report.visited_pages:
        report.visited_pages = [*report.visited_pages, page]
        Report.objects.filter(pk=report.pk).update(visited_pages=report.visited_pages)


def _remember(evaluation: Evaluation, name: str, row: str, value: AnswerValue) -> None:
    evaluation.answers[name, row] = value
    evaluation.forget()


def _report_fields_sync(report: Report, evaluation: Evaluation) -> None:
    """The report's own copy of the answers the instrument declares as report fields.

    Called inside the save's transaction, after the answer store locked the report's row: the
    declared answers are read again there, so a concurrent save of another of them (made with
    an evaluation read before it) cannot leave the report's copy behind.
    """
    declared = evaluation.form.report_fields()
    if not declared:
        return
    stored = {
        question: value
        for model in (Answer, PersonalAnswer)
        for question, value in model.objects.filter(
            report=report, row="", question__in=list(declared.values())
        ).values_list("question", "value")
    }
    for question in declared.values():
        if stored.get(question) is None:
            evaluation.answers.pop((question, ""), None)
        else:
            evaluation.answers[question, ""] = stored[question]
    evaluation.forget()
    changes: dict[str, object] = {}
    name_question = declared.get("entity_name")
    if name_question and report.member_state_id is None:
        entity = evaluation.answers.get((name_question, ""))
        if isinstance(entity, str) and entity != report.entity_name:
            changes["entity_name"] = entity[:300]
    consent_question = declared.get("entity_name_consent")
    consent = (
        consent_question is not None and evaluation.answers.get((consent_question, "")) == "yes"
    )
    if consent != report.publish_entity_name:
        changes["publish_entity_name"] = consent
    if changes:
        Report.objects.filter(pk=report.pk).update(**changes)
        for name, value in changes.items():
            setattr(report, name, value)
