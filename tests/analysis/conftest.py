"""Realistic data for the analysis tests: the demonstration round filled by `manage.py demo`'s
generator with a report for every Member State and a few hundred stakeholder reports.

Made once per test module (a few seconds) and removed after it; every test still runs in its
own transaction, so what a test changes goes with it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import override_settings

from codemonitor.reporting.models import Report, Round

NATIONAL = 194
STAKEHOLDERS = 300


def _remove(round_: Round) -> None:
    from codemonitor.analysis.models import Code, Coding

    Coding.objects.filter(report__round_instrument__round=round_).delete()
    Code.objects.filter(round=round_).delete()
    Report.objects.filter(round_instrument__round=round_).delete()
    round_.instruments.all().delete()
    round_.delete()


@pytest.fixture(scope="module")
def demo_round(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Round]:
    """The demonstration round with 194 national and 300 stakeholder reports (seeded)."""
    from codemonitor.demo.reports import demo_reports_create
    from codemonitor.demo.rounds import demo_round_ensure

    media = tmp_path_factory.mktemp("analysis-media")
    with override_settings(MEDIA_ROOT=media), django_db_blocker.unblock():
        round_ = demo_round_ensure()
        demo_reports_create(round_=round_, national=NATIONAL, stakeholders=STAKEHOLDERS, seed=10)
    try:
        yield round_
    finally:
        with override_settings(MEDIA_ROOT=media), django_db_blocker.unblock():
            _remove(round_)


@pytest.fixture
def memory_cache(settings) -> None:
    """The cache in this process's memory: counting a page's statements counts the page's own,
    not those of the database cache (whose writes sometimes cull old entries)."""
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
