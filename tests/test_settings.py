"""Settings come from the environment; production refuses an insecure secret key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def settings_in_subprocess(env: dict[str, str], expression: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "ALLOWED_HOSTS"}
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
            "'codemonitor.settings'); from django.conf import settings; "
            f"print({expression})",
        ],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("key", ["", "short", "django-insecure-" + "x" * 60, "a" * 60])
def test_production_refuses_an_insecure_secret_key(key: str) -> None:
    result = settings_in_subprocess({"SECRET_KEY": key}, "settings.SECRET_KEY")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_debug_allows_a_development_key() -> None:
    result = settings_in_subprocess({"DEBUG": "1"}, "settings.DEBUG")
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
    result = settings_in_subprocess(
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
    result = settings_in_subprocess({"DEBUG": "perhaps"}, "settings.DEBUG")
    assert result.returncode != 0
    assert "DEBUG must be a yes/no value" in result.stderr
