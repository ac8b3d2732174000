"""Importing a country's list of recruiters: reading CSV and XLSX, the columns guessed and
remembered, the preview (new, changed, unchanged, refused with reasons), idempotence."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from codemonitor.core.audit import Action
from codemonitor.core.exports import xlsx_bytes
from codemonitor.core.models import AuditEntry
from codemonitor.registers.models import ColumnMapping, Recruiter, RegisterImport, Validation
from codemonitor.registers.recruiter_import import (
    ImportRefused,
    date_parse,
    mapping_guess,
    recruiter_import_apply,
    recruiter_import_discard,
    recruiter_import_map,
    recruiter_import_preview,
    recruiter_import_start,
    status_parse,
)
from tests.registers.conftest import csv_file, recruiter

pytestmark = pytest.mark.django_db

HEADINGS = ["Licence No", "Name of the agency", "Trading names", "Status", "Expiry date", "Website"]
ROWS = [
    HEADINGS,
    [
        "RA-001",
        "Accra Health Staffing Ltd",
        "AHS; Accra Staffing",
        "Active",
        "31/12/2026",
        "ahs.example",
    ],
    ["RA-002", "Volta Nurses Agency", "", "Suspended", "2025-06-30", ""],
    ["RA-003", "Kumasi Care Recruiters", "", "Revoked", "1.3.2024", ""],
]


def start(user, handle, country="GHA") -> RegisterImport:
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    return recruiter_import_start(
        member_state_id=country, source=handle, file_name="list.csv", size=size, user=user
    )


def imported(user, rows, **options) -> RegisterImport:
    found = start(user, csv_file(rows, **options))
    if not found.mapping:
        recruiter_import_map(register_import=found, mapping=mapping_guess(found.headers))
    return found


@pytest.mark.parametrize(
    ("headings", "expected"),
    [
        (
            HEADINGS,
            {
                "licence_number": 0,
                "legal_name": 1,
                "other_names": 2,
                "status": 3,
                "valid_to": 4,
                "website": 5,
            },
        ),
        (
            ["Numéro de licence", "Raison sociale", "Statut", "Date d'expiration", "Adresse"],
            {"licence_number": 0, "legal_name": 1, "status": 2, "valid_to": 3, "address": 4},
        ),
        (
            ["NOMBRE", "Número de licencia", "Estado", "Válido desde", "Válido hasta", "Sitio web"],
            {
                "legal_name": 0,
                "licence_number": 1,
                "status": 2,
                "valid_from": 3,
                "valid_to": 4,
                "website": 5,
            },
        ),
        (
            ["Licence status", "Licence number", "Name"],
            {"status": 0, "licence_number": 1, "legal_name": 2},
        ),
    ],
)
def test_the_columns_are_guessed_from_the_headings_words(headings, expected) -> None:
    assert mapping_guess(headings) == expected


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("Active", "authorised"), ("LICENSED", "authorised"), ("Autorisée", "authorised"),
        ("vigente", "authorised"), ("granted", "authorised"), ("Révoqué", "revoked"),
        ("cancelled", "revoked"), ("Cancelado", "revoked"), ("suspendue", "suspended"),
        ("Expired", "expired"), ("vencida", "expired"), ("Surrendered", "surrendered"),
        ("en attente", "pending"), ("Authorised", "authorised"),
    ],
)  # fmt: skip
def test_status_words_of_several_languages_are_read(word, status) -> None:
    assert status_parse(word) == status


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("2024-03-31", dt.date(2024, 3, 31)),
        ("2024-03-31T00:00:00", dt.date(2024, 3, 31)),
        ("31/03/2024", dt.date(2024, 3, 31)),
        ("1.3.2024", dt.date(2024, 3, 1)),
        ("45382", dt.date(2024, 3, 31)),  # Excel's day number
    ],
)
def test_dates_as_spreadsheets_write_them(text, date) -> None:
    assert date_parse(text) == date


@pytest.mark.parametrize("text", ["2024", "31/02/2024", "March 2024", "12/31/24"])
def test_what_is_not_a_date_is_refused(text) -> None:
    with pytest.raises(ValueError, match=r"."):
        date_parse(text)


def test_the_preview_counts_new_changed_unchanged_and_refused_with_reasons(people) -> None:
    fp = people["fp_a"]
    recruiter(fp, licence_number="RA002", legal_name="Volta Nurses Agency", status="authorised",
              valid_to="2025-06-30")  # fmt: skip
    recruiter(fp, licence_number="RA-003", legal_name="Kumasi Care Recruiters", status="revoked",
              valid_to="2024-03-01")  # fmt: skip
    recruiter(fp, licence_number="OLD-9", legal_name="Not in the file")
    rows = [
        *ROWS,
        ["RA-004", "", "", "Active", "", ""],
        ["RA-005", "Tamale Agency", "", "Dormant", "", ""],
        ["RA-006", "Ho Agency", "", "Active", "31/02/2026", ""],
        ["RA 007", "Twice Ltd", "", "Active", "", ""],
        ["ra-007", "Twice again Ltd", "", "Active", "", ""],
    ]
    found = imported(fp, rows)
    before = (Recruiter.objects.count(), AuditEntry.objects.count())
    preview = recruiter_import_preview(found)
    assert preview.counts() == {
        "rows": 8, "new": 1, "changed": 1, "unchanged": 1, "refused": 5, "not_in_file": 1,
    }  # fmt: skip
    assert [row.licence for row in preview.new] == ["RA-001"]
    assert preview.new[0].values["other_names"] == ["AHS", "Accra Staffing"]
    [changed] = preview.changed  # the number as the file writes it, and the new status
    assert changed.line == 3
    assert changed.changes == {
        "licence_number": ("RA002", "RA-002"),
        "status": ("authorised", "suspended"),
    }
    reasons = {row.line: row.reason for row in preview.refused}
    assert "Legal name" in reasons[5] and "required" in reasons[5]
    assert "“Dormant” is not a status" in reasons[6]
    assert "“31/02/2026” is not a date" in reasons[7]
    assert reasons[8] == "Licence RA 007 is on more than one line: 8, 9"
    assert reasons[9] == "Licence ra-007 is on more than one line: 8, 9"
    assert (Recruiter.objects.count(), AuditEntry.objects.count()) == before  # nothing saved


def test_confirming_saves_audits_remembers_and_a_second_import_writes_nothing(people) -> None:
    fp = people["fp_a"]
    first = imported(fp, ROWS)
    result = recruiter_import_apply(register_import=first, user=fp)
    assert (result.created, result.changed, result.unchanged, result.refused) == (3, 0, 0, 0)
    entry = Recruiter.objects.get(licence_key="RA001")
    assert entry.source == "import" and entry.validation == Validation.PENDING
    assert entry.valid_to == dt.date(2026, 12, 31) and entry.website == "https://ahs.example"
    assert entry.changes.count() == 1
    [summary] = AuditEntry.objects.filter(action=Action.RECRUITERS_IMPORTED)
    assert summary.data["new"] == 3 and summary.data["sha256"] == first.sha256
    assert AuditEntry.objects.filter(action=Action.RECRUITER_CREATED).count() == 3
    assert (
        ColumnMapping.objects.get(member_state_id="GHA").mapping["legal_name"]
        == "Name of the agency"
    )

    # The same file again: the remembered columns, nothing to change, nothing written.
    audits, changes = AuditEntry.objects.count(), entry.changes.count()
    second = start(fp, csv_file(ROWS))
    assert second.mapping == first.mapping and second.summary["remembered"]
    preview = recruiter_import_preview(second)
    assert preview.counts()["unchanged"] == 3 and not preview.new and not preview.changed
    result = recruiter_import_apply(register_import=second, user=fp)
    assert (result.created, result.changed, result.unchanged) == (0, 0, 3)
    assert AuditEntry.objects.count() == audits and entry.changes.count() == changes
    with pytest.raises(ImportRefused):
        recruiter_import_apply(register_import=second, user=fp)  # already saved


def test_a_changed_row_is_updated_and_the_secretariats_import_validates(people) -> None:
    entry = recruiter(people["fp_a"], licence_number="RA-002", legal_name="Volta Nurses Agency")
    found = imported(
        people["admin"], [*ROWS[:1], ["RA002", "Volta Nurses Agency", "", "Expired", "", ""]]
    )
    result = recruiter_import_apply(register_import=found, user=people["admin"])
    assert result.changed == 1
    entry.refresh_from_db()
    assert entry.status == "expired" and entry.validation == Validation.VALIDATED
    assert entry.changes.count() == 2


def test_a_semicolon_cp1252_file_from_excel(people) -> None:
    rows = [
        ["Nom", "N° de licence", "Statut"],
        ["Société Générale de Placement", "PL/7", "Révoquée"],
    ]
    found = imported(people["fp_a"], rows, delimiter=";", encoding="cp1252")
    assert found.headers == ["Nom", "N° de licence", "Statut"]
    recruiter_import_apply(register_import=found, user=people["fp_a"])
    entry = Recruiter.objects.get()
    assert entry.legal_name == "Société Générale de Placement" and entry.status == "revoked"
    assert entry.licence_key == "PL7"


def test_an_xlsx_workbook_with_real_and_numbered_dates(people) -> None:
    data = xlsx_bytes(
        {
            "Register": [
                ["Company name", "Registration number", "Valid from", "Valid until", "Status"],
                ["Lagos Health Jobs", 4471, dt.date(2023, 1, 15), 45382, "Licensed"],
            ]
        }
    )
    handle = io.BytesIO(data)
    found = start(people["fp_a"], handle)
    assert found.summary["format"] == "xlsx"
    recruiter_import_map(register_import=found, mapping=mapping_guess(found.headers))
    preview = recruiter_import_preview(found)
    [row] = preview.new
    assert row.values["licence_number"] == "4471"
    assert row.values["valid_from"] == dt.date(2023, 1, 15)
    assert row.values["valid_to"] == dt.date(2024, 3, 31)
    assert row.values["status"] == "authorised"


def test_without_a_status_column_new_entries_are_authorised(people) -> None:
    found = imported(people["fp_a"], [["Name", "Licence"], ["A Ltd", "1"]])
    preview = recruiter_import_preview(found)
    assert preview.status_assumed and preview.new[0].values["status"] == "authorised"


def test_a_file_too_large_or_too_long_or_unreadable_is_refused(people, settings) -> None:
    settings.REGISTER_IMPORT_MAX_BYTES = 100
    with pytest.raises(ImportRefused, match="can be imported at once"):
        start(people["fp_a"], csv_file([["Name", "Licence"], ["A" * 200, "1"]]))
    settings.REGISTER_IMPORT_MAX_BYTES = 10 * 1024 * 1024
    settings.REGISTER_IMPORT_MAX_ROWS = 2
    with pytest.raises(ImportRefused, match="more than 2 rows"):
        start(people["fp_a"], csv_file([["Name", "Licence"], ["A", "1"], ["B", "2"], ["C", "3"]]))
    with pytest.raises(ImportRefused, match="old Excel"):
        start(people["fp_a"], io.BytesIO(b"\xd0\xcf\x11\xe0" + b"\x00" * 100))
    with pytest.raises(ImportRefused):
        start(people["fp_a"], io.BytesIO(b"PK\x03\x04 not a zip"))
    assert not RegisterImport.objects.exists()


def test_a_discarded_import_keeps_nothing(people) -> None:
    found = imported(people["fp_a"], ROWS)
    recruiter_import_discard(register_import=found, user=people["fp_a"])
    assert found.state == RegisterImport.State.DISCARDED and found.rows == []
    discarded = AuditEntry.objects.get(action=Action.RECRUITERS_IMPORTED)
    assert discarded.data["discarded"] is True and discarded.actor == people["fp_a"]
    with pytest.raises(ImportRefused):
        recruiter_import_apply(register_import=found, user=people["fp_a"])
    assert not Recruiter.objects.exists()
