"""The read side of reporting: the queries that several audiences share.

Which reports count, which are public, the answers of a round as a tidy table, and the counts by
WHO region and safeguards-list status. The back office, the national pages and — later — the
analysis, the public portal, open data and the API read through these functions, so that they
cannot disagree about what a report in a round is.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from codemonitor.instruments.engine import (
    AnswerKey,
    AnswerValue,
    Evaluation,
    join_row,
    relevance_inputs,
    row_prefix,
)
from codemonitor.instruments.models import Instrument
from codemonitor.reference.models import RegionMembership, SafeguardsEdition, SafeguardsEntry
from codemonitor.reporting.models import Answer, PersonalAnswer, Report, Round, RoundInstrument

GENEVA = ZoneInfo("Europe/Zurich")
State = Report.State

# A report counts for its round once it is submitted, whatever the Secretariat does with it next:
# in review, validated, or returned to its country for changes (then it was submitted before).
# A stakeholder report that the Secretariat reopened is a draft again, in its respondent's hands.
COUNTING_STATES = frozenset({State.SUBMITTED, State.IN_REVIEW, State.VALIDATED})
RETURNED_AFTER_SUBMISSION = State.RETURNED
# What is published after the embargo: validated national reports, submitted stakeholder reports.
PUBLIC_STATES: dict[str, frozenset[str]] = {
    Instrument.Kind.NATIONAL: frozenset({State.VALIDATED}),
    Instrument.Kind.STAKEHOLDER: COUNTING_STATES,
}
REGIONS = ("AFR", "AMR", "SEAR", "EUR", "EMR", "WPR")


def geneva_date(at: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(at or timezone.now(), GENEVA).date()


def round_is_public(round_: Round, *, now: dt.datetime | None = None) -> bool:
    """Public from the round's `publishes_at` (a moment, set in Geneva time); never before,
    never without one. A demonstration round (synthetic reports of real Member States) never
    is, unless the installation says so (`PUBLISH_DEMO_ROUNDS`, for trying the portal)."""
    if round_.is_demo and not settings.PUBLISH_DEMO_ROUNDS:
        return False
    return round_.is_published(now)


def public_rounds_filter(now: dt.datetime | None = None, *, prefix: str = "") -> Q:
    """The rounds public at `now`, as a condition on Round (or, with `prefix`, on what leads
    to one: "round_instrument__round__"): the rule of `round_is_public`."""
    condition = Q(**{f"{prefix}publishes_at__lte": now or timezone.now()})
    if not settings.PUBLISH_DEMO_ROUNDS:
        condition &= Q(**{f"{prefix}is_demo": False})
    return condition


def public_reports_filter(now: dt.datetime | None = None) -> Q:
    """The reports public at `now` in every round, as a condition on Report: of a public round,
    in a public state for their instrument's kind, not withheld, synthetic ones only in the
    demonstration round (`reports_counting(public=True)` is the same for one round)."""
    by_kind = Q()
    for kind, states in PUBLIC_STATES.items():
        by_kind |= Q(instrument_version__instrument__kind=kind, state__in=states)
    return (
        public_rounds_filter(now, prefix="round_instrument__round__")
        & Q(withheld=False)
        & (Q(is_demo=False) | Q(round_instrument__round__is_demo=True))
        & by_kind
    )


def deadline_date(round_instrument: RoundInstrument) -> dt.date:
    """The deadline's day in Geneva: region membership and the safeguards list as of then."""
    return geneva_date(round_instrument.closes_at)


# -- reports ---------------------------------------------------------------------------------


def national_reports() -> QuerySet[Report]:
    """Every national report, with what its pages and lists show (the form itself deferred)."""
    return (
        Report.objects.select_related(
            "round_instrument__round", "member_state", "instrument_version__instrument"
        )
        .defer("instrument_version__source", "instrument_version__schema")
        .filter(
            member_state__isnull=False,
            instrument_version__instrument__kind=Instrument.Kind.NATIONAL,
        )
    )


