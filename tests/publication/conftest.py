"""Publication: the national round's fixtures (tests/national/conftest.py) serve here too, and
`round_`: a round with reports in every state, personal data planted in them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from codemonitor.publication.services import round_publication_set
from codemonitor.reporting.models import (
    Answer,
    PersonalAnswer,
    Report,
    ReportContact,
    ReportFile,
    Round,
)
from codemonitor.reporting.rounds import round_instrument_for
from tests.national.conftest import nri_round, report_a, report_b

__all__ = ["nri_round", "report_a", "report_b"]

GENEVA = ZoneInfo("Europe/Zurich")
State = Report.State

PLANTED_NAME = "Planted-Person-Name"
PLANTED_EMAIL = "planted.person@ngo.example"
PLANTED_PHONE = "+41 22 555 01 99"
ENTITY = "Nurses Without Borders (planted)"
DOCUMENT_NAME = "CV_Planted_Person.txt"
# What an entity that did not agree to be named says about itself beside its name.
PLANTED_WEBSITE = "https://planted-anonymous-entity.example"


def stakeholder_report(use, sequence: int, state: str, *, consent: bool, language: str = "fr"):
    report = Report.objects.create(
        round_instrument=use,
        instrument_version=use.instrument_version,
        sequence=sequence,
        entity_name=ENTITY,
        publish_entity_name=consent,
        state=state,
        language=language,
        submitted_at=timezone.now() if state != State.DRAFT else None,
    )
    ReportContact.objects.create(report=report, email=PLANTED_EMAIL)
    for question, value in (
        ("entity_name", ENTITY),
        ("stakeholder_category", "union"),
        ("publish_name", "yes" if consent else "no"),
        # A personal answer misfiled among the answers: the form marks it personal, so it is
        # left out all the same.
        ("telephone", PLANTED_PHONE),
    ):
        Answer.objects.create(
            report=report, round_instrument=use, question=question, row="", value=value
        )
    if not consent:
        Answer.objects.create(
            report=report, round_instrument=use, question="website", row="", value=PLANTED_WEBSITE
        )
    for question, value in (
        ("contact_first_name", PLANTED_NAME),
        ("email", PLANTED_EMAIL),
        ("telephone", PLANTED_PHONE),
    ):
        PersonalAnswer.objects.create(
            report=report, round_instrument=use, question=question, row="", value=value
        )
    return report


@pytest.fixture
def round_(nri_round, report_a, report_b, people):
    """A real round (the demonstration round made real: a demonstration round is never public):
    Ghana's national report validated, France's submitted; three stakeholder reports
    (submitted with and without consent to be named, and a draft); a document whose name
    names a person."""
    Round.objects.filter(pk=nri_round.round_id).update(is_demo=False)
    nri_round.round.refresh_from_db()
    Report.objects.filter(pk=report_a.pk).update(state=State.VALIDATED, submitted_at=timezone.now())
    Report.objects.filter(pk=report_b.pk).update(state=State.SUBMITTED, submitted_at=timezone.now())
    isri = round_instrument_for(nri_round.round, "stakeholder")
    named = stakeholder_report(isri, 1, State.SUBMITTED, consent=True)
    document = ReportFile(
        report=named,
        question="q10_documents",
        original_name=DOCUMENT_NAME,
        content_type="text/plain",
        size=5,
        sha256="x",
    )
    document.file.save("cv.txt", ContentFile(b"hello"), save=True)
    Answer.objects.create(
        report=named, round_instrument=isri, question="q10_documents", row="", value=[document.pk]
    )
    unnamed = stakeholder_report(isri, 2, State.VALIDATED, consent=False, language="en")
    draft = stakeholder_report(isri, 3, State.DRAFT, consent=True)
    closes = max(use.closes_at for use in nri_round.round.instruments.all())
    moment = timezone.localtime(closes, GENEVA) + dt.timedelta(days=30)
    round_publication_set(round_=nri_round.round, publishes_at=moment, user=people["admin"])
    nri_round.round.refresh_from_db()
    return {
        "round": nri_round.round,
        "nri": nri_round,
        "isri": isri,
        "moment": nri_round.round.publishes_at,
        "national": Report.objects.get(pk=report_a.pk),
        "submitted_national": Report.objects.get(pk=report_b.pk),
        "named": named,
        "unnamed": unnamed,
        "draft": draft,
    }
