"""`manage.py import_migration_data` and `manage.py export_migration_data`."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from codemonitor.workforce.imports import statistics_import
from codemonitor.workforce.models import Statistic, StatisticsFile
from codemonitor.workforce.selectors import EXPORT_COLUMNS
from tests.workforce.test_imports import CLASSIC

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


def test_a_file_read_whole_exits_0_with_its_summary(reference, tmp_path: Path) -> None:
    path = tmp_path / "wfmi.csv"
    path.write_text(CLASSIC, encoding="utf-8-sig")
    code, output = run("import_migration_data", str(path))
    assert code == 0
    assert "rows read: 5; created: 5; updated: 0; unchanged: 0; refused: 0" in output
    assert "territories that are not Member States: HKG (1)" in output
    code, output = run("import_migration_data", str(path))
    assert code == 0 and "created: 0; updated: 0; unchanged: 5" in output
    assert StatisticsFile.objects.count() == 2 and Statistic.objects.count() == 5


def test_refused_rows_exit_1_each_listed_by_line(reference, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        CLASSIC + "FRA,France,FTDS,x,IND,India,2021,2021,-1,,\nFRA,France,FTDS,x,IND,India,3000"
        ",3000,5,,\n",
        encoding="utf-8",
    )
    code, output = run("import_migration_data", str(path))
    assert code == 1
    assert "line 7 refused: the value -1 is negative" in output
    assert "line 8 refused: the year 3000" in output
    assert "2 rows refused" in output
    assert Statistic.objects.count() == 5  # the good rows are stored


def test_a_dry_run_stores_nothing(reference, tmp_path: Path) -> None:
    path = tmp_path / "wfmi.csv"
    path.write_text(CLASSIC, encoding="utf-8")
    code, output = run("import_migration_data", str(path), "--dry-run")
    assert code == 0 and "dry run" in output and "created: 5" in output
    assert not Statistic.objects.exists() and not StatisticsFile.objects.exists()


def test_a_file_that_cannot_be_read_exits_1(reference, tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("name,email\nA,a@example.org\n", encoding="utf-8")
    code, output = run("import_migration_data", str(path))
    assert code == 1 and "neither" in output
    code, output = run("import_migration_data", str(tmp_path / "missing.csv"))
    assert code == 1 and "missing.csv" in output


def test_the_export_has_every_statistic_with_its_source(reference, tmp_path: Path) -> None:
    summary = statistics_import(io.BytesIO(CLASSIC.encode()), name="wfmi.csv")
    Statistic.objects.filter(origin_code="IND").update(flag_note="=HYPERLINK(1)")
    output = tmp_path / "out.csv"
    code, printed = run("export_migration_data", "--output", str(output))
    assert code == 0 and "5 statistics" in printed
    with output.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == EXPORT_COLUMNS
    by_origin = {row["origin_code"]: row for row in rows}
    assert by_origin["DZA"] == {
        "destination_code": "FRA",
        "destination": "France",
        "origin_code": "DZA",
        "origin": "Algeria",
        "population": "foreign_trained",
        "occupation": "doctors",
        "measure": "stock",
        "year": "2020",
        "value": "5678.5",
        "unit": "persons",
        "flag": "B",
        "flag_note": "Break",
        "dataset": "oecd_wfmi",
        "source_file": "wfmi.csv",
        "source_sha256": summary.sha256,
        "source_report": "",
        "source_question": "",
    }
    assert by_origin[""]["population"] == "total" and by_origin[""]["value"] == "230000"
    assert by_origin["HKG"]["origin"] == ""  # a territory: its code, no Member State
    assert by_origin["IND"]["flag_note"] == "'=HYPERLINK(1)"  # never a formula
