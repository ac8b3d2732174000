"""The pages of the laws database: the country's and the Secretariat's."""

from __future__ import annotations

import csv
import io

import pytest

from codemonitor.registers.models import Law, RegisterImport, Validation
from tests.registers.helpers import make_law, named

pytestmark = pytest.mark.django_db


def form_data(**values) -> dict:
    data = {
        "title": "Health Workforce Act",
        "kind": "law",
        "status": "in_force",
        "events-TOTAL_FORMS": "3",
        "events-INITIAL_FORMS": "0",
        "events-0-kind": "adopted",
        "events-0-date": "2020-01-31",
        "events-1-kind": "in_force",
        "events-1-date": "01/03/2020",
        "events-2-kind": "",
        "events-2-date": "",
        "articles": ["5", "7"],
        "keywords": "licensing; migration",
    }
    data.update(values)
    return data


def test_a_focal_point_adds_an_entry_with_events_and_its_text(clients) -> None:
    data = form_data(document=named(b"%PDF-1.4 the act", "act.pdf"))
    response = clients["fp_a"].post("/national/laws/add/", data)
    law = Law.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/national/laws/{law.pk}/"
    assert law.member_state_id == "GHA"
    assert [e.kind for e in law.events.all()] == ["adopted", "in_force"]
    assert law.document_name == "act.pdf"
    page = clients["fp_a"].get(f"/national/laws/{law.pk}/").content.decode()
    assert "Health Workforce Act" in page and "act.pdf" in page and "History" in page
    download = clients["fp_a"].get(f"/national/laws/{law.pk}/document/")
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == b"%PDF-1.4 the act"


