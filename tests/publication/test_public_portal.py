"""The public portal's pages beyond the lists (issue 11, part 2): what the Code is, a round's
figures and charts and its public report, each published report as PDF, the search across
everything published, a Member State's page (its reports side by side, its authority, laws,
recruiters and migration figures). Before and after the publication moment, as anonymous, a
focal point of another country and a stakeholder: nothing unpublished, never personal data;
bad input named on the page, never an error; bounded SQL statements and page weight."""

from __future__ import annotations

import datetime as dt
import html
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from codemonitor.analysis.models import Code, Coding
from codemonitor.analysis.selection import kept_clear
from codemonitor.portal.published import PAGE_BUDGET_BYTES
from codemonitor.publication.figures import round_figures
from codemonitor.publication.services import report_withhold
from codemonitor.reference import names as reference_names
from codemonitor.registers.models import NationalAuthority, Recruiter, Validation
from codemonitor.reporting.models import Answer, PersonalAnswer, Report, Round
from codemonitor.workforce.models import Dataset, Measure, Occupation, Population, Statistic
from tests.pdf import pdf_text
from tests.publication.conftest import (
    DOCUMENT_NAME,
    ENTITY,
    PLANTED_EMAIL,
    PLANTED_NAME,
    PLANTED_PHONE,
    PLANTED_WEBSITE,
)
from tests.publication.test_portal import move_the_clock, visitors

__all__ = ["visitors"]

pytestmark = pytest.mark.django_db

PLANTED = (PLANTED_NAME, PLANTED_EMAIL, PLANTED_PHONE, DOCUMENT_NAME, PLANTED_WEBSITE)
GHANA_TEXT = "Kumasiword: nurses trained here leave for the cities."
FRANCE_TEXT = "Lyonword: an answer of a report that is not validated."
STAKEHOLDER_TEXT = "Accraword: recruiters charge fees to nurses."
DRAFT_TEXT = "Accraword Draftword: a draft is never published."


def answer(report: Report, question: str, value: object) -> None:
    Answer.objects.create(
        report=report,
        round_instrument=report.round_instrument,
        question=question,
        row="",
        value=value,
    )


def statistic(destination: str, value: int, *, dataset: str, report: Report | None = None):
    return Statistic.objects.create(
        dataset=dataset,
        destination_code=destination,
        destination_id=destination,
        population=Population.TOTAL,
        origin_code="",
        occupation=Occupation.DOCTORS,
        measure=Measure.STOCK,
        year=2019 if dataset != Dataset.NRI else 2023,
        value=Decimal(value),
        source_report=report,
    )


@pytest.fixture
def published(round_, people):
    """`round_` with answers in every report (personal data planted among Ghana's), a quote
    coded in Ghana's validated report and in France's submitted one, Ghana's and France's
    register entries (validated and waiting) and migration figures of each source."""
    ghana, france = round_["national"], round_["submitted_national"]
    answer(ghana, "code_awareness", "yes")
    answer(ghana, "challenges", GHANA_TEXT)
    answer(ghana, "stock_doctors", 1234)
    answer(ghana, "fp_email", PLANTED_EMAIL)  # a personal question misfiled: left out
    for question, value in (
        ("fp_first_name", PLANTED_NAME),
        ("fp_email", PLANTED_EMAIL),
        ("fp_telephone", PLANTED_PHONE),
    ):
        PersonalAnswer.objects.create(
            report=ghana, round_instrument=ghana.round_instrument, question=question, value=value
        )
    answer(france, "code_awareness", "no")
    answer(france, "challenges", FRANCE_TEXT)
    for key in ("named", "unnamed"):
        answer(round_[key], "q1_answer", STAKEHOLDER_TEXT)
        answer(round_[key], "involvement_countries", ["GHA"])
    answer(round_["draft"], "q1_answer", DRAFT_TEXT)
    code = Code.objects.create(round=round_["round"], label="Monitoring", article_id=9)
    for report, text in ((ghana, GHANA_TEXT), (france, FRANCE_TEXT)):
        Coding.objects.create(
            code=code, report=report, question="challenges", passage=text, quote=True
        )
    NationalAuthority.objects.create(
        member_state_id="GHA",
        name="Ministry of Health, Human Resources Directorate",
        institution="Ministry of Health",
        address="Planted Street 12, Accra",
        telephone="+233 555 0199",
        email="hrh@moh.example",
    )
    from tests.national.test_scoping_matrix import fresh_recruiter
    from tests.registers.helpers import make_law

    validated_law = make_law(people["fp_a"], title="Validated Health Workers Act")
    validated_law.validation = Validation.VALIDATED
    validated_law.save()
    make_law(people["fp_a"], title="Pending Recruitment Decree")
    validated = fresh_recruiter(people["fp_a"], "VAL-1")
    Recruiter.objects.filter(pk=validated.pk).update(validation=Validation.VALIDATED)
    fresh_recruiter(people["fp_a"], "PENDING-1")
    statistic("GHA", 9173, dataset=Dataset.OECD)
    statistic("GHA", 8264, dataset=Dataset.NRI, report=ghana)
    statistic("FRA", 7355, dataset=Dataset.NRI, report=france)
    return round_


