"""The pages of the record of authorised recruiters: the country's, the Secretariat's, and the
public lookup."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from codemonitor.core.audit import Action
from codemonitor.core.models import AuditEntry
from codemonitor.registers.models import Recruiter, RegisterImport, Validation
from codemonitor.registers.recruiters import recruiter_validate
from tests.registers.conftest import csv_file, recruiter

pytestmark = pytest.mark.django_db

ENTRY = {
    "legal_name": "Accra Health Staffing Ltd",
    "licence_number": "RA-001",
    "status": "authorised",
    "other_names": "AHS",
    "valid_from": "2024-01-01",
    "valid_to": "2026-12-31",
}
FILE = [["Licence No", "Agency", "Statut"], ["RA-001", "Accra Health Staffing Ltd", "actif"],
        ["RA-002", "Volta Nurses", "suspendu"]]  # fmt: skip


def test_a_focal_point_adds_an_entry_and_a_wrong_one_keeps_what_was_typed(clients, people) -> None:
    client = clients["fp_a"]
    response = client.post("/national/recruiters/add/", ENTRY)
    assert response.status_code == 302
    entry = Recruiter.objects.get()
    assert entry.member_state_id == "GHA" and entry.validation == Validation.PENDING
    again = client.post(
        "/national/recruiters/add/",
        {**ENTRY, "legal_name": "Typed name", "licence_number": "ra 001"},
    )
    assert again.status_code == 400
    html = again.content.decode()
    assert "Licence ra 001 is already recorded for Accra Health Staffing Ltd." in html
    assert 'value="Typed name"' in html
    wrong = client.post(
        "/national/recruiters/add/", {**ENTRY, "licence_number": "X", "valid_to": "2020-01-01"}
    )
    assert wrong.status_code == 400 and "is before its start" in wrong.content.decode()
    page = client.get("/national/recruiters/?q=accra&status=nonsense&page=zz")
    assert page.status_code == 200 and "Accra Health Staffing Ltd" in page.content.decode()


def test_an_entry_is_changed_and_its_history_shown(clients, people) -> None:
    entry = recruiter(people["fp_a"])
    url = f"/national/recruiters/{entry.pk}/"
    response = clients["contributor_a"].post(
        url, {**ENTRY, "status": "suspended", "note": "renewal refused"}
    )
    assert response.status_code == 302
    page = clients["fp_a"].get(url).content.decode()
    assert "renewal refused" in page and "suspended" in page
    assert clients["fp_b"].get(url).status_code == 404
    assert clients["fp_b"].post(url, ENTRY).status_code == 404


def test_importing_through_the_pages_and_again_without_choosing_columns(clients, people) -> None:
    client = clients["fp_a"]
    response = client.post("/national/recruiters/import/", {"file": csv_file(FILE)})
    found = RegisterImport.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/national/recruiters/import/{found.pk}/"
    )
    columns = client.get(response["Location"])
    html = columns.content.decode()
    assert "Which column holds what?" in html
    assert '<option value="1" selected>Agency</option>' in html  # guessed
    mapped = client.post(
        response["Location"],
        {"action": "map", "legal_name": "1", "licence_number": "0", "status": "2"},
    )
    assert mapped.status_code == 302
    preview = client.get(response["Location"]).content.decode()
    assert "2 new entries" in preview and "Volta Nurses" in preview
    assert client.post(response["Location"], {"action": "confirm"}).status_code == 302
    assert Recruiter.objects.count() == 2
    audits = AuditEntry.objects.count()

    second = client.post("/national/recruiters/import/", {"file": csv_file(FILE)})
    page = client.get(second["Location"]).content.decode()
    assert "Which column holds what?" not in page  # remembered
    assert "2 entries unchanged" in page
    client.post(second["Location"], {"action": "confirm"})
    assert AuditEntry.objects.count() == audits


def test_a_mapping_without_the_required_columns_is_refused(clients, people) -> None:
    client = clients["fp_a"]
    location = client.post(
        "/national/recruiters/import/", {"file": csv_file([["A", "B"], ["x", "y"]])}
    )["Location"]
    response = client.post(location, {"action": "map", "legal_name": "0", "licence_number": "0"})
    assert response.status_code == 400
    assert "already used for" in response.content.decode()
    response = client.post(location, {"action": "map", "legal_name": "7"})
    assert response.status_code == 400


def test_an_unreadable_or_oversized_upload_is_refused_clearly(clients, settings) -> None:
    client = clients["fp_a"]
    bad = io.BytesIO(b"\xd0\xcf\x11\xe0" + b"\x00" * 64)
    bad.name = "old.xls"
    response = client.post("/national/recruiters/import/", {"file": bad})
    assert response.status_code == 400 and "old Excel workbook" in response.content.decode()
    settings.REGISTER_IMPORT_MAX_BYTES = 1024
    big = csv_file([["Name", "Licence"], *([["A" * 100, "1"]] * 30)])
    response = client.post("/national/recruiters/import/", {"file": big})
    assert (
        response.status_code == 400 and "at most 0.0009765625 MB" not in response.content.decode()
    )
    assert "can be imported at once" in response.content.decode()
    assert not RegisterImport.objects.exists()


def test_a_50_mb_upload_is_refused_before_it_is_read(clients) -> None:
    response = clients["fp_a"].generic(
        "POST",
        "/national/recruiters/import/",
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "What you sent is 50.0 MB" in response.content.decode()


def test_the_secretariat_searches_validates_returns_and_exports(clients, people) -> None:
    entry = recruiter(people["fp_a"])
    recruiter(
        people["fp_b"], country="FRA", legal_name="Paris Santé Recrutement", licence_number="F-1"
    )
    listing = clients["analyst"].get("/backoffice/registers/recruiters/?region=AFR&q=health")
    html = listing.content.decode()
    assert "Accra Health Staffing Ltd" in html and "Paris Santé" not in html
    url = f"/backoffice/registers/recruiters/{entry.pk}/validation/"
    assert clients["analyst"].post(url, {"action": "validate"}).status_code == 404
    assert clients["admin"].post(url, {"action": "validate"}).status_code == 302
    entry.refresh_from_db()
    assert entry.validation == Validation.VALIDATED
    clients["admin"].post(url, {"action": "return", "note": ""})
    entry.refresh_from_db()
    assert entry.validation == Validation.VALIDATED  # a return needs its note
    clients["admin"].post(url, {"action": "return", "note": "Check the dates"})
    entry.refresh_from_db()
    assert entry.validation == Validation.RETURNED
    export = clients["analyst"].get("/backoffice/registers/recruiters.csv?country=FRA")
    assert export["Content-Type"].startswith("text/csv")
    lines = export.content.decode().splitlines()
    assert lines[0].startswith("iso3,member_state,legal_name") and len(lines) == 2


def test_the_secretariat_imports_for_a_chosen_country(clients, people) -> None:
    response = clients["admin"].post(
        "/backoffice/registers/recruiters/import/", {"country": "NGA", "file": csv_file(FILE)}
    )
    assert response.status_code == 302
    found = RegisterImport.objects.get()
    assert found.member_state_id == "NGA"
    clients["admin"].post(
        response["Location"],
        {"action": "map", "legal_name": "1", "licence_number": "0", "status": "2"},
    )
    clients["admin"].post(response["Location"], {"action": "confirm"})
    assert set(Recruiter.objects.values_list("member_state_id", "validation")) == {
        ("NGA", "validated")
    }
    assert AuditEntry.objects.filter(action=Action.RECRUITERS_IMPORTED).count() == 1


# -- the public lookup -----------------------------------------------------------------------


def test_the_public_lookup_shows_validated_entries_only(people) -> None:
    shown = recruiter(people["fp_a"], other_names="Accra Staffing", licence_number="RA-12/2020",
                      valid_to="2020-01-01", valid_from="2019-01-01", status="revoked")  # fmt: skip
    recruiter_validate(recruiter=shown, user=people["admin"])
    recruiter(people["fp_a"], legal_name="Accra Pending Agency", licence_number="P-1")
    client = Client()
    response = client.get("/recruiters/", {"q": "ACCRA"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Accra Health Staffing Ltd" in html and "Accra Pending Agency" not in html
    assert "Revoked: the authority withdrew the licence" in html
    assert "is outside these dates" in html
    cache = {part.strip() for part in response["Cache-Control"].split(",")}
    assert cache == {"private", "max-age=300"}
    # The licence number however it is written; words without their accents; one country.
    assert "Accra Health" in client.get("/recruiters/", {"q": "ra 12 2020"}).content.decode()
    assert "Accra Health" in client.get("/recruiters/", {"q": "staffing ACCRÁ"}).content.decode()
    assert (
        "Accra Health"
        not in client.get("/recruiters/", {"q": "accra", "country": "FRA"}).content.decode()
    )


@pytest.mark.parametrize(
    "query",
    [
        {"q": "x" * 500},
        {"country": "ZZZ", "q": "a"},
        {"q": "\x00"},
        {"q": "%", "page": "-1"},
        {"page": "9999", "q": "a"},
    ],
)
def test_bad_input_to_the_lookup_is_never_a_server_error(reference, query) -> None:
    response = Client().get("/recruiters/", query)
    assert response.status_code in {200, 400}


def test_the_lookup_is_limited_per_address(reference, settings) -> None:
    settings.RATE_LOOKUP_PER_IP = (2, 3600)
    client = Client()
    assert client.get("/recruiters/", {"q": "a"}).status_code == 200
    assert client.get("/recruiters/", {"q": "b"}).status_code == 200
    response = client.get("/recruiters/", {"q": "c"})
    assert response.status_code == 429 and "Too many searches" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert client.get("/recruiters/").status_code == 200  # the empty form is not counted


def test_a_country_is_named_by_its_whole_code(people) -> None:
    from django.http import Http404
    from django.test import RequestFactory

    from codemonitor.accounts.access import SESSION_VERIFIED
    from codemonitor.registers.access import writable_country

    request = RequestFactory().get("/")
    request.user = people["fp_a"]
    request.session = {SESSION_VERIFIED: people["fp_a"].pk}  # type: ignore[assignment]
    assert writable_country(request, "gha")[0].pk == "GHA"
    for code in ("GHAX", "GHA\x00", "GH"):
        with pytest.raises(Http404):
            writable_country(request, code)


def test_the_secretariats_import_for_a_country_is_not_the_countrys(clients, people) -> None:
    # As for laws: the country's people see and decide their own imports, not one the
    # Secretariat holds for their country (its rows, its confirmation or discarding).
    response = clients["admin"].post(
        "/backoffice/registers/recruiters/import/", {"country": "GHA", "file": csv_file(FILE)}
    )
    found = RegisterImport.objects.get()
    assert response.status_code == 302 and found.member_state_id == "GHA"
    for persona in ("fp_a", "contributor_a", "fp_b"):
        url = f"/national/recruiters/import/{found.pk}/"
        assert clients[persona].get(url).status_code == 404
        assert clients[persona].post(url, {"action": "discard"}).status_code == 404
    found.refresh_from_db()
    assert found.state == RegisterImport.State.PREVIEW
    own = clients["fp_a"].post("/national/recruiters/import/", {"file": csv_file(FILE)})
    assert clients["contributor_a"].get(own["Location"]).status_code == 200
    assert clients["fp_b"].get(own["Location"]).status_code == 404
