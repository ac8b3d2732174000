"""The country profile: what it shows, in how many queries, and to whom."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from codemonitor.registers.models import Law, NationalAuthority, Recruiter, Validation
from codemonitor.workforce.charts import Series, bar_chart, line_chart
from tests.workforce.builders import oecd_fixture, stat

pytestmark = pytest.mark.django_db


@pytest.fixture
def gbr(reference) -> None:
    """The fixture's United Kingdom, with an authority, two laws and a recruiter."""
    oecd_fixture()
    NationalAuthority.objects.create(member_state_id="GBR", name="Department of Health")
    Law.objects.create(member_state_id="GBR", title="Health Workers Act", kind="law")
    Law.objects.create(
        member_state_id="GBR",
        title="Code of practice for recruitment",
        kind="code_of_practice",
        validation=Validation.VALIDATED,
    )
    Recruiter.objects.create(
        member_state_id="GBR",
        legal_name="Care Staffing Ltd",
        licence_number="UK-1",
        licence_key="UK1",
        status="authorised",
    )


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_secretariat_sees_a_countrys_profile(clients, gbr) -> None:
    response = clients["analyst"].get("/backoffice/countries/GBR/")
    assert response.status_code == 200
    page = text_of(response)
    assert "Department of Health" in page
    assert "2 entries: 1 validated, 1 awaiting validation, 0 returned" in page
    assert "Health Workers Act" in page and "Care Staffing Ltd" in page
    # Doctors in 2020: 300 foreign-trained of the NRI's 1,200 = 25.0 %.
    assert re.search(
        r"<th scope=\"row\">2020</th> <td class=\"number\">1,200</td> "
        r"<td class=\"number\">300</td> <td class=\"number\">25.0</td>",
        page,
    )
    assert "No figure of all origins together for 2021" in page
    assert "India" in page and "Nigeria" in page
    assert 'role="img"' in page and "<title id=" in page
    assert "National reports (NRI)" in page and "OECD Health Workforce Migration" in page
    assert "style=" not in page and "<script" not in page


def test_a_country_seen_as_origin(clients, gbr) -> None:
    page = text_of(clients["admin"].get("/backoffice/countries/NGA/"))
    assert "Nigeria as a country of training" in page
    # 2021: USA 500, United Kingdom 80, Ireland 20 = 600 counted abroad.
    assert re.search(r"<th scope=\"row\">2021</th><td class=\"number\">600</td>", page)
    assert page.index("United States") < page.index("Ireland")


def test_the_list_of_countries(clients, gbr) -> None:
    response = clients["analyst"].get("/backoffice/countries/")
    page = text_of(response)
    assert response.status_code == 200
    assert 'href="/backoffice/countries/GBR/"' in page
    assert clients["analyst"].get("/backoffice/countries/XXX/").status_code == 404


def test_the_profile_takes_a_bounded_number_of_queries(clients, gbr) -> None:
    """As many statements with more figures, drawn or kept; once drawn, the migration section
    is kept until its figures change."""
    client = clients["analyst"]
    url = "/backoffice/countries/GBR/"
    client.get(url)  # country names cached for a minute
    cache.clear()
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    with CaptureQueriesContext(connection) as kept:
        client.get(url)
    for year in range(2000, 2020):  # many more figures: still as many queries
        for origin in ("IND", "NGA", "PAK", "PHL", "ZAF"):
            stat("GBR", year, 10, origin=origin)
            stat("GBR", year, 5, origin=origin, occupation="nurses")
        stat("GBR", year, 1000)
        stat("NGA", year, 7, origin="GBR")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200
    assert "2019" in text_of(response)  # the new figures, not the section kept before them
    assert len(many) == len(few) <= 25, [q["sql"] for q in many.captured_queries]
    with CaptureQueriesContext(connection) as many_kept:
        client.get(url)
    assert len(many_kept) == len(kept) < len(few)


def test_the_countrys_own_users_see_its_profile_and_no_other(clients, gbr) -> None:
    stat("GHA", 2021, 321, origin="NGA")
    ghana = text_of(clients["fp_a"].get("/national/profile/"))
    assert "Profile of Ghana" in ghana and "321" in ghana
    assert "Department of Health" not in ghana
    france = text_of(clients["fp_b"].get("/national/profile/"))
    assert "Profile of France" in france and "321" not in france
    assert clients["fp_b"].get("/backoffice/countries/GHA/").status_code == 404
    assert clients["anonymous"].get("/national/profile/").status_code == 404
    assert clients["anonymous"].get("/backoffice/countries/GHA/").status_code == 302


def test_charts_escape_their_text_and_mirror_for_right_to_left() -> None:
    chart = bar_chart("<b>", [("A & B", Decimal(10)), ("C", Decimal(5))])
    assert "&lt;b&gt;" in chart and "A &amp; B" in chart and "style=" not in chart
    mirrored = bar_chart("t", [("A", Decimal(10))], rtl=True)
    assert 'text-anchor="start"' in mirrored.split("<rect")[0]
    line = line_chart("t", [Series("Doctors", {2020: Decimal(1), 2021: None, 2022: Decimal(3)})])
    assert line.count("<circle") == 2 and "<polyline" not in line  # a gap: no line across it
    assert line_chart("t", []) == ""


def test_a_profile_has_one_address_a_countrys_code(clients, gbr) -> None:
    # Not a longer code cut to three letters, nor one with a NUL byte (a server error on
    # PostgreSQL).
    for code in ("GBRX", "GB%00", "G%00B", "GB"):
        assert clients["analyst"].get(f"/backoffice/countries/{code}/").status_code == 404
    assert clients["analyst"].get("/backoffice/countries/gbr/").status_code == 200
