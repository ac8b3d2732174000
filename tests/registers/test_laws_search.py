"""`law_search`: every filter, and the queries it costs; the CSV export of a search."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from codemonitor.registers.laws import EventInput, law_validate, laws_csv
from codemonitor.registers.selectors import LawFilters, law_filters, law_search
from tests.registers.helpers import in_force, make_law

pytestmark = pytest.mark.django_db


@pytest.fixture
def laws(people):
    fp_a, fp_b = people["fp_a"], people["fp_b"]
    act = make_law(
        fp_a,
        title="Health Professions Regulatory Bodies Act",
        number="Act 857",
        events=[EventInput("adopted", dt.date(2013, 9, 18)), in_force(2013, 10, 1)],
        articles=[5, 7],
        keywords=["licensing", "migration"],
    )
    policy = make_law(fp_a, title="Politique nationale de santé", kind="policy", status="draft")
    loi = make_law(
        fp_b, country="FRA", title="Loi relative à l'organisation", events=[in_force(2019)]
    )
    law_validate(law=loi, user=people["admin"])
    return {"act": act.pk, "policy": policy.pk, "loi": loi.pk}


def found(**filters) -> set[int]:
    return set(law_search(LawFilters(**filters)).values_list("pk", flat=True))


def test_every_filter(laws) -> None:
    everything = set(laws.values())
    assert found() == everything
    assert found(text="REGULATORY act") == {laws["act"]}
    assert found(text="regulatory decree") == set()  # every word must match
    assert found(text="politique sante") == {laws["policy"]}  # accents aside
    assert found(text="licensing") == {laws["act"]}  # keywords
    assert found(text="ghana") == {laws["act"], laws["policy"]}
    assert found(country="FRA") == {laws["loi"]}
    assert found(region="AFR") == {laws["act"], laws["policy"]}
    assert found(region="EUR") == {laws["loi"]}
    assert found(kind="policy") == {laws["policy"]}
    assert found(article=7) == {laws["act"]}
    assert found(article=9) == set()
    assert found(year=2013) == {laws["act"]}
    assert found(year=2019) == {laws["loi"]}
    assert found(year=2020) == set()
    assert found(status="draft") == {laws["policy"]}
    assert found(validation="validated") == {laws["loi"]}
    assert found(validation="pending") == {laws["act"], laws["policy"]}


def test_filters_from_a_query_ignore_what_they_do_not_understand() -> None:
    filters = law_filters(
        {"q": "  a   b ", "type": "poem", "year": "twenty", "article": "-1", "country": "gha"}
    )
    assert filters == LawFilters(text="a b", country="GHA")
    assert law_filters({"year": "2013", "article": "5"}) == LawFilters(year=2013, article=5)


def test_the_list_costs_the_same_queries_whatever_its_length(people, laws) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            for law in law_search(LawFilters()):
                list(law.events.all()), list(law.articles.all()), law.member_state.name
        return len(captured)

    before = queries()
    for number in range(5):
        make_law(
            people["fp_a"], title=f"Act {number}", events=[in_force(2000 + number)], articles=[5]
        )
    assert queries() == before == 3


def test_the_export_has_every_column(laws) -> None:
    rows = list(csv.reader(io.StringIO(laws_csv(law_search(LawFilters(country="GHA"))).decode())))
    assert rows[0] == [
        "iso3", "country", "title", "title_en", "title_fr", "type", "number", "issuing_body",
        "status", "events", "articles", "keywords", "language", "url", "source", "validation",
        "last_change",
    ]  # fmt: skip
    act = next(row for row in rows if row[6] == "Act 857")
    assert act[:3] == ["GHA", "Ghana", "Health Professions Regulatory Bodies Act"]
    assert act[9] == "adopted:2013-09-18; in_force:2013-10-01"
    assert act[10] == "5; 7"
    assert act[11] == "licensing; migration"
    assert act[14:16] == ["focal_point", "pending"]
    assert len(rows) == 3


def test_the_export_neutralises_formulas(people) -> None:
    make_law(people["fp_a"], title='=HYPERLINK("https://evil.example")')
    rows = list(csv.reader(io.StringIO(laws_csv(law_search(LawFilters())).decode())))
    assert rows[1][2].startswith("'=")
