"""`manage.py demo` and `manage.py bootstrap`: synthetic reports that obey the instruments."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command

from codemonitor.instruments.engine import Evaluation
from codemonitor.reporting.answers import answers_load
from codemonitor.reporting.models import Report, ReportFile, Round

pytestmark = pytest.mark.django_db


def test_demo_fills_the_demo_round(instruments) -> None:
    out = io.StringIO()
    call_command("demo", "--national", "12", "--stakeholders", "20", stdout=out)
    round_ = Round.objects.get(is_demo=True)
    reports = Report.objects.filter(round_instrument__round=round_)
    assert reports.filter(member_state__isnull=False).count() == 12
    assert reports.filter(member_state__isnull=True).count() == 20
    assert len(set(reports.exclude(member_state=None).values_list("member_state", flat=True))) == 12
    assert len(Counter(reports.values_list("state", flat=True))) >= 3
    assert all("synthetic" in r.entity_name for r in reports)
    assert "added 12 national and 20 stakeholder reports" in out.getvalue()


def test_demo_answers_obey_the_instrument_rules(instruments) -> None:
    call_command("demo", "--national", "6", "--stakeholders", "10", stdout=io.StringIO())
    submitted = Report.objects.exclude(state=Report.State.DRAFT)
    assert submitted.exists()
    for report in submitted:
        evaluation = Evaluation(report.instrument_version.form, answers_load(report))
        assert evaluation.problems() == [], report.reference


def test_demo_documents_are_real_files(instruments) -> None:
    call_command("demo", "--national", "10", "--stakeholders", "10", stdout=io.StringIO())
    documents = ReportFile.objects.all()
    assert documents.exists()
    for document in documents:
        with document.file.open("rb") as handle:
            assert b"Synthetic document" in handle.read()
        assert document.file.name.startswith(f"documents/{document.report_id}/")
        assert document.original_name not in document.file.name


def test_demo_can_add_more_and_reset(instruments) -> None:
    call_command("demo", "--national", "3", "--stakeholders", "3", stdout=io.StringIO())
    call_command("demo", "--national", "3", "--stakeholders", "3", stdout=io.StringIO())
    assert Report.objects.count() == 12
    call_command("demo", "--national", "1", "--stakeholders", "0", "--reset", stdout=io.StringIO())
    assert Report.objects.count() == 1


def test_bootstrap_is_idempotent(db, settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path
    call_command("bootstrap", "--national", "4", "--stakeholders", "4", stdout=io.StringIO())
    call_command("bootstrap", "--national", "4", "--stakeholders", "4", stdout=io.StringIO())
    assert Report.objects.count() == 8
    assert Round.objects.filter(number__in=range(1, 6)).count() == 5
    fifth = Round.objects.get(number=5)
    assert fifth.instruments.count() == 2
    assert (tmp_path / "secretariat-password.txt").read_text().strip()
    from codemonitor.accounts.models import User

    assert User.objects.get(username="secretariat").is_secretariat_admin
    assert User.objects.get(username="focal-point").is_focal_point
