"""Instruments (questionnaires) and their versions, each version an uploaded XLSForm."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from codemonitor.instruments.schema import Form

# Parsed forms by (version id, digest of the workbook), shared by the requests of a process.
_FORMS: dict[tuple[int, str], Form] = {}


class Instrument(models.Model):
    """A questionnaire across its versions, identified by the XLSForm's form_id (`nri`, `isri`)."""

    class Kind(models.TextChoices):
        NATIONAL = "national", _("National Reporting Instrument")
        STAKEHOLDER = "stakeholder", _("Independent Stakeholders Reporting Instrument")
        OTHER = "other", _("Other")

    code = models.SlugField(_("form id"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(_("title"), max_length=300)

    class Meta:
        ordering = ["code"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")

    def __str__(self) -> str:
        return self.title


class InstrumentVersion(models.Model):
    """One checked XLSForm. Its content never changes once a report exists against it."""

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="versions")
    version = models.CharField(_("version"), max_length=50)
    title = models.CharField(_("title"), max_length=300)
    schema = models.JSONField(_("form"))
    source = models.BinaryField(_("XLSForm workbook"))
    source_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["instrument", "-created_at"]
        verbose_name = _("instrument version")
        verbose_name_plural = _("instrument versions")
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "version"], name="instrument_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument.code} {self.version}"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._form: Form | None = None

    @property
    def form(self) -> Form:
        """The form model, parsed once per process: a stored version never changes."""
        if self._form is None:
            key = (self.pk, self.sha256)
            cached = _FORMS.get(key) if self.pk else None
            if cached is None:
                cached = Form.from_dict(self.schema)  # `schema` may be deferred: loaded here
                if self.pk:
                    _FORMS[key] = cached
            self._form = cached
        return self._form

    def has_reports(self) -> bool:
        return self.reports.exists()
