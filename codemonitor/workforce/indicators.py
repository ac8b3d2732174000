"""Indicators computed from the migration statistics: the read side every audience shares.

Each indicator comes with the figures it was computed from (`inputs`, each naming its dataset)
and what was missing to compute it (`missing`, sentences for the page), so that a page can show
how a number was made and why another is absent.

- **Dependency** on foreign-trained personnel: the foreign-trained stock (its figure for all
  origins together, or the sum over the countries of origin when there is none) ÷ the total
  stock, per destination, occupation and year.
- **Safeguards share**: of the foreign-trained stock, the part trained in countries on the WHO
  health workforce support and safeguards list in force in that year (the edition in force on
  31 December), the edition named beside the figure.
- **Top origins** of a destination, **top destinations** of an origin (how many health
  personnel trained in a country are counted abroad, and where), and the **bilateral matrix**
  of destinations × origins for an occupation and year.

**Which source counts** when several datasets give the same figure (same destination, origin,
population, occupation, measure and year): `SOURCE_ORDER` — the country's own validated national
report (NRI) first, then the OECD Health Workforce Migration dataset, then other sources. NRI
figures are always a country's figures about itself (the report's country is their
destination), so a country's own word comes first for itself, and the OECD's for the rest.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum, TextChoices
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from codemonitor.reference.countries import region_codes
from codemonitor.reference.models import SafeguardsEdition, SafeguardsEntry
from codemonitor.workforce.models import (
    IDENTITY,
    TOTAL_ORIGIN,
    Dataset,
    Measure,
    Occupation,
    Population,
    Statistic,
)

SOURCE_ORDER: tuple[str, ...] = (Dataset.NRI, Dataset.OECD, Dataset.OTHER)
SOURCE_RULE = gettext_lazy(
    "Where several sources give the same figure, the country's own validated national report "
    "(NRI) is used first, then the OECD Health Workforce Migration dataset, then other sources."
)
# Origin codes that stand for several countries: never a country of origin in a ranking or a
# sum over origins. TOTAL is every origin together; the WHO regions and WORLD are groups.
AGGREGATE_ORIGINS = frozenset({TOTAL_ORIGIN, "WORLD", "WLD", *region_codes()})
# The origin of an input that is a sum over countries of origin added up by the database.
SUM_OF_ORIGINS = "*"
FIGURE_FIELDS = ("dataset", *IDENTITY, "value", "flag", "flag_note")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Figure:
    """One statistic as the indicators read it."""

    dataset: str
    destination: str
    origin: str
    population: str
    occupation: str
    measure: str
    year: int
    value: Decimal
    flag: str = ""
    flag_note: str = ""

    @property
    def key(self) -> tuple[str, str, str, str, str, int]:
        """Its identity without the dataset: the same figure from another source."""
        return (
            self.destination,
            self.origin,
            self.population,
            self.occupation,
            self.measure,
            self.year,
        )

    @property
    def dataset_label(self) -> str:
        return _label(Dataset, self.dataset)

    @property
    def population_label(self) -> str:
        return _label(Population, self.population)

    @property
    def measure_label(self) -> str:
        return _label(Measure, self.measure)

    @property
    def occupation_label(self) -> str:
        return _label(Occupation, self.occupation)


def _label(choices: type[TextChoices], code: str) -> str:
    """A code's label in the active language (a profile shows thousands: looked up once)."""
    return _labels(choices, get_language() or "").get(code, code)


@functools.cache
def _labels(choices: type[TextChoices], language: str) -> dict[str, str]:
    return {str(value): str(label) for value, label in choices.choices}


@dataclass
class Indicator:
    """A value (None when it cannot be computed), what it was computed from, what was missing."""

    value: Decimal | None
    inputs: list[Figure] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    # What the figure depends on besides its inputs (the edition of the safeguards list).
    basis: str = ""

    @property
    def percent(self) -> Decimal | None:
        return None if self.value is None else (self.value * HUNDRED).quantize(Decimal("0.1"))


@dataclass
class Ranking:
    """Countries ranked by a figure: [(code, value)], largest first, and what it came from
    (`inputs`: every figure of the year, largest first; `total`: their sum)."""

    year: int | None
    items: list[tuple[str, Decimal]]
    total: Decimal | None
    inputs: list[Figure] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def top(self) -> list[Figure]:
        """The figures of the ranked items, in their order."""
        return self.inputs[: len(self.items)]


