"""Reference data: counts, dated region membership, safeguards editions, idempotent reload."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from codemonitor.reference.models import (
    CodeArticle,
    Language,
    MemberState,
    SafeguardsEdition,
)
from codemonitor.reference.services import region_counts, safeguards_by_region
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

TODAY = {"AFR": 47, "AMR": 35, "SEAR": 10, "EUR": 53, "EMR": 21, "WPR": 28}


def test_194_member_states_with_iso_codes_and_names(reference) -> None:
    assert MemberState.objects.count() == 194
    france = MemberState.objects.get(iso3="FRA")
    assert (france.iso2, france.numeric, france.name) == ("FR", "250", "France")


def test_regions_today_and_in_2024(reference) -> None:
    assert region_counts() == TODAY
    assert region_counts(dt.date(2024, 6, 1)) == {**TODAY, "SEAR": 11, "WPR": 27}


def test_indonesia_moved_on_23_may_2025(reference) -> None:
    indonesia = MemberState.objects.get(iso3="IDN")
    assert indonesia.region_on(dt.date(2025, 5, 22)) == "SEAR"
    assert indonesia.region_on(dt.date(2025, 5, 23)) == "WPR"
    assert MemberState.objects.in_region("SEAR", on=dt.date(2024, 1, 1)).filter(iso3="IDN").exists()
    assert not MemberState.objects.in_region("SEAR").filter(iso3="IDN").exists()


def test_safeguards_editions(reference) -> None:
    counts = {e.year: e.entries.count() for e in SafeguardsEdition.objects.all()}
    assert counts == {2020: 47, 2023: 55}
    assert safeguards_by_region(2023) == {"AFR": 37, "WPR": 8, "EMR": 6, "SEAR": 3, "AMR": 1}
    added = set(
        SafeguardsEdition.objects.get(year=2023).entries.values_list("member_state_id", flat=True)
    ) - set(
        SafeguardsEdition.objects.get(year=2020).entries.values_list("member_state_id", flat=True)
    )
    assert added == {"COM", "LAO", "RWA", "TLS", "TUV", "WSM", "ZMB", "ZWE"}
    assert SafeguardsEdition.in_force(dt.date(2022, 1, 1)).year == 2020
    assert SafeguardsEdition.in_force(dt.date(2024, 1, 1)).year == 2023


def test_articles_and_languages(reference) -> None:
    assert list(CodeArticle.objects.values_list("number", flat=True)) == list(range(1, 11))
    assert all(article.text_en and article.title_fr for article in CodeArticle.objects.all())
    assert CodeArticle.objects.get(number=3).title("fr") == "Principes directeurs"
    assert sorted(Language.objects.values_list("code", flat=True)) == [
        "ar",
        "en",
        "es",
        "fr",
        "ru",
        "zh",
    ]
    assert Language.objects.get(code="ar").direction == "rtl"


def test_reload_is_idempotent_and_keeps_display_names(reference) -> None:
    MemberState.objects.filter(iso3="BOL").update(display_name="Bolivia (Plurinational State of)")
    call_command("load_reference", stdout=io.StringIO())
    call_command("load_reference", stdout=io.StringIO())
    assert MemberState.objects.count() == 194
    assert MemberState.objects.get(iso3="BOL").name == "Bolivia (Plurinational State of)"
    assert region_counts() == TODAY
    assert SafeguardsEdition.objects.get(year=2023).entries.count() == 55


def test_new_safeguards_edition_loads_from_csv(reference, tmp_path: Path) -> None:
    path = tmp_path / "safeguards-2026.csv"
    path.write_text("edition,iso3\n2026,AFG\n2026,TCD\n2026,NER\n")
    out = io.StringIO()
    call_command("load_safeguards", str(path), stdout=out)
    assert out.getvalue() == "Safeguards list 2026: 3 countries\n"
    assert SafeguardsEdition.objects.get(year=2026).entries.count() == 3
    assert SafeguardsEdition.objects.get(year=2023).entries.count() == 55


def test_bad_safeguards_csv_names_every_bad_row(reference, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("edition,iso3\n2026,AFG\n26,TCD\n2026,XYZ\n2026,AFG\n")
    with pytest.raises(CommandError) as raised:
        call_command("load_safeguards", str(path))
    assert str(raised.value) == (
        f"{path}: row 3: edition '26' is not a year; row 4: 'XYZ' is not the ISO code of a WHO "
        "Member State; row 5: AFG is listed twice in edition 2026"
    )
    assert not SafeguardsEdition.objects.filter(year=2026).exists()


def test_safeguards_upload_in_admin(reference, client, secretariat) -> None:
    sign_in(client, secretariat)
    upload = io.BytesIO(b"edition,iso3\n2026,AFG\n2026,TCD\n")
    upload.name = "list.csv"
    response = client.post("/admin/reference/safeguardsedition/upload/", {"file": upload})
    assert response.status_code == 302
    assert SafeguardsEdition.objects.get(year=2026).entries.count() == 2
    bad = io.BytesIO(b"year,country\n2026,AFG\n")
    bad.name = "bad.csv"
    response = client.post("/admin/reference/safeguardsedition/upload/", {"file": bad})
    assert response.status_code == 200
    assert "the file needs the columns" in response.content.decode()
