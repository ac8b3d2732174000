"""The checker's and the expression parser's messages follow the active language."""

from __future__ import annotations

from django.utils import translation

from codemonitor.instruments.xlsform import check_workbook
from tests.builders import xlsform

# Columns of tests.builders.SURVEY_HEADER: type, name, label en, label fr, required, relevant, ...
DUPLICATE_NAME = [["text", "a", "A"], ["text", "a", "B"]]
BAD_EXPRESSION = [["integer", "a", "A", "", "", "", "foo(.)"]]


def messages(rows: list[list[str]], language: str) -> list[str]:
    data = xlsform(rows)
    with translation.override(language):
        return [str(error) for error in check_workbook(data).errors]


def test_duplicate_name_in_english() -> None:
    assert messages(DUPLICATE_NAME, "en") == [
        "survey row 3, column B (name): the name 'a' is already used in row 2"
    ]


def test_duplicate_name_in_french() -> None:
    assert messages(DUPLICATE_NAME, "fr") == [
        "survey ligne 3, colonne B (name)\u00a0: le nom «\u00a0a\u00a0» est déjà utilisé à la "
        "ligne 2"
    ]


def test_expression_errors_in_french() -> None:
    assert messages(BAD_EXPRESSION, "fr") == [
        "survey ligne 2, colonne G (constraint)\u00a0: fonction foo() inconnue (au caractère 1)"
    ]
    assert messages(BAD_EXPRESSION, "en") == [
        "survey row 2, column G (constraint): unknown function foo() (at character 1)"
    ]


def test_summary_in_french() -> None:
    data = xlsform([["text", "a", "A"], ["text", "a", "B"]])
    with translation.override("fr"):
        assert check_workbook(data).summary() == "1 erreur"
    assert check_workbook(data).summary() == "1 error(s)"
