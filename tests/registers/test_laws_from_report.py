"""Entries from the national report: the answers of text questions the instrument marks
`register` = `laws` are listed, and each opens the add form prefilled, source NRI."""

from __future__ import annotations

import pytest

from codemonitor.instruments.schema import Question
from codemonitor.registers.models import EntrySource, Law
from codemonitor.registers.selectors import law_report_answers
from codemonitor.reporting.answers import answer_save
from tests.registers.test_laws_pages import form_data

pytestmark = pytest.mark.django_db

QUESTION = "code_in_laws_details"
ANSWER = "Health Professions Act 2013 (Act 857)\nhttps://example.org/act-857"


@pytest.fixture
def marked(report_a, monkeypatch):
    """The NRI's question marked for the laws register. Until the instrument's `register`
    column is read (`Question.register`), the form's own question is marked here."""
    question = report_a.instrument_version.form.questions()[QUESTION]
    if "register" not in Question.__dataclass_fields__:
        monkeypatch.setattr(question, "register", "laws", raising=False)
    assert getattr(question, "register", "") == "laws"
    answer_save(report=report_a, question=QUESTION, value=ANSWER, user=None)
    return report_a


def test_the_country_s_answers_are_listed_and_open_the_form(clients, marked) -> None:
    [answer] = law_report_answers("GHA")
    assert (answer.report.pk, answer.text, answer.used) == (marked.pk, ANSWER, False)
    assert law_report_answers("FRA") == []
    page = clients["fp_a"].get("/national/laws/from-report/").content.decode()
    assert "Act 857" in page and f"?answer={answer.answer_id}" in page
    form = clients["fp_a"].get(f"/national/laws/add/?answer={answer.answer_id}").content.decode()
    assert 'value="Health Professions Act 2013 (Act 857)"' in form
    response = clients["fp_a"].post(f"/national/laws/add/?answer={answer.answer_id}", form_data())
    assert response.status_code == 302
    law = Law.objects.get()
    assert (law.source, law.source_report_id, law.source_question) == (
        EntrySource.NRI,
        marked.pk,
        QUESTION,
    )
    assert law_report_answers("GHA")[0].used


def test_another_country_s_answer_is_not_found(clients, marked) -> None:
    [answer] = law_report_answers("GHA")
    assert clients["fp_b"].get(f"/national/laws/add/?answer={answer.answer_id}").status_code == 404
    assert clients["fp_a"].get("/national/laws/add/?answer=nonsense").status_code == 404
    # A digit that is not a decimal digit ("²") was a server error.
    assert clients["fp_a"].get("/national/laws/add/?answer=%C2%B2").status_code == 404
