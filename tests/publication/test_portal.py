"""The public portal's published pages, before and after the publication moment, as anonymous,
a focal point of another country and a stakeholder: nothing of the round before, then only
what is published, never personal data. The clock is moved by moving the round's moment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from codemonitor.publication.services import report_withhold
from codemonitor.registers.models import NationalAuthority
from codemonitor.reporting.models import Report, Round
from tests.conftest import sign_in
from tests.publication.conftest import (
    DOCUMENT_NAME,
    ENTITY,
    PLANTED_EMAIL,
    PLANTED_NAME,
    PLANTED_PHONE,
    PLANTED_WEBSITE,
)

pytestmark = pytest.mark.django_db

DNA_ADDRESS = "Planted Street 12, Accra"
DNA_PHONE = "+233 555 0199"


@pytest.fixture
def visitors(people, round_):
    """Anonymous, the focal point of another country, and the stakeholder of a report."""
    focal_b = Client()
    sign_in(focal_b, people["fp_b"])
    stakeholder = Client()
    session = stakeholder.session
    session["stakeholder_reports"] = [str(round_["named"].uuid)]
    session.save()
    return {"anonymous": Client(), "fp_b": focal_b, "stakeholder": stakeholder}


def move_the_clock(round_, *, public: bool) -> None:
    """The round's moment an hour ago (public) or in a year (not yet)."""
    moment = timezone.now() + (dt.timedelta(hours=-1) if public else dt.timedelta(days=365))
    Round.objects.filter(pk=round_["round"].pk).update(publishes_at=moment)


def urls(round_) -> list[str]:
    reports = [round_[key].pk for key in ("national", "submitted_national", "named", "unnamed")]
    reports.append(round_["draft"].pk)
    return [
        "/rounds/",
        f"/rounds/{round_['round'].number}/",
        *(f"/reports/{pk}/" for pk in reports),
        "/countries/GHA/",
    ]


def test_nothing_of_the_round_before_its_moment(round_, visitors) -> None:
    move_the_clock(round_, public=False)
    for name, client in visitors.items():
        assert round_["round"].title not in client.get("/rounds/").content.decode(), name
        assert client.get(f"/rounds/{round_['round'].number}/").status_code == 404, name
        for key in ("national", "named", "unnamed", "submitted_national", "draft"):
            assert client.get(f"/reports/{round_[key].pk}/").status_code == 404, (name, key)
        country = client.get("/countries/GHA/").content.decode()
        assert round_["national"].reference not in country, name


def test_after_the_moment_only_what_is_published(round_, visitors, people) -> None:
    move_the_clock(round_, public=True)
    for name, client in visitors.items():
        listed = client.get("/rounds/").content.decode()
        assert round_["round"].title in listed, name
        page = client.get(f"/rounds/{round_['round'].number}/").content.decode()
        assert f"/reports/{round_['national'].pk}/" in page
        assert f"/reports/{round_['submitted_national'].pk}/" not in page  # not validated
        assert f"/reports/{round_['draft'].pk}/" not in page
        assert ENTITY in page  # the organisation that agreed is named, the other is not
        assert page.count(ENTITY) == 1
        for key in ("national", "named", "unnamed"):
            assert client.get(f"/reports/{round_[key].pk}/").status_code == 200, (name, key)
        for key in ("submitted_national", "draft"):
            assert client.get(f"/reports/{round_[key].pk}/").status_code == 404, (name, key)
        assert ENTITY not in client.get(f"/reports/{round_['unnamed'].pk}/").content.decode()
        assert client.get("/reports/99999999/").status_code == 404
    report_withhold(report=round_["named"], reason="Checking the consent", user=people["admin"])
    assert visitors["anonymous"].get(f"/reports/{round_['named'].pk}/").status_code == 404


def test_personal_data_are_in_no_public_page(round_, visitors) -> None:
    NationalAuthority.objects.create(
        member_state_id="GHA",
        name="Ministry of Health, Human Resources Directorate",
        institution="Ministry of Health",
        address=DNA_ADDRESS,
        telephone=DNA_PHONE,
        email="hrh@moh.example",
    )
    for public in (False, True):
        move_the_clock(round_, public=public)
        for client in visitors.values():
            for url in urls(round_):
                text = client.get(url).content.decode()
                for planted in (
                    PLANTED_NAME,
                    PLANTED_EMAIL,
                    PLANTED_PHONE,
                    DOCUMENT_NAME,
                    PLANTED_WEBSITE,
                    DNA_ADDRESS,
                    DNA_PHONE,
                ):
                    assert planted not in text, (url, planted)
    country = visitors["anonymous"].get("/countries/GHA/").content.decode()
    assert "Human Resources Directorate" in country and "hrh@moh.example" in country


