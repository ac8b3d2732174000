"""The form engine: one evaluator decides what a page shows and what a submission must satisfy."""

from __future__ import annotations

from codemonitor.instruments.engine import Evaluation
from codemonitor.instruments.xlsform import check_workbook
from tests.builders import xlsform

CHOICES = [
    ["list_name", "name", "label::English (en)", "region"],
    ["yn", "yes", "Yes", ""],
    ["yn", "no", "No", ""],
    ["city", "geneva", "Geneva", "eur"],
    ["city", "nairobi", "Nairobi", "afr"],
]


def row(
    type_,
    name,
    label="",
    *,
    required="",
    relevant="",
    constraint="",
    message="",
    calculation="",
    appearance="",
):
    return [
        type_,
        name,
        label,
        "",
        required,
        relevant,
        constraint,
        message,
        calculation,
        appearance,
    ]


def form(survey, settings=None):
    result = check_workbook(xlsform(survey, CHOICES, settings))
    assert result.ok, [str(e) for e in result.errors]
    return result.form


SURVEY = [
    row("begin_group", "p1", "Page 1"),
    row("select_one yn", "has_items", "Any items?", required="yes"),
    row("integer", "total", "Total", constraint=". >= 0", message="Not negative"),
    row("end_group", ""),
    row("begin_group", "p2", "Page 2", relevant="${has_items} = 'yes'"),
    row("begin_repeat", "items", "Items"),
    row("text", "item_name", "Name", required="yes"),
    row(
        "integer", "item_count", "Count", constraint=". <= ${total}", message="More than the total"
    ),
    row("text", "why", "Why so many?", relevant="${item_count} > 10"),
    row("end_repeat", ""),
    row("calculate", "n_items", calculation="count(${items})"),
    row("calculate", "sum_items", calculation="sum(${item_count})"),
    row("end_group", ""),
]


def test_relevance_of_a_page_and_inside_a_repeat() -> None:
    f = form(SURVEY)
    no = Evaluation(f, {("has_items", ""): "no"})
    assert not no.relevant("p2") and not no.relevant("items")
    yes = Evaluation(
        f,
        {
            ("has_items", ""): "yes",
            ("total", ""): 20,
            ("items", ""): ["a", "b"],
            ("item_count", "a"): 15,
            ("item_count", "b"): 3,
        },
    )
    assert yes.relevant("why", "a") and not yes.relevant("why", "b")
    assert yes.value("n_items") == 2.0
    assert yes.value("sum_items") == 18.0


def test_hidden_answers_are_not_checked_and_not_seen() -> None:
    f = form(SURVEY)
    evaluation = Evaluation(
        f, {("has_items", ""): "no", ("items", ""): ["a"], ("item_count", "a"): 99}
    )
    assert evaluation.problems() == []
    assert evaluation.value("sum_items") == ""


def test_required_constraint_and_type_problems_with_messages() -> None:
    f = form(SURVEY)
    evaluation = Evaluation(
        f,
        {
            ("has_items", ""): "yes",
            ("total", ""): "12x",
            ("items", ""): ["a"],
            ("item_count", "a"): 5,
        },
    )
    problems = {(p.question, p.row): p.message for p in evaluation.problems()}
    assert problems == {
        ("total", ""): "Enter a whole number, without spaces or separators.",
        ("item_name", "a"): "This question requires an answer.",
        ("item_count", "a"): "More than the total",  # 5 <= "12x" is false: NaN
    }


def test_page_and_submission_use_the_same_rules() -> None:
    f = form(SURVEY)
    answers = {
        ("has_items", ""): "yes",
        ("total", ""): 1,
        ("items", ""): ["a"],
        ("item_name", "a"): "x",
        ("item_count", "a"): 2,
    }
    evaluation = Evaluation(f, answers)
    page_two = f.pages()[1]
    on_page = evaluation.problems(page_two.children)
    whole = evaluation.problems()
    assert on_page == whole
    assert [(p.question, p.message) for p in whole] == [("item_count", "More than the total")]


def test_empty_answers_skip_constraints() -> None:
    f = form(SURVEY)
    assert Evaluation(f, {("has_items", ""): "no"}).problem("total") is None


