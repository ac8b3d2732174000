"""The services of the record of authorised recruiters: checks, the licence key, history,
audit, validation."""

from __future__ import annotations

import datetime as dt

import pytest

from codemonitor.core.audit import Action, audit_trail
from codemonitor.core.models import AuditEntry
from codemonitor.registers.models import EntrySource, Recruiter, Validation
from codemonitor.registers.recruiters import (
    RecruiterRefused,
    ValidationRefused,
    licence_key,
    recruiter_create,
    recruiter_remove,
    recruiter_return,
    recruiter_update,
    recruiter_validate,
)
from tests.registers.conftest import recruiter

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("number", "key"),
    [("RA-12/2020", "RA122020"), ("ra 12.2020", "RA122020"), (" pl\\7 — x ", "PL7X"), ("", "")],
)
def test_the_licence_key_ignores_case_spaces_dots_dashes_and_slashes(number, key) -> None:
    assert licence_key(number) == key


def test_a_focal_points_entry_is_kept_with_its_history_and_audit_and_waits(people) -> None:
    entry = recruiter(
        people["fp_a"],
        other_names="Accra Staffing; AHS\nAccra Staffing",
        website="www.ahs.example",
        valid_from=dt.date(2024, 1, 1),
        valid_to="2026-12-31",
    )
    assert entry.licence_key == "RA001"
    assert entry.other_names == ["Accra Staffing", "AHS"]
    assert entry.website == "https://www.ahs.example"
    assert entry.valid_to == dt.date(2026, 12, 31)
    assert entry.validation == Validation.PENDING and entry.source == EntrySource.FOCAL_POINT
    assert "accra health staffing ltd" in entry.search_text and "ahs" in entry.search_text
    assert entry.changes.count() == 1
    assert entry.changes.get().data["legal_name"] == "Accra Health Staffing Ltd"
    [audit] = audit_trail(entry)
    assert audit.action == Action.RECRUITER_CREATED
    assert audit.data == {"country": "GHA", "licence": "RA001"}


def test_a_licence_recorded_twice_in_a_country_is_refused_with_its_holder(people) -> None:
    recruiter(people["fp_a"], licence_number="RA 001")
    with pytest.raises(RecruiterRefused) as refused:
        recruiter(people["fp_a"], legal_name="Other", licence_number="ra-001")
    assert refused.value.errors["licence_number"] == (
        "Licence ra-001 is already recorded for Accra Health Staffing Ltd."
    )
    # Another country may have the same number.
    assert recruiter(people["fp_b"], country="FRA", licence_number="RA-001").pk


def test_changing_a_licence_to_one_already_held_is_refused(people) -> None:
    recruiter(people["fp_a"], licence_number="A1")
    second = recruiter(people["fp_a"], legal_name="Second", licence_number="B2")
    with pytest.raises(RecruiterRefused):
        recruiter_update(recruiter=second, data={"licence_number": "a-1"}, user=people["fp_a"])
    second.refresh_from_db()
    assert second.licence_number == "B2"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"legal_name": "  "}, "legal_name"),
        ({"licence_number": "--/"}, "licence_number"),
        ({"status": "maybe"}, "status"),
        ({"valid_from": "2025-01-02", "valid_to": "2025-01-01"}, "valid_to"),
        ({"website": "not a web address"}, "website"),
        ({"source_url": "javascript:alert(1)"}, "source_url"),
        ({"valid_from": "31 February"}, "valid_from"),
        ({"legal_name": "x" * 301}, "legal_name"),
    ],
)
def test_a_wrong_field_is_refused_on_that_field(people, fields, field) -> None:
    with pytest.raises(RecruiterRefused) as refused:
        recruiter(people["fp_a"], **fields)
    assert field in refused.value.errors
    assert not Recruiter.objects.exists()


def test_a_national_change_waits_for_validation_again_and_is_snapshotted(people) -> None:
    entry = recruiter(people["fp_a"])
    recruiter_validate(recruiter=entry, user=people["admin"])
    assert entry.validation == Validation.VALIDATED
    changed = recruiter_update(
        recruiter=entry,
        data={"status": "suspended", "legal_name": "AHS Ltd"},
        user=people["contributor_a"],
    )
    assert changed == ["legal_name", "status"]
    entry.refresh_from_db()
    assert entry.validation == Validation.PENDING and entry.validated_by is None
    assert entry.changes.count() == 3
    assert entry.changes.first().data["status"] == "suspended"
    last = audit_trail(entry).last()
    assert last.action == Action.RECRUITER_CHANGED and last.data["fields"] == [
        "legal_name",
        "status",
    ]


def test_saving_the_same_values_writes_nothing(people) -> None:
    entry = recruiter(people["fp_a"])
    before = AuditEntry.objects.count()
    assert (
        recruiter_update(
            recruiter=entry, data={"legal_name": entry.legal_name}, user=people["fp_a"]
        )
        == []
    )
    assert AuditEntry.objects.count() == before and entry.changes.count() == 1


def test_the_secretariats_entry_is_validated_by_entering_it(people) -> None:
    entry = recruiter(people["admin"])
    assert entry.validation == Validation.VALIDATED and entry.source == EntrySource.SECRETARIAT


def test_returning_needs_a_note_and_validating_is_for_administrators(people) -> None:
    entry = recruiter(people["fp_a"])
    with pytest.raises(ValidationRefused):
        recruiter_return(recruiter=entry, user=people["admin"], note="  ")
    with pytest.raises(PermissionError):
        recruiter_validate(recruiter=entry, user=people["analyst"])
    recruiter_return(recruiter=entry, user=people["admin"], note="The licence number is wrong")
    assert entry.validation == Validation.RETURNED
    assert entry.validation_note == "The licence number is wrong"
    assert audit_trail(entry).last().action == Action.RECRUITER_RETURNED


def test_removing_keeps_the_audit_entry(people) -> None:
    entry = recruiter(people["fp_a"])
    pk = entry.pk
    recruiter_remove(recruiter=entry, user=people["fp_a"], note="closed")
    assert not Recruiter.objects.filter(pk=pk).exists()
    assert AuditEntry.objects.filter(action=Action.RECRUITER_REMOVED, target_id=pk).exists()


def test_recruiter_create_checks_what_a_caller_forgot(people) -> None:
    with pytest.raises(RecruiterRefused) as refused:
        recruiter_create(member_state_id="GHA", data={"legal_name": "X"}, user=people["fp_a"])
    assert {"licence_number", "status"} <= set(refused.value.errors)


def test_the_validation_note_is_plain_text_in_the_history_too(people) -> None:
    # A NUL byte sent with the note reached the history (a server error on PostgreSQL).
    entry = recruiter(people["fp_a"])
    recruiter_validate(recruiter=entry, user=people["admin"], note=" Checked\x00 online \x07")
    change = entry.changes.order_by("-pk").first()
    assert change is not None and change.note == "Checked online"
    entry.refresh_from_db()
    assert entry.validation_note == "Checked online"
