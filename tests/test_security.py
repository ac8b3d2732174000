"""Security defaults that every response and every account get."""

from __future__ import annotations

import pytest

from codemonitor import settings as project_settings

pytestmark = pytest.mark.django_db


def test_argon2_is_the_password_hasher() -> None:
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_cookies_are_secure_by_default() -> None:
    assert project_settings.SESSION_COOKIE_SECURE and project_settings.CSRF_COOKIE_SECURE
    assert project_settings.SESSION_COOKIE_HTTPONLY


def test_every_page_has_a_content_security_policy(client, reference) -> None:
    response = client.get("/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_health_check(client) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "tasks": "ok"}


def private(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def test_public_pages_may_be_kept(client, reference) -> None:
    for path in ("/", "/healthz"):
        response = client.get(path)
        assert response.status_code == 200
        assert not private(response), (path, response.get("Cache-Control"))


def test_a_stakeholders_pages_are_never_kept(client, isri_round, smtp) -> None:
    """The private link, the report's pages and whatever is sent to the session holding it."""
    from tests.stakeholders.helpers import link_from, page_url, start_report

    other = type(client)()
    report = start_report(client, isri_round.round.number)
    link = link_from(smtp.wait_for(1)[0])
    opened = other.get(link)  # another browser, no session yet: the link starts one
    assert opened.status_code == 302 and private(opened)
    page = other.get(page_url(report, 1))
    assert page.status_code == 200 and private(page)
    assert private(other.get("/"))  # the home page too, once a session is held


def test_the_back_office_is_never_kept(clients) -> None:
    response = clients["admin"].get("/backoffice/")
    assert response.status_code == 200 and private(response)
    # A page that is not public is never kept, even for someone without a session.
    assert private(type(clients["anonymous"])().get("/backoffice/"))


def test_arabic_pages_are_right_to_left(client, reference) -> None:
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html


def test_french_pages_are_translated(client, reference) -> None:
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    html = client.get("/").content.decode()
    assert "Cycles de notification" in html


def test_pages_render_with_collected_static_files(client, reference, settings, tmp_path) -> None:
    """As `make run` serves them: collected, hashed names from the manifest."""
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    html = client.get("/").content.decode()
    assert "/static/codemonitor/site." in html
    assert "/static/codemonitor/site.css" not in html  # the hashed name


def test_uploaded_documents_are_not_served_as_files(client, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / "secret.txt").write_text("private")
    assert client.get("/media/documents/secret.txt").status_code == 404
