"""The search index of the text answers (`AnswerText`), kept for the full-text search.

What is in it: the text answers of every report whose answers are fixed — submitted, in review
or validated — as they were submitted: answers to `text` questions that the form's rules show,
never a personal question (`Question.personal`) and never a `PersonalAnswer`. Each indexed
report also has one row with `question` "" whose `submitted_at` names the submission that was
read, so that the index knows which reports it holds and whether they are current.

How it stays current:
- reporting sends `report_submitted` inside the submission's transaction: the report's rows are
  written again there (`text_index_report`), standing or falling with the submission;
- `text_index_refresh(round_instrument)` — called by every search before it reads — indexes
  the reports whose answers are fixed but whose submission the index does not hold yet (made
  by another path: the demonstration generator, an import, reports submitted before the index
  existed): two queries when nothing is missing;
- `manage.py analysis_index [--round N]` rebuilds it.
A report that is reopened or returned (a draft again) keeps its rows but is not searched
through them: its answers may change with every autosave, so the search reads a draft's
answers from the answer rows themselves, and only when the state filter asks for drafts or
returned reports (`answer_texts`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import DateTimeField, Exists, OuterRef, Value
from django.db.models.functions import Coalesce

from codemonitor.analysis.models import AnswerText
from codemonitor.core.text import CONTROL, text_folded
from codemonitor.instruments.engine import AnswerKey, AnswerValue, Evaluation
from codemonitor.instruments.schema import Form
from codemonitor.reporting.models import Answer, PersonalAnswer, Report, RoundInstrument
from codemonitor.reporting.selectors import round_reports

State = Report.State
# Reports whose answers can no longer change: what the index holds.
INDEXED_STATES = frozenset({State.SUBMITTED, State.IN_REVIEW, State.VALIDATED})
# The report's language -> PostgreSQL's text search configuration (the migration that adds the
# tsvector column has the same table); any other language is searched word for word.
CONFIGURATIONS = {"en": "english", "fr": "french", "es": "spanish", "ru": "russian"}
SIMPLE = "simple"
MARKER = ""  # the `question` of a report's own row in the index
BATCH = 500  # reports read at a time when (re)building
NEVER = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # the submission of a report without a time


def configuration(language: str) -> str:
    """The text search configuration of a report's language (Arabic, Chinese: simple)."""
    return CONFIGURATIONS.get((language or "").split("-")[0].lower(), SIMPLE)


def fold(text: str) -> str:
    """`core.text.text_folded` (lower case, no accents, single spaces), faster on ASCII."""
    if text.isascii():
        return " ".join(CONTROL.sub(" ", text.lower()).split())
    return text_folded(text)


def folded_column(text: str) -> str:
    """What the index keeps as the folded text: "" where the text is ASCII (then the text
    itself is searched, without regard to case), else the folded text."""
    return "" if text.isascii() else fold(text)


def search_vector_sql(alias: str = "") -> str:
    """PostgreSQL: the tsvector of a text answer (columns `language`, `text`, `folded` of
    `alias`), as the migration generates the index's `search` column."""
    at = f"{alias}." if alias else ""

    def both(name: str) -> str:
        return (
            f"to_tsvector('{name}'::regconfig, {at}text) || CASE WHEN {at}text ~ '[^[:ascii:]]' "
            f"THEN to_tsvector('{name}'::regconfig, {at}folded) ELSE ''::tsvector END"
        )

    branches = " ".join(f"WHEN '{code}' THEN {both(name)}" for code, name in CONFIGURATIONS.items())
    return f"CASE {at}language {branches} ELSE {both(SIMPLE)} END"


def searchable_questions(form: Form) -> dict[str, int]:
    """The form's text questions that may be searched, in the order of the form: {name: order}.
    Personal questions never are."""
    found: dict[str, int] = {}
    for question in form.walk():
        if question.kind == "text" and not question.personal:
            found[question.name] = len(found)
    return found


def submission_of(submitted_at: dt.datetime | None) -> dt.datetime:
    """Which submission of a report the index read (a resubmission has a new time)."""
    return submitted_at if submitted_at is not None else NEVER


@dataclass(frozen=True)
class TextAnswer:
    report_id: int
    question: str
    row: str
    language: str
    text: str


