"""Browser tests: Debian's Chromium driven by Playwright against Django's live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API keeps an event loop in this thread; the ORM calls made by the test
# itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(transactional_db, live_server, settings, smtp):
    """The platform served on 127.0.0.1 with reference data, instruments and an open round.

    The reference data and the instruments are in the database already: loaded once for the
    session, and again after each test that empties the database (tests/conftest.py)."""
    from codemonitor.demo.rounds import demo_round_ensure
    from codemonitor.reporting.rounds import round_instrument_for

    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False  # plain HTTP here
    round_ = demo_round_ensure()
    return {
        "url": live_server.url,
        "round": round_,
        "isri": round_instrument_for(round_, "stakeholder"),
        "mail": smtp,
    }


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# The rules of WCAG 2.1 A and AA that axe checks.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_check(page: Any) -> None:
    """Run axe-core on the page as it is now and fail on any violation, naming each rule and the
    elements it found. The script is evaluated through the browser's debugging protocol, so the
    page's content security policy (which allows no injected script) stays as it is served."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make test` installs it (npm ci)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => {"
        " const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});"
        " return r.violations.map(v => ({id: v.id, help: v.help,"
        " nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})); }",
        AXE_TAGS,
    )
    assert not result, f"axe on {page.url}:\n" + "\n".join(
        f"- {v['id']}: {v['help']} ({', '.join(v['nodes'])})" for v in result
    )
