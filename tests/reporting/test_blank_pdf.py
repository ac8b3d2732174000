"""The blank instrument's PDF is made once and then served from the shared cache."""

from __future__ import annotations

import pytest

from codemonitor.instruments.models import InstrumentVersion
from codemonitor.reporting.receipt import blank_pdf

pytestmark = pytest.mark.django_db


def test_the_blank_pdf_is_kept_per_version_and_language(instruments) -> None:
    nri = InstrumentVersion.objects.get(instrument__code="nri")
    english = blank_pdf(nri, "en")
    assert english.startswith(b"%PDF")
    keys = [key for key in _keys() if key.startswith("blank-pdf:")]
    assert len(keys) == 1
    assert blank_pdf(nri, "en") == english  # from the cache: no second key
    assert len([key for key in _keys() if key.startswith("blank-pdf:")]) == 1
    french = blank_pdf(nri, "fr")
    assert french != english
    assert len([key for key in _keys() if key.startswith("blank-pdf:")]) == 2


def _keys() -> list[str]:
    from django.db import connection

    table = "codemonitor_cache"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {table}")
        return [row[0].split(":", 2)[-1] for row in cursor.fetchall()]
