"""Importing laws from a spreadsheet: the preview lists every row, refused ones with their line
and reason, before anything is saved; confirming applies it; the same file again changes
nothing."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from codemonitor.core.audit import Action, audit_trail
from codemonitor.core.models import AuditEntry
from codemonitor.registers.law_imports import (
    LawImportRefused,
    law_import_apply,
    law_import_discard,
    law_import_read,
    law_import_template,
)
from codemonitor.registers.models import EntrySource, Law, LawChange, RegisterImport, Validation
from tests.registers.helpers import make_law

pytestmark = pytest.mark.django_db

GOOD = (
    "title,type,number,status,events,articles,keywords,url\n"
    "Health Act,Law,Act 1,In force,adopted:2013-09-18; in force:01/10/2013,5; 7,a; b,"
    "https://example.org/1\n"
    "Nursing Regulations,RÉGULATION,,in_force,,,,\n"
)
BAD_ROWS = (
    "\n,law,,,,,,\n"  # line 4 is empty (skipped, still counted); line 5: no title
    "Poem,sonnet,,,,,,\n"  # 6
    "Dated,law,,,adopted:31-31-2020,,,\n"  # 7
    "Articled,law,,,,99,,\n"  # 8
    "Linked,law,,,,,,not a link\n"  # 9
    "Nursing Regulations,law,,,,,,\n"  # 10: the same as line 3
)


def read(content: bytes, user, country: str | None = "GHA", name: str = "laws.csv"):
    return law_import_read(
        source=io.BytesIO(content), file_name=name, size=len(content), user=user,
        member_state_id=country,
    )  # fmt: skip


def test_the_preview_lists_every_row_and_saves_nothing(people) -> None:
    held = read((GOOD + BAD_ROWS).encode(), people["fp_a"])
    assert not Law.objects.exists()
    assert held.state == RegisterImport.State.PREVIEW
    assert held.summary["create"] == 2 and held.summary["refused"] == 6
    refused = {row["line"]: row["reason"] for row in held.rows if row["action"] == "refused"}
    assert sorted(refused) == [5, 6, 7, 8, 9, 10]
    assert "title" in refused[5]
    assert "sonnet" in refused[6] and "regulation" in refused[6]
    assert "31-31-2020" in refused[7]
    assert "99" in refused[8]
    assert "web address" in refused[9]
    assert "line 3" in refused[10]


def test_confirming_applies_the_preview_and_the_same_file_changes_nothing(people) -> None:
    user = people["fp_a"]
    counts = law_import_apply(register_import=read(GOOD.encode(), user), user=user)
    assert counts["create"] == 2
    act = Law.objects.get(number="Act 1")
    assert act.source == EntrySource.IMPORT and act.validation == Validation.PENDING
    assert [(e.kind, e.date.isoformat()) for e in act.events.all()] == [
        ("adopted", "2013-09-18"),
        ("in_force", "2013-10-01"),
    ]
    assert sorted(act.articles.values_list("pk", flat=True)) == [5, 7]
    assert act.keywords == ["a", "b"]
    assert Law.objects.get(title="Nursing Regulations").kind == "regulation"
    entry = AuditEntry.objects.get(action=Action.LAWS_IMPORTED)
    assert entry.data["create"] == 2
    changes = LawChange.objects.count()

    again = read(GOOD.encode(), user)
    assert again.summary["unchanged"] == 2 and again.summary["create"] == 0
    law_import_apply(register_import=again, user=user)
    assert Law.objects.count() == 2 and LawChange.objects.count() == changes


def test_a_changed_row_updates_only_its_columns(people) -> None:
    user = people["fp_a"]
    law = make_law(user, title="Health Act", number="Act 1", abstract="Kept")
    held = read(b"number,title,type,status\nAct 1,Health Act (2020),law,repealed\n", user)
    assert [row["action"] for row in held.rows] == ["update"]
    law_import_apply(register_import=held, user=user)
    law.refresh_from_db()
    assert (law.title, law.status, law.abstract) == ("Health Act (2020)", "repealed", "Kept")


def test_confirming_twice_is_refused(people) -> None:
    held = read(GOOD.encode(), people["fp_a"])
    law_import_apply(register_import=held, user=people["fp_a"])
    with pytest.raises(LawImportRefused):
        law_import_apply(register_import=held, user=people["fp_a"])
    assert Law.objects.count() == 2


def test_discarding_saves_nothing(people) -> None:
    held = read(GOOD.encode(), people["fp_a"])
    law_import_discard(register_import=held, user=people["fp_a"])
    held.refresh_from_db()
    assert held.state == RegisterImport.State.DISCARDED and held.rows == []
    assert not Law.objects.exists()


def test_a_country_s_file_keeps_to_its_country(people) -> None:
    held = read(b"iso3,title,type\nGHA,One,law\nFRA,Two,law\nXXX,Three,law\n", people["fp_a"])
    actions = [(row["line"], row["action"]) for row in held.rows]
    assert actions == [(2, "create"), (3, "refused"), (4, "refused")]
    assert "FRA" in held.rows[1]["reason"] and "XXX" in held.rows[2]["reason"]


def test_the_secretariat_s_rows_name_their_country(people) -> None:
    content = b"country;title;type\nGhana;One;law\nFrance;Deux;law\n;Three;law\n"
    held = read(content, people["admin"], country=None)
    assert [(row.get("country"), row["action"]) for row in held.rows] == [
        ("GHA", "create"),
        ("FRA", "create"),
        (None, "refused"),
    ]
    with pytest.raises(LawImportRefused, match="iso3"):
        read(b"title,type\nOne,law\n", people["admin"], country=None)


def test_a_workbook_is_read_as_a_csv_file_is(people) -> None:
    import datetime as dt

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Title", "Type", "In force", "Articles"])
    sheet.append(["Health Act", "law", dt.datetime(2013, 10, 1), 5])
    output = io.BytesIO()
    workbook.save(output)
    held = read(output.getvalue(), people["fp_a"], name="laws.xlsx")
    law_import_apply(register_import=held, user=people["fp_a"])
    law = Law.objects.get()
    assert [(e.kind, e.date) for e in law.events.all()] == [("in_force", dt.date(2013, 10, 1))]
    assert list(law.articles.values_list("pk", flat=True)) == [5]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"name,kind\nx,law\n", "title"),
        (b"\xd0\xcf\x11\xe0old excel", ".xls"),
        (b"PK\x03\x04not a zip", "workbook"),
        (b"title,type\n\x00\x00", "neither"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_saying_why(people, content, message) -> None:
    with pytest.raises(LawImportRefused, match=message):
        read(content, people["fp_a"])
    assert not RegisterImport.objects.exists()


def test_a_file_over_the_limit_is_refused_by_its_size(people, settings) -> None:
    settings.REGISTER_IMPORT_MAX_BYTES = 100
    with pytest.raises(LawImportRefused, match="at most"):
        read(GOOD.encode() * 10, people["fp_a"])


def test_the_template_imports_as_it_is(people) -> None:
    held = read(law_import_template(), people["fp_a"])
    assert [row["action"] for row in held.rows] == ["create"]


def test_a_row_that_now_gives_a_number_finds_its_entry_by_title(people) -> None:
    law = make_law(people["fp_a"], title="Health Act")
    held = read(b"title,type,number\nhealth ACT,law,Act 1\n", people["fp_a"])
    assert [(row["action"], row["law"]) for row in held.rows] == [("update", law.pk)]
    law_import_apply(register_import=held, user=people["fp_a"])
    assert Law.objects.get().number == "Act 1"


def test_control_characters_in_a_file_are_not_stored(people) -> None:
    # Past the first 64 KB (where a NUL byte makes the file "not a CSV file").
    padding = b"".join(b"Padding text number %d,law,,\n" % n for n in range(3000))
    content = b"title,type,number,odd\x01\n" + padding + b"Last,law,N\x01,\n"
    held = read(content, people["fp_a"])
    assert held.rows[-1]["action"] == "create"
    assert held.rows[-1]["data"]["number"] == "N"
    assert "\x01" not in str(held.rows) and "\x01" not in str(held.summary)
    # A NUL byte there is no text: the file is refused with its line, as every import's
    # (registers.tables), rather than a number silently changed.
    with pytest.raises(LawImportRefused) as refused:
        read(content.replace(b"N\x01", b"\x00N1"), people["fp_a"])
    assert "Line 3002" in refused.value.message


def test_each_imported_entry_has_its_own_audit_entry(people) -> None:
    """An entry's own trail says it came from the file, not only the file's summary entry."""
    law_import_apply(register_import=read(GOOD.encode(), people["fp_a"]), user=people["fp_a"])
    laws = Law.objects.filter(member_state_id="GHA")
    assert laws.count() == 2
    for law in laws:
        assert [entry.action for entry in audit_trail(law)] == [Action.LAW_CREATED.value]
