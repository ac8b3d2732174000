"""Errors: 503 while the database is down, pages drawn without it, JSON for the pages' scripts.

The outage is real: a process of its own (tests/outage.py) whose DATABASE_URL points at a port
nobody listens on, so every query fails with a refused connection, and the whole stack
(middleware, views, error handlers) answers as it would in production during an outage.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
from django.test import Client

from tests.smtp import free_port
from tests.test_settings import ROOT

UNAVAILABLE = "Code Monitor cannot reach its database just now"


@pytest.fixture(scope="module")
def outage():
    """Send requests while the database is down; their responses."""

    def send(*requests):
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://codemonitor:secret-password@127.0.0.1:{free_port()}/cm",
            "DEBUG": "0",
            "STATIC_MANIFEST": "0",
        }
        result = subprocess.run(
            [sys.executable, "-m", "tests.outage"],
            cwd=ROOT,
            env=env,
            input=json.dumps(list(requests)),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout)

    return send


REPORT = uuid.uuid4()
SESSION = {"sessionid": "a" * 32}


def test_an_outage_is_a_503_page_json_or_health(outage) -> None:
    page, french, health, autosave, report_page, written, crash, crash_json = outage(
        {"path": "/"},
        {"path": "/", "headers": {"Accept-Language": "fr"}},
        {"path": "/healthz"},
        {
            "method": "post",
            "path": f"/isri/report/{REPORT}/autosave/",
            "data": {"field": "q__q1_answer__", "value": "typed", "page": "4"},
            "headers": {"Accept": "application/json"},
            "cookies": SESSION,
        },
        {"path": f"/isri/report/{REPORT}/page/1/", "cookies": SESSION},
        {"path": "/test-errors/session/"},
        {"path": "/test-errors/crash/", "cookies": SESSION},
        {"path": "/test-errors/crash/", "headers": {"Accept": "application/json"}},
    )
    # A page: the styled 503, in the person's language, to be tried again in a few seconds.
    for response in (page, report_page):
        assert response["status"] == 503, response["body"][:500]
        assert response["headers"]["Retry-After"] == "5"
        assert UNAVAILABLE in response["body"]
        assert '<link rel="stylesheet"' in response["body"]
        assert "no-store" in response["headers"]["Cache-Control"]
    assert '<html lang="en" dir="ltr">' in page["body"]
    assert french["status"] == 503 and '<html lang="fr" dir="ltr">' in french["body"]
    # The health check says what is down, and nothing else (no address, user or password).
    assert health["status"] == 503
    assert json.loads(health["body"]) == {"status": "down", "database": "down: OperationalError"}
    # The autosave asked for JSON: it gets JSON, with when to try again.
    assert autosave["status"] == 503
    assert autosave["headers"]["Content-Type"] == "application/json"
    assert json.loads(autosave["body"]) == {"error": autosave_error(), "retry_after": 5}
    # The database failing after the view (the session middleware writing) is a 503 too.
    assert written["status"] == 503 and UNAVAILABLE in written["body"]
    # A bug while the database is down is a 500 drawn without the database or the session.
    assert crash["status"] == 500 and "Server error" in crash["body"]
    assert "Retry-After" not in crash["headers"]
    assert crash_json["status"] == 500
    assert set(json.loads(crash_json["body"])) == {"error"}
    for response in (page, french, health, autosave, report_page, written, crash, crash_json):
        assert (
            "secret-password" not in response["body"]
            and "Server Error (500)" not in response["body"]
        )


def autosave_error() -> str:
    from codemonitor.errors import MESSAGES

    return str(MESSAGES[503])


@pytest.fixture
def errors_urls(settings):
    settings.ROOT_URLCONF = "tests.error_urls"


JSON = {"Accept": "application/json"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status", "title"),
    [
        ("/no-such-page/", 404, "Page not found"),
        ("/test-errors/forbidden/", 403, "Not allowed"),
        ("/test-errors/bad/", 400, "Bad request"),
        ("/test-errors/crash/", 500, "Server error"),
    ],
)
def test_errors_are_pages_or_json(errors_urls, path, status, title) -> None:
    client = Client(raise_request_exception=False)
    page = client.get(path)
    assert page.status_code == status
    html = page.content.decode()
    assert f"<h1>{title}</h1>" in html and '<link rel="stylesheet"' in html
    assert "Retry-After" not in page.headers
    for headers in (JSON, {"X-Requested-With": "XMLHttpRequest"}):
        answer = client.get(path, headers=headers)
        assert answer.status_code == status
        assert answer["Content-Type"] == "application/json"
        assert set(answer.json()) == {"error"} and answer.json()["error"]


@pytest.mark.django_db
def test_an_autosave_gets_json_even_without_asking(errors_urls) -> None:
    answer = Client().post(f"/isri/report/{REPORT}/autosave/", {"field": "x", "value": "y"})
    assert answer.status_code == 404
    assert answer.json() == {"error": "There is no page at this address."}


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "direction"), [("fr", "ltr"), ("ar", "rtl")])
def test_error_pages_speak_the_persons_language(errors_urls, language, direction) -> None:
    """From the language cookie or Accept-Language: nothing read from the database."""
    client = Client(raise_request_exception=False)
    by_header = client.get("/test-errors/crash/", headers={"Accept-Language": language})
    assert f'<html lang="{language}" dir="{direction}">' in by_header.content.decode()
    client.cookies["django_language"] = language
    by_cookie = client.get("/no-such-page/")
    assert f'<html lang="{language}" dir="{direction}">' in by_cookie.content.decode()


@pytest.mark.django_db
def test_an_expired_form_tells_the_script_in_json(stakeholder) -> None:
    """A refused CSRF token: the autosave gets a message it can show; a page keeps Django's."""
    client = Client(enforce_csrf_checks=True)
    answer = client.post(
        f"/isri/report/{stakeholder.report.uuid}/autosave/",
        {"field": "q__q1_answer__", "value": "typed"},
        headers=JSON,
    )
    assert answer.status_code == 403
    assert answer.json() == {"error": "This page has expired. Please reload it and try again."}
    page = client.post(f"/isri/round/{stakeholder.report.round_instrument.round.number}/start/")
    assert page.status_code == 403 and "CSRF" in page.content.decode()


@pytest.mark.django_db
def test_health_says_what_is_up(client, settings) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "tasks": "ok"}


@pytest.mark.django_db
def test_health_says_when_no_worker_takes_tasks(client, settings) -> None:
    """A task waiting for a worker longer than ten minutes: the site works, tasks are late."""
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from codemonitor.core.mail import mail_deliver

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    result = mail_deliver.enqueue(["someone@example.org"], "Subject", "Body")
    assert client.get("/healthz").json()["tasks"] == "ok"  # just queued
    DBTaskResult.objects.filter(pk=result.id).update(
        enqueued_at=timezone.now() - timedelta(minutes=11)
    )
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "degraded",
        "database": "ok",
        "tasks": "late: 1 waiting over 10 min",
    }
