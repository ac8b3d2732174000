"""The ISRI in a real browser: complete with JavaScript, resume elsewhere, and without it."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from codemonitor.reporting.answers import answers_load
from codemonitor.reporting.models import Report, ReportFile
from tests.smtp import Mailbox

LINK_RE = re.compile(r"(http://127\.0\.0\.1:\d+/isri/r/[^/\s]+/)")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ANSWERS = {n: f"Answer {n}: synthetic test evidence from the browser." for n in range(1, 11)}


def key(name: str, row: str = "") -> str:
    return f"q__{name}__{row}"


def start(page, site, entity: str = "Midwives Alliance", email: str = "lena@example.org"):
    page.goto(f"{site['url']}/isri/round/{site['round'].number}/")
    page.fill("#id_email", email)
    page.fill("#id_entity_name", entity)
    page.click("text=Start my report")
    page.wait_for_url(re.compile(r"/page/1/$"))
    return Report.objects.get(entity_name=entity)


def emailed_link(site, count: int = 1) -> str:
    message = site["mail"].wait_for(count)[count - 1]
    match = LINK_RE.search(Mailbox.body(message))
    assert match, Mailbox.body(message)
    return match[1]


def autosaved(page, action) -> None:
    """Do something to a field and wait until the server has confirmed the save."""
    with page.expect_response(lambda r: "/autosave/" in r.url and r.status == 200):
        action()


def go_to_page(page, number: int) -> None:
    page.click(f".sections li:nth-child({number}) a")
    page.wait_for_url(re.compile(rf"/page/{number}/$"))


def fill_everything_with_javascript(page, tmp_path: Path) -> None:
    go_to_page(page, 2)
    autosaved(page, lambda: page.fill(f'[name="{key("contact_first_name")}"]', "Lena"))
    autosaved(page, lambda: page.fill(f'[name="{key("contact_last_name")}"]', "Moreau"))
    autosaved(page, lambda: page.fill(f'[name="{key("telephone")}"]', "+33 1 00 00 00 00"))
    autosaved(page, lambda: page.fill(f'[name="{key("website")}"]', "https://midwives.example"))
    autosaved(
        page, lambda: page.check(f'[data-key="{key("involvement_countries")}"] input[value="FRA"]')
    )
    autosaved(
        page,
        lambda: (
            page.select_option(f'[name="{key("stakeholder_category")}"]', index=4)
            if page.locator(f'select[name="{key("stakeholder_category")}"]').count()
            else page.locator(f'[data-key="{key("stakeholder_category")}"] input[type=radio]')
            .nth(3)
            .check()
        ),
    )
    autosaved(page, lambda: page.check(f'[name="{key("publish_name")}"][value="yes"]'))
    for number in range(1, 11):
        go_to_page(page, number + 3)
        autosaved(page, lambda n=number: page.fill(f'[name="{key(f"q{n}_answer")}"]', ANSWERS[n]))
        page.fill(f'[data-key="{key(f"q{number}_source_countries")}"] .country-filter', "Ghana")
        autosaved(
            page,
            lambda n=number: page.check(
                f'[data-key="{key(f"q{n}_source_countries")}"] input[value="GHA"]'
            ),
        )
        autosaved(
            page,
            lambda n=number: page.check(
                f'[data-key="{key(f"q{n}_destination_countries")}"] input[value="GBR"]'
            ),
        )
        autosaved(
            page, lambda n=number: page.fill(f'[name="{key(f"q{n}_source_info")}"]', f"Survey {n}")
        )
    document = tmp_path / "evidence.pdf"
    document.write_bytes(PDF)
    with page.expect_response(lambda r: "/upload/" in r.url and r.status == 200):
        page.set_input_files(f'[name="{key("q10_documents")}"]', str(document))
    page.wait_for_selector(f"#files-{key('q10_documents')} >> text=evidence.pdf")


def test_complete_isri_with_javascript(browser, site, tmp_path) -> None:
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    report = start(page, site)
    assert "We have sent a private link to lena@example.org" in page.content()
    page.goto(emailed_link(site))  # the address check: the link reached the inbox
    fill_everything_with_javascript(page, tmp_path)
    assert page.locator("#progress-done").inner_text() != "0"
    page.click("text=Review and submit")
    page.wait_for_url(re.compile(r"/review/$"))
    for answer in ANSWERS.values():
        assert answer in page.content()
    page.click("#submit-button")
    page.wait_for_url(re.compile(r"/done/$"))
    report.refresh_from_db()
    assert report.state == Report.State.SUBMITTED
    assert page.inner_text("#reference") == report.reference
    with page.expect_download() as download_info:
        page.click("#receipt-link")
    receipt = Path(download_info.value.path()).read_bytes()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(receipt)).pages)
    assert report.reference in text and ANSWERS[1] in text and ANSWERS[10] in text
    mail = site["mail"].wait_for(2)
    assert report.reference in mail[1]["Subject"]
    [(name, attached)] = Mailbox.attachments(mail[1])
    assert name == f"{report.reference}.pdf" and attached.startswith(b"%PDF")
    context.close()


def test_resume_in_a_new_browser_from_the_emailed_link(browser, site, tmp_path) -> None:
    first = browser.new_context()
    page = first.new_page()
    report = start(page, site, entity="Recruiters Forum", email="ravi@example.org")
    go_to_page(page, 4)
    autosaved(page, lambda: page.fill(f'[name="{key("q1_answer")}"]', "Trend: upward."))
    go_to_page(page, 13)
    document = tmp_path / "data.csv"
    document.write_text("country,nurses\nGHA,120\n")
    with page.expect_response(lambda r: "/upload/" in r.url and r.status == 200):
        page.set_input_files(f'[name="{key("q10_documents")}"]', str(document))
    first.close()  # the browser is closed mid-way

    second = browser.new_context()
    page = second.new_page()
    page.goto(emailed_link(site))
    go_to_page(page, 4)
    assert page.input_value(f'[name="{key("q1_answer")}"]') == "Trend: upward."
    go_to_page(page, 13)
    assert page.locator(f"#files-{key('q10_documents')} >> text=data.csv").count() == 1
    assert ReportFile.objects.filter(report=report).count() == 1
    second.close()


def test_unsaved_changes_survive_a_lost_connection(browser, site) -> None:
    context = browser.new_context()
    page = context.new_page()
    report = start(page, site, entity="Offline Union", email="off@example.org")
    go_to_page(page, 4)
    context.set_offline(True)
    page.fill(f'[name="{key("q1_answer")}"]', "Typed while offline.")
    page.wait_for_selector("#save-state.offline, #save-state.failed")
    assert answers_load(report).get(("q1_answer", "")) is None
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#save-state.saved")
    assert answers_load(report)["q1_answer", ""] == "Typed while offline."
    context.close()


def test_complete_isri_without_javascript(browser, site, tmp_path) -> None:
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    report = start(page, site, entity="Plain Form Society", email="plain@example.org")
    page.goto(emailed_link(site))
    go_to_page(page, 2)
    page.fill(f'[name="{key("telephone")}"]', "+41 22 000 00 00")
    page.click("text=Save and continue")
    page.wait_for_url(re.compile(r"/page/3/$"))
    for number in range(1, 11):
        go_to_page(page, number + 3)
        page.fill(f'[name="{key(f"q{number}_answer")}"]', ANSWERS[number])
        page.check(f'[data-key="{key(f"q{number}_source_countries")}"] input[value="KEN"]')
        if number == 10:
            document = tmp_path / "brief.txt"
            document.write_text("Synthetic brief.\n")
            page.set_input_files(f'[name="{key("q10_documents")}"]', str(document))
            page.click("text=Save and review")
            page.wait_for_url(re.compile(r"/review/$"))
        else:
            page.click("text=Save and continue")
            page.wait_for_url(re.compile(rf"/page/{number + 4}/$"))
    content = page.content()
    assert ANSWERS[7] in content and "Kenya" in content and "brief.txt" in content
    page.click("#submit-button")
    page.wait_for_url(re.compile(r"/done/$"))
    report.refresh_from_db()
    assert report.state == Report.State.SUBMITTED
    answers = answers_load(report)
    assert answers["telephone", ""] == "+41 22 000 00 00"
    assert answers["q4_source_countries", ""] == ["KEN"]
    context.close()


@pytest.mark.parametrize("invalid", ["12x"])
def test_a_refused_value_keeps_what_was_typed(browser, site, invalid) -> None:
    context = browser.new_context()
    page = context.new_page()
    start(page, site, entity="Typing Club", email="typing@example.org")
    go_to_page(page, 2)
    autosaved(page, lambda: page.fill(f'[name="{key("email")}"]', "not an address"))
    page.wait_for_selector(f'#e-{key("email")}:has-text("valid email")')
    page.reload()
    assert page.input_value(f'[name="{key("email")}"]') == "not an address"
    context.close()