def test_a_form_with_errors_keeps_what_was_typed(clients) -> None:
    data = form_data(title="", url="not a url", **{"events-2-kind": "repealed"})
    response = clients["fp_a"].post("/national/laws/add/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "error-summary" in page
    assert 'value="licensing; migration"' in page
    assert 'value="not a url"' in page
    assert "Give the date of this event." in page
    assert not Law.objects.exists()


def test_a_document_of_the_wrong_kind_is_explained_on_the_form(clients) -> None:
    data = form_data(document=named(b"<svg onload=alert(1)>", "act.pdf"))
    response = clients["fp_a"].post("/national/laws/add/", data)
    assert response.status_code == 400
    assert "web page" in response.content.decode()
    assert not Law.objects.exists()


def test_editing_shows_the_entry_and_puts_it_back_to_validation(clients, people) -> None:
    law = make_law(people["fp_a"], number="A1")
    Law.objects.filter(pk=law.pk).update(validation=Validation.VALIDATED)
    page = clients["contributor_a"].get(f"/national/laws/{law.pk}/edit/").content.decode()
    assert 'value="A1"' in page
    response = clients["contributor_a"].post(
        f"/national/laws/{law.pk}/edit/", form_data(number="A2")
    )
    assert response.status_code == 302
    law.refresh_from_db()
    assert (law.number, law.validation) == ("A2", Validation.PENDING)


def test_another_country_s_entry_does_not_exist_for_a_focal_point(clients, people) -> None:
    law = make_law(people["fp_a"])
    for url in (f"/national/laws/{law.pk}/", f"/national/laws/{law.pk}/edit/"):
        assert clients["fp_b"].get(url).status_code == 404
    assert clients["fp_b"].post(f"/national/laws/{law.pk}/remove/").status_code == 404
    assert "Health Workforce Act" not in clients["fp_b"].get("/national/laws/").content.decode()
    assert Law.objects.filter(pk=law.pk).exists()


def test_the_import_page_previews_and_confirms(clients) -> None:
    content = b"title,type\nOne,law\nTwo,sonnet\n"
    response = clients["fp_a"].post("/national/laws/import/", {"file": named(content, "a.csv")})
    held = RegisterImport.objects.get()
    assert response["Location"] == f"/national/laws/import/{held.pk}/"
    page = clients["fp_a"].get(response["Location"]).content.decode()
    assert "sonnet" in page and "Refused rows" in page
    assert not Law.objects.exists()
    assert clients["fp_b"].get(response["Location"]).status_code == 404
    clients["fp_a"].post(f"/national/laws/import/{held.pk}/confirm/")
    assert list(Law.objects.values_list("title", flat=True)) == ["One"]


def test_an_unreadable_or_large_file_is_explained(clients, settings) -> None:
    response = clients["fp_a"].post(
        "/national/laws/import/", {"file": named(b"\xd0\xcf\x11\xe0 old", "a.xls")}
    )
    assert response.status_code == 400 and ".xls" in response.content.decode()
    settings.REGISTER_IMPORT_MAX_BYTES = 1000
    response = clients["fp_a"].post(
        "/national/laws/import/", {"file": named(b"title,type\n" + b"x,law\n" * 500, "a.csv")}
    )
    assert response.status_code == 400 and "at most" in response.content.decode()
    assert not RegisterImport.objects.exists()


def test_a_50_mb_upload_is_refused_before_it_is_read(clients) -> None:
    big = named(b"title,type\n" + b"x" * (50 * 1024 * 1024), "big.csv")
    response = clients["fp_a"].post("/national/laws/import/", {"file": big})
    assert response.status_code == 413
    assert not RegisterImport.objects.exists()


def test_the_secretariat_searches_exports_and_validates(clients, people) -> None:
    law = make_law(people["fp_a"], title="Searchable act")
    make_law(people["fp_b"], country="FRA", title="Loi")
    page = clients["analyst"].get("/backoffice/registers/laws/?q=searchable").content.decode()
    assert "Searchable act" in page and "Loi" not in page
    export = clients["analyst"].get("/backoffice/registers/laws.csv?country=FRA")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert [row[2] for row in rows[1:]] == ["Loi"]
    assert (
        "Searchable act"
        in clients["analyst"].get("/backoffice/registers/laws/pending/").content.decode()
    )
    assert (
        clients["analyst"].post(f"/backoffice/registers/laws/{law.pk}/validate/").status_code == 404
    )
    response = clients["admin"].post(f"/backoffice/registers/laws/{law.pk}/return/", {"note": ""})
    assert response.status_code == 400
    clients["admin"].post(f"/backoffice/registers/laws/{law.pk}/return/", {"note": "Number?"})
    law.refresh_from_db()
    assert (law.validation, law.validation_note) == (Validation.RETURNED, "Number?")
    page = clients["fp_a"].get(f"/national/laws/{law.pk}/").content.decode()
    assert "Number?" in page
    clients["admin"].post(f"/backoffice/registers/laws/{law.pk}/validate/")
    law.refresh_from_db()
    assert law.validation == Validation.VALIDATED


def test_bad_queries_never_break_the_search(clients) -> None:
    queries = (
        "year=abc&article=x&page=-5",
        "q=" + "x" * 5000,
        "region=%00&country=ZZZ",
        "q=a%00b&country=G%00A&type=%00",
    )
    for query in queries:
        assert clients["analyst"].get(f"/backoffice/registers/laws/?{query}").status_code == 200
        assert clients["fp_a"].get(f"/national/laws/?{query}").status_code == 200


def test_the_secretariat_adds_and_corrects_an_entry(clients, people) -> None:
    """An administrator adds an entry for a country and corrects a country's entry; the
    source says it was the Secretariat, and a correction keeps the entry's validation."""
    admin = clients["admin"]
    assert admin.get("/backoffice/registers/laws/add/?country=ZZZ").status_code == 404
    response = admin.post(
        "/backoffice/registers/laws/add/?country=FRA", form_data(title="Code de la santé")
    )
    added = Law.objects.get(title="Code de la santé")
    assert response.status_code == 302 and added.member_state_id == "FRA"
    assert added.source == "secretariat"
    law = make_law(people["fp_a"], title="Health Act")
    admin.post(f"/backoffice/registers/laws/{law.pk}/validate/")
    response = admin.post(
        f"/backoffice/registers/laws/{law.pk}/edit/", form_data(title="Health Act", number="")
    )
    assert response.status_code == 302
    response = admin.post(f"/backoffice/registers/laws/{law.pk}/edit/", form_data(title=""))
    assert response.status_code == 400
    law.refresh_from_db()
    assert (law.title, law.validation) == ("Health Act", Validation.VALIDATED)
    assert clients["analyst"].get(f"/backoffice/registers/laws/{law.pk}/edit/").status_code == 404
    assert clients["fp_a"].get(f"/backoffice/registers/laws/{law.pk}/edit/").status_code == 404