def test_select_checks_the_list_and_choice_filter() -> None:
    survey = [row("select_one city", "city", "City"), row("select_multiple yn", "many", "M")]
    f = form(survey)
    evaluation = Evaluation(f, {("city", ""): "paris", ("many", ""): ["yes", "maybe"]})
    assert evaluation.problem("city") == "“paris” is not one of the options."
    assert evaluation.problem("many") == "“maybe” is not one of the options."


def test_choice_filter_uses_choice_columns() -> None:
    survey = [
        ["select_one yn", "in_europe", "In Europe?"],
        ["select_one city", "city", "City", "region = if(${in_europe} = 'yes', 'eur', 'afr')"],
    ]
    result = check_workbook(
        xlsform(survey, CHOICES, survey_header=["type", "name", "label", "choice_filter"])
    )
    assert result.ok, [str(e) for e in result.errors]
    evaluation = Evaluation(result.form, {("in_europe", ""): "yes"})
    assert [c.name for c in evaluation.choices("city")] == ["geneva"]


def test_countries_list_is_built_in() -> None:
    survey = [row("select_multiple countries", "where", "Where")]
    f = form(survey)
    assert Evaluation(f, {("where", ""): ["FRA", "AFR"]}).problem("where") is None
    assert Evaluation(f, {("where", ""): ["XXX"]}).problem("where") == (
        "“XXX” is not one of the options."
    )
    codes = [c.name for c in Evaluation(f, {}).choices("where")]
    assert len(codes) == 194 + 6


def test_messages_follow_the_report_language() -> None:
    survey = [["integer", "n", "N", "", ". > 0", "Too small", "Trop petit"]]
    result = check_workbook(
        xlsform(
            survey,
            CHOICES,
            survey_header=[
                "type",
                "name",
                "label",
                "required",
                "constraint",
                "constraint_message::English (en)",
                "constraint_message::French (fr)",
            ],
        )
    )
    assert result.form is not None
    assert Evaluation(result.form, {("n", ""): 0}, language="fr").problem("n") == "Trop petit"
    assert Evaluation(result.form, {("n", ""): 0}, language="ar").problem("n") == "Too small"


def test_nested_repeat_references() -> None:
    survey = [
        row("begin_repeat", "outer", "Outer"),
        row("integer", "x", "X"),
        row("begin_repeat", "inner", "Inner"),
        row("integer", "y", "Y", constraint=". <= ${x}", message="y > x"),
        row("end_repeat", ""),
        row("calculate", "inner_sum", calculation="sum(${y})"),
        row("end_repeat", ""),
        row("calculate", "all_y", calculation="sum(${y})"),
    ]
    f = form(survey)
    answers = {
        ("outer", ""): ["o1", "o2"],
        ("x", "o1"): 5,
        ("x", "o2"): 1,
        ("inner", "o1"): ["i1", "i2"],
        ("y", "o1/i1"): 2,
        ("y", "o1/i2"): 3,
        ("inner", "o2"): ["i1"],
        ("y", "o2/i1"): 4,
    }
    evaluation = Evaluation(f, answers)
    assert evaluation.value("inner_sum", "o1") == 5.0
    assert evaluation.value("inner_sum", "o2") == 4.0
    assert evaluation.value("all_y") == 9.0
    assert [(p.question, p.row) for p in evaluation.problems()] == [("y", "o2/i1")]


def test_default_messages_are_in_the_report_language() -> None:
    f = form(SURVEY)
    answers = {("has_items", ""): "yes", ("total", ""): "12x"}
    assert Evaluation(f, answers, language="fr").problem("total") == (
        "Saisissez un nombre entier, sans espaces ni séparateurs."
    )
    assert Evaluation(f, answers, language="en").problem("total") == (
        "Enter a whole number, without spaces or separators."
    )


def test_a_very_long_text_is_kept_and_reported() -> None:
    f = form([row("text", "story", "Story")])
    long_text = "x" * 20001
    assert Evaluation(f, {("story", ""): long_text}).problem("story") == (
        "This answer has 20001 characters; at most 20000 are accepted. Shorten it, or attach "
        "the text as a document."
    )
    assert Evaluation(f, {("story", ""): "x" * 20000}).problem("story") is None
