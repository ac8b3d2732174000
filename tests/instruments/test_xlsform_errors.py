"""One invalid XLSForm per kind of error, each with the exact message the Secretariat sees."""

from __future__ import annotations

import pytest

from codemonitor.instruments.xlsform import check_workbook
from tests.builders import xlsform

YES_NO = [["list_name", "name", "label::English (en)"], ["yn", "yes", "Yes"], ["yn", "no", "No"]]
# Columns of tests.builders.SURVEY_HEADER:
#   A type, B name, C label en, D label fr, E required, F relevant, G constraint,
#   H constraint_message, I calculation, J appearance


def row(
    type_: str,
    name: str = "",
    label: str = "",
    *,
    required: str = "",
    relevant: str = "",
    constraint: str = "",
    calculation: str = "",
    appearance: str = "",
) -> list[str]:
    return [type_, name, label, "", required, relevant, constraint, "", calculation, appearance]


CASES = [
    ("unknown type", [row("txt", "a", "A")], "survey row 2, column A (type): unknown type 'txt'"),
    (
        "type outside the supported set",
        [row("geopoint", "where", "Where")],
        "survey row 2, column A (type): the type 'geopoint' is not supported by Code Monitor",
    ),
    (
        "audio",
        [row("audio", "voice", "Voice")],
        "survey row 2, column A (type): the type 'audio' is not supported by Code Monitor",
    ),
    (
        "or_other",
        [row("select_one yn or_other", "a", "A")],
        "survey row 2, column A (type): 'or_other' is not supported: add an 'other' choice and a "
        "text question relevant to it",
    ),
    (
        "duplicate name",
        [row("text", "a", "A"), row("text", "a", "B")],
        "survey row 3, column B (name): the name 'a' is already used in row 2",
    ),
    (
        "invalid name",
        [row("text", "1a", "A")],
        "survey row 2, column B (name): '1a' is not a valid name (letters, digits, _ - . only, "
        "starting with a letter or _)",
    ),
    (
        "missing name",
        [row("text", "", "A")],
        "survey row 2, column B (name): the question has no name",
    ),
    (
        "reference to a missing question",
        [row("text", "a", "A", relevant="${b} = 'x'")],
        "survey row 2, column F (relevant): ${b} refers to no question of this form",
    ),
    (
        "unknown function",
        [row("text", "a", "A", constraint="foo(.)")],
        "survey row 2, column G (constraint): unknown function foo() (at character 1)",
    ),
    (
        "unsupported function",
        [row("calculate", "c", calculation="pulldata('x', 'y', 'z', 'w')")],
        "survey row 2, column I (calculation): the function pulldata() is not supported "
        "(at character 1)",
    ),
    (
        "malformed expression",
        [row("integer", "a", "A", constraint=". > ")],
        "survey row 2, column G (constraint): the expression ends too early (at character 4)",
    ),
    (
        "unbalanced parenthesis",
        [row("integer", "a", "A", constraint="(. > 1")],
        "survey row 2, column G (constraint): expected ')' but found the end (at character 7)",
    ),
    (
        "paths are not supported",
        [row("integer", "a", "A", relevant="/data/a > 1")],
        "survey row 2, column F (relevant): unexpected character '/' (paths are not supported: "
        "refer to a question as ${name}) (at character 1)",
    ),
    (
        "wrong number of arguments",
        [row("integer", "a", "A", relevant="if(. > 1, 2)")],
        "survey row 2, column F (relevant): if() takes 3 arguments, not 2 (at character 1)",
    ),
    (
        "missing choice list",
        [row("select_one colours", "a", "A")],
        "survey row 2, column A (type): the choice list 'colours' is not on the choices sheet",
    ),
    (
        "select without a list",
        [row("select_one", "a", "A")],
        "survey row 2, column A (type): 'select_one' names no choice list",
    ),
    (
        "group never closed",
        [row("begin_group", "g", "G"), row("text", "a", "A")],
        "survey row 2, column A (type): begin_group 'g' is never closed",
    ),
    (
        "end without begin",
        [row("text", "a", "A"), row("end_group")],
        "survey row 3, column A (type): end_group without a matching begin_group",
    ),
    (
        "end_group closing a repeat",
        [row("begin_repeat", "r", "R"), row("text", "a", "A"), row("end_group")],
        "survey row 4, column A (type): end_group closes begin_repeat 'r' of row 2",
    ),
    (
        "calculate without calculation",
        [row("calculate", "c")],
        "survey row 2, column I (calculation): the calculate 'c' has no calculation",
    ),
    (
        "unsupported appearance",
        [row("select_one yn", "a", "A", appearance="likert")],
        "survey row 2, column J (appearance): the appearance 'likert' is not supported "
        "(supported: field-list, minimal, multiline, table-list)",
    ),
    (
        "circular calculation",
        [
            row("calculate", "a", calculation="${b} + 1"),
            row("calculate", "b", calculation="${a} + 1"),
        ],
        "survey row 2: circular reference: ${a} → ${b} → ${a}",
    ),
    (
        "count() of a plain question",
        [row("integer", "a", "A"), row("calculate", "c", calculation="count(${a})")],
        "survey row 3, column I (calculation): count(${a}): 'a' is not a repeat or inside one",
    ),
    (
        "invalid regular expression",
        [row("text", "a", "A", constraint="regex(., '(')")],
        "survey row 2, column G (constraint): the regular expression '(' is not valid "
        "(missing ): ()",
    ),
    (
        "constraint on a group",
        [row("begin_group", "g", "G", constraint=". > 1"), row("text", "a", "A"), row("end_group")],
        "survey row 2, column G (constraint): a group or repeat cannot have a constraint",
    ),
    ("row without type", [["", "a", "A"]], "survey row 2, column A (type): the row has no type"),
    (
        "nesting too deep",
        [row("integer", "a", "A", constraint="(" * 40 + "1" + ")" * 40)],
        "survey row 2, column G (constraint): the expression is nested too deeply (more than 32)",
    ),
]


