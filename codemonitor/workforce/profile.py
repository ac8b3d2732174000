"""A Member State's profile: everything the platform holds about one country, in a bounded
number of queries (about a dozen, whatever the number of statistics).

Its designated national authority, its laws and authorised recruiters (how many, in which state
of validation, and the latest entries), and its migration figures seen both ways: as a
destination (per occupation and year the total stock, the foreign-trained stock, the dependency
on them, the share trained in countries on the safeguards list, the annual inflow, and the main
countries of training) and as an origin (where personnel trained there are counted abroad, and
how many per year). Read by the back office and the country's own pages alike; who may open it
is decided by the views (`registers.access.register_reader`).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _

from codemonitor.reference.models import MemberState, SafeguardsEntry
from codemonitor.reference.names import country_labels
from codemonitor.registers.models import Law, NationalAuthority, Recruiter, Validation
from codemonitor.workforce.charts import Series, bar_chart, line_chart
from codemonitor.workforce.indicators import (
    SOURCE_RULE,
    Figure,
    FigureSet,
    Indicator,
    Ranking,
    SafeguardsLists,
    abroad_by_year,
    dependency,
    figures_of,
    foreign_trained,
    occupation_name,
    safeguards_share,
    top_destinations,
    top_origins,
    total_stock,
)
from codemonitor.workforce.models import TOTAL_ORIGIN, Measure, Occupation, Population, Statistic

# Entries of each register listed on the profile (the counts are of all of them).
LISTED = 50
# How long a drawn migration section is kept (a new version of the figures draws it again).
SECTION_SECONDS = 24 * 3600
TOP = 10


@dataclass
class YearRow:
    year: int
    total: Indicator
    foreign_trained: Indicator
    dependency: Indicator
    safeguards: Indicator
    inflow: Indicator

    @property
    def notes(self) -> list[str]:
        """What was missing for the row's figures, each said once."""
        found: list[str] = []
        for indicator in (self.dependency, self.safeguards, self.inflow):
            found.extend(note for note in indicator.missing if note not in found)
        return found


@dataclass
class AsDestination:
    occupation: str
    label: str
    years: list[YearRow]
    origins: Ranking
    origins_chart: SafeString


@dataclass
class AsOrigin:
    occupation: str
    label: str
    abroad: dict[int, Indicator]
    destinations: Ranking
    destinations_chart: SafeString


@dataclass
class Register:
    """How many entries, by state of validation, and the latest ones."""

    entries: list[Law] | list[Recruiter]
    counts: dict[str, int]
    total: int

    @property
    def validated(self) -> int:
        return self.counts.get(Validation.VALIDATED, 0)

    @property
    def pending(self) -> int:
        return self.counts.get(Validation.PENDING, 0)

    @property
    def returned(self) -> int:
        return self.counts.get(Validation.RETURNED, 0)


@dataclass
class MigrationProfile:
    """A country's migration figures both ways, with their charts (the heavy part)."""

    country: MemberState
    as_destination: list[AsDestination]
    as_origin: list[AsOrigin]
    dependency_chart: SafeString
    abroad_chart: SafeString
    # The country's own figures (all origins together), every source, for the table.
    figures: list[Figure]
    names: dict[str, str]
    source_rule: str = field(default_factory=lambda: str(SOURCE_RULE))

    @property
    def has_statistics(self) -> bool:
        return bool(self.as_destination or self.as_origin)


@dataclass
class CountryProfile:
    country: MemberState
    authority: NationalAuthority | None
    laws: Register
    recruiters: Register
    # The migration section, drawn (see `migration_section`).
    migration: SafeString


def _register(model: type[Law] | type[Recruiter], country: str, order: list[str]) -> Register:
    counts = dict(
        model.objects.filter(member_state_id=country)
        .values_list("validation")
        .annotate(n=Count("pk"))
        .values_list("validation", "n")
    )
    entries = list(model.objects.filter(member_state_id=country).order_by(*order)[:LISTED])
    return Register(entries, counts, sum(counts.values()))  # type: ignore[arg-type]


def country_profile(country: MemberState) -> CountryProfile:
    """Everything about one Member State (see the module), in the active language."""
    iso3 = country.pk
    return CountryProfile(
        country=country,
        authority=NationalAuthority.objects.filter(member_state_id=iso3).first(),
        laws=_register(Law, iso3, ["-updated_at", "pk"]),
        recruiters=_register(Recruiter, iso3, ["legal_name", "pk"]),
        migration=migration_section(country),
    )


def statistics_version(
    country: MemberState, *, statistics: QuerySet[Statistic] | None = None
) -> str:
    """What the migration section of a country is drawn from, in one word: its figures (how
    many, the latest change, both ways) and the safeguards list's editions. Any import, NRI
    validation or removal changes it (and, of `statistics`, a figure that enters or leaves
    them)."""
    base = Statistic.objects.all() if statistics is None else statistics
    figures = base.filter(Q(destination_id=country.pk) | Q(origin_id=country.pk))
    seen = figures.aggregate(count=Count("pk"), last=Max("updated_at"))
    lists = SafeguardsEntry.objects.aggregate(count=Count("pk"), last=Max("edition_id"))
    return f"{seen['count']}.{seen['last']}.{lists['count']}.{lists['last']}.{country.name}"


