"""Every endpoint of the read API before and after the publication moment, as anonymous, a
stakeholder (who has no account: anonymous to the API), a focal point of another country and
the Secretariat with a token: nothing unpublished reachable without the right token, and
personal data in no response, whoever asks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from codemonitor.publication.services import report_withhold
from codemonitor.registers.models import (
    Law,
    NationalAuthority,
    Recruiter,
    Validation,
)
from codemonitor.workforce.models import Dataset, Measure, Occupation, Population, Statistic
from tests.api.conftest import DNA_ADDRESS, DNA_PHONE, ENTITY, PLANTED, ApiClient, move_the_clock
from tests.national.test_scoping_matrix import fresh_recruiter
from tests.registers.helpers import make_law

pytestmark = pytest.mark.django_db

PUBLISHED = ("national", "named", "unnamed")
UNPUBLISHED = ("submitted_national", "draft")
LISTS = (
    "/api/rounds",
    "/api/reports",
    "/api/answers",
    "/api/countries",
    "/api/authorities",
    "/api/laws",
    "/api/recruiters",
    "/api/statistics",
)


def ids(items: list[dict[str, Any]], field: str = "id") -> set[Any]:
    return {item[field] for item in items}


@pytest.fixture
def stakeholder(round_) -> ApiClient:
    """The stakeholder of the named report, holding it in their browser's session: the API
    knows no session, so they read as anyone does."""
    reader = ApiClient()
    reader.client = Client()
    session = reader.client.session
    session["stakeholder_reports"] = [str(round_["named"].uuid)]
    session.save()
    return reader


@pytest.fixture
def registers(round_, people) -> dict[str, Any]:
    """An authority with a postal address and telephone (not public), a validated law and
    recruiter, a pending law and recruiter (not public), a figure from a dataset and one from
    Ghana's national report (public with the report)."""
    NationalAuthority.objects.create(
        member_state_id="GHA",
        name="Ministry of Health, Human Resources Directorate",
        institution="Ministry of Health",
        address=DNA_ADDRESS,
        telephone=DNA_PHONE,
        email="hrh@moh.example",
    )
    law = make_law(people["fp_a"], title="Health Workforce Act")
    Law.objects.filter(pk=law.pk).update(validation=Validation.VALIDATED)
    pending_law = make_law(people["fp_a"], title="Pending Draft Decree")
    recruiter = fresh_recruiter(people["fp_a"], "VAL-1")
    Recruiter.objects.filter(pk=recruiter.pk).update(validation=Validation.VALIDATED)
    pending_recruiter = fresh_recruiter(people["fp_a"], "PEND-1")
    common = {
        "destination_code": "GHA",
        "destination_id": "GHA",
        "occupation": Occupation.NURSES,
        "measure": Measure.STOCK,
        "value": Decimal("1310"),
    }
    from_file = Statistic.objects.create(
        dataset=Dataset.OECD, population=Population.TOTAL, year=2020, **common
    )
    from_report = Statistic.objects.create(
        dataset=Dataset.NRI,
        population=Population.FOREIGN_TRAINED,
        origin_code="NGA",
        origin_id="NGA",
        year=2023,
        source_report=round_["national"],
        source_question="q_stock",
        **common,
    )
    return {
        "law": law.pk,
        "pending_law": pending_law.pk,
        "recruiter": recruiter.pk,
        "pending_recruiter": pending_recruiter.pk,
        "from_file": from_file.pk,
        "from_report": from_report.pk,
    }


def urls(round_) -> list[str]:
    """Every address of the API, each object of the round by its id, the lists filtered
    and not."""
    number = round_["round"].number
    found = [
        *LISTS,
        f"/api/rounds/{number}",
        f"/api/reports?round={number}",
        "/api/reports?kind=stakeholder",
        "/api/reports?country=GHA",
        "/api/reports?region=AFR",
        "/api/countries/GHA",
        "/api/countries/FRA",
        "/api/statistics?destination=GHA",
    ]
    for key in (*PUBLISHED, *UNPUBLISHED):
        found += [f"/api/reports/{round_[key].pk}", f"/api/answers?report={round_[key].pk}"]
    return found


