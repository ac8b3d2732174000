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
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max

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


@dataclass(frozen=True)
class ReportRow:
    id: int
    sequence: int
    reference: str
    state: str
    language: str
    late: bool
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
    category: str


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


def listed_on(edition: SafeguardsEdition | None) -> frozenset[str]:
    if edition is None:
        return frozenset()
    return frozenset(
        SafeguardsEntry.objects.filter(edition=edition).values_list("member_state_id", flat=True)
    )


def _regions(countries: Iterable[str], region_of: dict[str, str]) -> frozenset[str]:
    found = set()
    for code in countries:
        if code in REGIONS:
            found.add(code)
        elif code in region_of:
            found.add(region_of[code])
    return frozenset(found)


def _report_fields(
    round_instrument: RoundInstrument,
) -> tuple[dict[int, tuple[str, ...]], dict[int, str]]:
    """Each report's countries concerned and category (the instrument's report fields).

    The heavy part of a selection (one answer row per report and field, JSON to decode), kept
    in the cache for as long as the round instrument's answers stay as they are: every write of
    an answer moves its report's `updated_at` (`answers.report_hold_open`), and a report made or
    deleted changes the count, so the key changes with them.
    """
    fields = round_instrument.instrument_version.form.report_fields()
    wanted = {
        name: key
        for key, name in fields.items()
        if key in ("countries_concerned", "stakeholder_category")
    }
    if not wanted:
        return {}, {}
    stamp = round_reports(round_instrument).aggregate(count=Count("id"), changed=Max("updated_at"))
    changed = stamp["changed"].isoformat() if stamp["changed"] else "-"
    key = (
        f"analysis:report-fields:{round_instrument.pk}:{round_instrument.instrument_version_id}:"
        f"{stamp['count']}:{changed}"
    )
    found = cache.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
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
    cache.set(key, (concerned, categories), settings.ANALYSIS_CACHE_SECONDS)
    return concerned, categories


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
        reports.order_by("sequence").values_list(
            "id",
            "sequence",
            "state",
            "language",
            "is_late",
            "submitted_at",
            "member_state_id",
            "entity_name",
            "publish_entity_name",
        )
    )
    concerned, categories = _report_fields(round_instrument) if rows else ({}, {})
    code = round_instrument.instrument_version.instrument.code.upper()
    year = round_instrument.round.year
    chosen: list[ReportRow] = []
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
    ) in rows:
        countries = (member_state,) if member_state else concerned.get(report_id, ())
        row = ReportRow(
            id=report_id,
            sequence=sequence,
            reference=f"{code}-{year}-{sequence:06d}",
            state=state,
            language=language,
            late=late,
            submitted_at=submitted_at,
            member_state=member_state or "",
            countries=countries,
            regions=_regions(countries, region_of),
            on_list=any(country in listed for country in countries),
            entity_name=entity,
            publish_name=publish,
            category=categories.get(report_id, ""),
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
