"""The analysis of a round in a real browser: Chromium reports no content security policy
violation on any of its pages (an inline style or script, in the page or in its SVG), and a
passage selected with the mouse after an emoji is coded where it was selected (the page's
script counts characters as the server does)."""

from __future__ import annotations

import re

import pyotp
from django.utils import timezone

from codemonitor.accounts.models import Role, User
from codemonitor.analysis.coding import codebook_ensure
from codemonitor.analysis.models import Coding
from codemonitor.analysis.text_index import searchable_questions, text_index_report
from codemonitor.reporting.models import Answer, Report
from tests.e2e.conftest import axe_check
from tests.e2e.test_nri_browser import PASSWORD, sign_in

SECRET = pyotp.random_base32()
# "leave" twice: only the second is selected; each emoji is two UTF-16 units in the browser.
TEXT = "Nurses 😀 leave the rural hospitals 🏥 and midwives 😀 leave too."


def test_the_analysis_pages_keep_to_the_policy_and_code_what_is_selected(browser, site) -> None:
    from codemonitor.demo.reports import demo_reports_create

    url, round_ = site["url"], site["round"]
    demo_reports_create(round_=round_, national=12, stakeholders=12, seed=3)
    User.objects.create_user(
        "who@who.example",
        "who@who.example",
        PASSWORD,
        role=Role.SECRETARIAT_ANALYST,
        totp_secret=SECRET,
        totp_confirmed_at=timezone.now(),
    )
    report = (
        Report.objects.filter(round_instrument__round=round_, member_state__isnull=False)
        .select_related("instrument_version")
        .order_by("sequence")
        .first()
    )
    assert report is not None
    Report.objects.filter(pk=report.pk).update(state="validated", submitted_at=timezone.now())
    report.refresh_from_db()
    form = report.instrument_version.form
    paths = form.repeat_path()
    question = next(name for name in searchable_questions(form) if not paths.get(name))
    Answer.objects.update_or_create(
        report=report,
        question=question,
        row="",
        defaults={"round_instrument_id": report.round_instrument_id, "value": TEXT},
    )
    text_index_report(report)
    codebook_ensure(round_)

    page = browser.new_context().new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    sign_in(
        page,
        f"{url}/account/sign-in/?next=/backoffice/analysis/",
        "who@who.example",
        lambda: pyotp.TOTP(SECRET).now(),
    )
    page.wait_for_url(re.compile(r"/backoffice/analysis/$"))
    answer = f"/backoffice/analysis/answers/{report.pk}/{question}/"
    for path in (
        "/backoffice/analysis/completeness/",
        "/backoffice/analysis/completeness/?instrument=isri",
        "/backoffice/analysis/completeness/list/?status=member_states&region=AFR",
        "/backoffice/analysis/questions/",
        "/backoffice/analysis/questions/code_awareness/",
        "/backoffice/analysis/questions/agreements/",
        "/backoffice/analysis/questions/workforce_measures/",
        "/backoffice/analysis/reports/?question=code_awareness&value=yes",
        "/backoffice/analysis/search/?q=leave",
        "/backoffice/analysis/codebook/",
        "/backoffice/analysis/codings/",
        "/backoffice/analysis/countries/GHA/",
        "/backoffice/analysis/report/",
        answer,
    ):
        response = page.goto(f"{url}{path}")
        assert response is not None and response.status == 200, path
    assert not refused, "\n".join(refused)
    axe_check(page)

    # The second "leave", selected with the mouse (a range over the answer's text).
    page.evaluate(
        """() => {
            const text = document.getElementById('answer-text').firstChild;
            const at = text.data.lastIndexOf('leave');
            const range = document.createRange();
            range.setStart(text, at);
            range.setEnd(text, at + 'leave'.length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
        }"""
    )
    page.wait_for_function("() => document.getElementById('c-start').value !== ''")
    assert page.input_value("#c-passage") == "leave"
    start = TEXT.rindex("leave")
    assert page.input_value("#c-start") == str(start)
    page.click("text=Code the passage")
    page.wait_for_selector("text=The passage is coded.")
    coding = Coding.objects.get()
    assert (coding.start, coding.end, coding.passage) == (start, start + 5, "leave")
    assert not refused, "\n".join(refused)
