"""Reporting rounds, the reports filled in during a round, their answers and documents."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from codemonitor.core.models import AuditEntry
from codemonitor.instruments.models import Instrument, InstrumentVersion
from codemonitor.reference.models import MemberState


class Round(models.Model):
    """One reporting cycle (e.g. the 5th round, 2024)."""

    number = models.PositiveSmallIntegerField(_("round"), unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    report_to = models.CharField(
        _("reported to"), max_length=200, blank=True, help_text=_("e.g. WHA78 (A78/...)")
    )
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    publishes_at = models.DateTimeField(
        _("public from"),
        null=True,
        blank=True,
        help_text=_(
            "Nothing of the round is public before this moment, Geneva time (after the Health "
            "Assembly); without one, nothing of it ever is."
        ),
    )
    # When the publication task marked the round public and told its people (once).
    published_at = models.DateTimeField(_("made public"), null=True, blank=True, editable=False)
    is_demo = models.BooleanField(_("demonstration round"), default=False)
    designated_authorities = models.PositiveSmallIntegerField(
        _("designated national authorities (historical count)"), null=True, blank=True
    )
    national_reports_count = models.PositiveSmallIntegerField(
        _("national reports (historical count)"), null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("reporting round")
        verbose_name_plural = _("reporting rounds")

    def __str__(self) -> str:
        return self.title

    def is_published(self, on: dt.datetime | None = None) -> bool:
        """Public from `publishes_at` on (the embargo's one rule: `publication.public`)."""
        return self.publishes_at is not None and self.publishes_at <= (on or timezone.now())


class RoundInstrument(models.Model):
    """An instrument version used in a round, with its own opening and closing time."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="instruments")
    instrument_version = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, related_name="round_uses"
    )
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("deadline"))

    class Meta:
        ordering = ["round", "instrument_version__instrument__code"]
        verbose_name = _("instrument of a round")
        verbose_name_plural = _("instruments of a round")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_at__lt=models.F("closes_at")),
                name="round_instrument_opens_before_closing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} — {self.instrument_version}"

    @property
    def instrument(self) -> Instrument:
        return self.instrument_version.instrument

    def is_open(self, at: dt.datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.opens_at <= at < self.closes_at


class Report(models.Model):
    """One filled-in instrument: a national report or a stakeholder report."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        IN_REVIEW = "in_review", _("In review")
        RETURNED = "returned", _("Returned for changes")
        VALIDATED = "validated", _("Validated")

    round_instrument = models.ForeignKey(
        RoundInstrument, on_delete=models.PROTECT, related_name="reports"
    )
    instrument_version = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, related_name="reports"
    )
    sequence = models.PositiveIntegerField(_("number"))
    member_state = models.ForeignKey(
        MemberState, on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    entity_name = models.CharField(_("entity"), max_length=300, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.DRAFT, db_index=True
    )
    language = models.CharField(_("language"), max_length=10, default="en")
    # The identifier in page addresses; access is decided by the session or the account.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    visited_pages = models.JSONField(default=list, blank=True)
    publish_entity_name = models.BooleanField(_("entity name may be published"), default=False)
    # The Secretariat keeps this report out of the publication of its round (audited, with why).
    withheld = models.BooleanField(_("withheld from publication"), default=False)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    updated_at = models.DateTimeField(_("last change"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    is_late = models.BooleanField(_("late"), default=False)
    # A fingerprint of the answers the submission checked (answers_digest): the receipt says it,
    # and is sent only for those answers.
    submitted_digest = models.CharField(max_length=64, blank=True, default="", editable=False)
    # The report's entries in the audit log (deleted with the report, as before).
    audit = GenericRelation(
        AuditEntry,
        content_type_field="target_type",
        object_id_field="target_id",
        related_query_name="report",
    )

    class Meta:
        ordering = ["round_instrument", "sequence"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["round_instrument", "sequence"], name="report_sequence_unique"
            ),
            # One national report per Member State per round instrument.
            models.UniqueConstraint(
                fields=["round_instrument", "member_state"],
                condition=models.Q(member_state__isnull=False),
                name="one_national_report_per_country",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        code = self.instrument_version.instrument.code.upper()
        return f"{code}-{self.round_instrument.round.year}-{self.sequence:06d}"


class AnswerBase(models.Model):
    """One answer to one question (at one row of a repeat) of one report.

    Saved on its own (autosave of one field writes one row) and versioned so that two people
    editing the same answer cannot overwrite each other silently. `round_instrument` repeats the
    report's so that every answer to a question across a round is one index range.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="%(class)ss")
    # Indexed together with `question` (see the subclasses), not alone.
    round_instrument = models.ForeignKey(
        RoundInstrument, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    question = models.CharField(max_length=100)
    row = models.CharField(max_length=200, blank=True, default="")
    value = models.JSONField(null=True)
    version = models.PositiveIntegerField(default=1)
    # Copied from the country's report of the previous round and not yet confirmed or changed.
    carried = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.question}[{self.row}] = {self.value!r}"


class Answer(AnswerBase):
    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["report", "question", "row"], name="answer_unique")
        ]
        indexes = [models.Index(fields=["round_instrument", "question"], name="answer_by_question")]


class PersonalAnswer(AnswerBase):
    """Answers to questions marked `personal_data` (names, email, telephone, address).

    Kept in their own table so that publication and exports, which read `Answer`, cannot include
    them by accident.
    """

    class Meta:
        verbose_name = _("personal answer")
        verbose_name_plural = _("personal answers")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "question", "row"], name="personal_answer_unique"
            )
        ]
        indexes = [
            models.Index(fields=["round_instrument", "question"], name="personal_by_question")
        ]


def _document_path(instance: ReportFile, filename: str) -> str:
    # A random name: nothing of the original name reaches the file system.
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"documents/{instance.report_id}/{secrets.token_hex(16)}{suffix}"


class ReportFile(models.Model):
    """A document attached to a file question of a report."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="files")
    question = models.CharField(max_length=100)
    row = models.CharField(max_length=200, blank=True, default="")
    file = models.FileField(upload_to=_document_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["report", "question", "uploaded_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["report", "question"], name="file_by_question")]

    def __str__(self) -> str:
        return self.original_name


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ReportContact(models.Model):
    """Where a stakeholder report's private links go. Personal data: never published."""

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="contact")
    email = models.EmailField(_("email"))
    email_verified_at = models.DateTimeField(_("email address confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("report contact")
        verbose_name_plural = _("report contacts")
        indexes = [models.Index(fields=["email"], name="contact_by_email")]

    def __str__(self) -> str:
        return self.email


class ReportLink(models.Model):
    """A private link sent by email. Only a digest of its token is stored."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="links")
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("private link")
        verbose_name_plural = _("private links")

    def __str__(self) -> str:
        return f"link to {self.report_id}"

    @classmethod
    def issue(cls, report: Report) -> str:
        """Create a link and return its token (the only time the token exists in clear)."""
        token = secrets.token_urlsafe(32)
        cls.objects.create(report=report, token_digest=token_digest(token))
        return token


class QuestionComment(models.Model):
    """The Secretariat's comment on one question of a report it returns."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="comments")
    question = models.CharField(max_length=100)
    row = models.CharField(max_length=200, blank=True, default="")
    text = models.TextField(_("comment"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment on a question")
        verbose_name_plural = _("comments on questions")

    def __str__(self) -> str:
        return f"{self.report_id} {self.question}: {self.text[:40]}"


class ReminderSent(models.Model):
    """A deadline reminder for one report on one day: the unique row makes it happen once."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    sent_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "days_before"], name="one_reminder_per_report_and_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.days_before} days before"
