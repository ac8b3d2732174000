"""The analysis benchmark's data generator (bench/analysis_data.py) at a tiny size: clones of
the demonstration round's stakeholder reports and earlier rounds of its national reports."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter

import pytest

from codemonitor.analysis.trends import country_across_rounds
from codemonitor.reporting.models import Answer, PersonalAnswer, Report, ReportFile
from codemonitor.reporting.rounds import STAKEHOLDER, round_instrument_for
from tests.test_settings import ROOT

pytestmark = pytest.mark.django_db


def bench_data():
    spec = importlib.util.spec_from_file_location(
        "analysis_data", ROOT / "bench" / "analysis_data.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("analysis_data", module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_fifty_clones_and_an_earlier_round(demo_round) -> None:
    data = bench_data()
    isri = round_instrument_for(demo_round, STAKEHOLDER)
    form = isri.instrument_version.form
    fields = form.report_fields()
    before = set(Report.objects.filter(round_instrument=isri).values_list("pk", flat=True))
    written = data.stakeholders_clone(isri, 50, seed=3)
    clones = Report.objects.filter(round_instrument=isri).exclude(pk__in=before)
    assert clones.count() == 50
    sequences = list(clones.values_list("sequence", flat=True))
    assert len(set(sequences)) == 50 and min(sequences) > max(
        Report.objects.filter(pk__in=before).values_list("sequence", flat=True)
    )
    assert len(set(clones.values_list("uuid", flat=True))) == 50
    assert len(set(clones.values_list("state", flat=True))) > 1
    assert written == (
        Answer.objects.filter(report__in=clones).count()
        + PersonalAnswer.objects.filter(report__in=clones).count()
    )
    files = {q.name for q in form.walk() if q.kind == "file"}
    assert not Answer.objects.filter(report__in=clones, question__in=files).exists()
    assert not ReportFile.objects.filter(report__in=clones).exists()
    concerned = Counter(
        str(value)
        for value in Answer.objects.filter(
            report__in=clones, question=fields["countries_concerned"]
        ).values_list("value", flat=True)
    )
    assert len(concerned) > 10  # the clones concern different countries
    assert (
        Answer.objects.filter(report__in=clones, question=fields["stakeholder_category"]).count()
        == 50
    )
    # Every other answer is a template's: each clone's answers are one template's.
    clone = clones.filter(state="submitted").first()
    own = {fields["countries_concerned"], fields["stakeholder_category"], fields["entity_name"]}
    copied = {
        (q, row, str(v))
        for q, row, v in Answer.objects.filter(report=clone)
        .exclude(question__in=own)
        .values_list("question", "row", "value")
    }
    assert copied and any(
        copied
        == {
            (q, row, str(v))
            for q, row, v in Answer.objects.filter(report_id=template)
            .exclude(question__in=own | files)
            .values_list("question", "row", "value")
        }
        for template in before
    )

    reports, answers = data.earlier_rounds(demo_round, 1, seed=3)
    assert (
        reports
        == Report.objects.filter(round_instrument__round__number=demo_round.number - 1).count()
    )
    assert (
        reports
        == Report.objects.filter(
            round_instrument__round=demo_round, member_state__isnull=False
        ).count()
    )
    assert (
        answers
        == Answer.objects.filter(round_instrument__round__number=demo_round.number - 1).count()
        > 0
    )
    trends = country_across_rounds(
        "GHA", states=["draft", "submitted", "in_review", "returned", "validated"]
    )
    assert [item.number for item in trends.columns] == [demo_round.number - 1, demo_round.number]
    assert trends.questions