@pytest.mark.parametrize(("case", "survey", "message"), CASES, ids=[c[0] for c in CASES])
def test_invalid_form_is_refused_with_exact_message(case: str, survey, message: str) -> None:
    result = check_workbook(xlsform(survey, YES_NO))
    assert not result.ok
    assert [str(error) for error in result.errors] == [message]


def test_translation_column_for_unknown_language() -> None:
    data = xlsform(
        [["text", "a", "A"]], YES_NO, survey_header=["type", "name", "label::Swahili (sw)"]
    )
    assert [str(e) for e in check_workbook(data).errors] == [
        "survey, column C (label::Swahili (sw)): translation column for an unknown language "
        "'Swahili (sw)'; use one of English (en), French (fr), Arabic (ar), Chinese (zh), "
        "Russian (ru), Spanish (es)"
    ]


def test_settings_errors() -> None:
    data = xlsform(
        [["text", "a", "A"]], YES_NO, settings=[["form_id", "default_language"], ["x y", "German"]]
    )
    assert [str(e) for e in check_workbook(data).errors] == [
        "settings row 2, column B (default_language): unknown language 'German'; use one of "
        "English (en), French (fr), Arabic (ar), Chinese (zh), Russian (ru), Spanish (es)",
        "settings row 2, column A (form_id): 'x y' is not a valid form_id (letters, digits and _ "
        "only, starting with a letter)",
    ]


def test_choice_errors() -> None:
    data = xlsform(
        [["select_one yn", "a", "A"]],
        [
            ["list_name", "name", "label"],
            ["yn", "a b", "A"],
            ["yn", "x", "X"],
            ["yn", "x", "Y"],
            ["countries", "FRA", "France"],
        ],
    )
    assert [str(e) for e in check_workbook(data).errors] == [
        "choices row 2, column B (name): the choice name 'a b' contains a space",
        "choices row 4, column B (name): the choice 'x' is already in list 'yn' (row 3)",
        "choices row 5, column A (list_name): 'countries' is the built-in list of Member States "
        "and regions; give this list another name",
    ]


def test_media_column_is_refused_by_name() -> None:
    data = xlsform(
        [["text", "a", "A", "img.png"]],
        YES_NO,
        survey_header=["type", "name", "label", "media::image"],
    )
    assert [str(e) for e in check_workbook(data).errors] == [
        "survey row 2, column D (media::image): the column 'media::image' (media in labels) is "
        "not supported by Code Monitor"
    ]


def test_not_a_workbook() -> None:
    assert [str(e) for e in check_workbook(b"hello").errors] == [
        "workbook: the file is not an Excel workbook (.xlsx)"
    ]


def test_old_excel_format() -> None:
    data = b"\xd0\xcf\x11\xe0" + b"\0" * 100
    assert [str(e) for e in check_workbook(data).errors] == [
        "workbook: this is an old Excel file (.xls): save it as an Excel workbook (.xlsx) and "
        "upload it again"
    ]


def test_missing_survey_sheet() -> None:
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "questions"
    output = io.BytesIO()
    workbook.save(output)
    assert [str(e) for e in check_workbook(output.getvalue()).errors] == [
        "survey: the workbook has no sheet named 'survey'"
    ]


def test_every_error_is_listed_not_only_the_first() -> None:
    survey = [
        row("txt", "a", "A"),
        row("text", "b", "B", relevant="${zz} = 1"),
        row("select_one nope", "c", "C"),
        row("text", "b", "again"),
    ]
    errors = check_workbook(xlsform(survey, YES_NO)).errors
    assert [(e.row, e.column) for e in errors] == [
        (2, "type"),
        (3, "relevant"),
        (4, "type"),
        (5, "name"),
    ]
