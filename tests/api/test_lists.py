"""The lists: read page after page by their cursor (each item once, in order), filtered as the
portal filters, in a fixed number of SQL statements however long the page — no query per item."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from codemonitor.registers.models import Law, Recruiter, Validation
from codemonitor.reporting.models import Report
from codemonitor.workforce.models import Dataset, Measure, Occupation, Population, Statistic
from tests.api.conftest import move_the_clock
from tests.national.test_scoping_matrix import fresh_recruiter
from tests.publication.conftest import stakeholder_report
from tests.registers.helpers import in_force, make_law

pytestmark = pytest.mark.django_db

LISTS = (
    "/api/rounds",
    "/api/reports",
    "/api/answers",
    "/api/countries",
    "/api/authorities",
    "/api/laws",
    "/api/recruiters",
    "/api/statistics",
)
# Statements a list may send, whoever asks: the rate-limit counter, the token (and noting its
# use), the page, and what the page's items join (instruments, events, articles, regions).
MOST_STATEMENTS = 6


@pytest.fixture
def many(round_, people) -> None:
    """Forty more published stakeholder reports, a dozen laws with events and recruiters,
    sixty figures: more than a page of each."""
    for sequence in range(10, 50):
        stakeholder_report(
            round_["isri"], sequence, Report.State.SUBMITTED, consent=sequence % 2 == 0
        )
    for number in range(12):
        law = make_law(people["fp_a"], title=f"Act {number}", events=[in_force(2000 + number)])
        law.articles.add(3, 5)
        Law.objects.filter(pk=law.pk).update(validation=Validation.VALIDATED)
        recruiter = fresh_recruiter(people["fp_a"], f"LIC-{number}")
        Recruiter.objects.filter(pk=recruiter.pk).update(validation=Validation.VALIDATED)
    Statistic.objects.bulk_create(
        Statistic(
            dataset=Dataset.OECD,
            destination_code="GBR",
            destination_id="GBR",
            population=Population.FOREIGN_TRAINED,
            origin_code="GHA",
            origin_id="GHA",
            occupation=Occupation.NURSES,
            measure=Measure.STOCK,
            year=1960 + number,
            value=Decimal(number),
        )
        for number in range(60)
    )
    move_the_clock(round_, public=True)


def statements(reader, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert reader.get(url).status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("who", ["anonymous", "admin", "fp_a"])
def test_a_longer_page_costs_no_more_statements(many, readers, who) -> None:
    reader = readers[who]
    for url in LISTS:
        separator = "&" if "?" in url else "?"
        statements(reader, f"{url}{separator}limit=1")  # the forms read once per process
        short = statements(reader, f"{url}{separator}limit=2")
        long = statements(reader, f"{url}{separator}limit=100")
        assert long == short, (who, url, short, long)
        assert long <= MOST_STATEMENTS, (who, url, long)


def test_each_item_once_page_after_page(many, readers) -> None:
    for url, key in (
        ("/api/reports", "id"),
        ("/api/answers", None),
        ("/api/countries", "iso3"),
        ("/api/laws", "id"),
        ("/api/statistics", "id"),
    ):
        reader = readers["admin"]
        everything = reader.every(url)  # pages of a hundred
        pages, cursor = [], None
        while True:
            query = f"{url}?limit=7" + (f"&cursor={cursor}" if cursor else "")
            page = reader.json(query)
            assert len(page["items"]) <= 7 and page["limit"] == 7
            pages.extend(page["items"])
            cursor = page["next"]
            if cursor is None:
                break
        if url == "/api/countries":
            assert len(pages) == 194
        assert pages == everything, url
        if key:
            values = [item[key] for item in pages]
            assert values == sorted(set(values)), url


def test_the_portals_filters(round_, many, readers) -> None:
    anonymous = readers["anonymous"]
    number = round_["round"].number
    national = {round_["national"].pk}
    by_id = lambda url: {item["id"] for item in anonymous.every(url)}  # noqa: E731
    stakeholder = by_id("/api/reports?kind=stakeholder")
    assert len(stakeholder) == 42 and not stakeholder & national
    assert by_id("/api/reports?kind=national") == national
    assert by_id(f"/api/reports?round={number}&kind=national") == national
    assert by_id("/api/reports?round=31000") == set()
    assert by_id("/api/reports?country=GHA") == by_id("/api/reports?country=gha") == national
    assert by_id("/api/reports?country=FRA") == set()  # submitted, not validated
    assert by_id("/api/reports?region=AFR") == national
    assert by_id("/api/reports?region=EUR") == set()
    assert by_id("/api/reports?instrument=nri") == national
    assert by_id("/api/reports?instrument=isri") == stakeholder
    assert {item["report"] for item in anonymous.every("/api/answers?kind=national")} <= national
    categories = anonymous.every("/api/answers?question=stakeholder_category")
    assert len(categories) == 42 and {item["value"] for item in categories} == {"union"}
    assert len(anonymous.every("/api/countries?region=AFR")) == 47
    assert {item["year"] for item in anonymous.every("/api/statistics?year=1970")} == {1970}
    assert anonymous.every("/api/statistics?destination=FRA") == []
    assert len(anonymous.every("/api/laws?year=2003")) == 1
    assert len(anonymous.every("/api/laws?article=5")) == 12
    assert len(anonymous.every("/api/recruiters?q=LIC-3")) == 1
    assert len(anonymous.every("/api/recruiters?country=FRA")) == 0
