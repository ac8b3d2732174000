"""The embargo (publication.public): nothing of a round before its moment, then only what may be
published, never personal data; the publication task marks a round once and tells each report's
people once, in their language. The clock is moved by passing `now`."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from codemonitor.core.models import AuditEntry
from codemonitor.publication.models import PublicationNotice
from codemonitor.publication.notices import publication_due
from codemonitor.publication.public import (
    NotPublic,
    all_public_reports,
    public_answers,
    public_pages,
    public_report,
    public_reports,
    public_round,
    public_rounds,
    publication_notice,
    report_public,
)
from codemonitor.publication.services import (
    PublicationRefused,
    report_release,
    report_withhold,
    round_publication_set,
)
from codemonitor.reporting.models import Report
from tests.publication.conftest import (
    DOCUMENT_NAME,
    ENTITY,
    PLANTED_EMAIL,
    PLANTED_NAME,
    PLANTED_PHONE,
    PLANTED_WEBSITE,
)

pytestmark = pytest.mark.django_db
GENEVA = ZoneInfo("Europe/Zurich")
State = Report.State


def test_nothing_is_public_before_the_moment_then_only_what_may_be_published(round_) -> None:
    before = round_["moment"] - dt.timedelta(seconds=1)
    after = round_["moment"]
    assert not public_rounds(now=before).filter(pk=round_["round"].pk).exists()
    with pytest.raises(NotPublic):
        public_round(round_["round"].number, now=before)
    assert list(public_reports(round_["nri"], now=before)) == []
    assert list(all_public_reports(now=before)) == []
    for report in Report.objects.all():
        assert not report_public(report, now=before)
        with pytest.raises(NotPublic):
            public_report(report.pk, now=before)
    # From the moment on: validated national reports, submitted stakeholder reports.
    assert public_round(round_["round"].number, now=after) == round_["round"]
    assert list(public_reports(round_["nri"], now=after)) == [round_["national"]]
    assert set(public_reports(round_["isri"], now=after)) == {round_["named"], round_["unnamed"]}
    assert set(all_public_reports(now=after)) == {
        round_["national"],
        round_["named"],
        round_["unnamed"],
    }
    for hidden in (round_["submitted_national"], round_["draft"]):
        with pytest.raises(NotPublic):
            public_report(hidden.pk, now=after)
    assert public_report(str(round_["national"].pk), now=after) == round_["national"]
    for guessed in ("", "abc", "1e3", "99999999", "-1"):
        with pytest.raises(NotPublic):
            public_report(guessed, now=after)
    # Synthetic reports count only in the demonstration round; without a moment nothing is public.
    round_["round"].publishes_at = None
    round_["round"].save()
    assert list(all_public_reports(now=after + dt.timedelta(days=3650))) == []


def test_a_withheld_report_stays_out_and_the_decision_is_audited(round_, people) -> None:
    after = round_["moment"]
    with pytest.raises(PublicationRefused):
        report_withhold(report=round_["national"], reason="  \x00 ", user=people["admin"])
    report_withhold(report=round_["national"], reason="Legal review pending", user=people["admin"])
    assert not report_public(round_["national"], now=after)
    assert list(public_reports(round_["nri"], now=after)) == []
    entry = AuditEntry.objects.get(action="report.publication.withheld")
    assert entry.data["reason"] == "Legal review pending" and entry.actor == people["admin"]
    report_release(report=round_["national"], user=people["admin"])
    report_release(report=round_["national"], user=people["admin"])  # no change, no entry
    assert report_public(round_["national"], now=after)
    assert AuditEntry.objects.filter(action="report.publication.released").count() == 1


def test_personal_data_are_never_among_the_public_answers(round_) -> None:
    for report in (round_["named"], round_["unnamed"]):
        shown = public_answers(report)
        review = public_pages(report).review()
        text = repr(shown) + repr(review)
        for planted in (PLANTED_NAME, PLANTED_EMAIL, PLANTED_PHONE, DOCUMENT_NAME, PLANTED_WEBSITE):
            assert planted not in text
        # Personal questions and documents are not drawn at all (not even as "—").
        labels = {label for _n, _t, lines in review for label, _a, _d in lines}
        assert not any("mail" in label.casefold() for label in labels)
        assert ("q10_documents", "") not in shown
        assert shown[("stakeholder_category", "")] == "union"
    # The entity is named only where it agreed.
    assert public_answers(round_["named"])[("entity_name", "")] == ENTITY
    assert ("entity_name", "") not in public_answers(round_["unnamed"])
    assert ENTITY not in repr(public_pages(round_["unnamed"]).review())


def test_the_publication_moment_is_after_the_deadline_and_each_change_audited(
    round_, people
) -> None:
    the_round = round_["round"]
    closes = max(use.closes_at for use in the_round.instruments.all())
    with pytest.raises(PublicationRefused) as refused:
        round_publication_set(round_=the_round, publishes_at=closes, user=people["admin"])
    assert "deadline" in str(refused.value)
    # A moment without a zone is Geneva's.
    naive = timezone.localtime(closes, GENEVA).replace(tzinfo=None) + dt.timedelta(days=40)
    round_publication_set(round_=the_round, publishes_at=naive, user=people["admin"])
    the_round.refresh_from_db()
    assert the_round.publishes_at == naive.replace(tzinfo=GENEVA)
    changes = AuditEntry.objects.filter(action="round.publication.changed").order_by("pk")
    assert changes.count() == 2  # the fixture's, then this one
    assert changes.last().data["before"] == round_["moment"].isoformat()
    round_publication_set(round_=the_round, publishes_at=None, user=people["admin"])
    assert changes.count() == 3 and changes.last().data["after"] is None


def test_editors_are_told_when_the_round_becomes_public(round_) -> None:
    the_round = round_["round"]
    assert publication_notice(the_round, now=round_["moment"] - dt.timedelta(hours=1)).startswith(
        "Public on "
    )
    assert publication_notice(the_round, now=round_["moment"]).startswith("Public since ")
    the_round.publishes_at = None
    assert publication_notice(the_round).startswith("Not public")


def test_the_task_publishes_once_and_tells_each_report_once_in_its_language(
    round_, smtp, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert publication_due(now=round_["moment"] - dt.timedelta(minutes=1)) == []
        marked = publication_due(now=round_["moment"] + dt.timedelta(minutes=5))
        assert [r.pk for r in marked] == [round_["round"].pk]
        assert publication_due(now=round_["moment"] + dt.timedelta(hours=1)) == []
    round_["round"].refresh_from_db()
    assert round_["round"].published_at is not None
    # Ghana's focal point (validated report) and the two published stakeholder reports' contact.
    smtp.wait_for(3)
    messages = smtp.messages
    assert sorted(str(m["To"]) for m in messages) == sorted(
        ["fp@gha.example", PLANTED_EMAIL, PLANTED_EMAIL]
    )
    assert set(PublicationNotice.objects.values_list("report_id", flat=True)) == {
        round_["national"].pk,
        round_["named"].pk,
        round_["unnamed"].pk,
    }
    with translation.override("fr"):
        french = gettext("Your report %(reference)s is now public") % {
            "reference": round_["named"].reference
        }
    assert french != f"Your report {round_['named'].reference} is now public"
    subjects = {str(m["Subject"]) for m in messages}
    assert french in subjects  # the French stakeholder's report, in French
    assert f"Your report {round_['unnamed'].reference} is now public" in subjects
    entry = AuditEntry.objects.get(action="round.published")
    assert entry.data["reports_told"] == 3
    # Told once: a second task (a restarted worker) tells nobody again.
    with django_capture_on_commit_callbacks(execute=True):
        round_["round"].published_at = None
        round_["round"].save(update_fields=["published_at"])
        publication_due(now=round_["moment"] + dt.timedelta(hours=2))
    assert PublicationNotice.objects.count() == 3
    for message in messages:
        body = message.get_payload(decode=True).decode()
        assert PLANTED_NAME not in body and PLANTED_PHONE not in body


def test_a_demonstration_round_is_never_public_nor_told_unless_the_installation_says(
    round_, settings, smtp, django_capture_on_commit_callbacks
) -> None:
    from codemonitor.reporting.models import Round

    Round.objects.filter(pk=round_["round"].pk).update(is_demo=True)
    after = round_["moment"] + dt.timedelta(minutes=1)
    assert list(all_public_reports(now=after)) == []
    with pytest.raises(NotPublic):
        public_round(round_["round"].number, now=after)
    with django_capture_on_commit_callbacks(execute=True):
        assert publication_due(now=after) == []
    assert smtp.messages == [] and not PublicationNotice.objects.exists()
    # An installation for trying the portal may publish it; its people are still never told.
    settings.PUBLISH_DEMO_ROUNDS = True
    assert round_["national"] in all_public_reports(now=after)
    with django_capture_on_commit_callbacks(execute=True):
        assert publication_due(now=after) == []
    assert not PublicationNotice.objects.exists()


def test_a_report_validated_after_publication_is_told_at_the_next_run(
    round_, smtp, django_capture_on_commit_callbacks
) -> None:
    moment = round_["moment"]
    with django_capture_on_commit_callbacks(execute=True):
        publication_due(now=moment + dt.timedelta(minutes=5))
    assert not PublicationNotice.objects.filter(report=round_["submitted_national"]).exists()
    Report.objects.filter(pk=round_["submitted_national"].pk).update(
        state=State.VALIDATED, updated_at=moment + dt.timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert publication_due(now=moment + dt.timedelta(days=2)) == []  # marked already
    assert PublicationNotice.objects.filter(report=round_["submitted_national"]).exists()
    smtp.wait_for(4)
    assert "fp@fra.example" in {str(m["To"]) for m in smtp.messages}


def test_a_bootstrap_never_undoes_the_secretariat_s_decision(people, instruments) -> None:
    from codemonitor.reporting.models import Round
    from codemonitor.reporting.rounds import rounds_load_history

    rounds_load_history()
    fifth = Round.objects.get(number=5)
    assert fifth.publishes_at == dt.datetime(2025, 5, 27, tzinfo=GENEVA)
    round_publication_set(round_=fifth, publishes_at=None, user=people["admin"])
    rounds_load_history()
    assert Round.objects.get(number=5).publishes_at is None


def test_a_report_released_after_the_publication_is_told_then(
    round_, people, smtp, django_capture_on_commit_callbacks
) -> None:
    """Withheld when the round was published, released a day later: its people are told at
    the next run, once."""
    report_withhold(report=round_["unnamed"], user=people["admin"], reason="Checked first")
    with django_capture_on_commit_callbacks(execute=True):
        publication_due(now=round_["moment"] + dt.timedelta(minutes=5))
    assert not PublicationNotice.objects.filter(report=round_["unnamed"]).exists()
    report_release(report=round_["unnamed"], user=people["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        publication_due(now=round_["moment"] + dt.timedelta(days=1))
        publication_due(now=round_["moment"] + dt.timedelta(days=1, hours=1))
    assert PublicationNotice.objects.filter(report=round_["unnamed"]).count() == 1


def test_the_message_names_the_country_in_the_persons_language() -> None:
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    report = SimpleNamespace(member_state_id="DEU", reference="NRI-2027-000001")
    with translation.override("fr"):
        subject = render_to_string("email/report_published.subject.txt", {"report": report})
    assert "Allemagne" in subject and "Germany" not in subject
    with translation.override("en"):
        subject = render_to_string("email/report_published.subject.txt", {"report": report})
    assert "Germany" in subject
