"""Shared fixtures: real database (pytest-django), real files under a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

from tests.builders import xlsform  # noqa: F401  (re-exported for tests)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path: Path) -> None:
    # Argon2 stays the production hasher (checked in test_security); tests use a fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    translation.activate("en")  # a request in an earlier test may have left another language
    # Background tasks run at once in tests; test_tasks.py runs the real database worker.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def reference(db) -> None:
    """The shipped reference data, loaded as `make run` loads it."""
    call_command("load_reference", verbosity=0)


@pytest.fixture
def instruments(reference) -> None:
    call_command("load_instruments", verbosity=0)


@pytest.fixture
def secretariat(django_user_model):
    """A Secretariat administrator with two-factor sign-in set up."""
    from django.utils import timezone

    from codemonitor.accounts.models import Role

    return django_user_model.objects.create_user(
        "secretariat",
        "secretariat@example.org",
        "correct horse battery",
        is_staff=True,
        is_superuser=True,
        role=Role.SECRETARIAT_ADMIN,
        totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        totp_confirmed_at=timezone.now(),
    )


def sign_in(client, user) -> None:
    """Sign a test client in as `user`, second factor included (signing in itself is tested
    through its pages in tests/accounts)."""
    from codemonitor.accounts.access import SESSION_VERIFIED

    client.force_login(user)
    session = client.session
    session[SESSION_VERIFIED] = user.pk
    session.save()


@pytest.fixture
def smtp(settings):
    """A real SMTP server on localhost; Django sends to it."""
    from tests.smtp import SMTPServer

    with SMTPServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        yield server.mailbox


@pytest.fixture
def isri_round(instruments):
    """The demonstration round, its ISRI open now."""
    from codemonitor.demo.rounds import demo_round_ensure
    from codemonitor.reporting.rounds import round_instrument_for

    round_ = demo_round_ensure()
    return round_instrument_for(round_, "stakeholder")
