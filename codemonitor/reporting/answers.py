"""The answer store: reading a report's answers, saving one answer at a time.

Saving one field writes one row (an insert or a versioned update), never the whole report, so
autosave stays cheap and two people on different fields never touch the same row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from codemonitor.accounts.models import User
from codemonitor.instruments.engine import AnswerKey
from codemonitor.reporting.models import (
    Answer,
    AuditEntry,
    PersonalAnswer,
    Report,
    RoundInstrument,
)

AnyAnswer = Answer | PersonalAnswer


class StaleAnswer(Exception):
    """The answer changed since the version the person edited."""

    def __init__(self, current: AnyAnswer) -> None:
        super().__init__(f"{current.question} is at version {current.version}")
        self.current = current


def _model_for(report: Report, question: str) -> type[Answer] | type[PersonalAnswer]:
    form = report.instrument_version.form
    node = form.questions().get(question)
    return PersonalAnswer if node is not None and node.personal else Answer


def answers_load(report: Report) -> dict[AnswerKey, Any]:
    """Every answer of a report (personal data included), keyed by (question, row)."""
    return answers_with_versions(report)[0]


def answers_with_versions(report: Report) -> tuple[dict[AnswerKey, Any], dict[AnswerKey, int]]:
    """Every answer of a report and its version, in two queries (one per table)."""
    values: dict[AnswerKey, Any] = {}
    versions: dict[AnswerKey, int] = {}
    for model in (Answer, PersonalAnswer):
        rows = model.objects.filter(report=report).values_list(
            "question", "row", "value", "version"
        )
        for question, row, value, version in rows:
            values[question, row] = value
            versions[question, row] = version
    return values, versions


def answer_save(
    *,
    report: Report,
    question: str,
    value: Any,
    row: str = "",
    user: User | None = None,
    expected_version: int | None = None,
) -> AnyAnswer:
    """Save one answer. With `expected_version`, refuse (StaleAnswer) if someone changed it since.

    Returns the stored answer with its new version.
    """
    model = _model_for(report, question)
    now = timezone.now()
    with transaction.atomic():
        current = (
            model.objects.select_for_update()
            .filter(report=report, question=question, row=row)
            .first()
        )
        if current is None:
            if expected_version not in (None, 0):
                raise StaleAnswer(
                    model(report=report, question=question, row=row, value=None, version=0)
                )
            try:
                with transaction.atomic():
                    answer = model.objects.create(
                        report=report,
                        round_instrument_id=report.round_instrument_id,
                        question=question,
                        row=row,
                        value=value,
                        updated_at=now,
                        updated_by=user,
                    )
            except IntegrityError:
                # Another request created it first: save over it as an ordinary update.
                current = model.objects.select_for_update().get(
                    report=report, question=question, row=row
                )
            else:
                Report.objects.filter(pk=report.pk).update(updated_at=now)
                _audit_change(report, question, row, None, value, user, now)
                return answer
        if expected_version is not None and current.version != expected_version:
            raise StaleAnswer(current)
        if current.value == value:
            return current
        model.objects.filter(pk=current.pk).update(
            value=value, version=F("version") + 1, updated_at=now, updated_by=user
        )
        Report.objects.filter(pk=report.pk).update(updated_at=now)
        _audit_change(report, question, row, current.value, value, user, now)
        # The row is locked until the transaction ends: its new version is ours to know.
        current.value, current.version = value, current.version + 1
        current.updated_at, current.updated_by = now, user
        return current


def _audit_change(
    report: Report, question: str, row: str, old: Any, new: Any, user: User | None, at: Any
) -> None:
    AuditEntry.objects.create(
        report=report,
        action="report.answer.changed",
        actor=user,
        actor_label=user.get_username() if user else "",
        at=at,
        data={"question": question, "row": row, "old": old, "new": new},
    )


def answers_save_many(
    *, report: Report, values: Iterable[tuple[str, str, Any]], user: User | None = None
) -> int:
    """Save several answers at once (a page without JavaScript, demo data); returns the count."""
    count = 0
    with transaction.atomic():
        for question, row, value in values:
            answer_save(report=report, question=question, row=row, value=value, user=user)
            count += 1
    return count


def answers_to_question(round_instrument: RoundInstrument, question: str) -> QuerySet[Answer]:
    """All answers to one question across every report of a round: one index range scan."""
    return Answer.objects.filter(round_instrument=round_instrument, question=question)