def visible(reader: ApiClient, round_) -> dict[str, set[Any]]:
    number = round_["round"].number
    return {
        "rounds": ids(reader.every("/api/rounds"), "number"),
        "reports": ids(reader.every("/api/reports")) & _of_round(round_),
        "answered": ids(reader.every("/api/answers"), "report") & _of_round(round_),
        "gha": ids(reader.json("/api/countries/GHA")["reports"]),
        "statistics": ids(reader.every("/api/statistics")),
        "round": {number} if reader.get(f"/api/rounds/{number}").status_code == 200 else set(),
        "detail": {
            round_[key].pk
            for key in (*PUBLISHED, *UNPUBLISHED)
            if reader.get(f"/api/reports/{round_[key].pk}").status_code == 200
        },
    }


def _of_round(round_) -> set[int]:
    return {round_[key].pk for key in (*PUBLISHED, *UNPUBLISHED)}


def test_nothing_of_the_round_before_its_moment(round_, readers, stakeholder, registers) -> None:
    move_the_clock(round_, public=False)
    everyone = {
        "anonymous": readers["anonymous"],
        "stakeholder": stakeholder,
        "fp_b": readers["fp_b"],
    }
    for name, reader in everyone.items():
        seen = visible(reader, round_)
        own = {round_["submitted_national"].pk} if name == "fp_b" else set()  # France's own
        assert seen["reports"] == own, name
        assert seen["detail"] == own, name
        assert seen["gha"] == set(), name
        assert seen["statistics"] == {registers["from_file"]}, name
        if name == "fp_b":  # France reports in the round: it sees the round it reports in
            assert seen["round"] == {round_["round"].number}
        else:
            assert round_["round"].number not in seen["rounds"], name
            assert seen["round"] == set(), name
        # The answers of nothing unpublished (France's own report has none planted).
        assert seen["answered"] <= own, name
    # Ghana's people read Ghana's report, validated but not yet public; not France's.
    for name in ("fp_a", "contributor_a"):
        seen = visible(readers[name], round_)
        assert seen["reports"] == seen["detail"] == {round_["national"].pk}, name
        assert seen["gha"] == {round_["national"].pk}
        assert seen["statistics"] == {registers["from_file"], registers["from_report"]}
        page = readers[name].json(f"/api/reports/{round_['national'].pk}")
        assert page["published"] is False
    # The Secretariat reads every report, each said to be unpublished.
    secretariat = readers["analyst"]
    assert visible(secretariat, round_)["detail"] == _of_round(round_)
    assert {
        item["published"]
        for item in secretariat.every(f"/api/reports?round={round_['round'].number}")
    } == {False}


def test_after_the_moment_only_what_is_published(
    round_, readers, stakeholder, registers, people
) -> None:
    move_the_clock(round_, public=True)
    published = {round_[key].pk for key in PUBLISHED}
    for name, reader in {"stakeholder": stakeholder, **readers}.items():
        seen = visible(reader, round_)
        if name in {"admin", "analyst"}:
            expected = _of_round(round_)
        elif name == "fp_b":
            expected = published | {round_["submitted_national"].pk}
        else:
            expected = published
        assert seen["reports"] == expected, name
        assert seen["detail"] == expected, name
        assert seen["round"] == {round_["round"].number}, name
        assert seen["gha"] == {round_["national"].pk}, name
        assert seen["statistics"] == {registers["from_file"], registers["from_report"]}, name
        assert seen["answered"] <= expected, name
        assert round_["named"].pk in seen["answered"], name
    anonymous = readers["anonymous"]
    page = anonymous.json(f"/api/reports/{round_['named'].pk}")
    assert page["name"] == ENTITY and page["published"] is True
    assert page["answers"]["stakeholder_category"] == "union"
    unnamed = anonymous.json(f"/api/reports/{round_['unnamed'].pk}")
    assert unnamed["name"] is None and "entity_name" not in unnamed["answers"]
    counts = {
        use["instrument"]: use["published_reports"]
        for use in anonymous.json(f"/api/rounds/{round_['round'].number}")["instruments"]
    }
    assert counts == {"nri": 1, "isri": 2}
    # Withheld by the Secretariat: gone for everyone without a Secretariat token.
    report_withhold(report=round_["named"], reason="Checking the consent", user=people["admin"])
    assert anonymous.get(f"/api/reports/{round_['named'].pk}").status_code == 404
    assert round_["named"].pk not in ids(anonymous.every("/api/reports"))
    assert round_["named"].pk not in ids(anonymous.every("/api/answers"), "report")
    secretariat = readers["admin"].json(f"/api/reports/{round_['named'].pk}")
    assert secretariat["published"] is False