@dataclass
class Matrix:
    """Destinations × origins for one occupation and year: cells[(destination, origin)]."""

    occupation: str
    year: int
    destinations: list[str]
    origins: list[str]
    cells: dict[tuple[str, str], Decimal]
    inputs: list[Figure] = field(default_factory=list)


# -- reading figures --------------------------------------------------------------------------


class FigureSet:
    """Figures, indexed by (population, occupation, measure, year) so that a page computing
    many indicators from thousands of figures reads only the few each needs."""

    def __init__(
        self,
        figures: Iterable[Figure],
        sums: dict[tuple[str, str, str, str, int], OriginSum] | None = None,
    ) -> None:
        self.figures = list(figures)
        # Sums over the countries of origin computed by the database (`for_destination`),
        # for the years whose figures by origin were not read one by one.
        self.sums = sums or {}
        self._index: dict[tuple[str, str, str, int], list[Figure]] = defaultdict(list)
        self._years: dict[tuple[str, str, str], set[int]] = defaultdict(set)
        for figure in self.figures:
            self._index[figure.population, figure.occupation, figure.measure, figure.year].append(
                figure
            )
            self._years[figure.population, figure.occupation, figure.measure].add(figure.year)

    def __iter__(self) -> Iterator[Figure]:
        return iter(self.figures)

    def __len__(self) -> int:
        return len(self.figures)

    def years(self, population: str, occupation: str, measure: str = Measure.STOCK) -> list[int]:
        return sorted(self._years.get((population, occupation, measure), ()))

    def select(
        self,
        *,
        destination: str | None = None,
        origin: str | None = None,
        population: str,
        occupation: str,
        measure: str = Measure.STOCK,
        year: int | None = None,
    ) -> list[Figure]:
        years = [year] if year is not None else self.years(population, occupation, measure)
        return [
            f
            for y in years
            for f in self._index.get((population, occupation, measure, y), ())
            if (destination is None or f.destination == destination)
            and (origin is None or f.origin == origin)
        ]

    def origin_sum(
        self, destination: str, population: str, occupation: str, measure: str, year: int
    ) -> OriginSum | None:
        """The figures over the countries of origin added up, from one source (the first in
        SOURCE_ORDER that gives figures by origin that year): sources are never mixed in one
        sum."""
        known = self.sums.get((destination, population, occupation, measure, year))
        if known is not None:
            return known
        by_dataset: dict[str, list[Figure]] = defaultdict(list)
        for figure in self.select(
            destination=destination,
            population=population,
            occupation=occupation,
            measure=measure,
            year=year,
        ):
            if is_country(figure.origin):
                by_dataset[figure.dataset].append(figure)
        if not by_dataset:
            return None
        dataset = min(by_dataset, key=_source_rank)
        rows = by_dataset[dataset]
        return OriginSum(dataset, sum((f.value for f in rows), Decimal(0)), len(rows), rows)

    def listed_sum(
        self, found: OriginSum, edition: SafeguardsEdition, countries: frozenset[str]
    ) -> Decimal:
        """The part of a sum over origins trained in `countries` (an edition of the list)."""
        if found.rows or edition.year not in found.listed:
            return sum((f.value for f in found.rows if f.origin in countries), Decimal(0))
        return found.listed[edition.year]

    @classmethod
    def for_destination(
        cls,
        destination: str,
        lists: SafeguardsLists,
        latest: int = 1,
        *,
        statistics: QuerySet[Statistic] | None = None,
    ) -> FigureSet:
        """A destination's figures for a page, in three queries whatever their number: the
        figures of all origins together; the sums over the countries of origin per source,
        year and edition of the safeguards list (computed by the database); and the figures
        by country of training of the latest year of each occupation (for the rankings).
        `statistics`: the figures it may read (default: all; publication: the public ones)."""
        base = Statistic.objects.all() if statistics is None else statistics
        mine = base.filter(destination_id=destination)
        own = [
            Figure(*row)
            for row in mine.filter(origin_code__in=["", TOTAL_ORIGIN]).values_list(*FIGURE_FIELDS)
        ]
        by_origin = mine.exclude(origin_code__in=[*AGGREGATE_ORIGINS, ""])
        listed = {
            f"listed_{edition.year}": Sum(
                "value", filter=Q(origin_code__in=sorted(lists.listed(edition)))
            )
            for edition in lists.editions
        }
        grouped: dict[tuple[str, str, str, str, int], list[OriginSum]] = defaultdict(list)
        for found in by_origin.values(
            "dataset", "population", "occupation", "measure", "year"
        ).annotate(total=Sum("value"), count=Count("pk"), **listed):
            row: dict[str, Any] = dict(found)
            grouped[
                destination, row["population"], row["occupation"], row["measure"], row["year"]
            ].append(
                OriginSum(
                    row["dataset"],
                    row["total"],
                    row["count"],
                    [],
                    {
                        edition.year: row[f"listed_{edition.year}"] or Decimal(0)
                        for edition in lists.editions
                    },
                )
            )
        sums = {
            key: min(found, key=lambda s: _source_rank(s.dataset)) for key, found in grouped.items()
        }
        years: dict[str, int] = {}
        for _d, population, occupation, measure, year in sums:
            if population == Population.FOREIGN_TRAINED and measure == Measure.STOCK:
                years[occupation] = max(year, years.get(occupation, year))
        rows: list[Figure] = []
        if years:
            wanted = Q()
            for occupation, year in years.items():
                wanted |= Q(occupation=occupation, year=year)
            rows = [
                Figure(*row)
                for row in by_origin.filter(
                    wanted, population=Population.FOREIGN_TRAINED, measure=Measure.STOCK
                ).values_list(*FIGURE_FIELDS)
            ]
        chosen = cls(preferred([*own, *rows]), sums)
        # The years read one by one are summed from their rows (the same rule, with inputs).
        for figure in rows:
            chosen.sums.pop(
                (
                    figure.destination,
                    figure.population,
                    figure.occupation,
                    figure.measure,
                    figure.year,
                ),
                None,
            )
        return chosen