def country_reports(member_state_id: str) -> QuerySet[Report]:
    """A country's national reports, newest round first."""
    return (
        national_reports()
        .filter(member_state_id=member_state_id)
        .order_by("-round_instrument__round__number")
    )


def stakeholder_reports() -> QuerySet[Report]:
    """Every stakeholder report, with its contact (for the Secretariat only: never published)."""
    return Report.objects.filter(
        member_state__isnull=True,
        instrument_version__instrument__kind=Instrument.Kind.STAKEHOLDER,
    ).select_related("round_instrument__round", "instrument_version__instrument", "contact")


def reports_counting(
    round_instrument: RoundInstrument, *, public: bool = False, now: dt.datetime | None = None
) -> QuerySet[Report]:
    """The reports of a round instrument that count.

    Submitted reports, in review, validated or returned after a submission; synthetic
    demonstration reports only in the demonstration round. With `public`, only what may be
    shown to everyone: nothing before the round's publication moment, then validated national
    reports and submitted stakeholder reports, except those the Secretariat withheld.
    Whether a stakeholder's *name* may be shown is `public_entity_name`.
    """
    reports = _of_round(round_instrument)
    if not public:
        return reports.filter(
            Q(state__in=COUNTING_STATES)
            | Q(state=RETURNED_AFTER_SUBMISSION, submitted_at__isnull=False)
        )
    if not round_is_public(round_instrument.round, now=now):
        return reports.none()
    return reports_to_publish(round_instrument)


def reports_to_publish(round_instrument: RoundInstrument) -> QuerySet[Report]:
    """The reports of a round instrument that its publication shows, whatever the date: the
    validated national reports, the submitted stakeholder reports, less the withheld ones (what
    the Secretariat reviews and archives before the embargo ends; `reports_counting(public=True)`
    is these once the round is public)."""
    kind = round_instrument.instrument_version.instrument.kind
    return _of_round(round_instrument).filter(
        state__in=PUBLIC_STATES.get(kind, frozenset()), withheld=False
    )


def round_reports(round_instrument: RoundInstrument) -> QuerySet[Report]:
    """Every report of a round instrument, whatever its state; synthetic ones only in the
    demonstration round (the analysis narrows them by state itself)."""
    return _of_round(round_instrument)


def _of_round(round_instrument: RoundInstrument) -> QuerySet[Report]:
    """A round instrument's reports; synthetic ones only in the demonstration round."""
    reports = Report.objects.filter(round_instrument=round_instrument)
    if not round_instrument.round.is_demo:
        reports = reports.filter(is_demo=False)
    return reports


def public_entity_name(report: Report) -> str:
    """The name that publication may show: the country's, or the entity's if it agreed."""
    if report.member_state_id is not None:
        return report.member_state.name if report.member_state else ""
    return report.entity_name if report.publish_entity_name else ""


def report_state_counts(round_instrument: RoundInstrument) -> dict[str, int]:
    """How many reports of a round instrument are in each state (one query; synthetic reports
    only in the demonstration round)."""
    rows = _of_round(round_instrument).values_list("state").annotate(count=Count("id")).order_by()
    return dict(rows)


@dataclass(frozen=True)
class StateCount:
    round_number: int
    instrument: str
    state: str
    count: int


def report_state_counts_by_round() -> list[StateCount]:
    """Reports by round, instrument and state, for the back office's first page (one query;
    synthetic reports only in the demonstration round)."""
    rows = (
        Report.objects.filter(Q(is_demo=False) | Q(round_instrument__round__is_demo=True))
        .values_list(
            "round_instrument__round__number", "instrument_version__instrument__code", "state"
        )
        .annotate(count=Count("id"))
        .order_by("-round_instrument__round__number", "instrument_version__instrument__code")
    )
    return [StateCount(number, code, state, count) for number, code, state, count in rows]


