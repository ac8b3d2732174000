"""Which reports an analysis view counts, each with the facts the breakdowns need.

`selection_for(filters)` is the one place that turns filters into reports: the round
instrument's reports (synthetic ones only in the demonstration round) in the chosen states,
language, WHO region and safeguards status — the region membership and the safeguards list
edition in force at the round instrument's deadline (Geneva), so that an analysis of the 2024
round counts Indonesia in SEAR against the 2023 edition of the list. Every tabulation,
search, coding count and the generated report start from a `Selection`: they cannot disagree
about which reports a figure counts.

A national report concerns its Member State. A stakeholder report concerns the countries (or
WHO regions) its instrument's `countries_concerned` report field lists: it counts in every
region one of them is in, and as "on the safeguards list" when one of them is.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    BooleanField,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    Value,
)

from codemonitor.analysis.filters import AnalysisFilters
from codemonitor.reference.models import SafeguardsEdition, SafeguardsEntry
from codemonitor.reporting.models import Answer, RoundInstrument
from codemonitor.reporting.selectors import (
    REGIONS,
    deadline_date,
    regions_on,
    round_reports,
    safeguards_edition_for,
)


class ReportRow(NamedTuple):
    """One report of a selection (a tuple: a selection may hold 100,000 of them)."""

    id: int
    sequence: int
    reference: str
    state: str
    language: str
    # Marked late, or submitted after the round instrument's deadline.
    late: bool
    # When a national report was submitted; None for a stakeholder report (a selection of
    # stakeholder reports can be long: their dates are not read — see `submitted`).
    submitted_at: dt.datetime | None
    # A national report's Member State (ISO3); "" for a stakeholder report.
    member_state: str
    # The countries the report concerns: its Member State, or the stakeholder's countries
    # (ISO3 codes, or WHO region codes where the respondent chose a region).
    countries: tuple[str, ...]
    regions: frozenset[str]
    on_list: bool
    # The entity as the report gives it (for the Secretariat; publication has its own rule).
    entity_name: str
    publish_name: bool
    # A stakeholder report's category (the choice's name), or "".
    category: str = ""
    # Whether the report was ever submitted (it may have been returned since).
    submitted: bool = False


@dataclass
class Selection:
    filters: AnalysisFilters
    deadline: dt.date
    edition: SafeguardsEdition | None
    listed: frozenset[str]
    region_of: dict[str, str]
    reports: list[ReportRow] = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        return [row.id for row in self.reports]

    def by_id(self) -> dict[int, ReportRow]:
        return {row.id: row for row in self.reports}

    def in_region(self, region: str) -> list[ReportRow]:
        return [row for row in self.reports if region in row.regions]

    def on_list(self, on: bool) -> list[ReportRow]:
        return [row for row in self.reports if row.on_list == on]

    def edition_label(self) -> str:
        return str(self.edition) if self.edition is not None else ""

    def narrowed(self, filters: AnalysisFilters) -> Selection:
        """The reports of this selection that `filters` choose, where they differ from this
        selection's filters only in states and language (a page that has read every state
        needs no second reading for those that count)."""

        def place(chosen: AnalysisFilters) -> tuple[Any, ...]:
            return (chosen.round_instrument.pk, chosen.region, chosen.safeguards, chosen.country)

        states = set(filters.chosen_states)
        if place(filters) != place(self.filters):
            raise ValueError("a selection narrows by states and language only")
        if not states <= set(self.filters.chosen_states) or (
            self.filters.language and filters.language != self.filters.language
        ):
            raise ValueError("a selection holds no reports of other states or languages")
        return Selection(
            filters=filters,
            deadline=self.deadline,
            edition=self.edition,
            listed=self.listed,
            region_of=self.region_of,
            reports=[
                row
                for row in self.reports
                if row.state in states
                and (not filters.language or row.language == filters.language)
            ],
        )


def listed_on(edition: SafeguardsEdition | None) -> frozenset[str]:
    if edition is None:
        return frozenset()
    return frozenset(
        SafeguardsEntry.objects.filter(edition=edition).values_list("member_state_id", flat=True)
    )


def _regions(countries: Iterable[str], region_of: dict[str, str]) -> frozenset[str]:
    """The WHO regions of some countries (a region code stands for itself)."""
    return frozenset(
        region_of.get(code, code if code in REGION_CODES else "") for code in countries
    ) - {""}


REGION_CODES = frozenset(REGIONS)


def answers_version(round_instrument: RoundInstrument) -> str:
    """A key that changes whenever an answer of the round instrument may have changed (one
    query): every write of an answer moves its report's `updated_at`
    (`answers.report_hold_open`), and a report made or deleted changes the count. What the
    analysis keeps in the cache of a round's answers is keyed by it."""
    stamp = round_reports(round_instrument).aggregate(count=Count("id"), changed=Max("updated_at"))
    changed = stamp["changed"].isoformat() if stamp["changed"] else "-"
    return (
        f"{round_instrument.pk}:{round_instrument.instrument_version_id}:{stamp['count']}:{changed}"
    )


T = TypeVar("T")

