"""The register of designated national authorities (Code Art. 8.3–8.4 of the draft; 7.3 of the
adopted Code): one entry per Member State, its history, and the changes focal points propose."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from codemonitor.reference.models import MemberState

FIELDS = ("name", "institution", "address", "website", "email", "telephone", "designated_on")


class NationalAuthority(models.Model):
    member_state = models.OneToOneField(
        MemberState, on_delete=models.PROTECT, related_name="authority"
    )
    name = models.CharField(_("authority"), max_length=300)
    institution = models.CharField(_("institution"), max_length=300, blank=True)
    address = models.TextField(_("address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email of the authority"), blank=True)
    telephone = models.CharField(_("telephone of the authority"), max_length=50, blank=True)
    designated_on = models.DateField(_("date of designation"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last change"), default=timezone.now)

    class Meta:
        ordering = ["member_state"]
        verbose_name = _("designated national authority")
        verbose_name_plural = _("designated national authorities")

    def __str__(self) -> str:
        return f"{self.member_state_id}: {self.name}"

    def snapshot(self) -> dict[str, str]:
        return {name: str(getattr(self, name) or "") for name in FIELDS}


class NationalAuthorityChange(models.Model):
    """One version of an entry, kept for its history."""

    authority = models.ForeignKey(
        NationalAuthority, on_delete=models.CASCADE, related_name="changes"
    )
    data = models.JSONField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.authority_id} @ {self.changed_at:%Y-%m-%d}"


class NationalAuthorityProposal(models.Model):
    """A change of its own country's entry proposed by a focal point, for the Secretariat."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    member_state = models.ForeignKey(
        MemberState, on_delete=models.PROTECT, related_name="authority_proposals"
    )
    data = models.JSONField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-proposed_at"]

    def __str__(self) -> str:
        return f"{self.member_state_id} {self.state}"
