"""The services of the laws database: history, audit, validation, relations, documents."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from codemonitor.core.audit import Action
from codemonitor.core.models import AuditEntry
from codemonitor.registers.laws import (
    LawRefused,
    law_document_attach,
    law_inverse_relations,
    law_remove,
    law_return,
    law_update,
    law_validate,
)
from codemonitor.registers.models import EntrySource, Law, LawChange, Validation
from codemonitor.reporting.documents import DocumentRefused
from tests.registers.helpers import in_force, law_input, make_law

pytestmark = pytest.mark.django_db


def actions(law: Law) -> list[str]:
    return list(
        AuditEntry.objects.filter(target_id=law.pk, action__startswith="register.law.")
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_creating_keeps_a_version_and_audits(people) -> None:
    law = make_law(people["fp_a"], events=[in_force(2019)], articles=[5], keywords=["a", "A", "b"])
    assert law.source == EntrySource.FOCAL_POINT
    assert law.validation == Validation.PENDING
    assert law.keywords == ["a", "b"]
    assert list(law.articles.values_list("pk", flat=True)) == [5]
    assert law.changes.count() == 1
    assert law.changes.get().data["events"] == [["in_force", "2019-01-01", ""]]
    assert actions(law) == [Action.LAW_CREATED]
    assert "health workforce act" in law.search_text and "ghana" in law.search_text


def test_a_change_by_the_country_waits_for_validation_again(people) -> None:
    law = make_law(people["fp_a"])
    law = law_validate(law=law, user=people["admin"])
    assert law.validation == Validation.VALIDATED
    law = law_update(
        law=law,
        data=law_input(title="Ley Nº 26.529", number="26.529"),
        user=people["contributor_a"],
    )
    assert law.validation == Validation.PENDING
    assert law.validated_by is None
    assert "ley no 26.529" in law.search_text
    assert actions(law) == [Action.LAW_CREATED, Action.LAW_VALIDATED, Action.LAW_CHANGED]
    assert law.changes.count() == 3
    entry = AuditEntry.objects.filter(action=Action.LAW_CHANGED).get()
    assert set(entry.data["fields"]) == {"title", "number"}


def test_a_change_by_the_secretariat_keeps_the_validation(people) -> None:
    law = law_validate(law=make_law(people["fp_a"]), user=people["admin"])
    law = law_update(law=law, data=law_input(title_en="Act"), user=people["admin"])
    assert law.validation == Validation.VALIDATED


def test_saving_the_same_entry_again_changes_nothing(people) -> None:
    law = make_law(people["fp_a"], events=[in_force(2020)])
    law_update(law=law, data=law_input(events=[in_force(2020)]), user=people["fp_a"])
    assert law.changes.count() == 1
    assert actions(law) == [Action.LAW_CREATED]


def test_returning_needs_a_note(people) -> None:
    law = make_law(people["fp_a"])
    with pytest.raises(LawRefused):
        law_return(law=law, user=people["admin"], note="  ")
    law = law_return(law=law, user=people["admin"], note="Give the number")
    assert law.validation == Validation.RETURNED
    assert law.validation_note == "Give the number"
    assert law.changes.first().data["validation"] == Validation.RETURNED


def test_relations_are_within_the_country_and_shown_both_ways(people) -> None:
    old = make_law(people["fp_a"], title="Old act")
    new = make_law(people["fp_a"], title="New act", relations=[("repeals", old.pk)])
    assert [(label, other.pk) for label, other in law_inverse_relations(old)] == [
        ("repealed by", new.pk)
    ]
    french = make_law(people["fp_b"], country="FRA", title="Loi")
    with pytest.raises(LawRefused) as refused:
        law_update(law=new, data=law_input(relations=[("amends", french.pk)]), user=people["fp_a"])
    assert refused.value.field == "relations"
    with pytest.raises(LawRefused):
        law_update(law=new, data=law_input(relations=[("amends", new.pk)]), user=people["fp_a"])


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"title": " "}, "title"),
        ({"kind": "poem"}, "kind"),
        ({"status": "dead"}, "status"),
        ({"articles": [999]}, "articles"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"language": "english please"}, "language"),
        ({"number": "9" * 101}, "number"),
    ],
)
def test_bad_values_are_refused_with_their_field(people, values, field) -> None:
    with pytest.raises(LawRefused) as refused:
        make_law(people["fp_a"], **values)
    assert refused.value.field == field
    assert not Law.objects.exists()


def test_a_document_is_checked_by_content_and_stored_under_a_random_name(people) -> None:
    law = make_law(people["fp_a"])
    pdf = SimpleUploadedFile("act.pdf", b"%PDF-1.4 the act", content_type="application/pdf")
    law = law_document_attach(law=law, upload=pdf, user=people["fp_a"])
    assert law.document_name == "act.pdf"
    assert law.document_type == "application/pdf"
    assert "act" not in law.document.name.rsplit("/", 1)[-1]
    assert law.document.name.endswith(".pdf")
    first = law.document.name
    law = law_document_attach(
        law=law,
        upload=SimpleUploadedFile("v2.pdf", b"%PDF-1.4 v2"),
        user=people["fp_a"],
    )
    assert law.document.name != first
    assert law.changes.count() == 3


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("act.pdf", b"<html><script>alert(1)</script></html>"),
        ("act.pdf", b"MZ\x90\x00\x03\x00\x00\x00binary"),
        ("empty.pdf", b""),
    ],
)
def test_a_document_of_the_wrong_content_is_refused(people, name, content) -> None:
    law = make_law(people["fp_a"])
    with pytest.raises(DocumentRefused):
        law_document_attach(law=law, upload=SimpleUploadedFile(name, content), user=people["fp_a"])
    law.refresh_from_db()
    assert not law.document
    assert law.changes.count() == 1


def test_a_document_over_the_limit_is_refused(people, settings) -> None:
    settings.DOCUMENT_MAX_BYTES = 10
    law = make_law(people["fp_a"])
    with pytest.raises(DocumentRefused, match="at most"):
        law_document_attach(
            law=law, upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4 " + b"x" * 20), user=None
        )


def test_removing_audits_and_drops_the_entry(people) -> None:
    law = make_law(people["fp_a"])
    pk = law.pk
    law_remove(law=law, user=people["fp_a"], note="duplicate")
    assert not Law.objects.filter(pk=pk).exists()
    assert not LawChange.objects.filter(law_id=pk).exists()
    entry = AuditEntry.objects.get(action=Action.LAW_REMOVED)
    assert entry.data["country"] == "GHA" and entry.data["law"] == pk
