"""The back office's pages of migration statistics: the upload (administrators), the files
imported and their summaries, the statistics with filters and their CSV download."""

from __future__ import annotations

import csv
import io

import pytest

from codemonitor.workforce.models import Statistic, StatisticsFile
from tests.workforce.test_imports import CLASSIC

pytestmark = pytest.mark.django_db


def csv_file(text: str, name: str = "wfmi.csv") -> io.BytesIO:
    handle = io.BytesIO(text.encode())
    handle.name = name
    return handle


def test_an_administrator_imports_a_file_and_sees_its_summary(clients) -> None:
    bad = CLASSIC + "FRA,France,FTDS,Foreign-trained doctors,IND,India,2021,2021,-4,,\n"
    response = clients["admin"].post(
        "/backoffice/workforce/import/", {"file": csv_file(bad)}, follow=True
    )
    assert response.status_code == 200
    file = StatisticsFile.objects.get()
    assert response.redirect_chain[-1][0] == f"/backoffice/workforce/files/{file.pk}/"
    page = response.content.decode()
    assert "wfmi.csv" in page and file.sha256 in page
    assert "<td>7</td>" in page  # the line refused
    assert "is negative" in page
    assert "HKG" in page and "TOTAL" in page
    assert Statistic.objects.count() == 5


def test_a_dry_run_shows_the_summary_and_stores_nothing(clients) -> None:
    response = clients["admin"].post(
        "/backoffice/workforce/import/", {"file": csv_file(CLASSIC), "dry_run": "on"}
    )
    assert response.status_code == 200
    assert "Dry run" in response.content.decode()
    assert not Statistic.objects.exists() and not StatisticsFile.objects.exists()


def test_a_file_that_is_not_read_is_explained_on_the_form(clients) -> None:
    response = clients["admin"].post(
        "/backoffice/workforce/import/", {"file": csv_file("a,b\n1,2\n", "other.csv")}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "nothing was stored" in page and "neither" in page
    assert not StatisticsFile.objects.exists()


def test_an_analyst_sees_the_files_but_cannot_upload(clients) -> None:
    analyst = clients["analyst"]
    assert analyst.get("/backoffice/workforce/").status_code == 200
    assert "Import a file" not in analyst.get("/backoffice/workforce/").content.decode()
    assert analyst.get("/backoffice/workforce/import/").status_code == 404
    response = analyst.post("/backoffice/workforce/import/", {"file": csv_file(CLASSIC)})
    assert response.status_code == 404
    assert not StatisticsFile.objects.exists()


def test_national_users_see_none_of_it(clients) -> None:
    for persona in ("fp_a", "contributor_a", "fp_b"):
        for path in ("", "import/", "statistics/", "statistics.csv"):
            assert clients[persona].get(f"/backoffice/workforce/{path}").status_code == 404


def test_the_statistics_page_filters_and_its_download_is_the_filter(clients) -> None:
    clients["admin"].post("/backoffice/workforce/import/", {"file": csv_file(CLASSIC)})
    analyst = clients["analyst"]
    page = analyst.get("/backoffice/workforce/statistics/?destination=FRA&population=total")
    assert "1 statistic" in page.content.decode()
    assert "230000" in page.content.decode()
    response = analyst.get("/backoffice/workforce/statistics.csv?destination=FRA")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["destination_code", "destination", "origin_code", "origin"]
    assert len(rows) == 1 + 4
    assert {row[2] for row in rows[1:]} == {"IND", "DZA", "TOTAL", ""}


def test_a_statistics_file_over_the_body_limit_gets_through_on_its_route_only(
    clients, settings
) -> None:
    settings.REQUEST_BODY_MAX_BYTES = 2000
    settings.DOCUMENT_MAX_BYTES = settings.FORM_UPLOAD_MAX_BYTES = 1000
    settings.STATISTICS_UPLOAD_MAX_BYTES = 10_000
    rows = "".join(
        f"FRA,France,FTDS,Foreign-trained doctors,IND,India,{year},{year},{year},,\n"
        for year in range(1950, 2050)
    )
    big = CLASSIC.splitlines(keepends=True)[0] + rows
    assert 2000 < len(big) < 10_000
    admin = clients["admin"]
    response = admin.post("/backoffice/workforce/import/", {"file": csv_file(big)})
    assert response.status_code == 302
    assert Statistic.objects.count() == 100
    # Elsewhere the body limit stands.
    response = admin.post("/backoffice/instruments/upload/", {"workbook": csv_file(big)})
    assert response.status_code == 413
    # A file over the statistics limit is refused on the form, its bytes dropped as they come…
    response = admin.post("/backoffice/workforce/import/", {"file": csv_file(big * 3)})
    assert response.status_code == 400
    assert "can be imported at once" in response.content.decode()
    # … and a body over it by more than a form's fields is refused before it is read.
    response = admin.post("/backoffice/workforce/import/", {"file": csv_file(big * 400)})
    assert response.status_code == 413
    assert "MB can be sent at once" in response.content.decode()
    assert Statistic.objects.count() == 100
    # Signed out, the body limit stands on that route too: nothing of it is read (the CSRF
    # check would parse it to disk before the view sends the person to sign in).
    response = clients["anonymous"].post("/backoffice/workforce/import/", {"file": csv_file(big)})
    assert response.status_code == 413


def test_an_upload_spooled_to_disk_is_read_from_its_temporary_file(clients, settings) -> None:
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # past this, Django writes the upload to disk
    response = clients["admin"].post("/backoffice/workforce/import/", {"file": csv_file(CLASSIC)})
    assert response.status_code == 302
    assert Statistic.objects.count() == 5
    assert StatisticsFile.objects.get().size == len(CLASSIC.encode())


def test_a_filter_that_is_not_understood_is_left_out(clients) -> None:
    from codemonitor.workforce.selectors import StatisticsFilter

    asked = {
        "destination": "FR\x00A",
        "origin": "IND",
        "occupation": "doctors\x00",
        "population": "nobody",
        "measure": "stock",
        "year": "２０２０",
        "dataset": "x" * 30,
    }
    assert StatisticsFilter.from_query(asked) == StatisticsFilter(origin="IND", measure="stock")
    clients["admin"].post("/backoffice/workforce/import/", {"file": csv_file(CLASSIC)})
    # A NUL byte never reaches the database (PostgreSQL answers it with a server error).
    for name in ("destination", "origin", "occupation", "population", "measure", "dataset"):
        page = clients["analyst"].get("/backoffice/workforce/statistics/", {name: "\x00"})
        assert page.status_code == 200
        assert "5 statistics" in page.content.decode()


def test_a_file_of_many_refused_rows_keeps_a_bounded_summary(clients) -> None:
    from codemonitor.workforce.imports import REFUSED_KEPT

    bad = "".join(
        f"FRA,France,FTDS,Foreign-trained doctors,IND,India,{1000 + n},{1000 + n},-4,,\n"
        for n in range(REFUSED_KEPT + 5)
    )
    response = clients["admin"].post(
        "/backoffice/workforce/import/", {"file": csv_file(CLASSIC + bad)}, follow=True
    )
    file = StatisticsFile.objects.get()
    assert len(file.summary["refused"]) == REFUSED_KEPT
    assert file.summary["refused_count"] == REFUSED_KEPT + 5
    page = response.content.decode()
    assert f"{REFUSED_KEPT + 5} rows refused" in page
    assert f"The first {REFUSED_KEPT} are listed" in page
    listing = clients["analyst"].get("/backoffice/workforce/").content.decode()
    assert f"<td>{REFUSED_KEPT + 5}</td>" in listing
