"""The `statistic` and `register` columns: what a numeric answer is, checked with row and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemonitor.instruments.schema import (
    STATISTIC_MEASURES,
    STATISTIC_OCCUPATIONS,
    STATISTIC_POPULATIONS,
    Form,
    Question,
)
from codemonitor.instruments.xlsform import check_file, check_workbook
from codemonitor.workforce.models import Measure, Occupation, Population
from tests.builders import xlsform

ROOT = Path(__file__).resolve().parents[2]
HEADER = ["type", "name", "label::English (en)", "statistic", "register"]
OCCUPATIONS = [["list_name", "name", "label::English (en)"]] + [
    ["occupation", name, name] for name in STATISTIC_OCCUPATIONS
]


def errors_of(survey: list[list[str]], choices: list[list[str]] | None = None) -> list[str]:
    result = check_workbook(xlsform(survey, choices or OCCUPATIONS, survey_header=HEADER))
    return [str(error) for error in result.errors]


def form_of(survey: list[list[str]]) -> Form:
    result = check_workbook(xlsform(survey, OCCUPATIONS, survey_header=HEADER))
    assert result.ok, [str(error) for error in result.errors]
    assert result.form is not None
    return result.form


def test_the_vocabularies_are_the_workforce_apps() -> None:
    assert list(STATISTIC_MEASURES) == list(Measure.values)
    assert list(STATISTIC_POPULATIONS) == list(Population.values)
    assert list(STATISTIC_OCCUPATIONS) == list(Occupation.values)


def test_the_nri_declares_its_figures() -> None:
    result = check_file(ROOT / "forms" / "nri-2024.xlsx")
    assert result.ok, [str(error) for error in result.errors]
    form = result.form
    assert form is not None
    questions = form.questions()
    assert form.statistic_year() == "data_year"
    assert questions["stock_doctors"].statistic == {
        "measure": "stock",
        "population": "total",
        "occupation": "doctors",
    }
    assert questions["ft_nurses"].statistic["population"] == "foreign_trained"
    assert questions["fb_midwives"].statistic["population"] == "foreign_born"
    assert questions["inflow_dentists"].statistic["measure"] == "inflow"
    assert questions["tc_number"].statistic == {
        "measure": "stock",
        "population": "foreign_trained",
        "occupation": "${tc_occupation}",
        "origin": "${tc_country}",
    }
    assert len(form.statistics()) == 25  # 4 tables of 6 occupations, and the origins' table
    assert questions["code_in_laws_details"].register == "laws"


def test_pairs_may_be_separated_by_semicolons() -> None:
    form = form_of(
        [
            ["integer", "year_q", "Year", "year"],
            ["integer", "n", "N", "measure=inflow; population=foreign_born;occupation=dentists"],
        ]
    )
    assert form.questions()["n"].statistic["population"] == "foreign_born"
    assert form.statistic_year() == "year_q"


def test_a_stored_form_without_the_new_fields_still_loads() -> None:
    question = Question.from_dict({"kind": "integer", "name": "n"})
    assert (question.statistic, question.statistic_year, question.register) == ({}, False, "")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            ["integer", "n", "N", "measure=stock population=total occupation=surgeons"],
            "survey row 2, column D (statistic): 'surgeons' is not a occupation",
        ),
        (
            ["integer", "n", "N", "measure=stock population=total occupation=doctors unit=x"],
            "'unit' is not a statistic key",
        ),
        (
            ["integer", "n", "N", "measure=stock population=total"],
            "survey row 2, column D (statistic): the statistic needs occupation",
        ),
        (
            ["text", "n", "N", "measure=stock population=total occupation=doctors"],
            "a statistic must be an integer or decimal question",
        ),
        (
            ["integer", "n", "N", "measure=stock measure=inflow population=total"],
            "'measure' is given twice",
        ),
        (
            ["integer", "n", "N", "measure=stock population=foreign_trained stock"],
            "'stock' is not key=value",
        ),
        (
            ["integer", "n", "N", "measure=stock population=total occupation=${nowhere}"],
            "occupation refers to ${nowhere}, which is not a question of the form",
        ),
        (
            ["text", "n", "N", "year"],
            "the reference year (year) must be an integer question",
        ),
        (
            [
                "integer",
                "n",
                "N",
                "measure=stock population=foreign_trained occupation=doctors origin=XYZ",
            ],
            "origin must name a question, as ${name}",
        ),
    ],
)
def test_bad_declarations_are_refused_with_row_and_column(row: list[str], message: str) -> None:
    errors = errors_of([row])
    assert any(message in error for error in errors), errors
    assert all("column D (statistic)" in error for error in errors), errors


def test_references_must_be_in_the_same_repeat_and_of_the_right_kind() -> None:
    errors = errors_of(
        [
            ["select_one countries", "outside", "Outside"],
            ["text", "free", "Free"],
            ["begin_repeat", "rows", "Rows"],
            ["select_one occupation", "occ", "Occupation"],
            ["select_one occupation", "not_countries", "Country"],
            [
                "integer",
                "a",
                "A",
                "measure=stock population=foreign_trained occupation=${occ} origin=${outside}",
            ],
            [
                "integer",
                "b",
                "B",
                "measure=stock population=foreign_trained occupation=${occ} "
                "origin=${not_countries}",
            ],
            ["integer", "c", "C", "measure=stock population=total occupation=${free}"],
            ["integer", "d", "D", "measure=stock population=total occupation=doctors year=${free}"],
            ["end_repeat", "", ""],
        ]
    )
    expected = [
        "survey row 7, column D (statistic): origin refers to ${outside}, which is not in the "
        "same repeat",
        "survey row 8, column D (statistic): the origin ${not_countries} must choose from the "
        "list countries",
        "survey row 9, column D (statistic): occupation refers to ${free}, which is not in the "
        "same repeat",
        "survey row 10, column D (statistic): the year ${free} must be an integer question",
    ]
    for message in expected:
        assert message in errors, errors


def test_an_occupation_list_must_hold_occupations_only() -> None:
    choices = [*OCCUPATIONS, ["occupation", "surgeons", "Surgeons"]]
    errors = errors_of(
        [
            ["select_one occupation", "occ", "Occupation"],
            ["integer", "n", "N", "measure=stock population=total occupation=${occ}"],
        ],
        choices,
    )
    assert any("must be occupations" in error and "surgeons" in error for error in errors), errors


def test_one_reference_year_and_each_figure_once() -> None:
    errors = errors_of(
        [
            ["integer", "y1", "Y1", "year"],
            ["integer", "y2", "Y2", "year"],
            ["integer", "a", "A", "measure=stock population=total occupation=doctors"],
            ["integer", "b", "B", "population=total occupation=doctors measure=stock"],
        ]
    )
    assert "survey row 3, column D (statistic): the reference year is already given to row 2" in (
        errors
    )
    assert (
        "survey row 5, column D (statistic): the same figure is already declared in row 4" in errors
    )


def test_a_total_has_no_origin() -> None:
    errors = errors_of(
        [
            ["select_one countries", "country", "Country"],
            [
                "integer",
                "n",
                "N",
                "measure=stock population=total occupation=doctors origin=${country}",
            ],
        ]
    )
    assert any("a total population has no origin" in error for error in errors), errors


def test_the_register_column() -> None:
    assert form_of([["text", "laws", "Laws", "", "laws"]]).questions()["laws"].register == "laws"
    errors = errors_of([["text", "a", "A", "", "recruiters"], ["integer", "b", "B", "", "laws"]])
    assert (
        "survey row 2, column E (register): 'recruiters' is not a register (allowed: laws)"
        in errors
    )
    assert (
        "survey row 3, column E (register): the register 'laws' must be a question of type text"
        in errors
    )
