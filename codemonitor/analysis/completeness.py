"""Completeness of a round: who has reported, per WHO region and overall, and who is behind
each number.

A national round instrument (`round_completeness`): every Member State once, in the WHO
region it belonged to at the round's deadline (Indonesia in SEAR for a deadline before 23 May
2025, in WPR after), with

- **a designated national authority** when the register (`registers.NationalAuthority`) has an
  entry for it designated on or before the deadline, or with no date of designation (the
  register keeps the current entry: an authority designated after the deadline did not exist
  then; one without a date is taken to have);
- its report's **status**, exactly one of: *not started* (no report, or a draft with no answer
  given in the round — answers carried over from the previous round and not yet confirmed are
  not given), *in progress* (a draft with at least one), *submitted*, *in review*,
  *returned* (for changes), *validated*;
- **late** besides its status: a report marked late, or submitted after the deadline;
- **received** (the history's figure, what rounds.csv counts): a report that counts for its
  round (submitted, in review, validated, or returned after a submission).

The region and safeguards filters narrow the countries (the list in force at the deadline); the
state and language filters do not apply (every Member State is counted once, in its state).
Synthetic reports count only in the demonstration round (`selection_for` →
`reporting.selectors.round_reports`). The figures of the previous rounds come from the
historical counts on `Round` (rounds 1–4, `reporting/data/rounds.csv`) or, for a round with a
national round instrument, from the database, computed the same way.

A stakeholder round instrument (`stakeholder_completeness`): its reports by state (region,
safeguards and language filters apply), and the reports in the chosen states (default: the
submitted ones) by stakeholder category (the `stakeholder_category` report field, labelled from
the form's choices) and by WHO region of the countries they concern (a report counts in each).

Every number carries `drill` (`status`, `region`, `category`; history rows also their `round`
and `instrument`, which then replace the filters'), and `completeness_list` gives the
countries or reports behind it. Queries: a handful per round, none per report.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext as _

from codemonitor.accounts.models import Role, User
from codemonitor.analysis.filters import AnalysisFilters
from codemonitor.analysis.selection import ReportRow, Selection, selection_for
from codemonitor.analysis.tables import AnalysisTable, Cell, Column, Source, count_cell
from codemonitor.instruments.models import Instrument
from codemonitor.reference.models import MemberState
from codemonitor.reference.names import REGION_NAMES, country_labels
from codemonitor.registers.models import NationalAuthority
from codemonitor.reporting.models import Answer, PersonalAnswer, Report, Round, RoundInstrument
from codemonitor.reporting.selectors import COUNTING_STATES, REGIONS

State = Report.State
ALL_STATES: tuple[str, ...] = tuple(sorted(value for value, _label in State.choices))

# A national report's status: exactly one per Member State.
NOT_STARTED, IN_PROGRESS = "not_started", "in_progress"
STATUSES: tuple[str, ...] = (
    NOT_STARTED,
    IN_PROGRESS,
    State.SUBMITTED,
    State.IN_REVIEW,
    State.RETURNED,
    State.VALIDATED,
)
MEMBER_STATES, AUTHORITY, LATE, RECEIVED = "member_states", "authority", "late", "received"
# What a number of the national tables can count (the `status` of its drill).
NATIONAL_FIGURES: tuple[str, ...] = (MEMBER_STATES, AUTHORITY, *STATUSES, LATE, RECEIVED)
TABLE_FIGURES: tuple[str, ...] = (MEMBER_STATES, AUTHORITY, *STATUSES, LATE)
HISTORY_FIGURES: tuple[str, ...] = (
    MEMBER_STATES,
    AUTHORITY,
    RECEIVED,
    State.VALIDATED,
    IN_PROGRESS,
    NOT_STARTED,
    LATE,
)
# A stakeholder table's numbers: every report, a state, the chosen states ("counted"), the
# counted reports that concern no country or region.
ALL, COUNTED, NO_REGION = "all", "counted", "no_region"
STAKEHOLDER_FIGURES: tuple[str, ...] = (ALL, *ALL_STATES, COUNTED, NO_REGION)
# The category of a report that gives none (in a drill).
NO_CATEGORY = "(none)"


class CompletenessRefused(ValueError):
    """Asked for something that does not exist: the message says what exists."""


def figure_label(figure: str) -> str:
    labels = {
        MEMBER_STATES: _("Member States"),
        AUTHORITY: _("With a designated national authority"),
        NOT_STARTED: _("Not started"),
        IN_PROGRESS: _("In progress"),
        LATE: _("Late"),
        RECEIVED: _("Reports received"),
        ALL: _("All reports"),
        COUNTED: _("Reports counted"),
        NO_REGION: _("No country or region given"),
    }
    if figure in labels:
        return labels[figure]
    return str(dict(State.choices).get(figure, figure))


def region_label(region: str) -> str:
    if not region:
        return _("No WHO region at the deadline")
    return str(REGION_NAMES.get(region, region))


def _language() -> str:
    return (translation.get_language() or "en").split("-")[0]


def _check_region(region: str) -> str:
    region = (region or "").upper()
    if region and region not in REGIONS:
        raise CompletenessRefused(
            _("'%(region)s' is not a WHO region: %(regions)s.")
            % {"region": region, "regions": ", ".join(REGIONS)}
        )
    return region


def _check_figure(status: str, known: Sequence[str]) -> str:
    if status not in known:
        raise CompletenessRefused(
            _("'%(status)s' is not a figure of this table; one of: %(known)s.")
            % {"status": status, "known": ", ".join(known)}
        )
    return status


def _drill(**params: str) -> dict[str, str]:
    return {key: value for key, value in params.items() if value}


# -- national -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CountryStatus:
    """One Member State in a round: its region at the deadline and its report, if any."""

    iso3: str
    name: str
    region: str
    on_list: bool
    authority: bool
    status: str
    report: ReportRow | None
    updated_at: dt.datetime | None
    focal_points: int
    late: bool

    @property
    def received(self) -> bool:
        report = self.report
        return report is not None and (
            report.state in COUNTING_STATES
            or (report.state == State.RETURNED and report.submitted_at is not None)
        )

    def counts_as(self, figure: str) -> bool:
        if figure == MEMBER_STATES:
            return True
        if figure == AUTHORITY:
            return self.authority
        if figure == LATE:
            return self.late
        if figure == RECEIVED:
            return self.received
        return self.status == figure

    @property
    def status_label(self) -> str:
        return figure_label(self.status)


@dataclass
class Completeness:
    """The completeness of one national round instrument (see the module's docstring)."""

    filters: AnalysisFilters
    selection: Selection
    countries: list[CountryStatus]
    # What every round's completeness reads the same (Member States, the register, focal
    # points), shared with the history's rounds.
    shared: Shared | None = field(default=None, repr=False)
    _history: list[HistoryRow] | None = field(default=None, repr=False)

    @property
    def round_instrument(self) -> RoundInstrument:
        return self.filters.round_instrument

    @property
    def regions(self) -> list[str]:
        """The table's regions: the filter's, else every region (and "" when a country had
        none at the deadline)."""
        if self.filters.region:
            return [self.filters.region]
        found = {country.region for country in self.countries}
        return [*REGIONS, *([""] if "" in found else [])]

    def members(self, figure: str, region: str | None = None) -> list[CountryStatus]:
        """The countries a number counts (region None: every region)."""
        return [
            country
            for country in self.countries
            if (region is None or country.region == region) and country.counts_as(figure)
        ]

    def count(self, figure: str, region: str | None = None) -> int:
        return len(self.members(figure, region))

    def counts(self, region: str | None = None) -> dict[str, int]:
        return {figure: self.count(figure, region) for figure in NATIONAL_FIGURES}

    @property
    def code(self) -> str:
        return self.filters.instrument.code

    def table(self) -> AnalysisTable:
        """Regions × statuses, with the total of every region under them."""
        columns = [Column("region", _("WHO region"), numeric=False)]
        columns += [Column(figure, figure_label(figure)) for figure in TABLE_FIGURES]

        def line(header: str, region: str | None) -> list[Cell]:
            whole = self.count(MEMBER_STATES, region)
            cells = [Cell(header, header=True)]
            for figure in TABLE_FIGURES:
                drill = _drill(status=figure, region=region or "")
                part = self.count(figure, region)
                if figure == MEMBER_STATES:
                    cells.append(count_cell(part, drill=drill))
                else:
                    cells.append(count_cell(part, whole, drill=drill))
            return cells

        deadline = self.selection.deadline.isoformat()
        return AnalysisTable(
            identifier=f"{self.code}.completeness.region",
            title=_("Completeness of %(round)s by WHO region") % {"round": self.filters.round},
            columns=columns,
            rows=[line(region_label(region), region) for region in self.regions],
            footer=[line(_("All regions"), None)],
            source=Source.of(self.selection),
            notes=self.notes(deadline),
        )

    def notes(self, deadline: str) -> list[str]:
        return [
            _(
                "Every Member State is counted once, in the WHO region it belonged to on "
                "%(deadline)s, the deadline; percentages are of the Member States of the row."
            )
            % {"deadline": deadline},
            _(
                "With a designated national authority: the register has an entry designated "
                "on or before the deadline, or one without a date of designation."
            ),
            _(
                "Not started: no report, or a draft with no answer given in the round (answers "
                "carried over from the previous round and not yet confirmed do not count); in "
                "progress: a draft with at least one."
            ),
            _(
                "Late: marked late or submitted after the deadline, whatever the report's state "
                "now (also counted in its state)."
            ),
            _("The report-state and language filters do not apply to completeness."),
        ]

    def history(self) -> list[HistoryRow]:
        if self._history is None:
            self._history = _history_rows(self)
        return self._history

    def history_table(self) -> AnalysisTable:
        """The same headline figures for the previous rounds and this one, side by side."""
        columns = [
            Column("round", _("Round"), numeric=False),
            Column("year", _("Year")),
            *(Column(figure, figure_label(figure)) for figure in HISTORY_FIGURES),
        ]
        not_recorded = _("not recorded")
        rows = []
        narrowed = bool(self.filters.region or self.filters.safeguards or self.filters.country)
        for item in self.history():
            title = str(item.round.title)
            if item.round.pk == self.filters.round.pk:
                title = _("%(round)s (this round)") % {"round": title}
            cells = [Cell(title, header=True), Cell(item.round.year, text=str(item.round.year))]
            for figure in HISTORY_FIGURES:
                if item.completeness is not None:
                    ri = item.completeness.round_instrument
                    drill = _drill(
                        round=str(ri.round.number),
                        instrument=ri.instrument_version.instrument.code,
                        status=figure,
                    )
                    cells.append(count_cell(item.completeness.count(figure), drill=drill))
                    continue
                value = item.historical.get(figure)
                if value is None or narrowed:
                    cells.append(Cell(None, text=not_recorded))
                else:
                    cells.append(Cell(value))
            rows.append(cells)
        notes = [
            _(
                "Rounds without a national instrument in Code Monitor show the historical "
                "counts of the reference data (designated national authorities, national "
                "reports received); other rounds are counted from their reports as above."
            ),
        ]
        if narrowed:
            notes.append(
                _(
                    "The historical counts are for all Member States: not shown when a region "
                    "or safeguards filter is chosen."
                )
            )
        return AnalysisTable(
            identifier=f"{self.code}.completeness.history",
            title=_("Completeness of the national reporting rounds"),
            columns=columns,
            rows=rows,
            source=Source.of(self.selection),
            notes=notes,
        )


@dataclass
class HistoryRow:
    round: Round
    # Counted from the database (a round with a national instrument), else None.
    completeness: Completeness | None
    # The historical counts on Round (figure -> count, None where not recorded).
    historical: dict[str, int | None]


@dataclass
class Shared:
    """What every round's completeness reads the same: read once per page."""

    names: dict[str, str]
    member_states: list[str]
    authorities: list[tuple[str, dt.date | None]]
    focal_points: dict[str, int]

    @classmethod
    def read(cls) -> Shared:
        focal = (
            User.objects.filter(role=Role.FOCAL_POINT, is_active=True, member_state__isnull=False)
            .values_list("member_state_id")
            .annotate(count=Count("id"))
            .order_by()
        )
        return cls(
            names=country_labels(_language()),
            member_states=list(MemberState.objects.order_by("iso3").values_list("iso3", flat=True)),
            authorities=list(
                NationalAuthority.objects.values_list("member_state_id", "designated_on")
            ),
            focal_points={str(iso3): count for iso3, count in focal},
        )


def _national(filters: AnalysisFilters) -> None:
    if not filters.is_national:
        raise CompletenessRefused(
            _("%(instrument)s is not a national instrument.")
            % {"instrument": filters.instrument.code.upper()}
        )


def round_completeness(filters: AnalysisFilters) -> Completeness:
    """The completeness of the filters' national round instrument (see the docstring)."""
    _national(filters)
    return _completeness(filters, Shared.read())


def _completeness(filters: AnalysisFilters, shared: Shared) -> Completeness:
    round_instrument = filters.round_instrument
    # Every report of the round instrument, whatever its state or language, in the region
    # and safeguards status chosen.
    selection = selection_for(filters.with_(states=ALL_STATES, language=""))
    deadline = selection.deadline
    closes_at = round_instrument.closes_at
    drafts = [row.id for row in selection.reports if row.state == State.DRAFT]
    started: set[int] = set()
    if drafts:
        for model in (Answer, PersonalAnswer):
            started.update(
                model.objects.filter(
                    round_instrument=round_instrument, report_id__in=drafts, carried=False
                )
                .values_list("report_id", flat=True)
                .distinct()
                .order_by()
            )
    updated: dict[int, dt.datetime] = {}
    if selection.reports:
        updated = dict(
            Report.objects.filter(round_instrument=round_instrument)
            .values_list("pk", "updated_at")
            .order_by()
        )
    by_country = {row.member_state: row for row in selection.reports}
    designated = {str(iso3) for iso3, on in shared.authorities if on is None or on <= deadline}
    countries = []
    for iso3 in shared.member_states:
        region = selection.region_of.get(iso3, "")
        on_list = iso3 in selection.listed
        if filters.region and region != filters.region:
            continue
        if (filters.safeguards == "on" and not on_list) or (
            filters.safeguards == "off" and on_list
        ):
            continue
        if filters.country and iso3 != filters.country:
            continue
        report = by_country.get(iso3)
        if report is None:
            status = NOT_STARTED
        elif report.state == State.DRAFT:
            status = IN_PROGRESS if report.id in started else NOT_STARTED
        else:
            status = report.state
        late = report is not None and (
            report.late or (report.submitted_at is not None and report.submitted_at > closes_at)
        )
        countries.append(
            CountryStatus(
                iso3=iso3,
                name=shared.names.get(iso3, iso3),
                region=region,
                on_list=on_list,
                authority=iso3 in designated,
                status=status,
                report=report,
                updated_at=updated.get(report.id) if report else None,
                focal_points=shared.focal_points.get(iso3, 0),
                late=late,
            )
        )
    countries.sort(key=lambda country: (country.name.casefold(), country.iso3))
    return Completeness(filters=filters, selection=selection, countries=countries, shared=shared)


def _historical(round_: Round) -> dict[str, int | None]:
    return {AUTHORITY: round_.designated_authorities, RECEIVED: round_.national_reports_count}


def national_round_instruments() -> list[RoundInstrument]:
    """Every round's national round instrument (the first by code where there are several)."""
    found: dict[int, RoundInstrument] = {}
    for item in (
        RoundInstrument.objects.filter(
            instrument_version__instrument__kind=Instrument.Kind.NATIONAL
        )
        .select_related("round", "instrument_version__instrument")
        .defer("instrument_version__source", "instrument_version__schema")
        .order_by("round__number", "instrument_version__instrument__code", "pk")
    ):
        found.setdefault(item.round_id, item)
    return list(found.values())


def _history_rows(current: Completeness) -> list[HistoryRow]:
    """The previous rounds and this one, oldest first: real rounds up to this one's number
    (the demonstration round only when it is this one)."""
    this_round = current.filters.round
    shared = current.shared or Shared.read()
    instruments = {item.round_id: item for item in national_round_instruments()}
    rows = []
    for round_ in Round.objects.order_by("number"):
        if round_.pk != this_round.pk and (round_.is_demo or round_.number > this_round.number):
            continue
        if round_.pk == this_round.pk:
            rows.append(HistoryRow(round_, current, {}))
            continue
        item = instruments.get(round_.pk)
        if item is None:
            rows.append(HistoryRow(round_, None, _historical(round_)))
            continue
        filters = AnalysisFilters(
            round_instrument=item,
            region=current.filters.region,
            safeguards=current.filters.safeguards,
            country=current.filters.country,
        )
        rows.append(HistoryRow(round_, _completeness(filters, shared), {}))
    return rows


# -- stakeholders ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StakeholderItem:
    """A stakeholder report behind a number."""

    row: ReportRow
    category_label: str
    updated_at: dt.datetime | None
    # The countries (or WHO regions) concerned, by name.
    concerned: tuple[str, ...] = ()

    @property
    def state_label(self) -> str:
        return str(dict(State.choices).get(self.row.state, self.row.state))


@dataclass
class StakeholderCompleteness:
    """A stakeholder round instrument's reports by state, and the counted reports by category
    and by WHO region of the countries they concern."""

    filters: AnalysisFilters
    # Every report in the region, safeguards status and language chosen, whatever its state.
    selection: Selection
    # The category question's choices in the form's order: [(name, label)].
    categories: list[tuple[str, str]]

    @property
    def code(self) -> str:
        return self.filters.instrument.code

    @cached_property
    def counted(self) -> list[ReportRow]:
        """The reports in the chosen states (default: the submitted ones)."""
        chosen = set(self.filters.chosen_states)
        return [row for row in self.selection.reports if row.state in chosen]

    def category_of(self, row: ReportRow) -> str:
        return row.category or NO_CATEGORY

    def category_label(self, name: str) -> str:
        if name == NO_CATEGORY:
            return _("No category given")
        return dict(self.categories).get(name, name)

    def members(self, figure: str, region: str = "", category: str = "") -> list[ReportRow]:
        if figure == ALL:
            chosen = list(self.selection.reports)
        elif figure in (COUNTED, NO_REGION):
            chosen = self.counted
            if figure == NO_REGION:
                chosen = [row for row in chosen if not row.regions]
        else:
            chosen = [row for row in self.selection.reports if row.state == figure]
        if region:
            chosen = [row for row in chosen if region in row.regions]
        if category:
            chosen = [row for row in chosen if self.category_of(row) == category]
        return chosen

    def _source(self, rows: Iterable[ReportRow], *, chosen_states: bool = True) -> Source:
        """The source line: the reports a table counts, under the filters as chosen (the
        by-state table: every state)."""
        source = Source.of(self.selection)
        return replace(
            source,
            filters=self.filters.describe() if chosen_states else source.filters,
            counted=sum(1 for _row in rows),
        )

    def state_table(self) -> AnalysisTable:
        total = len(self.selection.reports)
        by_state = Counter(row.state for row in self.selection.reports)
        rows = [
            [
                Cell(str(label), header=True),
                count_cell(by_state.get(value, 0), total, drill=_drill(status=value)),
            ]
            for value, label in State.choices
        ]
        return AnalysisTable(
            identifier=f"{self.code}.completeness.state",
            title=_("Stakeholder reports of %(round)s by state") % {"round": self.filters.round},
            columns=[Column("state", _("State"), numeric=False), Column("reports", _("Reports"))],
            rows=rows,
            footer=[
                [Cell(_("All reports"), header=True), count_cell(total, drill={"status": ALL})]
            ],
            source=self._source(self.selection.reports, chosen_states=False),
            notes=[_("Every report whatever its state; the report-state filter does not apply.")],
        )

    def category_table(self) -> AnalysisTable:
        counted = self.counted
        total = len(counted)
        by_category = Counter(self.category_of(row) for row in counted)
        names = [name for name, _label in self.categories]
        names += sorted(name for name in by_category if name not in names and name != NO_CATEGORY)
        if by_category.get(NO_CATEGORY):
            names.append(NO_CATEGORY)
        rows = [
            [
                Cell(self.category_label(name), header=True),
                count_cell(
                    by_category.get(name, 0), total, drill=_drill(status=COUNTED, category=name)
                ),
            ]
            for name in names
        ]
        return self._counted_table(
            "category",
            _("Stakeholder reports of %(round)s by stakeholder category")
            % {"round": self.filters.round},
            Column("category", _("Stakeholder category"), numeric=False),
            rows,
            _("Categories as the form names them, in its order."),
        )

    def region_table(self) -> AnalysisTable:
        counted = self.counted
        total = len(counted)
        regions = [self.filters.region] if self.filters.region else list(REGIONS)
        rows = [
            [
                Cell(region_label(region), header=True),
                count_cell(
                    sum(1 for row in counted if region in row.regions),
                    total,
                    drill=_drill(status=COUNTED, region=region),
                ),
            ]
            for region in regions
        ]
        unplaced = sum(1 for row in counted if not row.regions)
        if unplaced and not self.filters.region:
            rows.append(
                [
                    Cell(figure_label(NO_REGION), header=True),
                    count_cell(unplaced, total, drill={"status": NO_REGION}),
                ]
            )
        return self._counted_table(
            "region",
            _("Stakeholder reports of %(round)s by WHO region of the countries concerned")
            % {"round": self.filters.round},
            Column("region", _("WHO region"), numeric=False),
            rows,
            _(
                "A report counts in every WHO region of the countries it concerns (as of the "
                "deadline), and in a region it names itself: the regions add up to more than "
                "the reports."
            ),
        )

    def _counted_table(
        self, name: str, title: str, first: Column, rows: list[list[Cell]], note: str
    ) -> AnalysisTable:
        """A table of the reports counted, split by `first`, with their total below."""
        return AnalysisTable(
            identifier=f"{self.code}.completeness.{name}",
            title=title,
            columns=[first, Column("reports", _("Reports"))],
            rows=rows,
            footer=[
                [
                    Cell(_("All reports counted"), header=True),
                    count_cell(len(self.counted), drill={"status": COUNTED}),
                ]
            ],
            source=self._source(self.counted),
            notes=[note],
        )

    def tables(self) -> list[AnalysisTable]:
        return [self.state_table(), self.category_table(), self.region_table()]


def _categories(filters: AnalysisFilters) -> list[tuple[str, str]]:
    form = filters.round_instrument.instrument_version.form
    name = form.report_fields().get("stakeholder_category")
    question = form.questions().get(name) if name else None
    if question is None:
        return []
    language = _language()
    found = []
    for choice in form.choices.get(question.list_name, []):
        label = (
            choice.label.get(language)
            or choice.label.get(form.default_language)
            or next((text for text in choice.label.values() if text), choice.name)
        )
        found.append((choice.name, label))
    return found


def stakeholder_completeness(filters: AnalysisFilters) -> StakeholderCompleteness:
    """The completeness of the filters' stakeholder round instrument."""
    if filters.is_national:
        raise CompletenessRefused(
            _("%(instrument)s is not a stakeholder instrument.")
            % {"instrument": filters.instrument.code.upper()}
        )
    return StakeholderCompleteness(
        filters=filters,
        selection=selection_for(filters.with_(states=ALL_STATES)),
        categories=_categories(filters),
    )


# -- the list behind a number ---------------------------------------------------------------


def completeness_list(
    filters: AnalysisFilters, status: str, region: str = "", *, category: str = ""
) -> list[CountryStatus] | list[StakeholderItem]:
    """The Member States (national) or reports (stakeholder) behind a number of the
    completeness tables: `status` is the number's figure (its drill), `region` a WHO region
    or "" for all (within the filters' region). Unknown values are refused with the list of
    those that exist (CompletenessRefused)."""
    region = _check_region(region)
    if filters.region and region and region != filters.region:
        return []
    if filters.is_national:
        _check_figure(status, NATIONAL_FIGURES)
        completeness = round_completeness(filters)
        return completeness.members(status, region or None)
    _check_figure(status, STAKEHOLDER_FIGURES)
    found = stakeholder_completeness(filters)
    rows = found.members(status, region, category)
    updated: dict[int, Any] = {}
    if rows:
        updated = dict(
            Report.objects.filter(round_instrument=filters.round_instrument)
            .values_list("pk", "updated_at")
            .order_by()
        )
    names = country_labels(_language()) if rows else {}
    return [
        StakeholderItem(
            row=row,
            category_label=found.category_label(row.category) if row.category else "",
            updated_at=updated.get(row.id),
            concerned=tuple(names.get(code, code) for code in row.countries),
        )
        for row in rows
    ]


def figures_for(filters: AnalysisFilters) -> tuple[str, ...]:
    """The figures a list behind a number may be asked for."""
    return NATIONAL_FIGURES if filters.is_national else STAKEHOLDER_FIGURES


def list_heading(filters: AnalysisFilters, status: str, category: str = "") -> str:
    """What a list behind a number shows, in words ("Reports counted: Recruiter")."""
    heading = figure_label(status)
    if category and not filters.is_national:
        label = _("No category given") if category == NO_CATEGORY else category
        label = dict(_categories(filters)).get(category, label)
        heading = f"{heading}: {label}"
    return heading
