"""Statistics from validated national reports: the figures their instrument declares.

The instrument says which numeric answers are figures (its `statistic` column, see
forms/README.md); no code here names a question. When the Secretariat validates a national
report, each declared answer that is shown and holds a number becomes a `Statistic` of the
dataset NRI whose destination is the report's country, traceable to the report, the question
and the table row. Reopening the report removes them. Running it again changes nothing.

One figure (dataset NRI, destination, origin, population, occupation, measure, year) can be
reported by two rounds' reports of a country (the same reference year twice): the report of the
later round keeps it; when that report is reopened, the earlier one's figure comes back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from codemonitor.accounts.models import User
from codemonitor.core.audit import Action, audit_log
from codemonitor.instruments.engine import AnswerValue
from codemonitor.instruments.schema import Form, Question, statistic_reference
from codemonitor.reference.countries import member_state_codes
from codemonitor.reporting.models import Report
from codemonitor.reporting.selectors import answers_table, deadline_date, national_reports
from codemonitor.workforce.models import TOTAL_ORIGIN, Dataset, Statistic

# (destination, origin, population, occupation, measure, year): a figure's identity within NRI.
Identity = tuple[str, str, str, str, str, int]
YEARS = range(1900, 2101)


@dataclass
class Figure:
    identity: Identity
    value: Decimal
    question: str
    rows: list[str] = field(default_factory=list)


@dataclass
class FromReport:
    """What one run did: figures created, updated, unchanged, removed, and those left to a
    later round's report."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    superseded: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "superseded": self.superseded,
        }


def _number(value: AnswerValue) -> Decimal | None:
    if value is None or isinstance(value, bool | list) or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() and number >= 0 else None


def _year(value: AnswerValue) -> int | None:
    number = _number(value)
    if number is None or number != number.to_integral_value() or int(number) not in YEARS:
        return None
    return int(number)


def _groups(form: Form) -> dict[tuple[str, ...], list[Question]]:
    """The declared questions by the repeat they are in (answers_table reads one at a time)."""
    paths = form.repeat_path()
    groups: dict[tuple[str, ...], list[Question]] = {}
    for question in form.statistics():
        groups.setdefault(paths.get(question.name, ()), []).append(question)
    return groups


def report_figures(report: Report) -> list[Figure]:
    """The figures a report's answers declare, as its pages show them (hidden answers left out).

    Figures with the same identity (two rows of a table for the same occupation and country)
    are added together.
    """
    use = report.round_instrument
    form = report.instrument_version.form
    destination = report.member_state_id or ""
    fallback_year = deadline_date(use).year
    year_question = form.statistic_year()
    only = Report.objects.filter(pk=report.pk)
    found: dict[Identity, Figure] = {}
    for questions in _groups(form).values():
        wanted = {q.name for q in questions}
        if year_question:
            wanted.add(year_question)
        for question in questions:
            for value in question.statistic.values():
                name = statistic_reference(value)
                if name:
                    wanted.add(name)
        for line in answers_table(use, sorted(wanted), reports=only):
            year = (_year(line.get(year_question)) if year_question else None) or fallback_year
            for question in questions:
                figure = _figure(question, line, destination, year)
                if figure is None:
                    continue
                if figure.identity in found:
                    found[figure.identity].value += figure.value
                    found[figure.identity].rows.extend(figure.rows)
                else:
                    found[figure.identity] = figure
    return [figure for figure in found.values() if _storable(figure)]


# What a statistic can hold (its value's digits, its codes' lengths): a figure beyond them is
# no figure (the instrument does not bound its numbers), as a negative number is none.
_VALUE_MAX = Decimal("9999999999999.999")
_CODE_MAX = (20, 20, 20, 20, 10)  # destination, origin, population, occupation, measure


def _storable(figure: Figure) -> bool:
    codes = figure.identity[:5]
    return figure.value <= _VALUE_MAX and all(
        len(str(code)) <= limit for code, limit in zip(codes, _CODE_MAX, strict=True)
    )


def _figure(
    question: Question, line: dict[str, AnswerValue], destination: str, year: int
) -> Figure | None:
    value = _number(line.get(question.name))
    if value is None:
        return None
    declared: dict[str, str] = {}
    for key, text in question.statistic.items():
        name = statistic_reference(text)
        if name is None:
            declared[key] = text
            continue
        answer = line.get(name)
        if answer is None or answer == "" or isinstance(answer, list):
            return None  # a row without its occupation or country is no figure
        declared[key] = str(answer)
    if "year" in declared:
        own_year = _year(declared["year"])
        if own_year is None:
            return None
        year = own_year
    population = declared["population"]
    origin = "" if population == "total" else declared.get("origin", TOTAL_ORIGIN)
    identity = (
        destination,
        origin,
        population,
        declared["occupation"],
        declared["measure"],
        year,
    )
    row = str(line.get("row") or "")
    return Figure(identity, value, question.name, [row] if row else [])


def _rank(report: Report) -> tuple[int, dt.datetime]:
    return (report.round_instrument.round.number, report.round_instrument.closes_at)


