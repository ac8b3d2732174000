"""`manage.py checkform`: exit codes, messages, and forms written for ODK and KoboToolbox."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codemonitor.instruments.xlsform import check_workbook
from tests.builders import xlsform

ROOT = Path(__file__).resolve().parents[2]


def run_checkform(path: Path) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("checkform", str(path), stdout=out)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_good_form_exits_0_with_one_line_summary() -> None:
    code, output = run_checkform(ROOT / "forms" / "isri-2024.xlsx")
    assert code == 0
    lines = output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].endswith(
        "OK — isri version 2024.1: Independent Stakeholders Reporting Instrument (2024) — "
        "53 questions on 13 pages, languages en, fr"
    )


def test_bad_form_exits_1_listing_every_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsform([["txt", "a", "A"], ["text", "a", "B"]]))
    code, output = run_checkform(path)
    assert code == 1
    assert output.splitlines()[1:] == [
        "  survey row 2, column A (type): unknown type 'txt'",
    ]


def test_missing_file_and_garbage_never_end_in_a_traceback(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"PK\x03\x04 this is not really a zip")
    paths = (tmp_path / "missing.xlsx", garbage, tmp_path)
    processes = [  # started together, read in turn: each takes Django's start-up time
        subprocess.Popen(
            [sys.executable, "manage.py", "checkform", str(path)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in paths
    ]
    for path, process in zip(paths, processes, strict=True):
        stdout, stderr = process.communicate(timeout=60)
        assert process.returncode == 1, stderr
        assert "Traceback" not in stdout + stderr
        assert str(path.name) in stdout


KOBO_HEADER = [
    "type",
    "name",
    "label::English (en)",
    "label::Français (fr)",
    "hint::English (en)",
    "required",
    "relevant",
    "appearance",
    "$kuid",
    "$autoname",
]


def test_kobo_form_is_refused_naming_each_unsupported_feature() -> None:
    survey = [
        ["start", "start", "", "", "", "", "", "", "k1", "start"],
        ["end", "end", "", "", "", "", "", "", "k2", "end"],
        ["deviceid", "deviceid", "", "", "", "", "", "", "k3", "deviceid"],
        ["begin_group", "hh", "Household", "Ménage", "", "", "", "field-list", "k4", "hh"],
        ["geopoint", "location", "Location", "Lieu", "", "", "", "", "k5", "location"],
        [
            "select_one yn or_other",
            "owns",
            "Owns land?",
            "Terrain ?",
            "",
            "true",
            "",
            "",
            "k6",
            "owns",
        ],
        ["image", "photo", "Photo", "Photo", "", "", "", "", "k7", "photo"],
        ["select_one yn", "q", "Rate", "Note", "", "", "", "likert", "k8", "q"],
        ["end_group", "", "", "", "", "", "", "", "k9", ""],
    ]
    choices = [
        ["list_name", "name", "label::English (en)", "label::Français (fr)"],
        ["yn", "yes", "Yes", "Oui"],
        ["yn", "no", "No", "Non"],
    ]
    errors = [
        str(e) for e in check_workbook(xlsform(survey, choices, survey_header=KOBO_HEADER)).errors
    ]
    assert errors == [
        "survey row 4, column A (type): the type 'deviceid' is not supported by Code Monitor",
        "survey row 6, column A (type): the type 'geopoint' is not supported by Code Monitor",
        "survey row 7, column A (type): 'or_other' is not supported: add an 'other' choice and "
        "a text question relevant to it",
        "survey row 8, column A (type): the type 'image' is not supported by Code Monitor",
        "survey row 9, column H (appearance): the appearance 'likert' is not supported "
        "(supported: field-list, minimal, multiline, table-list)",
    ]


def test_plain_odk_form_is_accepted() -> None:
    header = [
        "type",
        "name",
        "label",
        "hint",
        "relevance",
        "constraint",
        "constraint_message",
        "calculation",
        "required",
        "appearance",
        "default",
    ]
    survey = [
        ["today", "today", "", "", "", "", "", "", "", "", ""],
        ["begin group", "respondent", "Respondent", "", "", "", "", "", "", "field-list", ""],
        ["string", "name", "Name", "Full name", "", "", "", "", "TRUE", "", ""],
        ["int", "age", "Age", "", "", ". >= 18 and . < 120", "Adults only", "", "yes", "", ""],
        [
            "select one from yesno",
            "consent",
            "Consent?",
            "",
            "",
            "",
            "",
            "",
            "yes",
            "minimal",
            "yes",
        ],
        ["end group", "", "", "", "", "", "", "", "", "", ""],
        ["begin repeat", "children", "Children", "", "${consent} = 'yes'", "", "", "", "", "", ""],
        [
            "integer",
            "child_age",
            "Child's age",
            "",
            "",
            ". < ${age}",
            "Younger than parent",
            "",
            "",
            "",
            "",
        ],
        ["end repeat", "", "", "", "", "", "", "", "", "", ""],
        ["calculate", "n_children", "", "", "", "", "", "count(${children})", "", "", ""],
        ["note", "summary", "Children: ${n_children}", "", "", "", "", "", "", "", ""],
        [
            "date",
            "visit",
            "Visit date",
            "",
            "",
            ". <= today()",
            "Not in the future",
            "",
            "",
            "",
            "2024-01-01",
        ],
    ]
    choices = [["list name", "name", "label"], ["yesno", "yes", "Yes"], ["yesno", "no", "No"]]
    settings_rows = [
        ["form_title", "form_id", "version", "instance_name"],
        ["Household survey", "household", 2024051501, "concat(${name})"],
    ]
    result = check_workbook(xlsform(survey, choices, settings_rows, survey_header=header))
    assert result.ok, [str(e) for e in result.errors]
    assert result.form is not None
    assert result.form.form_id == "household"
    assert result.form.version == "2024051501"
    assert [str(w) for w in result.warnings] == [
        "settings row 2, column D (instance_name): the setting 'instance_name' has no effect in "
        "Code Monitor"
    ]


def test_unsupported_functions_of_odk_are_named() -> None:
    survey = [
        ["select_one yn", "a", "A", "", "", "", "", "", "", ""],
        ["calculate", "label_a", "", "", "", "", "", "", "jr:choice-name(${a}, '${a}')", ""],
        ["calculate", "when", "", "", "", "", "", "", "once(now())", ""],
    ]
    choices = [["list_name", "name", "label"], ["yn", "yes", "Yes"]]
    errors = [str(e) for e in check_workbook(xlsform(survey, choices)).errors]
    assert errors == [
        "survey row 3, column I (calculation): the function jr:choice-name() is not supported "
        "(at character 1)",
        "survey row 4, column I (calculation): the function once() is not supported "
        "(at character 1)",
    ]


CELLS = st.one_of(
    st.sampled_from(
        [
            "text",
            "integer",
            "select_one yn",
            "select_multiple countries",
            "begin_group",
            "end_group",
            "begin_repeat",
            "end_repeat",
            "calculate",
            "note",
            "geopoint",
            "a",
            "b",
            "${a} > 1",
            "count(${b})",
            ". = ''",
            "yes",
            "selected(${a}, 'yes')",
            "",
            "label",
            "(((",
            "begin group",
            "file",
        ]
    ),
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.text(alphabet=st.characters(min_codepoint=32, exclude_categories=["Cs", "Cc"]), max_size=15),
    st.none(),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    survey=st.lists(st.lists(CELLS, min_size=1, max_size=10), max_size=12),
    choices=st.lists(st.lists(CELLS, max_size=3), max_size=4),
)
def test_arbitrary_workbooks_never_crash_the_checker(survey, choices) -> None:
    result = check_workbook(xlsform(survey, [["list_name", "name", "label"], *choices]))
    assert result.ok or result.errors


@pytest.mark.parametrize("name", ["isri-2024.xlsx", "nri-2024.xlsx"])
def test_shipped_forms_pass(name: str) -> None:
    code, _output = run_checkform(ROOT / "forms" / name)
    assert code == 0