def test_public_pages_are_cached_by_the_browser_and_revalidated(round_, people) -> None:
    move_the_clock(round_, public=True)
    client = Client()
    shown = [
        "/rounds/",
        f"/rounds/{round_['round'].number}/",
        f"/reports/{round_['national'].pk}/",
        "/countries/GHA/",
    ]
    for url in shown:
        first = client.get(url)
        assert first.status_code == 200
        control = first["Cache-Control"]
        # The same page for every visitor without an account: no form token in it, kept by
        # any cache; drawn once (a second visitor gets the same bytes).
        assert "public" in control and "max-age=300" in control and "no-store" not in control
        assert b"csrfmiddlewaretoken" not in first.content
        assert Client().get(url).content == first.content
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304 and again.content == b""
        assert again["ETag"] == first["ETag"]
        assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200
    # Signed in, the page names the person: kept by their browser only.
    signed = Client()
    sign_in(signed, people["fp_b"])
    mine = signed.get("/rounds/")
    assert "private" in mine["Cache-Control"] and b"csrfmiddlewaretoken" in mine.content
    # A change of what the page shows is a new version: the browser's copy is not used.
    etag = client.get(f"/reports/{round_['national'].pk}/")["ETag"]
    Report.objects.filter(pk=round_["national"].pk).update(updated_at=timezone.now())
    changed = client.get(f"/reports/{round_['national'].pk}/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


@pytest.mark.parametrize(
    "url",
    [
        "/rounds/0/",
        "/rounds/99999/",
        "/reports/0/",
        "/countries/XX/",
        "/countries/ＧＨＡ/",
        "/countries/G%00A/",
        "/countries/ZZZ/",
    ],
)
def test_what_does_not_exist_is_a_plain_404(round_, url) -> None:
    assert Client().get(url).status_code == 404


def test_a_report_page_in_another_language(round_) -> None:
    move_the_clock(round_, public=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    page = client.get(f"/reports/{round_['national'].pk}/")
    assert page.status_code == 200 and 'lang="fr"' in page.content.decode()
    assert Report.objects.get(pk=round_["national"].pk).state == Report.State.VALIDATED


def test_the_sitemap_lists_only_what_is_published(round_, people) -> None:
    def listed() -> str:
        response = Client().get("/sitemap.xml")
        assert response.status_code == 200 and response["Content-Type"].startswith(
            "application/xml"
        )
        return response.content.decode()

    move_the_clock(round_, public=False)
    before = listed()
    assert f"/rounds/{round_['round'].number}/" not in before
    assert "/reports/" not in before
    assert "/countries/GHA/" in before and "/rounds/" in before
    move_the_clock(round_, public=True)
    after = listed()
    assert f"/rounds/{round_['round'].number}/" in after
    for key in ("national", "named", "unnamed"):
        assert f"/reports/{round_[key].pk}/" in after, key
    for key in ("submitted_national", "draft"):
        assert f"/reports/{round_[key].pk}/" not in after, key
    report_withhold(report=round_["named"], reason="Consent unclear", user=people["admin"])
    assert f"/reports/{round_['named'].pk}/" not in listed()


def test_the_language_of_a_visitor_without_an_account() -> None:
    """A GET form for them (their pages hold no form token): the cookie is set, they go back
    to the page they were on; another site, or a language that is none of the six, is not
    followed."""
    client = Client()
    response = client.get("/language/", {"language": "fr", "next": "/rounds/"})
    assert response.status_code == 302 and response["Location"] == "/rounds/"
    assert response.cookies["django_language"].value == "fr"
    assert 'lang="fr"' in client.get("/rounds/").content.decode()
    away = client.get("/language/", {"language": "ar", "next": "https://evil.example/"})
    assert away["Location"] == "/"
    odd = client.get("/language/", {"language": "xx", "next": "/rounds/"})
    assert "django_language" not in odd.cookies
    assert client.post("/language/", {"language": "fr"}).status_code in {403, 405}
    page = Client().get("/rounds/").content.decode()
    assert 'action="/language/" method="get"' in page
