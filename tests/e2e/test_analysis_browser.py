"""The Secretariat's analysis of a round in a real browser.

An analyst (with the second factor) opens the completeness of the demonstration round filled by
the demo generator, drills into a WHO region, tabulates an NRI question by safeguards-list
status, searches the text answers for a word and for a phrase planted in one answer, codes two
passages of that answer (one selected with the mouse, one typed), quotes one, reads the counts,
and downloads the draft report as DOCX and PDF. axe-core checks every page on the way; the main
pages are photographed (into $ANALYSIS_SCREENSHOTS when set, else a temporary folder) for a
person to look at. One page and the coding form are also used with JavaScript switched off.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import docx
import pyotp
import pypdf
from django.utils import timezone

from codemonitor.accounts.models import Role, User
from codemonitor.analysis.models import Code, Coding
from codemonitor.core.audit import Action
from codemonitor.core.models import AuditEntry
from codemonitor.demo.reports import demo_reports_create
from codemonitor.reference.models import SafeguardsEdition
from codemonitor.reporting.models import Answer, Report
from codemonitor.reporting.rounds import round_instrument_for
from codemonitor.reporting.selectors import deadline_date, regions_on
from tests.e2e.conftest import axe_check
from tests.e2e.test_nri_browser import PASSWORD, sign_in

SECRET = pyotp.random_base32()
ANALYST = "analyst@who.example"
PLANTED = "Zorbanian twinning compact"
# Two sentences: the first is selected with the mouse, the second typed into the form.
SELECTED = f"The {PLANTED} placed forty midwives in rural districts."
TYPED = "Ethical recruitment stays under review by the ministry."
ANSWER = f"{SELECTED} {TYPED}"


def shots_folder(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("ANALYSIS_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def plant(round_) -> tuple[Report, str]:
    """Write ANSWER into a text question (outside any table) of a validated English national
    report, as if it had just been submitted."""
    nri = round_instrument_for(round_, "national")
    report = (
        Report.objects.filter(round_instrument=nri, state=Report.State.VALIDATED, language="en")
        .order_by("sequence")
        .first()
    )
    assert report is not None
    form = report.instrument_version.form
    paths = form.repeat_path()
    question = next(
        q.name
        for q in form.walk()
        if q.kind == "text"
        and not q.personal
        and not q.report_field
        and not paths.get(q.name)
        and Answer.objects.filter(report=report, question=q.name, row="").exists()
    )
    Answer.objects.filter(report=report, question=question, row="").update(value=ANSWER)
    Report.objects.filter(pk=report.pk).update(submitted_at=timezone.now())
    return report, question


def select_with_the_mouse(page, selector: str, text: str) -> None:
    """Drag the mouse over `text` in the element, as a person selects a passage."""
    box = page.evaluate(
        """([selector, text]) => {
            const walker = document.createTreeWalker(
                document.querySelector(selector), NodeFilter.SHOW_TEXT);
            let node = walker.nextNode();
            while (node && !node.textContent.includes(text)) { node = walker.nextNode(); }
            const at = node.textContent.indexOf(text);
            const edge = (offset) => {
                const range = document.createRange();
                range.setStart(node, offset);
                range.setEnd(node, offset + 1);
                const rect = range.getClientRects()[0];
                return {x: rect.left, y: rect.top + rect.height / 2, w: rect.width};
            };
            const first = edge(at), last = edge(at + text.length - 1);
            return {x1: first.x + 0.5, y1: first.y, x2: last.x + last.w - 0.5, y2: last.y};
        }""",
        [selector, text],
    )
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()


def test_the_secretariat_analyses_a_round(browser, site, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    url = site["url"]
    round_ = site["round"]
    demo_reports_create(round_=round_, national=194, stakeholders=150, seed=10)
    report, question = plant(round_)
    User.objects.create_user(
        ANALYST,
        ANALYST,
        PASSWORD,
        role=Role.SECRETARIAT_ANALYST,
        totp_secret=SECRET,
        totp_confirmed_at=timezone.now(),
    )
    shots = shots_folder(tmp_path)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()

    def shoot(name: str) -> None:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    sign_in(
        page,
        f"{url}/account/sign-in/?next=/backoffice/analysis/",
        ANALYST,
        lambda: pyotp.TOTP(SECRET).now(),
    )
    page.wait_for_url(re.compile(r"/backoffice/analysis/$"))
    axe_check(page)
    shoot("01-home")

    # The completeness of the demonstration round, with its world map.
    page.click("text=Completeness of the round")
    page.wait_for_selector(".world-map-figure svg")
    axe_check(page)
    shoot("02-completeness")

    # A number in a region's row opens the list behind it: as many countries as it says.
    table = page.locator("figure.completeness-table").first
    columns = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    row = table.locator("tbody tr", has=page.locator("th", has_text="African Region"))
    link = row.locator("th, td").nth(columns.index("Submitted")).locator("a")
    clicked = int(link.inner_text().split()[0])
    assert clicked > 0
    link.click()
    page.wait_for_url(re.compile(r"/analysis/completeness/list/\?"))
    assert page.locator("table.completeness-list tbody tr").count() == clicked
    assert f"{clicked} Member States in" in page.inner_text("main")
    axe_check(page)
    shoot("03-region-list")
    page.go_back()
    page.wait_for_selector(".world-map-figure svg")

    # A question of one choice, by WHO region and by safeguards-list status, with the edition
    # of the list in force at the deadline named beside the table.
    page.click("nav.analysis-nav >> text=Analysis")
    page.click("text=Questions, tabulated")
    page.wait_for_selector("ul.analysis-questions")
    axe_check(page)
    page.locator("ul.analysis-questions li", has_text="(one choice").first.locator("a").click()
    page.wait_for_selector("figure.analysis-table")
    deadline = deadline_date(round_instrument_for(round_, "national"))
    edition = SafeguardsEdition.objects.filter(published__lte=deadline).order_by("-year").first()
    assert edition is not None
    by_status = page.locator("figure.analysis-table caption", has_text="safeguards-list status")
    assert f"Safeguards list {edition.year}" in by_status.first.inner_text()
    assert page.locator(
        f"figure.analysis-table th:has-text('On the list (Safeguards list {edition.year})')"
    ).count()
    axe_check(page)
    shoot("04-question")
    question_url = page.url

    # The codebook gets the Code's articles.
    page.click("nav.analysis-nav >> text=Analysis")
    page.click("text=The codebook of the round")
    page.wait_for_selector("text=The codebook is empty.")
    axe_check(page)
    page.click("text=Add the Code's articles")
    page.wait_for_selector("table.codebook")
    axe_check(page)
    shoot("04b-codebook")

    # Search the text answers: a word the demonstration answers use, then the planted phrase.
    page.click("nav.analysis-nav >> text=Search the text")
    page.fill("#s-q", "recruitment")
    page.click("form.text-search button[type=submit]")
    page.wait_for_selector("#results-heading")
    found = int(page.inner_text("#results-heading").split()[0])
    assert found > 1
    assert page.locator(".search-results mark").count() > 0
    axe_check(page)
    shoot("05-search")
    page.fill("#s-q", f'"{PLANTED.lower()}"')
    page.click("form.text-search button[type=submit]")
    page.wait_for_selector("#results-heading:has-text('1 answer found')")
    hit = page.locator(".search-results li")
    assert hit.count() == 1
    assert report.reference in hit.inner_text()
    assert hit.locator("mark").first.inner_text() == PLANTED
    axe_check(page)
    hit.locator("h3 a").click()
    page.wait_for_selector("#answer-text")
    assert page.inner_text("#answer-text") == ANSWER
    axe_check(page)
    answer_url = page.url

    # Two passages coded: the first selected with the mouse (the script fills its offsets)
    # and quoted, the second typed into the form, which drops the offsets of a selection.
    form = report.instrument_version.form
    article = form.questions()[question].article.split(".")[0] or "3"
    quoted = Code.objects.get(round=round_, article_id=int(article))
    other = Code.objects.filter(round=round_, article__isnull=False).exclude(pk=quoted.pk).first()
    assert other is not None
    select_with_the_mouse(page, "#answer-text", SELECTED)
    start = ANSWER.index(SELECTED)
    assert page.input_value("#c-passage") == SELECTED
    assert page.input_value("#c-start") == str(start)
    assert page.input_value("#c-end") == str(start + len(SELECTED))
    page.select_option("#c-code", str(quoted.pk))
    page.check("input[name=quote]")
    page.click("#coding-form button[type=submit]")
    page.wait_for_selector("text=The passage is coded.")
    assert page.locator("#answer-text mark.coded").inner_text() == SELECTED
    axe_check(page)
    select_with_the_mouse(page, "#answer-text", "forty midwives")
    assert page.input_value("#c-start") != ""
    page.fill("#c-passage", TYPED)
    assert page.input_value("#c-start") == page.input_value("#c-end") == ""
    page.select_option("#c-code", str(other.pk))
    page.click("#coding-form button[type=submit]")
    page.wait_for_selector("text=The passage is coded.")
    assert page.locator("table.codings tbody tr").count() == 2
    axe_check(page)
    shoot("06-coding")
    codings = {
        (c.code_id, c.start, c.end, c.passage, c.quote)
        for c in Coding.objects.filter(report=report, question=question)
    }
    typed_at = ANSWER.index(TYPED)
    assert codings == {
        (quoted.pk, start, start + len(SELECTED), SELECTED, True),
        (other.pk, typed_at, typed_at + len(TYPED), TYPED, False),
    }
    assert (
        AuditEntry.objects.filter(action=Action.ANALYSIS_CODING_ADDED, actor__email=ANALYST).count()
        == 2
    )

    # The counts of coded passages: by code, WHO region and safeguards status.
    page.click("nav.analysis-nav >> text=Coded passages")
    page.wait_for_selector("ol.coded-passages")
    assert page.locator("ol.coded-passages > li").count() == 2
    axe_check(page)
    shoot("07-codings")
    region = regions_on(deadline)[report.member_state_id]
    counts = page.locator("figure.analysis-table table")
    headers = [h.strip() for h in counts.locator("thead th").all_inner_texts()]

    def counted(label: str, what: str, column: str) -> str:
        line = counts.locator("tr", has=page.locator("th", has_text=label)).filter(
            has=page.locator("td", has_text=re.compile(rf"^{what}$"))
        )
        return str(line.locator("th, td").nth(headers.index(column)).inner_text()).strip()

    for code in (quoted, other):
        for what in ("passages", "reports"):
            assert counted(code.label, what, region) == "1"
            assert counted(code.label, what, "All reports") == "1"
    assert counted("Any code", "passages", "All reports") == "2"
    assert counted("Any code", "reports", "All reports") == "1"

    # Without JavaScript: the filters apply, and a passage pasted into the form is coded.
    plain = browser.new_context(storage_state=context.storage_state(), java_script_enabled=False)
    bare = plain.new_page()
    bare.set_default_timeout(15_000)
    bare.goto(question_url)
    bare.select_option("#f-region", "EUR")
    bare.click("form.analysis-filters button[type=submit]")
    bare.wait_for_url(re.compile(r"[?&]region=EUR(&|$)"))
    in_europe = sum(
        1
        for iso3 in Report.objects.filter(
            round_instrument=report.round_instrument, state=Report.State.VALIDATED
        ).values_list("member_state_id", flat=True)
        if regions_on(deadline).get(iso3) == "EUR"
    )
    assert f"{in_europe} reports in the selection" in bare.inner_text(".analysis-question-meta")
    # (axe needs JavaScript: the filtered page is checked in the other context.)
    page.goto(bare.url)
    axe_check(page)
    bare.goto(answer_url)
    bare.fill("#c-passage", "forty  midwives in rural districts")
    bare.select_option("#c-code", str(other.pk))
    bare.click("#coding-form button[type=submit]")
    bare.wait_for_selector("text=The passage is coded.")
    at = ANSWER.index("forty midwives")
    assert Coding.objects.filter(
        report=report, code=other, start=at, end=at + len("forty midwives in rural districts")
    ).exists()
    plain.close()
    page.goto(answer_url)
    assert page.locator("table.codings tbody tr").count() == 3
    axe_check(page)

    # The draft report: downloaded as DOCX (opened with python-docx) and as PDF.
    page.click("nav.analysis-nav >> text=Analysis")
    page.click("text=Draft report of the round")
    page.wait_for_selector("ul.report-downloads")
    assert "Français" in page.locator("#r-lang").inner_text()
    axe_check(page)
    shoot("08-report")
    # Each file is generated when asked for: time enough on a loaded machine.
    with page.expect_download(timeout=120_000) as download:
        page.click("ul.report-downloads >> text=Word document (DOCX)")
    path = tmp_path / "report.docx"
    download.value.save_as(path)
    assert download.value.suggested_filename.endswith(".docx")
    word = docx.Document(str(path))
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "The round in brief"
    assert any(h.startswith(f"Article {quoted.article_id}.") for h in headings)
    with page.expect_download(timeout=120_000) as download:
        page.click("ul.report-downloads >> text=PDF")
    assert download.value.suggested_filename.endswith(".pdf")
    pdf = pypdf.PdfReader(download.value.path())
    assert "The round in brief" in " ".join(page.extract_text() for page in pdf.pages[:3])
    assert AuditEntry.objects.filter(action=Action.ANALYSIS_REPORT_GENERATED).count() == 2
    text = "\n".join(
        [p.text for p in word.paragraphs]
        + [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    )
    # The passage marked as a quote is quoted in the report, under its code's article.
    assert SELECTED in text, "the passage marked as a quote is not in the DOCX"
