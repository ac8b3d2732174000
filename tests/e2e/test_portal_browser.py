"""The public portal in a real browser, as a visitor without an account, in English, French and
Arabic (right to left): what the Code is, a published round with its figures, a country's
profile, a report, the search, a download of the open data. axe-core checks every page."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.utils import timezone

from codemonitor.demo.reports import demo_reports_create
from codemonitor.publication.public import all_public_reports
from codemonitor.reporting.models import Report, Round
from tests.e2e.conftest import axe_check


@pytest.fixture
def published(site, settings):
    """The demonstration round with synthetic reports, published (an installation that
    publishes its demonstration round, for trying the portal)."""
    settings.PUBLISH_DEMO_ROUNDS = True
    round_ = site["round"]
    demo_reports_create(round_=round_, national=12, stakeholders=8, seed=5)
    # Public since a minute ago (the demonstration round's deadline may still be ahead: the
    # service refuses such a moment, the clock is moved in the database).
    Round.objects.filter(pk=round_.pk).update(publishes_at=timezone.now() - dt.timedelta(minutes=1))
    round_.refresh_from_db()
    national = Report.objects.filter(round_instrument__round=round_, member_state__isnull=False)
    national.filter(pk__in=national.values("pk")[:6]).update(
        state=Report.State.VALIDATED, submitted_at=timezone.now()
    )
    report = (
        all_public_reports()
        .filter(round_instrument__round=round_, member_state__isnull=False)
        .select_related("member_state")
        .first()
    )
    assert report is not None, "the demonstration round has no validated national report"
    return {**site, "round": round_, "report": report}


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_a_visitor_reads_the_published_round(browser, published, language) -> None:
    url = published["url"]
    number = published["round"].number
    report = published["report"]
    context = browser.new_context(accept_downloads=True, locale=language)
    context.add_cookies([{"name": "django_language", "value": language, "url": url}])
    page = context.new_page()
    try:
        page.goto(f"{url}/code/")
        assert page.locator("html").get_attribute("lang", timeout=5000).startswith(language)
        assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
        axe_check(page)

        page.goto(f"{url}/rounds/")
        page.locator(f"a[href='/rounds/{number}/']").first.click()
        page.wait_for_url(f"**/rounds/{number}/")
        assert page.locator("svg").count() > 0  # the figures' charts, drawn by the server
        axe_check(page)

        page.locator(f"a[href='/reports/{report.pk}/']").first.click()
        page.wait_for_url(f"**/reports/{report.pk}/")
        axe_check(page)

        page.goto(f"{url}/countries/{report.member_state_id}/")
        assert page.locator(f"a[href='/reports/{report.pk}/']").count() > 0
        axe_check(page)

        page.goto(f"{url}/search/?round={number}")
        axe_check(page)

        page.goto(f"{url}/rounds/{number}/data/")
        axe_check(page)
        link = page.locator(f"a[href='/rounds/{number}/data/national_reports.csv']").first
        with page.expect_download() as info:
            link.click()
        download = info.value
        text = Path(download.path()).read_text(encoding="utf-8")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert str(report.pk) in {row["report_id"] for row in rows}

        page.goto(f"{url}/rounds/{number}/codebook/")
        axe_check(page)
    finally:
        context.close()