def urls(round_) -> list[str]:
    number = round_["round"].number
    reports = [round_[key].pk for key in ("national", "submitted_national", "named", "unnamed")]
    reports.append(round_["draft"].pk)
    return [
        "/code/",
        f"/rounds/{number}/",
        f"/rounds/{number}/report/",
        *(f"/reports/{pk}.pdf" for pk in reports),
        "/search/?q=Kumasiword",
        "/search/?q=Accraword",
        "/search/?q=Lyonword",
        "/search/?q=Planted",
        f"/search/?q={PLANTED_PHONE}",
        "/countries/GHA/",
        "/countries/FRA/",
    ]


def fresh(round_) -> Any:
    """The round as the database has it now (the clock moved)."""
    round_["round"].refresh_from_db()
    return round_["round"]


def body(response) -> str:
    if response["Content-Type"].startswith("application/pdf"):
        return pdf_text(response.content)
    return str(response.content.decode())


# -- the embargo, personal data ------------------------------------------------------------------


def test_before_the_moment_nothing_of_the_round(published, visitors) -> None:
    move_the_clock(published, public=False)
    number = published["round"].number
    for name, client in visitors.items():
        assert client.get("/code/").status_code == 200
        for url in (f"/rounds/{number}/report/", f"/rounds/{number}/report.pdf"):
            assert client.get(url).status_code == 404, (name, url)
        for key in ("national", "named", "unnamed", "submitted_national", "draft"):
            assert client.get(f"/reports/{published[key].pk}.pdf").status_code == 404
        for word in ("Kumasiword", "Accraword", "Lyonword"):
            page = client.get("/search/", {"q": word})
            assert page.status_code == 200
            assert "0 answers found" in page.content.decode(), (name, word)
            assert word not in page.content.decode().split('id="results"', 1)[1]
        country = client.get("/countries/GHA/").content.decode()
        assert published["national"].reference not in country
        assert "Kumasiword" not in country
        assert "8,264" not in country  # the national report's figure: not published yet
        assert "9,173" in country  # the OECD's: public data
    assert round_figures(fresh(published), language="en") == []


def test_after_the_moment_only_what_is_published(published, visitors) -> None:
    move_the_clock(published, public=True)
    number = published["round"].number
    for name, client in visitors.items():
        assert client.get(f"/reports/{published['national'].pk}.pdf").status_code == 200
        for key in ("submitted_national", "draft"):
            assert client.get(f"/reports/{published[key].pk}.pdf").status_code == 404, key
        found = client.get("/search/", {"q": "Accraword"}).content.decode()
        assert "2 answers found" in found, name
        assert "Draftword" not in found
        assert "0 answers found" in client.get("/search/", {"q": "Lyonword"}).content.decode()
        assert "1 answer found" in client.get("/search/", {"q": "Kumasiword"}).content.decode()
        document = client.get(f"/rounds/{number}/report/").content.decode()
        assert "Kumasiword" in document  # the quote of the validated report
        assert "Lyonword" not in document  # not the submitted one's
        ghana = client.get("/countries/GHA/").content.decode()
        assert "Kumasiword" in ghana and "8,264" in ghana and "9,173" in ghana
        assert "Validated Health Workers Act" in ghana
        assert "Pending Recruitment Decree" not in ghana
        assert "Agency VAL-1" in ghana and "Agency PENDING-1" not in ghana
        france = client.get("/countries/FRA/").content.decode()
        assert "Lyonword" not in france and "7,355" not in france
        assert published["submitted_national"].reference not in france


