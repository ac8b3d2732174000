"""The six official languages of WHO, read from `data/languages.csv`.

Instruments name their translation columns with these codes (`label::French (fr)`); the UI uses
Django's codes (`zh-hans` for Chinese). Kept outside the database because the XLSForm checker and
the settings need them without a database connection.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "languages.csv"


@dataclass(frozen=True)
class Language:
    code: str
    english: str
    native: str
    direction: str  # ltr or rtl
    django_code: str
    complete: bool


def _load() -> tuple[Language, ...]:
    with DATA_FILE.open(encoding="utf-8", newline="") as handle:
        return tuple(
            Language(
                row["code"],
                row["english"],
                row["native"],
                row["direction"],
                row["django_code"],
                row["complete"] == "yes",
            )
            for row in csv.DictReader(handle)
        )


LANGUAGES = _load()
BY_CODE = {language.code: language for language in LANGUAGES}
_BY_NAME = {
    name.casefold(): language.code
    for language in LANGUAGES
    for name in (language.english, language.native, language.code, language.django_code)
}


def language_from_header(text: str) -> str | None:
    """`French (fr)`, `French`, `Français` or `fr` -> `fr`; None for any other language."""
    text = text.strip()
    match = re.search(r"\(([^)]*)\)\s*$", text)
    if match:
        code = match[1].strip().lower().replace("_", "-")
        code = {"zh-hans": "zh", "zh-cn": "zh"}.get(code, code)
        return code if code in BY_CODE else None
    return _BY_NAME.get(text.casefold())


def from_django(code: str) -> str:
    """Django's language code (`zh-hans`, `fr-ch`) -> the instrument's (`zh`, `fr`)."""
    code = code.lower()
    for language in LANGUAGES:
        if code in {language.django_code, language.code} or code.startswith(language.code + "-"):
            return language.code
    return "en"


def active() -> str:
    """The instrument code of the language the current request is in."""
    from django.utils import translation

    return from_django(translation.get_language() or "en")
