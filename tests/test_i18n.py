"""Every user-facing string goes through gettext; English and French are complete."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[1] / "codemonitor" / "locale"


def statistics(language: str) -> str:
    result = subprocess.run(
        [
            "msgfmt",
            "--statistics",
            "--check",
            "-o",
            "/dev/null",
            str(LOCALE / language / "LC_MESSAGES" / "django.po"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stderr


def test_french_catalog_is_complete() -> None:
    report = statistics("fr")
    assert "translated message" in report
    assert "untranslated" not in report and "fuzzy" not in report


@pytest.mark.parametrize("language", ["ar", "zh_Hans", "ru", "es"])
def test_catalogs_are_ready_for_the_other_languages(language: str) -> None:
    french = (LOCALE / "fr" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    other = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert french.count("\nmsgid ") == other.count("\nmsgid ")
    statistics(language)  # compiles cleanly


def test_compiled_catalogs_are_up_to_date() -> None:
    for po in LOCALE.glob("*/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime - 1, po