def test_personal_data_are_in_no_public_response(published, visitors) -> None:
    for public in (False, True):
        move_the_clock(published, public=public)
        for client in visitors.values():
            for url in urls(published):
                response = client.get(url)
                assert response.status_code in (200, 404), url
                text = body(response)
                for planted in (*PLANTED, "Planted Street 12", "+233 555 0199"):
                    assert planted not in text, (url, planted)
    # The entity that did not agree is named nowhere: the one that agreed is, once per hit.
    move_the_clock(published, public=True)
    client = Client()
    unnamed = client.get(f"/reports/{published['unnamed'].pk}.pdf")
    assert ENTITY not in pdf_text(unnamed.content)
    named = client.get(f"/reports/{published['named'].pk}.pdf")
    assert ENTITY in pdf_text(named.content)
    hits = client.get("/search/", {"q": "Accraword"}).content.decode()
    assert hits.count(ENTITY) == 1
    assert "0 answers found" in client.get("/search/", {"q": "Nurses Without"}).content.decode()


def test_a_withheld_report_leaves_every_page(published, visitors, people) -> None:
    move_the_clock(published, public=True)
    report_withhold(report=published["named"], reason="Checking", user=people["admin"])
    client = visitors["anonymous"]
    assert client.get(f"/reports/{published['named'].pk}.pdf").status_code == 404
    assert "1 answer found" in client.get("/search/", {"q": "Accraword"}).content.decode()
    figures = round_figures(fresh(published), language="en")
    assert [item.counted for item in figures] == [1, 1]


# -- a round's figures and report -------------------------------------------------------------


def test_the_figures_count_the_published_reports_only(published) -> None:
    move_the_clock(published, public=True)
    national, stakeholders = round_figures(fresh(published), language="en")
    assert national.counted == 1  # Ghana's; France's is submitted, not validated
    assert [row.member_state for row in national.selection.reports] == ["GHA"]
    assert stakeholders.counted == 2  # the draft is not counted
    awareness = next(
        item
        for article in national.articles
        for item in article.items
        if item.identifier == "nri.code_awareness.region"
    )
    cells = {row[0].shown: row[-1].value for row in awareness.rows}
    assert cells["Yes"] == 1 and cells.get("No", 0) == 0
    page = Client().get(f"/rounds/{published['round'].number}/")
    text = page.content.decode()
    assert page.status_code == 200 and "<svg" in text and "<script" not in text
    assert 'id="nri-article-3"' in text and "nri.code_awareness.region" in text
    assert "{# Open data downloads" not in text  # the include is there, its comment not drawn


def test_the_round_report_as_html_and_pdf(published) -> None:
    move_the_clock(published, public=True)
    number = published["round"].number
    client = Client()
    html = client.get(f"/rounds/{number}/report/", {"language": "fr"})
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    text = html.content.decode()
    assert 'lang="fr"' in text and "Article 9" in text
    assert "Kumasiword" in text and "Lyonword" not in text  # the validated report's quote
    assert "nri.code_awareness.region" in text
    # The PDF is drawn from the same page (WeasyPrint, seconds for a round: drawn once here).
    pdf = client.get(f"/rounds/{number}/report.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) > 1
    again = client.get(f"/rounds/{number}/report.pdf", HTTP_IF_NONE_MATCH=pdf["ETag"])
    assert again.status_code == 304


# -- a report as PDF -----------------------------------------------------------------------------


def test_a_published_report_as_pdf_in_its_language_or_another(published) -> None:
    move_the_clock(published, public=True)
    ghana = published["national"]
    client = Client()
    response = client.get(f"/reports/{ghana.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "public" in response["Cache-Control"] and response["ETag"]
    text = pdf_text(response.content)
    assert "Kumasiword" in text and "1234" in text.replace(",", "").replace(" ", "")
    assert ghana.reference in text and "Ghana" in text
    for planted in PLANTED:
        assert planted not in text
    french = pdf_text(client.get(f"/reports/{ghana.pk}.pdf", {"language": "fr"}).content)
    assert "Kumasiword" in french and "Soumis" in french
    # A language that is not one of the six: the report's own.
    other = client.get(f"/reports/{ghana.pk}.pdf", {"language": "xx<script>"})
    assert other.status_code == 200
    assert client.get("/reports/99999999.pdf").status_code == 404


# -- search ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"q": "nurses", "round": "99"}, "There is no published round 99"),
        ({"q": "nurses", "round": "abc"}, "There is no published round abc"),
        ({"q": "nurses", "region": "MARS"}, "'MARS' is not a WHO region"),
        ({"q": "nurses", "article": "42"}, "There is no article 42 of the Code"),
        ({"q": "nurses", "article": "x"}, "There is no article x of the Code"),
        ({"q": "nurses", "question": "fp_email"}, "'fp_email' is not a text question"),
        ({"q": "nurses", "question": "'; DROP TABLE"}, "is not a text question"),
        ({"q": "x" * 1000}, "Only the first 200 characters"),
        ({"q": "-"}, "Type the words to look for."),
    ],
)
def test_a_bad_filter_is_said_on_the_page(published, query, message) -> None:
    move_the_clock(published, public=True)
    response = Client().get("/search/", {**query, "page": "-3"})
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())