def reports_by_country(round_instrument: RoundInstrument) -> dict[str, Report]:
    """A national round instrument's reports by the ISO3 code of their Member State."""
    return {
        str(report.member_state_id): report
        for report in _of_round(round_instrument).filter(member_state__isnull=False)
    }


def rounds_with_report_counts() -> QuerySet[Round]:
    """Every round, newest first, with `report_count` (synthetic reports only in the
    demonstration round)."""
    real = Q(instruments__reports__is_demo=False) | Q(is_demo=True)
    return Round.objects.annotate(report_count=Count("instruments__reports", filter=real)).order_by(
        "-number"
    )


def carried_questions(report: Report) -> list[str]:
    """The questions whose answers were carried over from the previous round, unconfirmed."""
    return list(
        Answer.objects.filter(report=report, carried=True).values_list("question", flat=True)
    )


# -- regions and the safeguards list ----------------------------------------------------------


def regions_on(on: dt.date) -> dict[str, str]:
    """Every Member State's WHO region on a day: {ISO3: region}."""
    return dict(RegionMembership.objects.in_force(on).values_list("member_state_id", "region_id"))


def safeguards_edition_for(round_instrument: RoundInstrument) -> SafeguardsEdition | None:
    """The edition of the safeguards list in force at the round's deadline."""
    return SafeguardsEdition.in_force(deadline_date(round_instrument))


def countries_by_region(
    round_instrument: RoundInstrument, member_states: Iterable[str]
) -> dict[str, int]:
    """How many of the given countries are in each WHO region as of the deadline."""
    regions = regions_on(deadline_date(round_instrument))
    counts = Counter(regions.get(iso3, "") for iso3 in member_states)
    return {region: counts.get(region, 0) for region in REGIONS}


def countries_by_safeguards(
    round_instrument: RoundInstrument, member_states: Iterable[str]
) -> tuple[SafeguardsEdition | None, dict[str, int]]:
    """How many of the given countries are on the safeguards list in force at the deadline."""
    edition = safeguards_edition_for(round_instrument)
    listed: set[str] = set()
    if edition is not None:
        listed = set(
            SafeguardsEntry.objects.filter(edition=edition).values_list(
                "member_state_id", flat=True
            )
        )
    chosen = list(member_states)
    on_list = sum(1 for iso3 in chosen if iso3 in listed)
    return edition, {"on_list": on_list, "not_on_list": len(chosen) - on_list}


def reporting_countries_by_region(round_instrument: RoundInstrument) -> dict[str, int]:
    """Countries whose national report counts, by WHO region as of the deadline."""
    countries = reports_counting(round_instrument).values_list("member_state_id", flat=True)
    return countries_by_region(round_instrument, [c for c in countries if c])


# -- answers as a table -----------------------------------------------------------------------


