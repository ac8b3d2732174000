"""Settings come from the environment; production refuses an insecure secret key."""

from __future__ import annotations

import os
import runpy
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Outcome:
    """What reading the settings gave: like a finished process (code, output, error)."""

    returncode: int
    stdout: str
    stderr: str


def settings_for(env: dict[str, str], expression: str) -> Outcome:
    """Read `codemonitor/settings.py` afresh with exactly this environment (plus the process's
    unrelated variables) and evaluate `expression` on it, in this process.

    The module is executed from its file into a new namespace, as a fresh interpreter would
    import it, without touching the settings this test run uses; the environment is restored
    afterwards. An error while reading (ImproperlyConfigured) is the outcome's `stderr`.
    """
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "ALLOWED_HOSTS"}
        and not k.startswith(("CACHE_", "S3_", "STORAGE_", "SESSION_", "THROTTLE_"))
    }
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update({**clean, **env})
    try:
        namespace = runpy.run_path(str(ROOT / "codemonitor" / "settings.py"))
        value = eval(expression, {"settings": SimpleNamespace(**namespace)})
    except Exception as error:  # the outcome of reading, as a process would print it
        return Outcome(1, "", f"{type(error).__module__}.{type(error).__name__}: {error}")
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return Outcome(0, f"{value}\n", "")


@pytest.mark.parametrize("key", ["", "short", "django-insecure-" + "x" * 60, "a" * 60])
def test_production_refuses_an_insecure_secret_key(key: str) -> None:
    result = settings_for({"SECRET_KEY": key}, "settings.SECRET_KEY")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_debug_allows_a_development_key() -> None:
    result = settings_for({"DEBUG": "1"}, "settings.DEBUG")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_everything_is_read_from_the_environment(tmp_path: Path) -> None:
    env = {
        "SECRET_KEY": "k" * 30 + "abcdefghijklmnopqrstuvwxyz0123456789",
        "DATABASE_URL": "postgres://someone@db.example:5433/cm",
        "ALLOWED_HOSTS": "codemonitor.example,www.codemonitor.example",
        "EMAIL_HOST": "smtp.example",
        "EMAIL_PORT": "2525",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    result = settings_for(
        env,
        "(settings.DEBUG, settings.DATABASES['default']['ENGINE'], "
        "settings.DATABASES['default']['PORT'], settings.ALLOWED_HOSTS, "
        "settings.EMAIL_HOST, settings.EMAIL_PORT, str(settings.MEDIA_ROOT))",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(
        (
            False,
            "django.db.backends.postgresql",
            5433,
            ["codemonitor.example", "www.codemonitor.example"],
            "smtp.example",
            2525,
            str(tmp_path / "media"),
        )
    )


def test_bad_values_say_which_variable() -> None:
    result = settings_for({"DEBUG": "perhaps"}, "settings.DEBUG")
    assert result.returncode != 0
    assert "DEBUG must be a yes/no value" in result.stderr


@pytest.mark.parametrize(
    "url", ["postgres://someone@db.example:5432/cm", "sqlite:////tmp/codemonitor-test.sqlite3"]
)
def test_kept_connections_are_checked_before_reuse(url: str) -> None:
    """After the database restarts, a kept connection is dead: Django checks it before a
    request reuses it (CONN_HEALTH_CHECKS) and connects afresh, instead of a 500."""
    result = settings_for(
        {"SECRET_KEY": "k" * 30 + "abcdefghijklmnopqrstuvwxyz0123456789", "DATABASE_URL": url},
        "(settings.DATABASES['default']['CONN_MAX_AGE'], "
        "settings.DATABASES['default']['CONN_HEALTH_CHECKS'])",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(60, True)"


def test_an_unanswering_database_fails_fast() -> None:
    """A network outage (no answer at all): connecting gives up after 5 s, not minutes."""
    env = {"SECRET_KEY": "k" * 30 + "abcdefghijklmnopqrstuvwxyz0123456789"}
    url = "postgres://someone@db.example:5432/cm"
    expression = "settings.DATABASES['default']['OPTIONS']['connect_timeout']"
    assert settings_for({**env, "DATABASE_URL": url}, expression).stdout.strip() == "5"
    longer = {**env, "DATABASE_URL": url, "DATABASE_CONNECT_TIMEOUT": "15"}
    assert settings_for(longer, expression).stdout.strip() == "15"
