"""An answer the form's rules hide (a stale answer to a question that no longer applies) is no
more in the API than on the report's page: the report's answers and the long answers alike."""

from __future__ import annotations

import pytest

from codemonitor.instruments.engine import Evaluation
from codemonitor.reporting.models import Answer
from tests.api.conftest import ApiClient, move_the_clock

pytestmark = pytest.mark.django_db


def test_a_stale_answer_is_not_published(round_) -> None:
    move_the_clock(round_, public=True)
    report = round_["national"]
    form = report.instrument_version.form
    stored = {
        (question, row): value
        for question, row, value in Answer.objects.filter(report=report).values_list(
            "question", "row", "value"
        )
    }
    evaluation = Evaluation(form, stored)
    ruled = next(
        question
        for question in form.walk()
        if question.relevant
        and question.kind == "text"
        and not question.personal
        and not form.repeat_path().get(question.name)
        and not evaluation.relevant(question.name)
    )
    Answer.objects.update_or_create(
        report=report,
        round_instrument=round_["nri"],
        question=ruled.name,
        row="",
        defaults={"value": "STALE-ANSWER"},
    )
    shown = next(
        question
        for question in form.walk()
        if question.kind == "text"
        and not question.relevant
        and not question.personal
        and not question.report_field
        and not form.repeat_path().get(question.name)
        and evaluation.relevant(question.name)
    )
    Answer.objects.update_or_create(
        report=report,
        round_instrument=round_["nri"],
        question=shown.name,
        row="",
        defaults={"value": "SHOWN-ANSWER"},
    )
    client = ApiClient()
    one = client.get(f"/api/reports/{report.pk}")
    assert one.status_code == 200
    assert b"STALE-ANSWER" not in one.content
    assert b"SHOWN-ANSWER" in one.content
    lines = client.every(f"/api/answers?report={report.pk}")
    assert {line["question"] for line in lines} >= {shown.name}
    assert ruled.name not in {line["question"] for line in lines}
    page = client.get(f"/reports/{report.pk}/")  # the portal's page: the same rule
    assert b"STALE-ANSWER" not in page.content