def statistics_from_report(*, report: Report, user: User | None) -> FromReport:
    """Make a validated national report's declared figures statistics (see the module)."""
    outcome = FromReport()
    if report.member_state_id is None:
        return outcome
    now = timezone.now()
    with transaction.atomic():
        figures = report_figures(report) if report.state == Report.State.VALIDATED else []
        members = set(member_state_codes())
        held = {
            _identity(stat): stat
            for stat in Statistic.objects.select_related(
                "source_report__round_instrument__round"
            ).filter(dataset=Dataset.NRI, destination_code=report.member_state_id)
        }
        kept: set[int] = set()
        own_rank = _rank(report)
        for figure in figures:
            stat = held.get(figure.identity)
            values = _fields(figure, report, members)
            if stat is None:
                Statistic.objects.create(**values, updated_at=now)
                outcome.created += 1
                continue
            other = stat.source_report
            if (
                other is not None
                and other.pk != report.pk
                and other.state == Report.State.VALIDATED
                and _rank(other) > own_rank
            ):
                outcome.superseded += 1
                continue
            kept.add(stat.pk)
            changed = [name for name, value in values.items() if getattr(stat, name) != value]
            if not changed:
                outcome.unchanged += 1
                continue
            for name in changed:
                setattr(stat, name, values[name])
            stat.updated_at = now
            stat.save(update_fields=[*changed, "updated_at"])
            outcome.updated += 1
        stale = [
            stat.pk
            for stat in held.values()
            if stat.source_report_id == report.pk and stat.pk not in kept
        ]
        if stale:
            outcome.removed = Statistic.objects.filter(pk__in=stale).delete()[0]
        if outcome.changed:
            audit_log(
                action=Action.STATISTICS_FROM_REPORT,
                actor=user,
                actor_label=None if user else "statistics_from_reports",
                target=report,
                data=outcome.as_dict(),
            )
    return outcome


def _identity(stat: Statistic) -> Identity:
    return (
        stat.destination_code,
        stat.origin_code,
        stat.population,
        stat.occupation,
        stat.measure,
        stat.year,
    )


def _fields(figure: Figure, report: Report, members: set[str]) -> dict[str, Any]:
    destination, origin, population, occupation, measure, year = figure.identity
    return {
        "dataset": Dataset.NRI,
        "destination_code": destination,
        "destination_id": destination if destination in members else None,
        "origin_code": origin,
        "origin_id": origin if origin in members else None,
        "population": population,
        "occupation": occupation,
        "measure": measure,
        "year": year,
        "value": figure.value.quantize(Decimal("0.001")),
        "unit": "persons",
        "flag": "",
        "flag_note": "",
        "source_report_id": report.pk,
        "source_question": figure.question[:100],
        "source_row": " ".join(figure.rows)[:200],
        "source_file_id": None,
    }


def statistics_remove_report(*, report: Report, user: User | None) -> int:
    """A report is no longer validated: its figures go, and the country's other validated
    reports take back the figures it held."""
    with transaction.atomic():
        removed = Statistic.objects.filter(dataset=Dataset.NRI, source_report=report).delete()[0]
        if removed:
            audit_log(
                action=Action.STATISTICS_FROM_REPORT,
                actor=user,
                actor_label=None if user else "statistics_from_reports",
                target=report,
                data={"removed": removed},
            )
        if report.member_state_id:
            others = _validated(
                national_reports()
                .filter(member_state_id=report.member_state_id)
                .exclude(pk=report.pk)
            )
            for other in others:
                statistics_from_report(report=other, user=user)
    return removed


def _validated(reports: QuerySet[Report]) -> QuerySet[Report]:
    return reports.filter(state=Report.State.VALIDATED).order_by(
        "round_instrument__round__number", "round_instrument__closes_at", "pk"
    )


def statistics_from_reports(*, user: User | None = None) -> FromReport:
    """Rebuild the NRI statistics from every validated national report (oldest round first);
    figures of reports no longer validated are removed."""
    total = FromReport()
    with transaction.atomic():
        orphans = Statistic.objects.filter(dataset=Dataset.NRI).exclude(
            source_report__state=Report.State.VALIDATED
        )
        total.removed += orphans.delete()[0]
        for report in _validated(national_reports()):
            outcome = statistics_from_report(report=report, user=user)
            for name, count in outcome.as_dict().items():
                setattr(total, name, getattr(total, name) + count)
    return total


def _on_validated(sender: object, report: Report, user: User, **kwargs: object) -> None:
    statistics_from_report(report=report, user=user)


def _on_unvalidated(sender: object, report: Report, user: User, **kwargs: object) -> None:
    statistics_remove_report(report=report, user=user)


def connect() -> None:
    """Listen to reporting's signals (from WorkforceConfig.ready)."""
    from codemonitor.reporting.signals import report_unvalidated, report_validated

    report_validated.connect(_on_validated, dispatch_uid="workforce.statistics_from_report")
    report_unvalidated.connect(_on_unvalidated, dispatch_uid="workforce.statistics_remove")
