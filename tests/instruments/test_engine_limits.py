"""What a hostile form or hostile answers can do to the engine and the checker (issue 8).

Each test here is one finding: an answer that broke a page, a form that the checker let through
and that then broke every page, a form that kept the checker busy past the server's timeout.
"""

from __future__ import annotations

import pytest

from codemonitor.instruments.engine import Evaluation
from codemonitor.instruments.expressions import Context, evaluate_text
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
