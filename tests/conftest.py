"""Shared fixtures: real database (pytest-django), real files under a temporary folder."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation
from pytest_django.fixtures import validate_django_db

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


def _load_shared_data() -> None:
    """The reference data and the shipped instruments, loaded as `make run` loads them."""
    call_command("load_reference", verbosity=0, stdout=io.StringIO())
    call_command("load_instruments", verbosity=0, stdout=io.StringIO())


_BLOCKER = pytest.StashKey[object]()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    """The test database, with the reference data and the shipped instruments loaded once for
    the session: every test runs in a transaction rolled back at its end, so they stay as
    loaded (a test that changes them changes them for itself only)."""
    with django_db_blocker.unblock():
        _load_shared_data()
    request.config.stash[_BLOCKER] = django_db_blocker


def _flushes_database(item: pytest.Item) -> bool:
    """Whether pytest-django ran `item` as a TransactionTestCase, which empties every table
    at its end (the same rule as pytest-django's `_django_db_helper`)."""
    names = getattr(item, "fixturenames", ())
    if {"transactional_db", "live_server", "django_db_reset_sequences"} & set(names):
        return True
    marker = item.get_closest_marker("django_db")
    if marker is None:
        return False
    transactional, reset_sequences, *_ = validate_django_db(marker)
    return bool(transactional or reset_sequences)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    result = yield
    # After a transactional test emptied the database, load the shared data again for the
    # tests that follow (not after the last test).
    blocker = item.config.stash.get(_BLOCKER, None)
    if nextitem is not None and blocker is not None and _flushes_database(item):
        with blocker.unblock():
            _load_shared_data()
    return result


@pytest.fixture
def reference(db) -> None:
    """The shipped reference data (loaded once for the session by `django_db_setup`)."""
    from codemonitor.reference.models import MemberState

    if not MemberState.objects.exists():  # only if something emptied the database
        _load_shared_data()


@pytest.fixture
def instruments(reference) -> None:
    """The instruments shipped in forms/ (loaded once for the session by `django_db_setup`)."""
    from codemonitor.instruments.models import InstrumentVersion

    if not InstrumentVersion.objects.filter(instrument__code__in=["isri", "nri"]).exists():
        _load_shared_data()


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
    from codemonitor.reporting.rounds import demo_round_ensure, round_instrument_for

    round_ = demo_round_ensure()
    return round_instrument_for(round_, "stakeholder")