# The last few of those values this process read or made, by key: reading them back from the
# shared cache (the database's, by default) means unpickling every report's entry, about a
# quarter of a stakeholder page's time. A key names the answers' version, so an entry is never
# stale; bounded, so a process holds at most this many.
KEPT_IN_PROCESS = 4
_kept: OrderedDict[str, Any] = OrderedDict()
_kept_lock = threading.Lock()


def kept(key: str, build: Callable[[], T]) -> T:
    """The value under `key` (which must name `answers_version`): from this process's last
    few, else the shared cache, else `build()` — then kept in both."""
    with _kept_lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]  # type: ignore[no-any-return]
    found = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, settings.ANALYSIS_CACHE_SECONDS)
    with _kept_lock:
        _kept[key] = found
        _kept.move_to_end(key)
        while len(_kept) > KEPT_IN_PROCESS:
            _kept.popitem(last=False)
    return found  # type: ignore[no-any-return]


def kept_clear() -> None:
    """Forget this process's values (the tests do, between databases)."""
    with _kept_lock:
        _kept.clear()


def _report_fields(
    round_instrument: RoundInstrument,
) -> tuple[dict[int, tuple[str, ...]], dict[int, str]]:
    """Each report's countries concerned and category (the instrument's report fields).

    The heavy part of a selection (one answer row per report and field, JSON to decode), kept
    in the cache for as long as the round instrument's answers stay as they are
    (`answers_version`).
    """
    fields = round_instrument.instrument_version.form.report_fields()
    wanted = {
        name: key
        for key, name in fields.items()
        if key in ("countries_concerned", "stakeholder_category")
    }
    if not wanted:
        return {}, {}

    def read() -> tuple[dict[int, tuple[str, ...]], dict[int, str]]:
        concerned: dict[int, tuple[str, ...]] = {}
        categories: dict[int, str] = {}
        for report_id, question, value in Answer.objects.filter(
            round_instrument=round_instrument, question__in=list(wanted), row=""
        ).values_list("report_id", "question", "value"):
            if wanted[question] == "countries_concerned":
                values = value if isinstance(value, list) else [value]
                concerned[report_id] = tuple(str(v) for v in values if v)
            elif isinstance(value, str):
                categories[report_id] = value
        return concerned, categories

    return kept(f"analysis:report-fields:{answers_version(round_instrument)}", read)


def selection_for(filters: AnalysisFilters) -> Selection:
    """The reports the filters choose (three or four queries, whatever their number)."""
    round_instrument = filters.round_instrument
    deadline = deadline_date(round_instrument)
    region_of = regions_on(deadline)
    edition = safeguards_edition_for(round_instrument)
    listed = listed_on(edition)
    reports = round_reports(round_instrument).filter(state__in=filters.chosen_states)
    if filters.language:
        reports = reports.filter(language=filters.language)
    if filters.country and filters.is_national:
        reports = reports.filter(member_state_id=filters.country)
    rows = list(
        reports.order_by("sequence")
        .annotate(
            was_submitted=ExpressionWrapper(Q(submitted_at__isnull=False), BooleanField()),
            was_late=ExpressionWrapper(
                Q(is_late=True) | Q(submitted_at__gt=round_instrument.closes_at), BooleanField()
            ),
            # Dates cost more to read than anything else here: only a national report's.
            when=F("submitted_at") if filters.is_national else Value(None, DateTimeField()),
        )
        .values_list(
            "id",
            "sequence",
            "state",
            "language",
            "was_late",
            "when",
            "member_state_id",
            "entity_name",
            "publish_entity_name",
            "was_submitted",
        )
    )
    concerned, categories = _report_fields(round_instrument) if rows else ({}, {})
    code = round_instrument.instrument_version.instrument.code.upper()
    year = round_instrument.round.year
    chosen: list[ReportRow] = []
    # Many reports concern the same countries: their regions and status are worked out once.
    places: dict[tuple[str, ...], tuple[frozenset[str], bool]] = {}
    for (
        report_id,
        sequence,
        state,
        language,
        late,
        submitted_at,
        member_state,
        entity,
        publish,
        submitted,
    ) in rows:
        countries = (member_state,) if member_state else concerned.get(report_id, ())
        place = places.get(countries)
        if place is None:
            place = places[countries] = (
                _regions(countries, region_of),
                any(country in listed for country in countries),
            )
        row = ReportRow(
            report_id,
            sequence,
            f"{code}-{year}-{sequence:06d}",
            state,
            language,
            bool(late),
            submitted_at,
            member_state or "",
            countries,
            place[0],
            place[1],
            entity,
            publish,
            categories.get(report_id, ""),
            bool(submitted),
        )
        if filters.region and filters.region not in row.regions:
            continue
        if filters.safeguards == "on" and not row.on_list:
            continue
        if filters.safeguards == "off" and row.on_list:
            continue
        if filters.country and not filters.is_national and filters.country not in countries:
            continue
        chosen.append(row)
    return Selection(
        filters=filters,
        deadline=deadline,
        edition=edition,
        listed=listed,
        region_of=region_of,
        reports=chosen,
    )
