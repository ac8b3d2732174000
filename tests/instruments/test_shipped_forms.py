"""The two instruments shipped in forms/: faithful, complete, with real rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from codemonitor.instruments.engine import Evaluation
from codemonitor.instruments.schema import Form
from codemonitor.instruments.workbooks import csv_sheets, workbook_sheets
from codemonitor.instruments.xlsform import check_file

ROOT = Path(__file__).resolve().parents[2]
FORMS = ROOT / "forms"
SEED = ROOT / "tests" / "data" / "isri-2024-questions.txt"  # from the seed text of the ISRI
LANGUAGE_COLUMNS = [
    "English (en)",
    "French (fr)",
    "Arabic (ar)",
    "Chinese (zh)",
    "Russian (ru)",
    "Spanish (es)",
]


def load(name: str) -> Form:
    result = check_file(FORMS / f"{name}.xlsx")
    assert result.ok, [str(e) for e in result.errors]
    assert result.form is not None
    return result.form


@pytest.mark.parametrize("name", ["isri-2024", "nri-2024"])
def test_committed_workbook_matches_its_csv_source(name: str) -> None:
    built = csv_sheets(FORMS / name)
    stored = workbook_sheets((FORMS / f"{name}.xlsx").read_bytes())
    for sheet, rows in built.items():
        expected = [list(row) for row in rows]
        for row in expected:
            while row and row[-1] == "":
                row.pop()
        assert stored[sheet] == expected, f"{name}.xlsx is stale: run `make forms`"


@pytest.mark.parametrize("name", ["isri-2024", "nri-2024"])
def test_english_and_french_complete_other_languages_present(name: str) -> None:
    sheets = csv_sheets(FORMS / name)
    header = sheets["survey"][0]
    for column in ("label", "hint", "required_message", "constraint_message"):
        for language in LANGUAGE_COLUMNS:
            assert f"{column}::{language}" in header
    for sheet in ("survey", "choices"):
        header, *rows = sheets[sheet]
        for base in ("label", "hint", "required_message", "constraint_message"):
            if f"{base}::English (en)" not in header:
                continue
            en, fr = header.index(f"{base}::English (en)"), header.index(f"{base}::French (fr)")
            for row in rows:
                assert bool(row[en]) == bool(row[fr]), f"{sheet} {base} {row[:2]}"


def _normalise(text: str) -> str:
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\[([^\]]+)\]\(#\)", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def seed_questions() -> list[str]:
    """The ten question sentences of the seed ISRI, without markup."""
    text = SEED.read_text(encoding="utf-8")
    found = []
    for number in range(1, 11):
        match = re.search(rf"(?:^|<p>){number}\. (.+?)(?:</p>|\t|\n)", text, re.MULTILINE)
        assert match, number
        sentence = _normalise(f"{number}. {match[1]}")
        # What follows the question mark is guidance, which the form gives as a hint.
        found.append(sentence.split("?")[0] + "?" if "?" in sentence else sentence)
    return found


ENTITY_FIELDS = [
    "Name of entity submitting the report",
    "First and Last Name of Contact Person",
    "Email",
    "Telephone number",
    "Mailing address",
    "Website URL",
    "Description of the entity submitting the report",
    "Please describe the nature of the entity's involvement or interest in international health "
    "personnel recruitment and migration issues, as relevant to the Code",
    "Please specify the country(ies) or region(s) where entity is involved",
]


def english_labels(form: Form) -> list[str]:
    return [_normalise(q.label.get("en", "")) for q in form.walk()]


def test_isri_contains_every_seed_question() -> None:
    labels = " | ".join(english_labels(load("isri-2024")))
    questions = seed_questions()
    assert len(questions) == 10
    for question in questions:
        assert question in labels, question


def test_isri_contains_every_entity_field() -> None:
    labels = english_labels(load("isri-2024"))
    for field in ENTITY_FIELDS:
        assert any(label.startswith(field) for label in labels), field


def test_isri_structure() -> None:
    form = load("isri-2024")
    questions = form.questions()
    required = sorted(q.name for q in form.walk() if q.required)
    assert required == ["email", "entity_name"]
    for number in range(1, 11):
        assert questions[f"q{number}_answer"].kind == "text"
        assert questions[f"q{number}_source_countries"].list_name == "countries"
        assert questions[f"q{number}_destination_countries"].list_name == "countries"
        assert questions[f"q{number}_source_info"].kind == "text"
    assert questions["q10_documents"].kind == "file"
    assert questions["stakeholder_category"].kind == "select_one"
    personal = {q.name for q in form.walk() if q.personal}
    assert {
        "contact_first_name",
        "contact_last_name",
        "email",
        "telephone",
        "mailing_address",
    } <= personal
    assert "entity_name" not in personal


def test_isri_email_is_checked() -> None:
    form = load("isri-2024")
    bad = Evaluation(form, {("email", ""): "not an email", ("entity_name", ""): "X"})
    assert bad.problem("email") is not None
    good = Evaluation(form, {("email", ""): "someone@example.org", ("entity_name", ""): "X"})
    assert good.problems() == []
    empty = Evaluation(form, {})
    assert {p.question for p in empty.problems()} == {"email", "entity_name"}


def test_nri_agreements_question_opens_the_table() -> None:
    form = load("nri-2024")
    closed = Evaluation(form, {("has_agreements", ""): "no"})
    assert not closed.relevant("agreements")
    opened = Evaluation(
        form,
        {
            ("has_agreements", ""): "yes",
            ("agreements", ""): ["r1", "r2"],
            ("agreement_type", "r1"): "bilateral",
        },
    )
    assert opened.relevant("agreements")
    assert opened.relevant("agreement_type", "r1")
    assert opened.value("agreements_count") == 2.0


def test_nri_totals_cannot_be_smaller_than_their_parts() -> None:
    form = load("nri-2024")
    answers = {("stock_doctors", ""): 100, ("ft_doctors", ""): 150, ("fb_doctors", ""): 20}
    evaluation = Evaluation(form, answers)
    assert evaluation.problem("ft_doctors") == (
        "Foreign-trained doctors cannot exceed the total stock of doctors. The number cannot be "
        "negative."
    )
    assert evaluation.problem("fb_doctors") is None
    assert Evaluation(form, {**answers, ("ft_doctors", ""): 90}).problem("ft_doctors") is None


def test_nri_nurses_and_midwives_fall_back_to_combined() -> None:
    form = load("nri-2024")
    separate = Evaluation(form, {("separate_nurses_midwives", ""): "yes"})
    assert separate.relevant("stock_nurses") and separate.relevant("stock_midwives")
    assert not separate.relevant("stock_nurses_midwives")
    combined = Evaluation(form, {("separate_nurses_midwives", ""): "no"})
    assert combined.relevant("stock_nurses_midwives")
    assert not combined.relevant("stock_nurses")


def test_nri_covers_what_the_template_must_hold() -> None:
    form = load("nri-2024")
    questions = form.questions()
    occupations = ["doctors", "nurses", "midwives", "nurses_midwives", "dentists", "pharmacists"]
    for prefix in ("stock_", "ft_", "fb_", "inflow_"):
        for occupation in occupations:
            assert questions[prefix + occupation].kind == "integer"
    for name in (
        "agreement_type",
        "agreement_partners",
        "agreement_from",
        "agreement_to",
        "agreement_categories",
        "agreement_document",
    ):
        assert questions[name].name in {q.name for q in questions["agreements"].walk()}
    assert questions["tc_country"].list_name == "countries"
    assert questions["emergencies"].kind == "group"
    assert questions["fp_email"].personal
    articles = {q.article.split(".")[0] for q in form.walk() if q.article}
    assert articles >= {str(n) for n in range(3, 11)}
