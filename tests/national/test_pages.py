"""National report pages: the country's people fill in; conflicts; carry-over; comments."""

from __future__ import annotations

import datetime as dt

import pytest

from codemonitor.reporting.answers import answer_save, answers_load
from codemonitor.reporting.fields import field_key, value_digest
from codemonitor.reporting.models import Answer, Report

pytestmark = pytest.mark.django_db


def url(report: Report, tail: str) -> str:
    return f"/national/reports/{report.pk}/{tail}"


def test_the_focal_point_and_a_contributor_fill_in_parts(clients, report_a) -> None:
    key = field_key("dna_name")
    response = clients["fp_a"].post(
        url(report_a, "autosave/"), {"field": key, "value": "Directorate of HRH", "page": "2"}
    )
    assert response.status_code == 200
    response = clients["contributor_a"].post(
        url(report_a, "autosave/"),
        {"field": field_key("dna_institution"), "value": "Ministry of Health", "page": "2"},
    )
    assert response.status_code == 200
    answers = answers_load(report_a)
    assert answers["dna_name", ""] == "Directorate of HRH"
    assert answers["dna_institution", ""] == "Ministry of Health"


def test_two_sessions_changing_one_answer_show_both_values(clients, report_a) -> None:
    key = field_key("dna_name")
    drawn = {f"d{key}": value_digest(None), f"v{key}": "0", "action": "save"}
    clients["fp_a"].post(url(report_a, "page/2/"), {**drawn, key: "Mine"})
    response = clients["contributor_a"].post(url(report_a, "page/2/"), {**drawn, key: "Theirs"})
    html = response.content.decode()
    assert response.status_code == 409
    assert "Mine" in html and "Theirs" in html
    assert answers_load(report_a)["dna_name", ""] == "Mine"


def test_the_other_country_sees_nothing(clients, report_a) -> None:
    for path in ("page/1/", "review/", "history/"):
        assert clients["fp_b"].get(url(report_a, path)).status_code == 404
    response = clients["fp_b"].post(
        url(report_a, "autosave/"), {"field": field_key("dna_name"), "value": "x"}
    )
    assert response.status_code == 404


def test_the_secretariat_reads_but_does_not_change(clients, report_a) -> None:
    assert clients["analyst"].get(url(report_a, "page/2/")).status_code == 200
    response = clients["analyst"].post(
        url(report_a, "autosave/"), {"field": field_key("dna_name"), "value": "x"}
    )
    assert response.status_code == 404
    assert ("dna_name", "") not in answers_load(report_a)


def test_comments_of_the_secretariat_show_next_to_the_question(clients, report_a, people) -> None:
    from codemonitor.reporting.models import QuestionComment

    QuestionComment.objects.create(
        report=report_a,
        question="dna_name",
        text="Please give the full official name.",
        author=people["admin"],
    )
    html = clients["fp_a"].get(url(report_a, "page/2/")).content.decode()
    assert "Comment of the WHO Secretariat" in html
    assert "Please give the full official name." in html


def test_answers_of_the_previous_round_are_carried_over(people, instruments) -> None:
    from codemonitor.reporting.models import Round, RoundInstrument
    from codemonitor.reporting.workflow import round_open_national

    earlier = Round.objects.create(number=50, year=2021, title="Earlier round")
    later = Round.objects.create(number=60, year=2024, title="Later round")
    from codemonitor.instruments.models import InstrumentVersion

    version = InstrumentVersion.objects.get(instrument__code="nri")
    from django.utils import timezone

    uses = [
        RoundInstrument.objects.create(
            round=r,
            instrument_version=version,
            opens_at=timezone.now(),
            closes_at=timezone.now() + dt.timedelta(days=9),
        )
        for r in (earlier, later)
    ]
    round_open_national(
        round_instrument=uses[0], user=people["admin"], base_url="http://x", member_states=["GHA"]
    )
    old = Report.objects.get(round_instrument=uses[0], member_state_id="GHA")
    answer_save(report=old, question="dna_name", value="Directorate of HRH")
    round_open_national(
        round_instrument=uses[1], user=people["admin"], base_url="http://x", member_states=["GHA"]
    )
    new = Report.objects.get(round_instrument=uses[1], member_state_id="GHA")
    carried = Answer.objects.get(report=new, question="dna_name")
    assert carried.carried and carried.value == "Directorate of HRH"
    from django.test import Client

    from tests.conftest import sign_in

    client = Client()
    sign_in(client, people["fp_a"])
    html = client.get(url(new, "page/2/")).content.decode()
    assert "From the previous round — confirm or change." in html
    client.post(url(new, "page/2/"), {"action": "confirm:dna_name@"})
    carried.refresh_from_db()
    assert not carried.carried and carried.value == "Directorate of HRH"


