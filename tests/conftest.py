"""Shared fixtures: real database (pytest-django), real files under a temporary folder."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from django.core.management import call_command
from django.utils import translation
from pytest_django import DjangoDbBlocker
from pytest_django.fixtures import validate_django_db

from tests.builders import xlsform  # noqa: F401  (re-exported for tests)

# Property tests count examples, not milliseconds: a busy machine (CI running both databases at
# once) must not turn a slow example into a failure. Examples are drawn the same on every run.
hypothesis.settings.register_profile("suite", deadline=None, derandomize=True)
hypothesis.settings.load_profile("suite")


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
    # The analysis keeps its last few values in the process, keyed by the answers' version:
    # a test's rolled-back database may hand out the same ids and counts again.
    from codemonitor.analysis.selection import kept_clear
    from codemonitor.portal.published import public_caches_clear

    kept_clear()
    # The public pages: worked out again on every request, none kept from an earlier test.
    settings.PUBLIC_VERSION_SECONDS = 0
    public_caches_clear()


def _load_shared_data() -> None:
    """The reference data and the shipped instruments, loaded as `make run` loads them."""
    call_command("load_reference", verbosity=0, stdout=io.StringIO())
    call_command("load_instruments", verbosity=0, stdout=io.StringIO())


_BLOCKER = pytest.StashKey[DjangoDbBlocker]()
_SNAPSHOT: list[tuple[Any, list[Any]]] = []  # (model, rows) of the shared data, as loaded


def _snapshot_shared_data() -> None:
    """Keep the rows the loaders wrote, to put them back fast after a flush."""
    from django.apps import apps
    from django.core.serializers import sort_dependencies

    chosen = [(apps.get_app_config(label), None) for label in ("reference", "instruments")]
    _SNAPSHOT[:] = [
        (model, list(model._default_manager.all())) for model in sort_dependencies(chosen)
    ]


def _restore_shared_data() -> None:
    """The shared data again after a transactional test emptied the tables: the same rows,
    bulk-inserted (what the loaders would write, without reading the files again)."""
    if not _SNAPSHOT:
        _load_shared_data()
        return
    for model, rows in _SNAPSHOT:
        model._default_manager.bulk_create(rows)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    """The test database, with the reference data and the shipped instruments loaded once for
    the session: every test runs in a transaction rolled back at its end, so they stay as
    loaded (a test that changes them changes them for itself only)."""
    with django_db_blocker.unblock():
        _load_shared_data()
        _snapshot_shared_data()
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
            _restore_shared_data()
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


# Personas, each on its side of a permission boundary: the Secretariat's administrator
# (`secretariat`) and analyst, the focal point and a contributor of country A, the focal point
# of country B, a stakeholder holding a started ISRI report, and an anonymous visitor.
COUNTRY_A, COUNTRY_B = "GHA", "FRA"
PASSWORD = "a long enough password 123"


def person(email: str, role: str, country: str | None = None, *, totp: bool = False):
    """A user of `role` (of `country`, for national roles), signing in with PASSWORD."""
    from django.utils import timezone

    from codemonitor.accounts.models import User

    return User.objects.create_user(
        email,
        email,
        PASSWORD,
        role=role,
        member_state_id=country,
        totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" if totp else "",
        totp_confirmed_at=timezone.now() if totp else None,
    )


@pytest.fixture
def analyst(reference):
    """A Secretariat analyst (reads everything, changes nothing), two-factor sign-in set up."""
    from codemonitor.accounts.models import Role

    return person("analyst@who.example", Role.SECRETARIAT_ANALYST, totp=True)


@pytest.fixture
def fp_a(reference):
    """The focal point of COUNTRY_A (Ghana)."""
    from codemonitor.accounts.models import Role

    return person("fp@gha.example", Role.FOCAL_POINT, COUNTRY_A)


@pytest.fixture
def contributor_a(reference):
    """A contributor of COUNTRY_A (Ghana)."""
    from codemonitor.accounts.models import Role

    return person("contrib@gha.example", Role.CONTRIBUTOR, COUNTRY_A)


@pytest.fixture
def fp_b(reference):
    """The focal point of COUNTRY_B (France)."""
    from codemonitor.accounts.models import Role

    return person("fp@fra.example", Role.FOCAL_POINT, COUNTRY_B)


@pytest.fixture
def people(instruments, secretariat, analyst, fp_a, contributor_a, fp_b):
    """The personas with an account, by name."""
    return {
        "admin": secretariat,
        "analyst": analyst,
        "fp_a": fp_a,
        "contributor_a": contributor_a,
        "fp_b": fp_b,
    }


@pytest.fixture
def anonymous():
    """A client signed in as nobody."""
    from django.test import Client

    return Client()


@pytest.fixture
def clients(people, anonymous):
    """A signed-in client per persona of `people`, plus the anonymous one."""
    from django.test import Client

    signed = {"anonymous": anonymous}
    for name, user in people.items():
        client = Client()
        sign_in(client, user)
        signed[name] = client
    return signed


@dataclass
class Stakeholder:
    client: Any  # django.test.Client holding the report in its session
    report: Any  # codemonitor.reporting.models.Report


@pytest.fixture
def stakeholder(isri_round) -> Stakeholder:
    """A stakeholder who started an ISRI report (link not opened yet): their client session
    holds the report, as after the start page (tests/stakeholders/helpers.py)."""
    from django.test import Client

    from tests.stakeholders.helpers import start_report

    client = Client()
    return Stakeholder(client, start_report(client, isri_round.round.number))


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