def test_the_search_filters(published) -> None:
    move_the_clock(published, public=True)
    client = Client()

    def found(**params: str) -> str:
        response = client.get("/search/", {"q": "nurses", **params})
        assert response.status_code == 200
        text = response.content.decode()
        return text.split('id="results"', 1)[1]

    everything = found()
    assert "Kumasiword" in everything and "Accraword" in everything
    assert "Kumasiword" in found(round=str(published["round"].number))
    assert "Kumasiword" not in found(region="EUR")  # Ghana is in the African Region
    assert "Kumasiword" in found(region="AFR") and "Accraword" in found(region="AFR")
    only = found(question="challenges")
    assert "Kumasiword" in only and "Accraword" not in only
    by_article = found(article="9")  # `challenges` is 9.1; the ISRI's q1 has no article
    assert "Kumasiword" in by_article and "Accraword" not in by_article


# -- the country page ------------------------------------------------------------------------


def test_a_country_page_puts_its_reports_side_by_side(published) -> None:
    move_the_clock(published, public=True)
    text = Client().get("/countries/GHA/").content.decode()
    assert "The answers of Ghana" in text
    assert published["round"].title in text
    assert "Kumasiword" in text and "Human Resources Directorate" in text
    assert "hrh@moh.example" in text
    assert f"/reports/{published['national'].pk}.pdf" in text


# -- SQL statements and page weight ----------------------------------------------------------


def statements(client: Client, url: str) -> int:
    cache.clear()  # the worst case: nothing kept
    kept_clear()
    reference_names._LABELS.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.fixture
def memory_cache(settings) -> None:
    """The cache in this process's memory: a page's statements are its own, not the database
    cache's."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


def test_the_statements_of_the_round_and_country_pages_do_not_grow(
    published, people, memory_cache
) -> None:
    move_the_clock(published, public=True)
    client = Client()
    pages = [f"/rounds/{published['round'].number}/", "/countries/GHA/", "/search/?q=nurses"]
    for url in pages:  # the search index catches up once on the reports submitted by hand
        client.get(url)
    before = [statements(client, url) for url in pages]
    assert max(before) <= 50, before
    # More published reports, register entries and figures: as many statements.
    for iso3 in ("BRA", "IND", "NGA", "THA"):
        report = Report.objects.get(round_instrument=published["nri"], member_state_id=iso3)
        Report.objects.filter(pk=report.pk).update(state="validated", submitted_at=timezone.now())
        answer(report, "code_awareness", "partly")
        answer(report, "challenges", f"{iso3}: nurses")
    from tests.national.test_scoping_matrix import fresh_recruiter
    from tests.registers.helpers import make_law

    for index in range(5):
        law = make_law(people["fp_a"], title=f"Act {index}")
        law.validation = Validation.VALIDATED
        law.save()
        recruiter = fresh_recruiter(people["fp_a"], f"MORE-{index}")
        Recruiter.objects.filter(pk=recruiter.pk).update(validation=Validation.VALIDATED)
    for url in pages:  # the search index catches up once on the reports validated above
        client.get(url)
    after = [statements(client, url) for url in pages]
    assert after == before


@pytest.fixture
def full_round(people, settings):
    """The demonstration round made public with every Member State's report validated and
    some stakeholder reports: the heaviest a round's page gets."""
    from codemonitor.demo.reports import demo_reports_create
    from codemonitor.demo.rounds import demo_round_ensure
    from codemonitor.reporting.models import Round

    settings.PUBLISH_DEMO_ROUNDS = True
    round_ = demo_round_ensure()
    demo_reports_create(round_=round_, national=194, stakeholders=40, seed=11)
    Round.objects.filter(pk=round_.pk).update(publishes_at=timezone.now() - dt.timedelta(hours=1))
    Report.objects.filter(round_instrument__round=round_, member_state__isnull=False).update(
        state="validated"
    )
    return round_