@dataclass
class OriginSum:
    """Figures over countries of origin added up: from which source, the sum, how many
    countries, the figures themselves when they were read, and the part on each edition of
    the safeguards list when the database added them up."""

    dataset: str
    total: Decimal
    count: int
    rows: list[Figure] = field(default_factory=list)
    listed: dict[int, Decimal] = field(default_factory=dict)


def _source_rank(dataset: str) -> int:
    return SOURCE_ORDER.index(dataset) if dataset in SOURCE_ORDER else len(SOURCE_ORDER)


def figures_of(statistics: QuerySet[Statistic]) -> FigureSet:
    """The figures of a queryset (one query), one per identity: the source SOURCE_ORDER
    prefers."""
    return FigureSet(preferred(Figure(*row) for row in statistics.values_list(*FIGURE_FIELDS)))


def preferred(figures: Iterable[Figure]) -> list[Figure]:
    """One figure per identity, from the source that comes first in SOURCE_ORDER."""
    rank = {dataset: index for index, dataset in enumerate(SOURCE_ORDER)}
    chosen: dict[tuple[str, str, str, str, str, int], Figure] = {}
    for figure in figures:
        held = chosen.get(figure.key)
        if held is None or rank.get(figure.dataset, 99) < rank.get(held.dataset, 99):
            chosen[figure.key] = figure
    return list(chosen.values())


def is_country(origin: str) -> bool:
    """Whether an origin code names one country (or territory), not a group."""
    return bool(origin) and origin not in AGGREGATE_ORIGINS


def occupation_name(code: str) -> str:
    return _label(Occupation, code)


def _occupation(code: str) -> str:
    return occupation_name(code).lower()


# -- indicators -------------------------------------------------------------------------------