def answer_texts(
    round_instrument: RoundInstrument,
    reports: Sequence[tuple[int, str]],
    *,
    questions: Iterable[str] | None = None,
) -> list[TextAnswer]:
    """The searchable text answers of some reports `(id, language)` of a round instrument, as
    stored now: text questions that the form's rules show, never personal ones. Two queries
    per batch of reports (answers, and the personal answers the rules may read), whatever the
    number of questions."""
    form = round_instrument.instrument_version.form
    searchable = searchable_questions(form)
    wanted = set(searchable) if questions is None else set(questions) & set(searchable)
    if not wanted or not reports:
        return []
    # A question the rules may hide (its own `relevant` or a group's) needs the report's
    # evaluation; the others are shown whenever they are answered.
    conditional = _conditional(form, wanted)
    found: list[TextAnswer] = []
    for start in range(0, len(reports), BATCH):
        batch = dict(reports[start : start + BATCH])
        stored: dict[int, dict[AnswerKey, AnswerValue]] = {pk: {} for pk in batch}
        texts: list[tuple[int, str, str, str]] = []
        answers = Answer.objects.filter(
            round_instrument=round_instrument, report_id__in=list(batch)
        )
        if not conditional:
            answers = answers.filter(question__in=wanted)
        for report_id, question, row, value in answers.values_list(
            "report_id", "question", "row", "value"
        ):
            stored[report_id][question, row] = value
            if question in wanted and isinstance(value, str) and value.strip():
                texts.append((report_id, question, row, value))
        evaluations: dict[int, Evaluation] = {}
        if conditional and any(question in conditional for _r, question, _w, _v in texts):
            for report_id, question, row, value in PersonalAnswer.objects.filter(
                round_instrument=round_instrument, report_id__in=list(batch)
            ).values_list("report_id", "question", "row", "value"):
                stored[report_id][question, row] = value
        for report_id, question, row, value in texts:
            if question in conditional:
                evaluation = evaluations.get(report_id)
                if evaluation is None:
                    evaluation = evaluations[report_id] = Evaluation(
                        form, stored[report_id], language=batch[report_id]
                    )
                if not evaluation.relevant(question, row):
                    continue
            found.append(TextAnswer(report_id, question, row, batch[report_id], value))
    found.sort(key=lambda item: (item.report_id, searchable[item.question], item.row))
    return found


def _conditional(form: Form, names: set[str]) -> set[str]:
    parents = form.parents()
    questions = form.questions()
    hidden = set()
    for name in names:
        node = questions.get(name)
        while node is not None:
            if node.relevant:
                hidden.add(name)
                break
            node = parents.get(node.name)
    return hidden


def _rows_of(
    round_instrument: RoundInstrument, reports: Sequence[tuple[int, str, dt.datetime | None]]
) -> list[AnswerText]:
    languages = [(pk, language) for pk, language, _at in reports]
    rows = [
        AnswerText(
            report_id=item.report_id,
            round_instrument=round_instrument,
            question=item.question,
            row=item.row,
            language=item.language,
            text=item.text,
            folded=folded_column(item.text),
        )
        for item in answer_texts(round_instrument, languages)
    ]
    rows.extend(
        AnswerText(
            report_id=pk,
            round_instrument=round_instrument,
            question=MARKER,
            language=language,
            submitted_at=submission_of(submitted_at),
        )
        for pk, language, submitted_at in reports
    )
    return rows


def text_index_reports(
    round_instrument: RoundInstrument, reports: Sequence[tuple[int, str, dt.datetime | None]]
) -> int:
    """(Re)write the index rows of some reports `(id, language, submitted_at)` of a round
    instrument from their stored answers; the number of text answers written."""
    written = 0
    for start in range(0, len(reports), BATCH):
        batch = reports[start : start + BATCH]
        rows = _rows_of(round_instrument, batch)
        with transaction.atomic():
            AnswerText.objects.filter(report_id__in=[pk for pk, _l, _a in batch]).delete()
            # Two searches catching up on the same reports at once write the same rows.
            AnswerText.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        written += sum(1 for row in rows if row.question != MARKER)
    return written


def text_index_report(report: Report) -> int:
    """Index one report as it is now (on its submission); its rows go if it is not fixed."""
    if report.state not in INDEXED_STATES:
        AnswerText.objects.filter(report_id=report.pk).delete()
        return 0
    return text_index_reports(
        report.round_instrument, [(report.pk, report.language, report.submitted_at)]
    )


def text_index_refresh(round_instrument: RoundInstrument) -> int:
    """Index the round instrument's reports whose answers are fixed and whose submission the
    index does not hold yet; answers how many reports the index then holds for it (whatever
    their state now). Two queries when none is missing."""
    held = AnswerText.objects.filter(
        report_id=OuterRef("pk"), question=MARKER, submitted_at=OuterRef("read")
    )
    missing = list(
        round_reports(round_instrument)
        .filter(state__in=INDEXED_STATES)
        .annotate(read=Coalesce("submitted_at", Value(NEVER, output_field=DateTimeField())))
        .exclude(Exists(held))
        .order_by("pk")
        .values_list("pk", "language", "submitted_at")
    )
    if missing:
        text_index_reports(round_instrument, missing)
    return AnswerText.objects.filter(round_instrument=round_instrument, question=MARKER).count()


def text_index_rebuild(round_instrument: RoundInstrument) -> tuple[int, int]:
    """Rebuild a round instrument's index from its reports: (reports, text answers)."""
    reports = list(
        round_reports(round_instrument)
        .filter(state__in=INDEXED_STATES)
        .order_by("pk")
        .values_list("pk", "language", "submitted_at")
    )
    with transaction.atomic():
        AnswerText.objects.filter(round_instrument=round_instrument).delete()
        written = text_index_reports(round_instrument, reports)
    return len(reports), written


def _on_submitted(sender: object, report: Report, **kwargs: object) -> None:
    text_index_report(report)


def connect() -> None:
    """Called by the app's `ready()`: keep the index on reporting's submission signal."""
    from codemonitor.reporting.signals import report_submitted

    report_submitted.connect(_on_submitted, dispatch_uid="analysis.text_index_report")
