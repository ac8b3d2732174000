"""The page's autosave when the server fails: back soon after an outage, clear on a bug.

The browser's requests are answered by Playwright's routes (a network stub in the browser,
for the client's behaviour; the server's own 503 is tested in tests/test_errors.py and with
PostgreSQL restarting in tests/fault/). No step waits for a fixed time: each waits for a state
of the page, and the order of the requests says what the script did.
"""

from __future__ import annotations

import json

from codemonitor.reporting.answers import answers_load
from tests.e2e.test_isri_browser import go_to_page, key, start

UNAVAILABLE = {"error": "Code Monitor cannot reach its database just now.", "retry_after": 60}
BUG = {"error": "Something went wrong on our side and it has been recorded."}


def test_saves_go_through_as_soon_as_the_server_is_back(browser, site) -> None:
    """503 with a long Retry-After: the script asks /healthz every 2 s instead of waiting,
    and sends the save the moment the health check answers."""
    context = browser.new_context()
    page = context.new_page()
    report = start(page, site, entity="Outage Guild", email="outage@example.org")
    go_to_page(page, 4)
    seen: list[str] = []
    down = {"health checks left": 2}

    def autosave(route) -> None:
        if down["health checks left"]:
            seen.append("autosave 503")
            route.fulfill(
                status=503,
                headers={"Retry-After": "60"},
                content_type="application/json",
                body=json.dumps(UNAVAILABLE),
            )
        else:
            seen.append("autosave sent")
            route.continue_()

    def healthz(route) -> None:
        down["health checks left"] -= 1
        if down["health checks left"]:
            seen.append("healthz 503")
            route.fulfill(
                status=503,
                content_type="application/json",
                body=json.dumps({"status": "down", "database": "down: OperationalError"}),
            )
        else:
            seen.append("healthz ok")  # the server's own answer from now on
            route.continue_()

    page.route("**/autosave/", autosave)
    page.route("**/healthz", healthz)
    page.fill(f'[name="{key("q1_answer")}"]', "Typed during the outage.")
    page.wait_for_selector("#save-state.unavailable")
    page.wait_for_selector("#save-state.saved")
    assert answers_load(report)["q1_answer", ""] == "Typed during the outage."
    # Not the Retry-After (60 s, capped at 10) nor the back-off: the health check's answer.
    assert seen == ["autosave 503", "healthz 503", "healthz ok", "autosave sent"]
    context.close()


def test_a_server_error_is_shown_after_a_few_tries(browser, site) -> None:
    """A 500 is not an outage: three tries, then the message, and the value stays typed."""
    context = browser.new_context()
    page = context.new_page()
    start(page, site, entity="Bug Watchers", email="bugs@example.org")
    go_to_page(page, 4)
    tries: list[str] = []

    def autosave(route) -> None:
        tries.append(route.request.url)
        route.fulfill(status=500, content_type="application/json", body=json.dumps(BUG))

    page.route("**/autosave/", autosave)
    field = f'[name="{key("q1_answer")}"]'
    page.fill(field, "Typed before the bug.")
    page.wait_for_selector("#save-state.error")
    assert len(tries) == 3
    assert BUG["error"] in page.inner_text("#save-state")
    assert page.input_value(field) == "Typed before the bug."
    context.close()


def test_a_value_that_cannot_be_stored_is_explained_on_its_field(browser, site) -> None:
    """The server refuses an answer over the limit (nothing stored); the page says why on the
    field, and what was typed stays there to be shortened."""
    context = browser.new_context()
    page = context.new_page()
    report = start(page, site, entity="Long Writers", email="long@example.org")
    go_to_page(page, 4)
    field = f'[name="{key("q1_answer")}"]'
    text = "Evidence. " * 2100  # 21 000 characters, over the 20 000 an answer may have
    with page.expect_response(lambda r: "/autosave/" in r.url and r.status == 400):
        page.fill(field, text)
    message = page.locator(f"#e-{key('q1_answer')}")
    message.wait_for()
    assert "at most 20000 are accepted" in message.inner_text()
    assert page.input_value(field) == text
    assert ("q1_answer", "") not in answers_load(report)
    context.close()
