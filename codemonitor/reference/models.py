"""Reference data: Member States, WHO regions (with dated membership), the safeguards list
editions, the articles of the Code and the languages.

Loaded from the data files in `data/` by `manage.py load_reference`; the Secretariat can correct
display names and add safeguards editions without a code change.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    code = models.CharField(_("code"), max_length=4, primary_key=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("WHO region")
        verbose_name_plural = _("WHO regions")

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class MemberStateQuerySet(models.QuerySet["MemberState"]):
    def in_region(self, region: str, on: dt.date | None = None) -> MemberStateQuerySet:
        """Member States that belonged to a region on a date (today when none is given)."""
        return self.filter(
            pk__in=RegionMembership.objects.in_force(on)
            .filter(region_id=region)
            .values("member_state_id")
        )


class MemberState(models.Model):
    iso3 = models.CharField(_("ISO 3166 alpha-3"), max_length=3, primary_key=True)
    iso2 = models.CharField(_("ISO 3166 alpha-2"), max_length=2, unique=True)
    numeric = models.CharField(_("ISO 3166 numeric"), max_length=3)
    iso_name = models.CharField(
        _("ISO 3166 name"),
        max_length=200,
        help_text=_("From ISO 3166 (pycountry); reloaded with the data."),
    )
    display_name = models.CharField(
        _("display name"),
        max_length=200,
        blank=True,
        help_text=_("The name WHO uses, when it differs from the ISO name; kept across reloads."),
    )

    objects = MemberStateQuerySet.as_manager()

    class Meta:
        ordering = ["iso3"]
        verbose_name = _("Member State")
        verbose_name_plural = _("Member States")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.iso_name

    def region_on(self, on: dt.date | None = None) -> str | None:
        membership = RegionMembership.objects.in_force(on).filter(member_state=self).first()
        return membership.region_id if membership else None


class RegionMembershipQuerySet(models.QuerySet["RegionMembership"]):
    def in_force(self, on: dt.date | None = None) -> RegionMembershipQuerySet:
        on = on or timezone.localdate()
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=on),
            Q(valid_to__isnull=True) | Q(valid_to__gt=on),
        )


class RegionMembership(models.Model):
    """A Member State's WHO region from `valid_from` (inclusive) until `valid_to` (exclusive)."""

    member_state = models.ForeignKey(
        MemberState, on_delete=models.CASCADE, related_name="memberships"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="memberships")
    valid_from = models.DateField(_("from"), null=True, blank=True)
    valid_to = models.DateField(_("until (exclusive)"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    objects = RegionMembershipQuerySet.as_manager()

    class Meta:
        ordering = ["member_state", "valid_from"]
        verbose_name = _("region membership")
        verbose_name_plural = _("region memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lt=models.F("valid_to")),
                name="membership_period_ordered",
            ),
            models.UniqueConstraint(
                fields=["member_state", "valid_from"], name="one_membership_per_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_state_id} in {self.region_id} ({self.valid_from}–{self.valid_to})"


class SafeguardsEdition(models.Model):
    """An edition of the WHO health workforce support and safeguards list."""

    year = models.PositiveIntegerField(_("edition"), primary_key=True)
    published = models.DateField(_("published"), null=True, blank=True)
    criteria = models.TextField(_("criteria"), blank=True)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("safeguards list edition")
        verbose_name_plural = _("safeguards list editions")

    def __str__(self) -> str:
        return str(_("Safeguards list %(year)s") % {"year": self.year})

    @classmethod
    def in_force(cls, on: dt.date | None = None) -> SafeguardsEdition | None:
        """The newest edition published by a date (by year when no date is recorded)."""
        on = on or timezone.localdate()
        return (
            cls.objects.filter(Q(published__lte=on) | Q(published__isnull=True, year__lte=on.year))
            .order_by("-year")
            .first()
        )


class SafeguardsEntry(models.Model):
    edition = models.ForeignKey(SafeguardsEdition, on_delete=models.CASCADE, related_name="entries")
    member_state = models.ForeignKey(
        MemberState, on_delete=models.PROTECT, related_name="safeguards_entries"
    )

    class Meta:
        ordering = ["edition", "member_state"]
        verbose_name = _("country on the safeguards list")
        verbose_name_plural = _("countries on the safeguards list")
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "member_state"], name="safeguards_entry_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.edition_id}: {self.member_state_id}"


class CodeArticle(models.Model):
    """An article of the Code, so that questions and figures can name the article they concern."""

    number = models.PositiveSmallIntegerField(_("article"), primary_key=True)
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_fr = models.CharField(_("title (French)"), max_length=200, blank=True)
    text_en = models.TextField(_("text (English)"))

    class Meta:
        ordering = ["number"]
        verbose_name = _("article of the Code")
        verbose_name_plural = _("articles of the Code")

    def __str__(self) -> str:
        return f"{self.number}. {self.title_en}"

    def title(self, language: str = "en") -> str:
        return self.title_fr if language == "fr" and self.title_fr else self.title_en


class Language(models.Model):
    """One of the six official languages of WHO, as offered to users and instruments."""

    code = models.CharField(_("code"), max_length=10, primary_key=True)
    english = models.CharField(_("English name"), max_length=50)
    native = models.CharField(_("native name"), max_length=50)
    direction = models.CharField(
        _("direction"),
        max_length=3,
        choices=[("ltr", _("left to right")), ("rtl", _("right to left"))],
    )
    complete = models.BooleanField(_("translation complete"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self) -> str:
        return f"{self.english} ({self.code})"
