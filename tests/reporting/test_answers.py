"""The answer store: one row per answer, saved on its own, readable per question in one query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from codemonitor.demo.reports import demo_reports_create
from codemonitor.demo.rounds import demo_round_ensure
from codemonitor.reporting.answers import (
    StaleAnswer,
    answer_save,
    answers_load,
    answers_to_question,
)
from codemonitor.reporting.models import Answer, PersonalAnswer, Report
from codemonitor.reporting.rounds import round_instrument_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(instruments) -> Report:
    round_ = demo_round_ensure()
    round_instrument = round_instrument_for(round_, "stakeholder")
    return Report.objects.create(
        round_instrument=round_instrument,
        sequence=1,
        instrument_version=round_instrument.instrument_version,
    )


def test_saving_one_field_writes_one_row(report) -> None:
    answer_save(report=report, question="q1_answer", value="First text")
    with CaptureQueriesContext(connection) as queries:
        answer_save(report=report, question="q2_answer", value="Second text")
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert len([w for w in writes if "reporting_answer" in w]) == 1
    assert not any("reporting_answer" in w and "DELETE" in w for w in writes)
    assert answers_load(report) == {
        ("q1_answer", ""): "First text",
        ("q2_answer", ""): "Second text",
    }


def test_each_change_bumps_the_version(report) -> None:
    first = answer_save(report=report, question="q1_answer", value="a")
    second = answer_save(report=report, question="q1_answer", value="b")
    same = answer_save(report=report, question="q1_answer", value="b")
    assert (first.version, second.version, same.version) == (1, 2, 2)


def test_a_save_based_on_an_outdated_version_is_refused(report) -> None:
    answer_save(report=report, question="q1_answer", value="mine")
    answer_save(report=report, question="q1_answer", value="theirs", expected_version=1)
    with pytest.raises(StaleAnswer) as raised:
        answer_save(report=report, question="q1_answer", value="late", expected_version=1)
    assert raised.value.current.value == "theirs"
    assert answers_load(report)["q1_answer", ""] == "theirs"


def test_personal_data_is_kept_apart(report) -> None:
    answer_save(report=report, question="email", value="someone@example.org")
    answer_save(report=report, question="entity_name", value="Nurses Union")
    assert PersonalAnswer.objects.filter(report=report, question="email").exists()
    assert not Answer.objects.filter(question="email").exists()
    assert Answer.objects.filter(report=report, question="entity_name").exists()
    assert answers_load(report)["email", ""] == "someone@example.org"


def test_all_answers_to_a_question_across_a_round_in_one_indexed_query(instruments) -> None:
    round_ = demo_round_ensure()
    demo_reports_create(round_=round_, national=5, stakeholders=12)
    round_instrument = round_instrument_for(round_, "stakeholder")
    with CaptureQueriesContext(connection) as queries:
        values = list(
            answers_to_question(round_instrument, "entity_name").values_list("report_id", "value")
        )
    assert len(queries.captured_queries) == 1
    assert len(values) == round_instrument.reports.count() == 12
    sql, params = answers_to_question(round_instrument, "entity_name").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        else:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "answer_by_question" in plan
