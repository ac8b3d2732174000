"""Every CSV and XLSX the platform writes is written by `codemonitor/core/exports.py`.

That module neutralises cells that a spreadsheet would run as formulas (issue 8). This test
reads every module with `ast`, as the layer test does, and fails when another one writes CSV
(`csv.writer`, `csv.DictWriter`) or XLSX (openpyxl's `Workbook`, its cells and writers, or a
workbook loaded for editing, which can be saved), or answers with a CSV or XLSX file that the
table below does not know.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

import pytest

from tests.architecture.test_layers import project_modules

HELPER = "codemonitor.core.exports"
# Writes XLSForm workbooks from the project's own CSV sources (forms/*/): no user data in them,
# and their expressions must stay as written.
ALLOWED = frozenset({HELPER, "codemonitor.instruments.workbooks"})

CSV_WRITERS = frozenset({"writer", "DictWriter"})
OPENPYXL_WRITING = frozenset({"Workbook", "WriteOnlyCell", "Cell", "MergedCell"})
OPENPYXL_WRITING_MODULES = ("openpyxl.writer", "openpyxl.workbook", "openpyxl.cell")

EXPORT_TYPES = ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml")
# Views answering with a CSV or XLSX file, and where its content comes from.
EXPORT_RESPONSES = {
    # The register, from registers.services.register_csv (core.exports).
    "codemonitor.backoffice.registers",
    # The record of authorised recruiters, written by core.exports.csv_bytes.
    "codemonitor.backoffice.recruiters",
    # An instrument's XLSForm: the workbook the Secretariat uploaded, byte for byte.
    "codemonitor.backoffice.views",
    # -- laws: a search's entries, from registers.laws.laws_csv, and the import's template
    # (registers.law_imports.law_import_template), both written by core.exports.
    "codemonitor.backoffice.laws",
    "codemonitor.national.laws",
    # -- workforce import: the migration statistics, from workforce.selectors (core.exports).
    "codemonitor.backoffice.workforce",
    # -- analysis: every table's companion CSV, from analysis.tables.AnalysisTable.csv
    # (core.exports), answered by the pages the audiences share (the back office's analysis
    # pages, a country across rounds for the Secretariat and for its national users).
    "codemonitor.analysis.pages",
    # -- open data: a published round's tables and codebook, from publication.files and
    # publication.codebook (core.exports' csv_stream and xlsx_write).
    "codemonitor.portal.opendata",
}


def _aliases(tree: ast.AST, module: str) -> set[str]:
    """The names a module gives to `module` (`import csv`, `import csv as c`)."""
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name == module
    }


def writes_outside_the_helper(module: str, source: str) -> list[str]:
    """How a module writes CSV or XLSX itself, one sentence each."""
    tree = ast.parse(source)
    found: list[str] = []
    csv_names, openpyxl_names = _aliases(tree, "csv"), _aliases(tree, "openpyxl")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = {alias.name for alias in node.names}
            if node.module == "csv" and names & CSV_WRITERS:
                found.append(f"{module} imports {sorted(names & CSV_WRITERS)} from csv")
            if node.module.startswith(OPENPYXL_WRITING_MODULES) or (
                node.module.startswith("openpyxl") and names & OPENPYXL_WRITING
            ):
                found.append(f"{module} imports {sorted(names)} from {node.module}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in csv_names and node.attr in CSV_WRITERS:
                found.append(f"{module} uses csv.{node.attr}")
            if node.value.id in openpyxl_names and node.attr in OPENPYXL_WRITING:
                found.append(f"{module} uses openpyxl.{node.attr}")
        elif isinstance(node, ast.Call):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else None
            called = node.func.id if isinstance(node.func, ast.Name) else called
            read_only = any(
                k.arg == "read_only" and isinstance(k.value, ast.Constant) and k.value.value
                for k in node.keywords
            )
            if called == "load_workbook" and not read_only:
                found.append(f"{module} loads a workbook for editing (read_only=True reads)")
    return found


def export_responses(module: str, source: str) -> list[str]:
    """Where a module answers with a CSV or XLSX content type."""
    return [
        f"{module} answers with {node.value.value!r}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.keyword)
        and node.arg == "content_type"
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        and node.value.value.startswith(EXPORT_TYPES)
    ]


def check(modules: Iterable[tuple[str, str]]) -> list[str]:
    found: list[str] = []
    for module, source in modules:
        if module not in ALLOWED:
            found.extend(writes_outside_the_helper(module, source))
        if module not in EXPORT_RESPONSES:
            found.extend(export_responses(module, source))
    return found


def test_only_the_helper_writes_csv_and_xlsx() -> None:
    modules = project_modules()
    assert any(module == HELPER for module, _source in modules)
    assert check(modules) == [], (
        "write CSV and XLSX with codemonitor.core.exports (SafeCsvWriter, csv_bytes, "
        "xlsx_append, xlsx_bytes); list a new export view in EXPORT_RESPONSES"
    )


def test_the_export_views_are_still_there() -> None:
    sources = dict(project_modules())
    for module in EXPORT_RESPONSES:
        assert export_responses(module, sources[module]), f"{module}: drop it from the table"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import csv\nw = csv.writer(out)\n", "uses csv.writer"),
        ("import csv as c\nw = c.DictWriter(out, ['a'])\n", "uses csv.DictWriter"),
        ("from csv import writer\n", "imports ['writer'] from csv"),
        ("def f():\n    from openpyxl import Workbook\n", "imports ['Workbook'] from openpyxl"),
        ("import openpyxl\nbook = openpyxl.Workbook()\n", "uses openpyxl.Workbook"),
        ("from openpyxl.cell.cell import WriteOnlyCell\n", "from openpyxl.cell.cell"),
        ("from openpyxl.workbook import Workbook\n", "from openpyxl.workbook"),
        ("from openpyxl import load_workbook\nb = load_workbook(f)\n", "for editing"),
        (
            "r = HttpResponse(data, content_type='text/csv; charset=utf-8')\n",
            "answers with 'text/csv; charset=utf-8'",
        ),
    ],
)
def test_a_writer_outside_the_helper_is_caught(source: str, expected: str) -> None:
    found = check([*project_modules(), ("codemonitor.reporting.fake", source)])
    assert any(expected in line for line in found), found


def test_reading_is_not_writing() -> None:
    source = (
        "import csv\nfrom openpyxl import load_workbook\nrows = csv.reader(f)\n"
        "d = csv.DictReader(f)\nb = load_workbook(f, read_only=True, data_only=True)\n"
    )
    assert check([("codemonitor.reporting.fake", source)]) == []
