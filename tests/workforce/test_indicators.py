"""Indicators equal a hand computation on a small OECD-like fixture (tests/workforce/builders)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from codemonitor.reference.models import SafeguardsEdition, SafeguardsEntry
from codemonitor.workforce.indicators import (
    FigureSet,
    SafeguardsLists,
    abroad_by_year,
    bilateral_matrix,
    dependency,
    figures_of,
    safeguards_share,
    top_destinations,
    top_origins,
)
from codemonitor.workforce.models import Statistic
from tests.workforce.builders import oecd_fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(reference):
    oecd_fixture()
    return figures_of(Statistic.objects.all())


@pytest.fixture
def lists(reference) -> SafeguardsLists:
    SafeguardsEdition.objects.all().delete()
    old = SafeguardsEdition.objects.create(year=2020, published=dt.date(2020, 6, 1))
    new = SafeguardsEdition.objects.create(year=2023, published=dt.date(2023, 3, 1))
    SafeguardsEntry.objects.create(edition=old, member_state_id="NGA")
    SafeguardsEntry.objects.create(edition=new, member_state_id="NGA")
    SafeguardsEntry.objects.create(edition=new, member_state_id="PAK")
    return SafeguardsLists.load()


def test_the_nri_comes_first_then_the_oecd(figures) -> None:
    totals = {(f.year, f.dataset) for f in figures if f.population == "total"}
    assert totals == {(2020, "nri"), (2021, "oecd_wfmi")}


def test_dependency_uses_the_total_of_origins(figures) -> None:
    found = dependency(figures, "GBR", "doctors", 2020)
    assert found.value == Decimal(300) / Decimal(1200)  # the NRI's total stock, not the OECD's
    assert found.percent == Decimal("25.0")
    assert {(f.origin, f.dataset, f.value) for f in found.inputs} == {
        ("TOTAL", "oecd_wfmi", Decimal(300)),
        ("", "nri", Decimal(1200)),
    }
    assert found.missing == []


def test_dependency_sums_the_origins_when_there_is_no_total(figures) -> None:
    found = dependency(figures, "GBR", "doctors", 2021)
    assert found.value == Decimal(150 + 80 + 30) / Decimal(1100)
    assert {f.origin for f in found.inputs} == {"IND", "NGA", "PAK", ""}  # never the region
    assert "the sum over 3 countries of origin" in found.missing[0]


def test_dependency_says_what_is_missing(figures) -> None:
    found = dependency(figures, "GBR", "doctors", 2022)
    assert found.value is None
    assert found.missing == [
        "No foreign-trained medical doctors for 2022.",
        "No total stock of medical doctors for 2022.",
    ]
    assert dependency(figures, "GBR", "nurses", 2021).value is None


def test_safeguards_share_uses_the_edition_in_force_that_year(figures, lists) -> None:
    in_2021 = safeguards_share(figures, "GBR", "doctors", 2021, lists)
    assert in_2021.value == Decimal(80) / Decimal(260)  # the 2020 edition: Nigeria only
    assert in_2021.basis == str(SafeguardsEdition.objects.get(year=2020))
    assert lists.in_force(2021) == SafeguardsEdition.in_force(dt.date(2021, 12, 31))
    assert lists.in_force(2023) == SafeguardsEdition.in_force(dt.date(2023, 12, 31))
    assert lists.in_force(2019) is None
    in_2020 = safeguards_share(figures, "GBR", "doctors", 2020, lists)
    assert in_2020.value == Decimal(0)  # only India given, of 300
    assert any("100 of 300 foreign-trained are not given" in m for m in in_2020.missing)
    assert safeguards_share(figures, "GBR", "doctors", 2019, lists).missing == [
        "No edition of the safeguards list was in force in 2019."
    ]


def test_top_origins_of_a_destination(figures) -> None:
    ranking = top_origins(figures, "GBR", "doctors")
    assert ranking.year == 2021
    assert ranking.items == [("IND", Decimal(150)), ("NGA", Decimal(80)), ("PAK", Decimal(30))]
    assert ranking.total == 260
    assert top_origins(figures, "GBR", "doctors", 2020, limit=1).items == [("IND", Decimal(200))]


def test_top_destinations_of_an_origin(figures) -> None:
    ranking = top_destinations(figures, "NGA", "doctors")
    assert (ranking.year, ranking.items, ranking.total) == (
        2021,
        [("USA", Decimal(500)), ("GBR", Decimal(80)), ("IRL", Decimal(20))],
        Decimal(600),
    )
    abroad = abroad_by_year(figures, "NGA", "doctors")
    assert list(abroad) == [2021] and abroad[2021].value == 600
    assert top_destinations(figures, "FRA", "doctors").missing == [
        "No figures of medical doctors by country."
    ]


def test_the_bilateral_matrix(figures) -> None:
    matrix = bilateral_matrix(occupation="doctors", year=2021)
    assert matrix.destinations == ["GBR", "IRL", "USA"]
    assert matrix.origins == ["IND", "NGA", "PAK"]
    assert matrix.cells == {
        ("GBR", "IND"): 150,
        ("GBR", "NGA"): 80,
        ("GBR", "PAK"): 30,
        ("USA", "NGA"): 500,
        ("USA", "IND"): 900,
        ("IRL", "NGA"): 20,
    }


def test_a_destinations_page_set_agrees_with_every_figure_read(figures, lists) -> None:
    """FigureSet.for_destination adds up origins in the database: the same indicators."""
    page = FigureSet.for_destination("GBR", lists)
    assert len(page) < len(figures)
    for year in (2020, 2021, 2022):
        assert dependency(page, "GBR", "doctors", year).value == (
            dependency(figures, "GBR", "doctors", year).value
        )
        assert safeguards_share(page, "GBR", "doctors", year, lists).value == (
            safeguards_share(figures, "GBR", "doctors", year, lists).value
        )
        assert dependency(page, "GBR", "doctors", year).missing == (
            dependency(figures, "GBR", "doctors", year).missing
        )
    assert top_origins(page, "GBR", "doctors").items == top_origins(figures, "GBR", "doctors").items
    assert safeguards_share(page, "GBR", "doctors", 2020, lists).missing == (
        safeguards_share(figures, "GBR", "doctors", 2020, lists).missing
    )