def answers_table(
    round_instrument: RoundInstrument,
    questions: Sequence[str],
    *,
    reports: QuerySet[Report] | None = None,
    relevant_only: bool = True,
    hidden: bool = False,
) -> list[dict[str, AnswerValue]]:
    """The answers to some questions across a round as a tidy table: one dict per observation.

    An observation is a report, or a row of a repeat when a question is inside one (then the
    report's answers outside the repeat are repeated on each of its rows). Each dict has
    `report` (its id), `row` (the row path, "" outside repeats) and one key per question.
    Personal data never appear: asking for a `personal_data` question is refused. With
    `relevant_only`, answers the form's rules hide (a stale answer to a question that no longer
    applies) are left out, as on the report's own pages; with `hidden` too, each dict also
    lists under `hidden` the questions the rules hide on its line, so that a question shown but
    not answered (None, not listed) can be told from one that does not apply.

    `reports` defaults to the reports that count (`reports_counting`); reports of another round
    instrument are left out. A report with no row in the deepest repeat asked for has no line.
    Only the answers that the asked questions' relevance depends on are read, and no rule is
    evaluated when none applies to them (`engine.relevance_inputs`).
    """
    form = round_instrument.instrument_version.form
    known = form.questions()
    for name in questions:
        if name not in known:
            raise KeyError(name)
        if known[name].personal:
            raise ValueError(f"{name} holds personal data")
    paths = form.repeat_path()
    deepest: tuple[str, ...] = ()
    for name in questions:
        path = paths.get(name, ())
        if path[: len(deepest)] == deepest:
            deepest = max(deepest, path, key=len)
        elif deepest[: len(path)] != path:
            raise ValueError("the questions are in different repeats: ask for each separately")
    chosen = (
        reports.filter(round_instrument=round_instrument)
        if reports is not None
        else reports_counting(round_instrument)
    )
    report_ids = list(chosen.order_by("sequence").values_list("pk", flat=True))
    if not report_ids:
        return []
    wanted = [*questions, *deepest]
    if relevant_only:
        # Only the answers that decide whether the questions are shown, not every answer.
        wanted = sorted(relevance_inputs(form, wanted))
    # Without a rule on the way (no `relevant` on the questions, their containers or what
    # those read), everything asked is shown: no evaluation is needed.
    rules = relevant_only and any(known[name].relevant for name in wanted)
    by_report: dict[int, dict[AnswerKey, AnswerValue]] = {pk: {} for pk in report_ids}
    stored = Answer.objects.filter(
        round_instrument=round_instrument, report__in=chosen.values("pk"), question__in=wanted
    )
    for report_id, question, row, value in stored.values_list(
        "report_id", "question", "row", "value"
    ):
        by_report[report_id][question, row] = value
    personal: dict[int, dict[AnswerKey, AnswerValue]] = {}
    if rules and any(known[name].personal for name in wanted):
        # Rules may read personal answers; they decide what is shown but are never returned.
        for report_id, question, row, value in PersonalAnswer.objects.filter(
            round_instrument=round_instrument,
            report__in=chosen.values("pk"),
            question__in=wanted,
        ).values_list("report_id", "question", "row", "value"):
            personal.setdefault(report_id, {})[question, row] = value
    table: list[dict[str, AnswerValue]] = []
    for report_id in report_ids:
        answers = by_report[report_id]
        evaluation = Evaluation(form, {**answers, **personal.get(report_id, {})}) if rules else None
        # The rows of the deepest repeat asked for are the table's lines.
        for row_path in repeat_rows(answers, deepest):
            line: dict[str, AnswerValue] = {"report": report_id, "row": row_path}
            hidden_here: list[str] = []
            for name in questions:
                at = row_prefix(row_path, len(paths.get(name, ())))
                value = answers.get((name, at))
                if evaluation is not None and not evaluation.relevant(name, at):
                    value = None
                    hidden_here.append(name)
                line[name] = value
            if hidden:
                line["hidden"] = hidden_here
            table.append(line)
    return table


def repeat_rows(answers: Mapping[AnswerKey, AnswerValue], repeats: tuple[str, ...]) -> list[str]:
    """Every row path of the innermost of nested repeats ("" once outside repeats), as
    `Evaluation.instances` finds them: the rows each repeat's answer lists."""
    found = [""]
    for repeat in repeats:
        found = [
            join_row(path, str(row))
            for path in found
            for row in _listed(answers.get((repeat, path)))
        ]
    return found


def _listed(value: AnswerValue) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def answers_count_by(table: Iterable[dict[str, AnswerValue]], question: str) -> dict[str, int]:
    """How many observations chose each answer of a select question (a select_multiple counts
    once per chosen item)."""
    counts: Counter[str] = Counter()
    for line in table:
        value = line.get(question)
        for item in value if isinstance(value, list) else [value]:
            if item is not None and item != "":
                counts[str(item)] += 1
    return dict(counts)