def migration_section(
    country: MemberState, *, statistics: QuerySet[Statistic] | None = None, kind: str = ""
) -> SafeString:
    """The migration section of a country's profile, in the active language, drawn once per
    version of its figures and kept in the cache (the section is the profile's heavy part:
    thousands of figures made into tables and charts). `statistics`: the figures it may read
    (default: all), named by `kind` in the cache's key (publication: "public")."""
    language = get_language() or "en"
    version = hashlib.sha256(
        statistics_version(country, statistics=statistics).encode()
    ).hexdigest()[:24]
    key = f"workforce.profile.{country.pk}.{language}.{kind}{version}"
    html: str | None = cache.get(key)
    if html is None:
        html = render_to_string(
            "workforce/_migration.html",
            {"migration": country_migration(country, statistics=statistics)},
        )
        cache.set(key, html, SECTION_SECONDS)
    return mark_safe(html)  # noqa: S308 (drawn by the template engine, escaped there)


def country_migration(
    country: MemberState, *, statistics: QuerySet[Statistic] | None = None
) -> MigrationProfile:
    """A country's migration figures as a destination and as an origin, with the charts, read
    from `statistics` (default: every figure)."""
    iso3 = country.pk
    names = country_labels(get_language() or "en")
    rtl = get_language_bidi()
    lists = SafeguardsLists.load()
    base = Statistic.objects.all() if statistics is None else statistics
    here = FigureSet.for_destination(iso3, lists, statistics=base)
    abroad = figures_of(base.filter(origin_id=iso3, population=Population.FOREIGN_TRAINED))

    as_destination: list[AsDestination] = []
    dependency_series: list[Series] = []
    for occupation in Occupation.values:
        view = _as_destination(here, iso3, occupation, lists, names, rtl)
        if view is None:
            continue
        as_destination.append(view)
        points = {row.year: row.dependency.percent for row in view.years}
        if any(value is not None for value in points.values()):
            dependency_series.append(Series(view.label, points))

    as_origin: list[AsOrigin] = []
    abroad_series: list[Series] = []
    for occupation in Occupation.values:
        per_year = abroad_by_year(abroad, iso3, occupation)
        if not per_year:
            continue
        ranking = top_destinations(abroad, iso3, occupation, limit=TOP)
        label = occupation_name(occupation)
        as_origin.append(
            AsOrigin(
                occupation,
                label,
                per_year,
                ranking,
                bar_chart(
                    _("Where %(occupation)s trained in %(country)s are counted abroad, %(year)s")
                    % {"occupation": label.lower(), "country": country.name, "year": ranking.year},
                    [(names.get(code, code), value) for code, value in ranking.items],
                    rtl=rtl,
                ),
            )
        )
        abroad_series.append(Series(label, {y: i.value for y, i in per_year.items()}))

    own = sorted(
        (f for f in here if f.origin in {"", TOTAL_ORIGIN}),
        key=lambda f: (f.occupation, f.population, f.measure, f.year),
    )
    return MigrationProfile(
        country=country,
        as_destination=as_destination,
        as_origin=as_origin,
        dependency_chart=line_chart(
            _("Dependency on foreign-trained personnel in %(country)s (%% of the total stock)")
            % {"country": country.name},
            dependency_series,
            percent=True,
        ),
        abroad_chart=line_chart(
            _("Personnel trained in %(country)s counted abroad, per year")
            % {"country": country.name},
            abroad_series,
        ),
        figures=own,
        names=names,
    )


def _as_destination(
    here: FigureSet,
    iso3: str,
    occupation: str,
    lists: SafeguardsLists,
    names: dict[str, str],
    rtl: bool,
) -> AsDestination | None:
    years = sorted(
        {
            *here.years(Population.TOTAL, occupation),
            *here.years(Population.FOREIGN_TRAINED, occupation),
            *here.years(Population.FOREIGN_TRAINED, occupation, Measure.INFLOW),
        }
    )
    if not years:
        return None
    rows = [
        YearRow(
            year=year,
            total=total_stock(here, iso3, occupation, year),
            foreign_trained=foreign_trained(here, iso3, occupation, year),
            dependency=dependency(here, iso3, occupation, year),
            safeguards=safeguards_share(here, iso3, occupation, year, lists),
            inflow=foreign_trained(here, iso3, occupation, year, Measure.INFLOW),
        )
        for year in years
    ]
    ranking = top_origins(here, iso3, occupation, limit=TOP)
    label = occupation_name(occupation)
    chart = bar_chart(
        _("Main countries of training of foreign-trained %(occupation)s, %(year)s")
        % {"occupation": label.lower(), "year": ranking.year},
        [(names.get(code, code), value) for code, value in ranking.items],
        rtl=rtl,
    )
    return AsDestination(occupation, label, rows, ranking, chart)


@dataclass
class CountryRow:
    country: MemberState
    authority: bool
    laws: int
    laws_pending: int
    recruiters: int
    recruiters_pending: int
    statistics: int


def countries_overview() -> list[CountryRow]:
    """Every Member State with what the platform holds about it (five queries)."""
    authorities = set(NationalAuthority.objects.values_list("member_state_id", flat=True))

    def counts(model: type[Law] | type[Recruiter]) -> tuple[Counter[str], Counter[str]]:
        rows = model.objects.values("member_state_id").annotate(
            n=Count("pk"), pending=Count("pk", filter=~Q(validation=Validation.VALIDATED))
        )
        return (
            Counter({row["member_state_id"]: row["n"] for row in rows}),
            Counter({row["member_state_id"]: row["pending"] for row in rows}),
        )

    laws, laws_pending = counts(Law)
    recruiters, recruiters_pending = counts(Recruiter)
    statistics = Counter(
        dict(
            Statistic.objects.filter(destination__isnull=False)
            .values_list("destination_id")
            .annotate(n=Count("pk"))
            .values_list("destination_id", "n")
        )
    )
    return [
        CountryRow(
            state,
            state.pk in authorities,
            laws[state.pk],
            laws_pending[state.pk],
            recruiters[state.pk],
            recruiters_pending[state.pk],
            statistics[state.pk],
        )
        for state in MemberState.objects.order_by("iso3")
    ]