def test_public_pages_are_within_the_page_weight_budget(full_round) -> None:
    """The budget (portal/published.py): a page's HTML, charts inline, no script."""
    client = Client()
    some = Report.objects.filter(round_instrument__round=full_round, state="validated").first()
    assert some is not None
    for url in (
        "/code/",
        "/rounds/",
        f"/rounds/{full_round.number}/",
        f"/reports/{some.pk}/",
        f"/countries/{some.member_state_id}/",
        "/search/?q=nurses",
        "/search/?q=nurses&page=2",
    ):
        for language in ("en", "ar"):
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code == 200, url
            assert len(response.content) <= PAGE_BUDGET_BYTES, (url, len(response.content))
            text = response.content.decode()
            assert "<script" not in text
            if language == "ar":
                assert 'dir="rtl"' in text


def test_new_public_pages_are_cached_and_revalidated(published) -> None:
    move_the_clock(published, public=True)
    client = Client()
    for url in ("/code/", "/search/?q=nurses", f"/reports/{published['national'].pk}.pdf"):
        first = client.get(url)
        assert first.status_code == 200
        control = first["Cache-Control"]
        assert "public" in control and "max-age=300" in control and "no-store" not in control
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304 and again["ETag"] == first["ETag"]


def test_the_code_page_names_the_articles_in_every_language(published) -> None:
    for language in ("en", "fr", "ar", "zh-hans", "ru", "es"):
        response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/code/")
        assert response.status_code == 200
        text = response.content.decode()
        assert text.count("<li value=") == 10
    home = Client().get("/").content.decode()
    assert 'href="/code/"' in home and 'href="/search/"' in home


def test_the_sitemap_lists_the_new_pages(published) -> None:
    number = published["round"].number
    move_the_clock(published, public=False)
    before = Client().get("/sitemap.xml").content.decode()
    assert "/code/" in before and "/search/" in before
    assert f"/rounds/{number}/report/" not in before
    move_the_clock(published, public=True)
    after = Client().get("/sitemap.xml").content.decode()
    assert f"/rounds/{number}/report/" in after


def test_the_stakeholder_reports_are_listed_a_page_at_a_time(round_, monkeypatch) -> None:
    """Tens of thousands of stakeholder reports make no page of tens of thousands of lines: the
    round's page lists them a page at a time, and its version is an aggregate, not a list."""
    from codemonitor.portal import published

    monkeypatch.setattr(published, "STAKEHOLDERS_PER_PAGE", 1)
    Round.objects.filter(pk=round_["round"].pk).update(
        publishes_at=timezone.now() - dt.timedelta(hours=1)
    )
    number = round_["round"].number
    client = Client()
    first = client.get(f"/rounds/{number}/").content.decode()
    second = client.get(f"/rounds/{number}/?page=2").content.decode()
    named, unnamed = (f"/reports/{round_[key].pk}/" for key in ("named", "unnamed"))
    assert (named in first) != (unnamed in first)
    assert (named in second) != (unnamed in second)
    assert (named in first) == (unnamed in second)
    assert "?page=2#stakeholders" in first
    assert "2 stakeholder reports" in first
    # A page past the end shows the last one; a page that is no number, the first.
    assert client.get(f"/rounds/{number}/?page=99").status_code == 200
    assert client.get(f"/rounds/{number}/?page=x").status_code == 200