def test_the_registers_publish_what_they_publish(round_, readers, registers) -> None:
    for reader in readers.values():
        assert ids(reader.every("/api/laws")) == {registers["law"]}
        assert ids(reader.every("/api/recruiters")) == {registers["recruiter"]}
        assert ids(reader.every("/api/recruiters?q=PEND-1")) == set()
        assert ids(reader.every("/api/recruiters?q=VAL-1")) == {registers["recruiter"]}
        authority = reader.json("/api/countries/GHA")["authority"]
        assert authority["email"] == "hrh@moh.example"
        assert authority["name"].startswith("Ministry of Health")
        assert [row["country"] for row in reader.every("/api/authorities")] == ["GHA"]


def test_personal_data_are_in_no_response(round_, readers, stakeholder, registers) -> None:
    everyone = {"stakeholder": stakeholder, **readers}
    for public in (False, True):
        move_the_clock(round_, public=public)
        for name, reader in everyone.items():
            for url in urls(round_):
                response = reader.get(url)
                assert response.status_code in {200, 404}, (url, name, response.status_code)
                body = response.content.decode()
                for planted in (*PLANTED, DNA_ADDRESS, DNA_PHONE):
                    assert planted not in body, (name, url, planted)
                # The entity that did not agree is never named, whoever asks.
                unnamed = round_["unnamed"].pk
                if url.endswith((f"/{unnamed}", f"={unnamed}")):
                    assert ENTITY not in body, (name, url)


def test_a_guessed_id_answers_as_one_that_does_not_exist(round_, readers) -> None:
    move_the_clock(round_, public=True)
    anonymous = readers["anonymous"]
    missing = anonymous.get("/api/reports/99999999")
    for key in UNPUBLISHED:
        embargoed = anonymous.get(f"/api/reports/{round_[key].pk}")
        assert (embargoed.status_code, embargoed.content) == (404, missing.content)
    move_the_clock(round_, public=False)
    embargoed = anonymous.get(f"/api/reports/{round_['national'].pk}")
    assert (embargoed.status_code, embargoed.content) == (404, missing.content)
    round_missing = anonymous.get("/api/rounds/31999")
    round_embargoed = anonymous.get(f"/api/rounds/{round_['round'].number}")
    assert round_embargoed.status_code == round_missing.status_code == 404
    assert round_embargoed.content == round_missing.content
    # Another country's draft, to a focal point with a token: the same 404.
    other = readers["fp_b"].get(f"/api/reports/{round_['national'].pk}")
    assert (other.status_code, other.content) == (404, missing.content)


def test_a_report_of_a_round_without_a_moment_is_never_public(round_, readers) -> None:
    from codemonitor.reporting.models import Round

    Round.objects.filter(pk=round_["round"].pk).update(publishes_at=None)
    assert readers["anonymous"].every("/api/reports") == []
    moment = timezone.now() - dt.timedelta(hours=1)
    Round.objects.filter(pk=round_["round"].pk).update(publishes_at=moment, is_demo=True)
    assert readers["anonymous"].every("/api/reports") == []  # a demonstration round: never
