"""Starting a stakeholder report, the private link, resuming from another browser."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from codemonitor.reporting.answers import answers_load
from codemonitor.reporting.models import Report, ReportContact
from tests.stakeholders.helpers import link_from, page_url, start_report

pytestmark = pytest.mark.django_db


def test_round_page_says_what_who_and_when(client, isri_round) -> None:
    html = client.get(f"/isri/round/{isri_round.round.number}/").content.decode()
    assert "Independent Stakeholders Reporting Instrument (2024)" in html
    assert "Article 7 of the Code encourages WHO Member States" in html  # the seed's background
    assert "Who may report" in html and "recruiters, employers" in html
    assert "Deadline" in html and "Geneva time" in html
    assert "English, Français" in html
    assert 'action="/isri/round/' in html and "Start my report" in html


def test_current_redirects_to_the_open_round(client, isri_round) -> None:
    response = client.get("/isri/")
    assert response["Location"] == f"/isri/round/{isri_round.round.number}/"


def test_start_sends_a_private_link_and_opens_the_report(client, isri_round, smtp) -> None:
    report = start_report(client, isri_round.round.number)
    page = client.get(page_url(report, 1))
    assert page.status_code == 200
    assert "We have sent a private link to amina@example.org" in page.content.decode()
    [message] = smtp.wait_for(1)
    assert message["To"] == "amina@example.org"
    assert report.reference in message["Subject"]
    assert link_from(message).startswith("/isri/r/")
    answers = answers_load(report)
    assert answers["entity_name", ""] == "Nurses Without Borders"
    assert answers["email", ""] == "amina@example.org"
    assert ReportContact.objects.get(report=report).email_verified_at is None


def test_the_link_opens_the_report_in_another_browser(client, isri_round, smtp) -> None:
    report = start_report(client, isri_round.round.number)
    other = Client()
    assert other.get(page_url(report, 2)).status_code == 404
    response = other.get(link_from(smtp.wait_for(1)[0]))
    assert response["Location"] == page_url(report, 1)
    assert other.get(page_url(report, 2)).status_code == 200
    assert ReportContact.objects.get(report=report).email_verified_at is not None


@pytest.mark.parametrize("token", ["nonsense", "x" * 43, "a" * 300, "%00"])
def test_unknown_or_tampered_token_is_404(client, isri_round, token) -> None:
    assert client.get(f"/isri/r/{token}/").status_code == 404


def test_unknown_report_is_404(client, isri_round) -> None:
    assert client.get("/isri/report/not-a-uuid/page/1/").status_code == 404
    assert (
        client.get("/isri/report/7c9e6679-7425-40de-944b-e07fc1f90ae7/page/1/").status_code == 404
    )


def test_invalid_email_is_refused_keeping_what_was_typed(client, isri_round) -> None:
    response = client.post(
        f"/isri/round/{isri_round.round.number}/start/",
        {"email": "amina.example.org", "entity_name": "Nurses United"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter a valid email address." in html
    assert 'value="amina.example.org"' in html and 'value="Nurses United"' in html
    assert not Report.objects.exists()


def test_honeypot_creates_nothing(client, isri_round, smtp) -> None:
    response = client.post(
        f"/isri/round/{isri_round.round.number}/start/",
        {"email": "bot@example.org", "entity_name": "Bot", "homepage": "http://spam.example"},
    )
    assert response.status_code == 200
    assert not Report.objects.exists()
    assert smtp.messages == []


def test_starting_is_rate_limited_per_email(client, isri_round, smtp, settings) -> None:
    settings.RATE_START_PER_EMAIL = (2, 3600)
    for number in range(2):
        start_report(
            client, isri_round.round.number, email="same@example.org", entity=f"Entity {number}"
        )
    response = client.post(
        f"/isri/round/{isri_round.round.number}/start/",
        {"email": "same@example.org", "entity_name": "Entity 3"},
    )
    assert response.status_code == 429
    assert "Too many reports were started from here in the last hour" in response.content.decode()
    assert Report.objects.count() == 2


def test_starting_is_rate_limited_per_ip(client, isri_round, smtp, settings) -> None:
    settings.RATE_START_PER_IP = (3, 3600)
    for number in range(3):
        start_report(
            client,
            isri_round.round.number,
            email=f"p{number}@example.org",
            entity=f"Entity {number}",
        )
    response = client.post(
        f"/isri/round/{isri_round.round.number}/start/",
        {"email": "p9@example.org", "entity_name": "Entity 9"},
    )
    assert response.status_code == 429


def test_lost_link_is_sent_again_without_revealing_anything(
    client, isri_round, smtp, django_capture_on_commit_callbacks
) -> None:
    report = start_report(client, isri_round.round.number)
    smtp.wait_for(1)
    number = isri_round.round.number
    elsewhere = Client()  # whoever lost the link is in another browser
    with django_capture_on_commit_callbacks(execute=True) as known_tasks:
        known = elsewhere.post(f"/isri/round/{number}/link/", {"email": "amina@example.org"})
    with django_capture_on_commit_callbacks(execute=True) as unknown_tasks:
        unknown = elsewhere.post(f"/isri/round/{number}/link/", {"email": "nobody@example.org"})
    assert len(known_tasks) == len(unknown_tasks) == 1  # the worker looks the address up

    def without_tokens(response) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())

    assert without_tokens(known) == without_tokens(unknown)
    messages = smtp.wait_for(2)
    assert len(messages) == 2
    other = Client()
    other.get(link_from(messages[1]))
    assert other.get(page_url(report, 1)).status_code == 200


def test_no_new_report_after_the_deadline(client, isri_round) -> None:
    from django.utils import timezone

    isri_round.closes_at = timezone.now()
    isri_round.save()
    page = client.get(f"/isri/round/{isri_round.round.number}/").content.decode()
    assert "The deadline has passed: no new report can be started." in page
    response = client.post(
        f"/isri/round/{isri_round.round.number}/start/",
        {"email": "late@example.org", "entity_name": "Late"},
    )
    assert response.status_code == 400
    assert (
        "The deadline for this report has passed: no new report can be started."
        in response.content.decode()
    )
    assert not Report.objects.exists()


def test_choice_of_language_sticks_and_reaches_the_email(client, isri_round, smtp) -> None:
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    report = start_report(client, isri_round.round.number)
    assert report.language == "fr"
    message = smtp.wait_for(1)[0]
    assert "Votre lien privé" in message["Subject"]
    html = client.get(page_url(report, 2)).content.decode()
    assert 'lang="fr"' in html
    assert "Nom de l" in html  # the instrument in French


def test_arabic_interface_is_right_to_left_with_english_instrument(
    client, isri_round, smtp
) -> None:
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    report = start_report(client, isri_round.round.number)
    html = client.get(page_url(report, 2)).content.decode()
    assert 'dir="rtl"' in html
    assert "it is shown in English" in html
    assert "Name of entity submitting the report" in html
