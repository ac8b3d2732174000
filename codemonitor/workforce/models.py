"""Health personnel migration statistics (Code Art. 7.2(a) as adopted; 8.2 of the draft).

One `Statistic` is one figure: how many health personnel of an occupation (`occupation`) were
counted in a destination country (`destination_code`) in a year, as a stock or an annual
inflow (`measure`), either all of them (`population` total) or those foreign-trained,
foreign-born or foreign citizens, with their country of training, birth or citizenship
(`origin_code`, or an aggregate such as TOTAL). Codes are kept as the source gave them, and
mapped to a Member State where they name one: aggregates (TOTAL, WORLD) and territories that are
not Member States are kept, never dropped, and said to be unmapped.

Figures come from a `StatisticsFile` (the OECD Health Workforce Migration dataset as users
download it, or another file in its shape) or from a validated national report (its numeric
tables, declared in the instrument's `statistic` column). A figure's identity is
(`dataset`, destination, origin, population, occupation, measure, year): importing the same
file twice changes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from codemonitor.reference.models import MemberState


class Occupation(models.TextChoices):
    DOCTORS = "doctors", _("Medical doctors")
    NURSES = "nurses", _("Nurses")
    MIDWIVES = "midwives", _("Midwives")
    NURSES_MIDWIVES = "nurses_midwives", _("Nurses and midwives (combined)")
    DENTISTS = "dentists", _("Dentists")
    PHARMACISTS = "pharmacists", _("Pharmacists")


class Measure(models.TextChoices):
    STOCK = "stock", _("Stock")
    INFLOW = "inflow", _("Annual inflow")


class Population(models.TextChoices):
    """Who is counted; for the foreign ones, what their origin is the country of."""

    TOTAL = "total", _("All health personnel")
    FOREIGN_TRAINED = "foreign_trained", _("Foreign-trained (by country of training)")
    FOREIGN_BORN = "foreign_born", _("Foreign-born (by country of birth)")
    FOREIGN_CITIZENS = "foreign_citizens", _("Foreign citizens (by country of citizenship)")


class Dataset(models.TextChoices):
    OECD = "oecd_wfmi", _("OECD Health Workforce Migration (HEALTH_WFMI)")
    NRI = "nri", _("National reports (NRI)")
    OTHER = "other", _("Other source")


# Origin codes for "all countries of origin together".
TOTAL_ORIGIN = "TOTAL"
# What tells one figure of a dataset from another (with `dataset`: the unique constraint).
IDENTITY = ("destination_code", "origin_code", "population", "occupation", "measure", "year")


class StatisticsFile(models.Model):
    """A file of statistics as imported: what it was, when, by whom, and what came of it."""

    class Format(models.TextChoices):
        OECD_CSV = "oecd_csv", _("OECD.Stat CSV")
        SDMX_CSV = "sdmx_csv", _("OECD Data Explorer SDMX-CSV")

    name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("checksum (SHA-256)"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("size"))
    format = models.CharField(_("format"), max_length=20, choices=Format.choices)
    dataset = models.CharField(max_length=20, choices=Dataset.choices, default=Dataset.OECD)
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # rows read / created / updated / unchanged / refused, the refusals (line, reason) and the
    # codes not mapped to a Member State, by kind.
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("statistics file")
        verbose_name_plural = _("statistics files")

    def __str__(self) -> str:
        return f"{self.name} ({self.imported_at:%Y-%m-%d})"


class Statistic(models.Model):
    dataset = models.CharField(_("dataset"), max_length=20, choices=Dataset.choices)
    destination_code = models.CharField(_("destination"), max_length=20)
    destination = models.ForeignKey(
        MemberState, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    population = models.CharField(_("population"), max_length=20, choices=Population.choices)
    # "" for the total population; TOTAL_ORIGIN for all origins together.
    origin_code = models.CharField(_("origin"), max_length=20, blank=True)
    origin = models.ForeignKey(
        MemberState, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    occupation = models.CharField(_("occupation"), max_length=20, choices=Occupation.choices)
    measure = models.CharField(_("measure"), max_length=10, choices=Measure.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=30, default="persons")
    flag = models.CharField(_("flag"), max_length=10, blank=True)
    flag_note = models.CharField(_("note"), max_length=300, blank=True)
    source_file = models.ForeignKey(
        StatisticsFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="values"
    )
    source_report = models.ForeignKey(
        "reporting.Report", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_question = models.CharField(max_length=100, blank=True)
    source_row = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("statistic")
        verbose_name_plural = _("statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", *IDENTITY],
                name="statistic_identity",
            )
        ]
        indexes = [
            models.Index(fields=["destination", "year"], name="statistic_by_destination"),
            models.Index(fields=["origin", "year"], name="statistic_by_origin"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.destination_code} {self.population}/{self.origin_code} {self.occupation} "
            f"{self.measure} {self.year}: {self.value}"
        )
