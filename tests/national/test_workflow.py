"""The workflow of a national report: each transition checks who, from where, and audits."""

from __future__ import annotations

import pytest

from codemonitor.core.models import AuditEntry
from codemonitor.reporting.answers import answer_save
from codemonitor.reporting.models import QuestionComment, Report
from codemonitor.reporting.services import WorkflowError
from codemonitor.reporting.workflow import (
    national_report_submit,
    report_reopen_validated,
    report_return,
    report_review_start,
    report_validate,
)

pytestmark = pytest.mark.django_db

REQUIRED = {
    "dna_name": "Directorate of Human Resources for Health",
    "fp_email": "fp@gha.example",
    "has_agreements": "no",
    "separate_nurses_midwives": "yes",
}


def fill(report: Report, user) -> None:
    for question, value in REQUIRED.items():
        answer_save(report=report, question=question, value=value, user=user)


def actions(report: Report) -> list[str]:
    return list(
        AuditEntry.objects.filter(report=report)
        .exclude(action="report.answer.changed")
        .values_list("action", flat=True)
    )


def test_only_the_focal_point_submits(report_a, people) -> None:
    fill(report_a, people["contributor_a"])
    with pytest.raises(WorkflowError, match="Only the focal point of the country"):
        national_report_submit(report=report_a, user=people["contributor_a"])
    with pytest.raises(WorkflowError, match="Only the focal point of the country"):
        national_report_submit(report=report_a, user=people["fp_b"])
    national_report_submit(report=report_a, user=people["fp_a"])
    assert report_a.state == Report.State.SUBMITTED


def test_problems_block_submission(report_a, people) -> None:
    with pytest.raises(WorkflowError) as raised:
        national_report_submit(report=report_a, user=people["fp_a"])
    assert {p.question for p in raised.value.problems} >= {"dna_name", "fp_email"}


def test_the_whole_cycle_with_comments_and_emails(
    report_a, people, smtp, django_capture_on_commit_callbacks
) -> None:
    fill(report_a, people["fp_a"])
    with django_capture_on_commit_callbacks(execute=True):
        national_report_submit(report=report_a, user=people["fp_a"])
        report_review_start(report=report_a, user=people["admin"])
        report_return(
            report=report_a,
            user=people["admin"],
            comments={("dna_name", ""): "Please give the full official name."},
            message="One question needs a change.",
        )
    assert report_a.state == Report.State.RETURNED
    comment = QuestionComment.objects.get(report=report_a)
    assert (comment.question, comment.resolved_at) == ("dna_name", None)
    answer_save(
        report=report_a,
        question="dna_name",
        value="Directorate of HRH, MoH",
        user=people["contributor_a"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        national_report_submit(report=report_a, user=people["fp_a"])
        report_review_start(report=report_a, user=people["admin"])
        report_validate(report=report_a, user=people["admin"])
    assert report_a.state == Report.State.VALIDATED
    comment.refresh_from_db()
    assert comment.resolved_at is not None
    assert actions(report_a) == [
        "report.submitted",
        "report.review_started",
        "report.returned",
        "report.resubmitted",
        "report.review_started",
        "report.validated",
    ]
    returned = [m for m in smtp.wait_for(8) if "returned" in str(m["Subject"])]
    assert {m["To"] for m in returned} == {"fp@gha.example", "contrib@gha.example"}


def test_transitions_check_the_state_and_the_role(report_a, people) -> None:
    with pytest.raises(WorkflowError, match="the report is draft"):
        report_validate(report=report_a, user=people["admin"])
    fill(report_a, people["fp_a"])
    national_report_submit(report=report_a, user=people["fp_a"])
    with pytest.raises(WorkflowError, match="Only a Secretariat administrator"):
        report_review_start(report=report_a, user=people["analyst"])
    with pytest.raises(WorkflowError, match="comment on at least one question"):
        report_return(report=report_a, user=people["admin"], comments={})


def test_reopening_a_validated_report_needs_a_reason(report_a, people) -> None:
    fill(report_a, people["fp_a"])
    national_report_submit(report=report_a, user=people["fp_a"])
    report_review_start(report=report_a, user=people["admin"])
    report_validate(report=report_a, user=people["admin"])
    with pytest.raises(WorkflowError, match="Give the reason"):
        report_reopen_validated(report=report_a, user=people["admin"], reason=" ")
    report_reopen_validated(
        report=report_a, user=people["admin"], reason="Figures corrected by the ministry"
    )
    assert report_a.state == Report.State.RETURNED
    entry = AuditEntry.objects.get(report=report_a, action="report.reopened")
    assert entry.data == {"reason": "Figures corrected by the ministry"}


def test_a_late_submission_is_accepted_and_marked(report_a, people) -> None:
    from django.utils import timezone

    report_a.round_instrument.closes_at = timezone.now()
    report_a.round_instrument.save()
    fill(report_a, people["fp_a"])
    national_report_submit(report=report_a, user=people["fp_a"])
    assert report_a.state == Report.State.SUBMITTED and report_a.is_late


def test_every_answer_change_is_in_the_audit_trail(report_a, people) -> None:
    answer_save(report=report_a, question="dna_name", value="First", user=people["fp_a"])
    answer_save(report=report_a, question="dna_name", value="Second", user=people["contributor_a"])
    changes = AuditEntry.objects.filter(
        report=report_a, action="report.answer.changed", data__question="dna_name"
    ).order_by("pk")
    assert [(c.actor.email, c.data["old"], c.data["new"]) for c in changes] == [
        ("fp@gha.example", None, "First"),
        ("contrib@gha.example", "First", "Second"),
    ]