def test_the_focal_point_invites_and_removes_a_contributor(
    clients, people, smtp, django_capture_on_commit_callbacks
):
    from codemonitor.accounts.models import User

    with django_capture_on_commit_callbacks(execute=True):
        response = clients["fp_a"].post(
            "/national/contributors/",
            {"email": "regulator@gha.example", "first_name": "Ama", "last_name": "Owusu"},
        )
    assert response.status_code == 302
    invited = User.objects.get(email="regulator@gha.example")
    assert (invited.role, invited.member_state_id) == ("contributor", "GHA")
    [message] = smtp.wait_for(1)
    assert "/account/password/reset/" in message.get_body().get_content()
    assert (
        clients["contributor_a"].post(f"/national/contributors/{invited.pk}/remove/").status_code
        == 404
    )
    assert clients["fp_b"].post(f"/national/contributors/{invited.pk}/remove/").status_code == 404
    clients["fp_a"].post(f"/national/contributors/{invited.pk}/remove/")
    invited.refresh_from_db()
    assert not invited.is_active


def test_history_shows_the_changes_to_the_country(clients, report_a, people) -> None:
    answer_save(
        report=report_a, question="dna_name", value="Directorate", user=people["contributor_a"]
    )
    html = clients["fp_a"].get(url(report_a, "history/")).content.decode()
    assert "report.answer.changed" in html and "contrib@gha.example" in html


def test_the_history_says_a_personal_answer_changed_without_showing_it(clients, report_a) -> None:
    response = clients["fp_a"].post(
        url(report_a, "autosave/"),
        {"field": field_key("fp_telephone"), "value": "+233 555 0199 planted", "page": "2"},
    )
    assert response.status_code == 200
    history = clients["fp_a"].get(url(report_a, "history/")).content.decode()
    back_office = clients["admin"].get(f"/backoffice/national-reports/{report_a.pk}/")
    # The back office shows the report itself (with the number) and, below, its audit trail.
    trail = back_office.content.decode().split('<table class="audit"', 1)[1]
    for html in (history, trail):
        assert "fp_telephone" in html and "personal data, not shown" in html
        assert "planted" not in html


def _resume_token(html: str) -> str:
    import re

    found = re.search(r'name="resume" value="([^"]+)"', html)
    assert found, "the page carries who it was drawn for"
    return found.group(1)


def test_a_session_that_ended_loses_nothing(client, report_a, people) -> None:
    from codemonitor.accounts.models import User

    User.objects.filter(pk=people["fp_a"].pk).update(password="")
    people["fp_a"].set_password("a long enough password 123")
    people["fp_a"].save()
    key = field_key("dna_name")
    page = url(report_a, "page/2/")
    client.force_login(people["fp_a"])
    token = _resume_token(client.get(page).content.decode())
    client.logout()  # the session ends while the page is open
    response = client.post(
        page,
        {
            key: "Typed before the session ended",
            f"d{key}": value_digest(None),
            f"v{key}": "0",
            "action": "save",
            "resume": token,
        },
    )
    assert response["Location"] == f"/account/sign-in/?next={page}"
    signed = client.post(
        "/account/sign-in/",
        {"username": "fp@gha.example", "password": "a long enough password 123", "next": page},
    )
    assert signed["Location"] == page
    html = client.get(page).content.decode()
    assert "The answers you sent before signing in again are saved." in html
    assert answers_load(report_a)["dna_name", ""] == "Typed before the session ended"


def _session_rows() -> int:
    from django.contrib.sessions.models import Session

    return Session.objects.count()


@pytest.mark.parametrize("token", ["", "forged", "other-report", "other-person"])
def test_a_signed_out_post_is_kept_only_for_its_author(
    client, report_a, report_b, people, token
) -> None:
    """Anyone may POST to a page without an account; nothing of it is kept unless the page was
    drawn for someone who may change that report."""
    from codemonitor.national.views import resume_token

    value = {
        "": "",
        "forged": "eyJ1IjoxLCJyIjoxfQ:forged:signature",
        "other-report": resume_token(people["fp_b"], report_b),
        "other-person": resume_token(people["fp_b"], report_a),
    }[token]
    key = field_key("dna_name")
    before = _session_rows()
    response = client.post(
        url(report_a, "page/2/"), {key: "x" * 1_000_000, "resume": value, "action": "save"}
    )
    assert response.status_code == 302
    assert _session_rows() == before
    assert "national_pending_post" not in client.session


def test_a_signed_out_post_is_kept_bounded(client, report_a, people) -> None:
    from codemonitor.national.views import PENDING_MAX_BYTES, resume_token

    key = field_key("dna_name")
    page = url(report_a, "page/2/")
    client.post(
        page,
        {
            key: "x" * (PENDING_MAX_BYTES + 1),
            "resume": resume_token(people["fp_a"], report_a),
            "action": "save",
        },
    )
    kept = client.session["national_pending_post"]
    assert kept["too_big"] and "data" not in kept
    client.force_login(people["fp_a"])
    html = client.get(page).content.decode()
    assert "too large to keep" in html
    assert ("dna_name", "") not in answers_load(report_a)


def test_autosave_after_the_session_ended_asks_to_sign_in(client, report_a) -> None:
    response = client.post(
        url(report_a, "autosave/"), {"field": field_key("dna_name"), "value": "x", "page": "2"}
    )
    assert response.status_code == 401
    assert response.json()["sign_in"] == f"/account/sign-in/?next={url(report_a, 'page/2/')}"


def test_a_national_report_page_is_never_kept(clients, report_a) -> None:
    response = clients["fp_a"].get(url(report_a, "page/1/"))
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives
