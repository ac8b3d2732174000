"""What a hostile form or hostile answers can do to the engine and the checker (issue 8).

Each test here is one finding: an answer that broke a page, a form that the checker let through
and that then broke every page, a form that kept the checker busy past the server's timeout.
"""

from __future__ import annotations

import math

import pytest

from codemonitor.instruments.engine import Evaluation
from codemonitor.instruments.expressions import Context, evaluate_text
from codemonitor.instruments.schema import Form, Question
from codemonitor.instruments.xlsform import check_workbook
from tests.builders import xlsform
from tests.instruments.test_engine import form, row

# --- A regular expression typed by a respondent -------------------------------------------------


@pytest.mark.parametrize("pattern", ["(", "[a-", "a{2,1}", "(?P<x", "\\", "*", "a{1001}"])
def test_an_invalid_pattern_from_an_answer_fails_the_constraint_with_its_message(
    pattern: str,
) -> None:
    f = form(
        [
            row("text", "pattern", "Pattern"),
            row("text", "code", "Code", constraint="regex(., ${pattern})", message="No match"),
        ]
    )
    evaluation = Evaluation(f, {("pattern", ""): pattern, ("code", ""): "abc"})
    assert evaluation.problem("code") == "No match"
    assert [(p.question, p.message) for p in evaluation.problems()] == [("code", "No match")]


def test_an_invalid_pattern_at_evaluation_matches_nothing() -> None:
    context = Context(resolve=lambda name: "(")
    assert evaluate_text("regex('abc', ${p})", context) is False
    assert evaluate_text("not(regex('abc', ${p}))", context) is True
    # A valid pattern from an answer still matches.
    assert evaluate_text("regex('abc', ${p})", Context(resolve=lambda name: "^a.c$")) is True


def test_text_with_lone_surrogates_is_matched_not_refused() -> None:
    # JSON may carry "\ud800", which has no UTF-8 form; RE2 works on UTF-8.
    context = Context(resolve=lambda name: "ab\ud800c")
    assert evaluate_text("regex(${t}, '^ab.c$')", context) is True
    assert evaluate_text("regex('abc', ${t})", context) is False


def test_a_literal_invalid_pattern_is_still_refused_by_the_checker() -> None:
    result = check_workbook(xlsform([row("text", "a", "A", constraint="regex(., '(')")]))
    assert not result.ok
    assert "regular expression '(' is not valid" in str(result.errors[0])


# --- Long chains of calculations and conditions -------------------------------------------------


def built(children: list[Question]) -> Form:
    """A form built without the checker, as one stored before its limits were tightened."""
    return Form(
        form_id="chain",
        title="Chain",
        version="1",
        default_language="en",
        languages=["en"],
        children=children,
    )


def calculation_chain(length: int, prefix: str = "c") -> list[Question]:
    return [Question(kind="calculate", name=f"{prefix}1", calculation="1")] + [
        Question(kind="calculate", name=f"{prefix}{i}", calculation=f"${{{prefix}{i - 1}}} + 1")
        for i in range(2, length + 1)
    ]


def test_a_chain_of_3000_calculations_is_computed_in_dependency_order() -> None:
    evaluation = Evaluation(built(calculation_chain(3000)), {})
    assert evaluation.value("c3000") == 3000.0
    assert evaluation.problems() == []
    # Every link was computed once, on the way.
    assert evaluation.value("c1500") == 1500.0


def test_a_chain_of_3000_relevance_conditions_is_followed_to_its_end() -> None:
    questions = [Question(kind="text", name="t1")] + [
        Question(kind="text", name=f"t{i}", relevant=f"${{t{i - 1}}} = 'x'") for i in range(2, 3001)
    ]
    answers = {(f"t{i}", ""): "x" for i in range(1, 3001)}
    assert Evaluation(built(questions), answers).relevant("t3000")
    assert not Evaluation(built(questions), {**answers, ("t1", ""): "y"}).relevant("t3000")
    assert Evaluation(built(questions), answers).problems() == []


def test_a_chain_inside_a_repeat_is_computed_row_by_row() -> None:
    repeat = Question(kind="repeat", name="rows", children=calculation_chain(1500, "r"))
    repeat.children[0].calculation = "count(${rows})"
    outside = Question(kind="calculate", name="total", calculation="sum(${r1500})")
    evaluation = Evaluation(built([repeat, outside]), {("rows", ""): ["a", "b"]})
    assert evaluation.value("r1500", "a") == 1501.0
    assert evaluation.value("total") == 3002.0


def test_a_cycle_in_a_form_built_without_the_checker_is_read_as_empty() -> None:
    questions = [
        Question(kind="calculate", name="a", calculation="${b} + 1"),
        Question(kind="calculate", name="b", calculation="${a} + 1"),
        Question(kind="text", name="t", relevant="${t} = ''"),
    ]
    evaluation = Evaluation(built(questions), {})
    # b reads ${a} while a waits on it: empty, so b is NaN, and so is a.
    assert math.isnan(evaluation.value("a"))
    assert evaluation.relevant("t")
    assert evaluation.problems() == []
