"""The answer store: reading a report's answers, saving one answer at a time.

Saving one field writes one row (an insert or a versioned update), never the whole report, so
autosave stays cheap and two people on different fields never touch the same row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from codemonitor.accounts.models import User
from codemonitor.core.audit import Action, audit_log, personal_digest
from codemonitor.instruments.engine import AnswerKey, AnswerValue
from codemonitor.reporting.models import (
    Answer,
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


class ReportClosed(Exception):
    """The report is not open for changes (it was submitted, or is being reviewed)."""


# The states in which a report's answers may change: a draft, and a national report returned
# to the country for changes.
ANSWERS_OPEN = frozenset({Report.State.DRAFT, Report.State.RETURNED})


def report_hold_open(report: Report, now: Any) -> None:
    """Inside a transaction: lock the report's row if its answers may change, else ReportClosed.

    Submitting locks the same row before it checks the answers, so once a submission's check
    has begun no save of that report is accepted until the report is open again: the answers
    submitted are the answers checked. The lock and the `updated_at` stamp are one statement.
    """
    opened = Report.objects.filter(pk=report.pk, state__in=ANSWERS_OPEN).update(updated_at=now)
    if not opened:
        raise ReportClosed(report.pk)


def _model_for(report: Report, question: str) -> type[Answer] | type[PersonalAnswer]:
    form = report.instrument_version.form
    node = form.questions().get(question)
    return PersonalAnswer if node is not None and node.personal else Answer


def answers_load(report: Report) -> dict[AnswerKey, AnswerValue]:
    """Every answer of a report (personal data included), keyed by (question, row)."""
    return answers_with_versions(report)[0]


def answers_with_versions(
    report: Report,
) -> tuple[dict[AnswerKey, AnswerValue], dict[AnswerKey, int], set[AnswerKey]]:
    """Every answer of a report, its version, and which are carried over unconfirmed.

    Two queries, one per table.
    """
    values: dict[AnswerKey, AnswerValue] = {}
    versions: dict[AnswerKey, int] = {}
    carried: set[AnswerKey] = set()
    for model in (Answer, PersonalAnswer):
        rows = model.objects.filter(report=report).values_list(
            "question", "row", "value", "version", "carried"
        )
        for question, row, value, version, is_carried in rows:
            values[question, row] = value
            versions[question, row] = version
            if is_carried:
                carried.add((question, row))
    return values, versions, carried


def answers_digest(answers: dict[AnswerKey, AnswerValue]) -> str:
    """A fingerprint of a whole set of answers (the same answers, the same digest)."""
    listed = sorted(([q, r], v) for (q, r), v in answers.items() if v is not None)
    return hashlib.sha256(json.dumps(listed, sort_keys=True, default=str).encode()).hexdigest()


def answer_save(
    *,
    report: Report,
    question: str,
    value: AnswerValue,
    row: str = "",
    user: User | None = None,
    expected_version: int | None = None,
) -> AnyAnswer:
    """Save one answer. With `expected_version`, refuse (StaleAnswer) if someone changed it since.

    Refuses (ReportClosed) when the report is not open for changes, checked under the report's
    lock. Returns the stored answer with its new version.
    """
    model = _model_for(report, question)
    now = timezone.now()
    with transaction.atomic():
        report_hold_open(report, now)
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
                _audit_change(report, model, question, row, None, value, user, now)
                return answer
        if expected_version is not None and current.version != expected_version:
            raise StaleAnswer(current)
        if current.value == value and not current.carried:
            return current
        # Saving a carried-over answer, even unchanged, confirms it.
        model.objects.filter(pk=current.pk).update(
            value=value, version=F("version") + 1, updated_at=now, updated_by=user, carried=False
        )
        _audit_change(report, model, question, row, current.value, value, user, now)
        # The row is locked until the transaction ends: its new version is ours to know.
        current.value, current.version, current.carried = value, current.version + 1, False
        current.updated_at, current.updated_by = now, user
        return current


def answer_audit_data(
    *, question: str, row: str, old: AnswerValue, new: AnswerValue, personal: bool
) -> dict[str, Any]:
    """What the audit log keeps of an answer's change: both values, or — for personal data —
    only that it changed, with keyed digests that tell values apart without revealing them."""
    if personal:
        return {
            "question": question,
            "row": row,
            "personal": True,
            "old_digest": personal_digest(old),
            "new_digest": personal_digest(new),
        }
    return {"question": question, "row": row, "old": old, "new": new}


def _audit_change(
    report: Report,
    model: type[Answer] | type[PersonalAnswer],
    question: str,
    row: str,
    old: AnswerValue,
    new: AnswerValue,
    user: User | None,
    at: Any,
) -> None:
    audit_log(
        action=Action.REPORT_ANSWER_CHANGED,
        target=report,
        actor=user,
        at=at,
        data=answer_audit_data(
            question=question, row=row, old=old, new=new, personal=model is PersonalAnswer
        ),
    )


def answers_save_many(
    *, report: Report, values: Iterable[tuple[str, str, AnswerValue]], user: User | None = None
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


def answers_carry_over(*, report: Report) -> int:
    """Offer the country's answers of the previous round as a starting point.

    Answers to questions of the same name in the Member State's latest earlier report of the same
    instrument are copied, marked `carried` until someone confirms or changes them.
    """
    if report.member_state_id is None:
        return 0
    previous = (
        Report.objects.filter(
            member_state_id=report.member_state_id,
            instrument_version__instrument_id=report.instrument_version.instrument_id,
            round_instrument__round__number__lt=report.round_instrument.round.number,
        )
        .order_by("-round_instrument__round__number")
        .first()
    )
    if previous is None:
        return 0
    questions = report.instrument_version.form.questions()
    taken = set(Answer.objects.filter(report=report).values_list("question", "row"))
    copied = 0
    for model in (Answer, PersonalAnswer):
        old_rows = [
            (old.question, old.row, old.value)
            for old in model.objects.filter(report=previous)
            if old.question in questions
            and (old.question, old.row) not in taken
            and questions[old.question].kind != "file"
        ]
        fields = [
            {
                "report": report,
                "round_instrument_id": report.round_instrument_id,
                "question": q,
                "row": r,
                "value": v,
                "carried": True,
            }
            for q, r, v in old_rows
        ]
        if model is Answer:
            Answer.objects.bulk_create([Answer(**f) for f in fields])
        else:
            PersonalAnswer.objects.bulk_create([PersonalAnswer(**f) for f in fields])
        copied += len(fields)
    return copied
