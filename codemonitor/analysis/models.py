"""The Secretariat's analysis of a round: its codebook and the coding of passages of answers.

A round's codebook starts with the articles of the Code and grows with the themes the analysts
add. Coding a passage of an answer (or a whole answer) with a code is one `Coding`; a passage
may carry several codes (one row each). Codings never change a report: they point to an answer
by its report, question and row, and keep the passage's text as it was coded.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from codemonitor.reference.models import CodeArticle
from codemonitor.reporting.models import Report, Round, RoundInstrument


class Code(models.Model):
    """One entry of a round's codebook: an article of the Code or a theme."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="analysis_codes")
    article = models.ForeignKey(
        CodeArticle,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("article of the Code"),
    )
    label = models.CharField(_("code"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["round", F("article").asc(nulls_last=True), "label"]
        verbose_name = _("code of the codebook")
        verbose_name_plural = _("codebook")
        constraints = [
            models.UniqueConstraint(fields=["round", "label"], name="code_label_unique_in_round"),
        ]

    def __str__(self) -> str:
        return self.label


class Coding(models.Model):
    """A passage of one answer marked with one code by one analyst.

    `start` and `end` are character offsets in the answer's text (end exclusive); both empty
    when the whole answer is coded. `passage` keeps the coded text as it was.
    """

    code = models.ForeignKey(Code, on_delete=models.PROTECT, related_name="codings")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="codings")
    question = models.CharField(max_length=100)
    row = models.CharField(max_length=200, blank=True, default="")
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    passage = models.TextField(_("passage"))
    quote = models.BooleanField(
        _("quote in the report"),
        default=False,
        help_text=_("Quoted in the draft report of the round."),
    )
    note = models.TextField(_("note"), blank=True)
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["report", "question", "row", "start", "pk"]
        verbose_name = _("coded passage")
        verbose_name_plural = _("coded passages")
        constraints = [
            models.CheckConstraint(
                condition=Q(start__isnull=True, end__isnull=True)
                | Q(start__isnull=False, end__isnull=False, start__lt=F("end")),
                name="coding_span_ordered",
            ),
        ]
        indexes = [models.Index(fields=["report", "question"], name="coding_by_answer")]

    def __str__(self) -> str:
        return f"{self.code_id} @ {self.report_id}/{self.question}[{self.row}]"


class AnswerText(models.Model):
    """The text answers the full-text search reads (`search.py`), kept by `text_index.py`.

    One row per text answer of a report as it was submitted (the form's rules showing it, never
    a personal question), and one row per indexed report with `question` "" whose
    `submitted_at` says which submission was read. `folded` is the text lower-cased without
    accents ("" when the text is ASCII: then the text is searched itself). On PostgreSQL the
    table also has a `search` tsvector column, generated from the text and the folded text
    with the text search configuration of the report's language, under a GIN index (added by
    the migration on PostgreSQL only: this model does not declare it).
    """

    # Both found through the two indexes of Meta (an index per key would only slow writes).
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+", db_index=False)
    round_instrument = models.ForeignKey(
        RoundInstrument, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    question = models.CharField(max_length=100)
    row = models.CharField(max_length=200, blank=True, default="")
    language = models.CharField(max_length=10)
    text = models.TextField(blank=True)
    folded = models.TextField(blank=True)
    # On the report's own row: the submission that was read (a resubmission has a new time;
    # `text_index.NEVER` for a report without one).
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("searchable text answer")
        verbose_name_plural = _("searchable text answers")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "question", "row"], name="answertext_one_per_answer"
            ),
        ]
        indexes = [
            models.Index(fields=["round_instrument", "question"], name="answertext_by_question")
        ]

    def __str__(self) -> str:
        return f"{self.report_id}/{self.question}[{self.row}]"