def foreign_trained(
    figures: FigureSet,
    destination: str,
    occupation: str,
    year: int,
    measure: str = Measure.STOCK,
) -> Indicator:
    """The foreign-trained stock (or inflow): the figure for all origins, else the sum over the
    countries of origin."""
    found = figures.select(
        destination=destination,
        population=Population.FOREIGN_TRAINED,
        occupation=occupation,
        measure=measure,
        year=year,
    )
    total = [f for f in found if f.origin == TOTAL_ORIGIN]
    if total:
        return Indicator(total[0].value, [total[0]])
    summed = figures.origin_sum(destination, Population.FOREIGN_TRAINED, occupation, measure, year)
    if summed is not None:
        inputs = summed.rows or [
            Figure(
                summed.dataset,
                destination,
                SUM_OF_ORIGINS,
                Population.FOREIGN_TRAINED,
                occupation,
                measure,
                year,
                summed.total,
            )
        ]
        return Indicator(
            summed.total,
            inputs,
            [
                _(
                    "No figure of all origins together for %(year)s: the sum over %(count)s "
                    "countries of origin is used."
                )
                % {"year": year, "count": summed.count}
            ],
        )
    if measure == Measure.INFLOW:
        message = _("No annual inflow of foreign-trained %(occupation)s for %(year)s.")
    else:
        message = _("No foreign-trained %(occupation)s for %(year)s.")
    return Indicator(None, [], [message % {"occupation": _occupation(occupation), "year": year}])


def total_stock(figures: FigureSet, destination: str, occupation: str, year: int) -> Indicator:
    found = figures.select(
        destination=destination,
        population=Population.TOTAL,
        occupation=occupation,
        year=year,
    )
    if found:
        return Indicator(found[0].value, [found[0]])
    return Indicator(
        None,
        [],
        [
            _("No total stock of %(occupation)s for %(year)s.")
            % {"occupation": _occupation(occupation), "year": year}
        ],
    )


def dependency(figures: FigureSet, destination: str, occupation: str, year: int) -> Indicator:
    """Foreign-trained stock ÷ total stock."""
    trained = foreign_trained(figures, destination, occupation, year)
    total = total_stock(figures, destination, occupation, year)
    inputs = [*trained.inputs, *total.inputs]
    missing = [*trained.missing, *total.missing]
    if trained.value is None or total.value is None:
        return Indicator(None, inputs, missing)
    if not total.value:
        return Indicator(
            None, inputs, [*missing, _("The total stock for %(year)s is zero.") % {"year": year}]
        )
    return Indicator(trained.value / total.value, inputs, missing)


@dataclass
class SafeguardsLists:
    """Every edition of the safeguards list and its countries (two queries), and the edition
    in force in a year — the rule of `SafeguardsEdition.in_force` on 31 December, applied here
    to editions already read so that a page asking for many years stays at two queries."""

    editions: list[SafeguardsEdition]
    countries: dict[int, frozenset[str]]

    @classmethod
    def load(cls) -> SafeguardsLists:
        editions = list(SafeguardsEdition.objects.order_by("-year"))
        countries: dict[int, set[str]] = defaultdict(set)
        for edition_id, member_state_id in SafeguardsEntry.objects.values_list(
            "edition_id", "member_state_id"
        ):
            countries[edition_id].add(member_state_id)
        return cls(editions, {year: frozenset(codes) for year, codes in countries.items()})

    def in_force(self, year: int) -> SafeguardsEdition | None:
        on = dt.date(year, 12, 31)
        for edition in self.editions:  # newest first
            if (edition.published is not None and edition.published <= on) or (
                edition.published is None and edition.year <= on.year
            ):
                return edition
        return None

    def listed(self, edition: SafeguardsEdition) -> frozenset[str]:
        return self.countries.get(edition.year, frozenset())


def safeguards_share(
    figures: FigureSet,
    destination: str,
    occupation: str,
    year: int,
    lists: SafeguardsLists,
) -> Indicator:
    """Of the foreign-trained stock, the part trained in countries on the list in force."""
    edition = lists.in_force(year)
    if edition is None:
        return Indicator(
            None,
            [],
            [_("No edition of the safeguards list was in force in %(year)s.") % {"year": year}],
        )
    basis = str(edition)
    listed = lists.listed(edition)
    summed = figures.origin_sum(
        destination, Population.FOREIGN_TRAINED, occupation, Measure.STOCK, year
    )
    if summed is None:
        return Indicator(
            None,
            [],
            [
                _("No foreign-trained %(occupation)s by country of training for %(year)s.")
                % {"occupation": _occupation(occupation), "year": year}
            ],
            basis,
        )
    trained = foreign_trained(figures, destination, occupation, year)
    inputs = list({id(f): f for f in [*trained.inputs, *summed.rows]}.values())
    if not trained.value:
        return Indicator(None, inputs, trained.missing, basis)
    value = figures.listed_sum(summed, edition, listed) / trained.value
    missing = list(trained.missing)
    given = summed.total
    if trained.inputs and trained.inputs[0].origin == TOTAL_ORIGIN and given < trained.value:
        missing.append(
            _(
                "The countries of training of %(unknown)s of %(total)s foreign-trained are not "
                "given; they are counted as not on the list."
            )
            % {"unknown": _plain(trained.value - given), "total": _plain(trained.value)}
        )
    return Indicator(value, inputs, missing, basis)


