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
    return django_user_model.objects.create_user(
        "secretariat",
        "secretariat@example.org",
        "correct horse battery",
        is_staff=True,
        is_superuser=True,
    )
