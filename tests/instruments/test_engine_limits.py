"""What a hostile form or hostile answers can do to the engine and the checker (issue 8).

Each test here is one finding: an answer that broke a page, a form that the checker let through
and that then broke every page, a form that kept the checker busy past the server's timeout.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from codemonitor.instruments.engine import Evaluation
from codemonitor.instruments.expressions import (
    MAX_DEPTH,
    Context,
    ExpressionError,
    evaluate,
    evaluate_text,
    parse,
)
from codemonitor.instruments.schema import Form, Question
from codemonitor.instruments.xlsform import (
    MAX_DEPENDENCY_DEPTH,
    MAX_FORM_EXPRESSION_CHARACTERS,
    MAX_NESTING,
    check_workbook,
)
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


def chain_rows(length: int) -> list[list[str]]:
    return [row("calculate", "c1", calculation="1")] + [
        row("calculate", f"c{i}", calculation=f"${{c{i - 1}}} + 1") for i in range(2, length + 1)
    ]


def test_the_checker_refuses_a_chain_of_3000_calculations_naming_the_question() -> None:
    result = check_workbook(xlsform(chain_rows(3000)))
    assert not result.ok
    assert [str(error) for error in result.errors] == [
        "survey row 202: ${c201} is computed from a chain of 201 questions, each read by the "
        "next; at most 200 are allowed: ${c201} → ${c200} → ${c199} → … → ${c1}"
    ]


def test_the_checker_accepts_a_chain_of_200_and_the_engine_computes_it() -> None:
    result = check_workbook(xlsform(chain_rows(MAX_DEPENDENCY_DEPTH)))
    assert result.ok, [str(e) for e in result.errors]
    assert Evaluation(result.form, {}).value(f"c{MAX_DEPENDENCY_DEPTH}") == 200.0


def test_relevance_conditions_count_in_the_chain() -> None:
    rows = [row("text", "t1", "T")] + [
        row("text", f"t{i}", "T", relevant=f"${{t{i - 1}}} != ''") for i in range(2, 252)
    ]
    result = check_workbook(xlsform(rows))
    assert [e.message.split(";")[0] for e in result.errors] == [
        "${t201} is computed from a chain of 201 questions, each read by the next"
    ]


# --- Deeply nested expressions and forms --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(" * 5000 + "1" + ")" * 5000, "the expression is longer than 4000 characters"),
        ("+".join(["1"] * 50000), "the expression is longer than 4000 characters"),
        ("(" * 1900 + "1" + ")" * 1900, "the expression is nested too deeply (more than 32)"),
        ("-" * 3000 + "1", "the expression is nested too deeply (more than 32)"),
        ("not(" * 700 + "1" + ")" * 700, "the expression is nested too deeply (more than 32)"),
        ("+".join(["1"] * 1500), "the expression is too long (more than 600 parts)"),
        ("concat(" + ",".join(["'a'"] * 900) + ")", "the expression is too long"),
    ],
)
def test_deep_or_long_expressions_are_refused_with_a_message(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert caught.value.message.startswith(message)
    result = check_workbook(xlsform([row("calculate", "c", calculation=text)]))
    assert not result.ok and message in str(result.errors[0])


def test_expressions_at_the_limits_parse_and_evaluate() -> None:
    context = Context(resolve=lambda name: "")
    assert evaluate(parse("(" * MAX_DEPTH + "1" + ")" * MAX_DEPTH), context) == 1.0
    assert evaluate(parse("+".join(["1"] * 300)), context) == 300.0


def test_groups_nested_1500_deep_are_refused() -> None:
    rows = [row("begin_group", f"g{i}", "G") for i in range(1500)]
    rows += [row("text", "t", "T")] + [row("end_group", "") for _ in range(1500)]
    result = check_workbook(xlsform(rows))
    assert [str(error) for error in result.errors] == [
        f"survey row {MAX_NESTING + 2}, column A (type): groups and repeats are nested more "
        f"than {MAX_NESTING} deep",
        # Each question's relevance reads its group's: the chain of groups is too long too.
        "survey row 202: ${g200} is computed from a chain of 201 questions, each read by the "
        "next; at most 200 are allowed: ${g200} → ${g199} → ${g198} → … → ${g0}",
    ]


def test_a_group_relevant_on_a_question_inside_it_is_a_circular_reference() -> None:
    rows = [
        row("begin_group", "g", "G", relevant="${inside} = 'yes'"),
        row("text", "inside", "Inside"),
        row("end_group", ""),
    ]
    result = check_workbook(xlsform(rows))
    assert [str(error) for error in result.errors] == [
        "survey row 2: circular reference: ${g} → ${inside} → ${g}"
    ]


def test_groups_nested_to_the_limit_are_accepted_and_evaluated() -> None:
    rows = [row("begin_repeat" if i % 2 else "begin_group", f"g{i}", "G") for i in range(20)]
    rows += [row("integer", "n", "N", constraint=". > 1", message="Too small")]
    rows += [row("end_repeat" if i % 2 else "end_group", "") for i in reversed(range(20))]
    result = check_workbook(xlsform(rows))
    assert result.ok, [str(e) for e in result.errors]
    form = Form.from_dict(result.form.to_dict())
    answers: dict[tuple[str, str], object] = {}
    path = ""
    for i in range(1, 20, 2):
        answers[(f"g{i}", path)] = ["r"]
        path = f"{path}/r" if path else "r"
    answers[("n", path)] = 1
    assert [p.message for p in Evaluation(form, answers).problems()] == ["Too small"]


# --- The checker's budget -----------------------------------------------------------------------


def test_a_form_with_too_many_expression_characters_is_refused_as_too_complex() -> None:
    text = "${a} = '" + "x" * 3980 + "'"
    count = MAX_FORM_EXPRESSION_CHARACTERS // len(text) + 1
    rows = [row("text", "a", "A")] + [
        row("text", f"q{i}", "Q", relevant=text) for i in range(count)
    ]
    result = check_workbook(xlsform(rows))
    assert [str(error) for error in result.errors] == [
        "survey: this form is too complex to check: its expressions have "
        f"{count * len(text)} characters in all, more than {MAX_FORM_EXPRESSION_CHARACTERS}"
    ]


def test_a_form_that_takes_longer_than_the_time_budget_is_refused(settings) -> None:
    settings.CHECKFORM_MAX_SECONDS = 0
    result = check_workbook(
        xlsform([row("text", "a", "A"), row("text", "b", "B", relevant="${a}")])
    )
    assert not result.ok
    assert [str(error) for error in result.errors] == [
        "workbook: this form is too complex to check: checking it takes more than 0 seconds"
    ]


def test_the_benchmark_checks_its_heavy_form_and_says_how_long_it_took() -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "bench/checkform.py", "--questions", "120", "--repeat", "1"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert lines[0].startswith("form: 120 questions, 20 references each")
    assert lines[1].startswith("check_workbook: best ") and lines[1].endswith("— accepted")
    assert lines[2].startswith("machine: ")


# --- Hostile answers (found by tests/instruments/test_engine_properties.py) -------------------


@pytest.mark.parametrize("number", [10**400, -(10**400), 10**309], ids=["1e400", "-1e400", "1e309"])
def test_a_whole_number_too_large_for_a_float_is_infinite_not_an_overflow(number: int) -> None:
    f = form(
        [
            row("integer", "n", "N", constraint=". < 10", message="Too large"),
            row("decimal", "d", "D"),
            row("calculate", "twice", calculation="${n} * 2"),
        ]
    )
    evaluation = Evaluation(f, {("n", ""): number, ("d", ""): number})
    assert evaluation.value("twice") == (math.inf if number > 0 else -math.inf)
    assert evaluation.problem("n") == ("Too large" if number > 0 else None)
    assert evaluation.problem("d") == "Enter a number; use a point for decimals."


def test_a_text_doubled_by_a_chain_of_concat_stops_at_the_limit() -> None:
    rows = [row("text", "t", "T"), row("calculate", "c0", calculation="concat(${t}, ${t})")]
    rows += [
        row("calculate", f"c{i}", calculation=f"concat(${{c{i - 1}}}, ${{c{i - 1}}})")
        for i in range(1, 6)
    ]
    rows.append(row("text", "check", "C", constraint="string-length(${c5}) > 0", message="Empty"))
    f = form(rows)
    evaluation = Evaluation(f, {("t", ""): "x" * 20000, ("check", ""): "yes"})
    assert len(evaluation.value("c4")) == 20000 * 2**5 == 640000
    # c5 would have 1,280,000 characters, more than MAX_TEXT_VALUE: it is empty instead.
    assert evaluation.value("c5") == ""
    assert evaluation.problem("check") == "Empty"


def test_answers_of_the_wrong_type_are_problems_not_errors() -> None:
    f = form(
        [
            row("integer", "n", "N", constraint=". > 0"),
            row("date", "d", "D", constraint=". > '2020-01-01'"),
            row("select_one yn", "s", "S"),
            row("text", "t", "T", constraint="regex(., '^a')"),
        ]
    )
    answers = {("n", ""): ["1", 2], ("d", ""): {"y": 1}, ("s", ""): 3, ("t", ""): ["a", None]}
    problems = {p.question: p.message for p in Evaluation(f, answers).problems()}  # type: ignore[arg-type]
    assert problems == {
        "n": "Enter a whole number, without spaces or separators.",
        "d": "Enter a date as YYYY-MM-DD.",
        "s": "“3” is not one of the options.",
    }