def _plain(number: Decimal) -> str:
    return f"{number.normalize():f}"


def top_origins(
    figures: FigureSet,
    destination: str,
    occupation: str,
    year: int | None = None,
    *,
    limit: int = 10,
) -> Ranking:
    """The countries of training with the most foreign-trained personnel in a destination, in
    a year (the latest with figures by country of training when none is given)."""
    chosen = [
        f
        for f in figures.select(
            destination=destination,
            population=Population.FOREIGN_TRAINED,
            occupation=occupation,
        )
        if is_country(f.origin)
    ]
    return _ranking(chosen, year, lambda f: f.origin, limit, occupation)


def top_destinations(
    figures: FigureSet,
    origin: str,
    occupation: str,
    year: int | None = None,
    *,
    limit: int = 10,
) -> Ranking:
    """Where the personnel trained in a country are counted abroad: the destinations with the
    most, in a year (the latest with figures when none is given); `total` is all of them."""
    chosen = figures.select(
        origin=origin, population=Population.FOREIGN_TRAINED, occupation=occupation
    )
    return _ranking(chosen, year, lambda f: f.destination, limit, occupation)


def _ranking(
    chosen: list[Figure],
    year: int | None,
    code_of: Callable[[Figure], str],
    limit: int,
    occupation: str,
) -> Ranking:
    if year is None:
        year = max((f.year for f in chosen), default=None)
    if year is None:
        return Ranking(
            None,
            [],
            None,
            [],
            [
                _("No figures of %(occupation)s by country.")
                % {"occupation": _occupation(occupation)}
            ],
        )
    inputs = sorted((f for f in chosen if f.year == year), key=lambda f: (-f.value, code_of(f)))
    if not inputs:
        return Ranking(
            year, [], None, [], [_("No figures by country for %(year)s.") % {"year": year}]
        )
    total = sum((f.value for f in inputs), Decimal(0))
    items = [(code_of(f), f.value) for f in inputs[:limit]]
    return Ranking(year, items, total, inputs)


def abroad_by_year(figures: FigureSet, origin: str, occupation: str) -> dict[int, Indicator]:
    """Per year, the personnel trained in `origin` counted abroad (the destinations that report
    them, together)."""
    found: dict[int, list[Figure]] = defaultdict(list)
    for f in figures.select(
        origin=origin, population=Population.FOREIGN_TRAINED, occupation=occupation
    ):
        found[f.year].append(f)
    return {
        year: Indicator(
            sum((f.value for f in chosen), Decimal(0)),
            chosen,
            [
                _(
                    "Only the %(count)s destinations that report figures by country of training "
                    "are counted."
                )
                % {"count": len(chosen)}
            ],
        )
        for year, chosen in sorted(found.items())
    }


def bilateral_matrix(
    *,
    occupation: str,
    year: int,
    population: str = Population.FOREIGN_TRAINED,
    measure: str = Measure.STOCK,
) -> Matrix:
    """Destinations × countries of origin for an occupation and year (one query)."""
    chosen = [
        f
        for f in figures_of(
            Statistic.objects.filter(
                occupation=occupation, year=year, population=population, measure=measure
            ).filter(~Q(origin_code__in=AGGREGATE_ORIGINS))
        )
        if is_country(f.origin)
    ]
    cells = {(f.destination, f.origin): f.value for f in chosen}
    return Matrix(
        occupation=occupation,
        year=year,
        destinations=sorted({f.destination for f in chosen}),
        origins=sorted({f.origin for f in chosen}),
        cells=cells,
        inputs=chosen,
    )
