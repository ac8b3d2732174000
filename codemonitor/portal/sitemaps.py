"""The sitemap of what is published (`/sitemap.xml`): the portal's pages (what the Code is,
the rounds, the search, the recruiters' lookup), each published round and its public report,
each published report, every Member State's page. Read through `publication.public`, like
the pages: a round under embargo, a withheld or unpublished report is never listed."""

from __future__ import annotations

import datetime as dt

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from codemonitor.publication.public import all_public_reports, public_rounds
from codemonitor.reference.models import MemberState
from codemonitor.reporting.models import Report, Round


class PortalSitemap(Sitemap[str]):
    changefreq = "weekly"

    def items(self) -> list[str]:
        return ["portal:code", "portal:rounds", "portal:search", "portal:recruiters"]

    def location(self, item: str) -> str:
        return reverse(item)


class RoundSitemap(Sitemap[Round]):
    changefreq = "monthly"

    def items(self) -> QuerySet[Round]:
        return public_rounds()

    def location(self, item: Round) -> str:
        return reverse("portal:round", args=[item.number])

    def lastmod(self, item: Round) -> dt.datetime | None:
        return item.publishes_at


class RoundReportSitemap(Sitemap[Round]):
    """Each published round's public report (its HTML page; the PDF is linked from it)."""

    changefreq = "monthly"

    def items(self) -> QuerySet[Round]:
        return public_rounds()

    def location(self, item: Round) -> str:
        return reverse("portal:round_report", args=[item.number])

    def lastmod(self, item: Round) -> dt.datetime | None:
        return item.publishes_at


class ReportSitemap(Sitemap[Report]):
    changefreq = "monthly"
    limit = 5000

    def items(self) -> QuerySet[Report]:
        return all_public_reports().only("pk", "updated_at").order_by("pk")

    def location(self, item: Report) -> str:
        return reverse("portal:report", args=[item.pk])

    def lastmod(self, item: Report) -> dt.datetime:
        return item.updated_at


class CountrySitemap(Sitemap[MemberState]):
    changefreq = "monthly"

    def items(self) -> QuerySet[MemberState]:
        return MemberState.objects.order_by("iso3").only("iso3")

    def location(self, item: MemberState) -> str:
        return reverse("portal:country", args=[item.pk])


SITEMAPS = {
    "portal": PortalSitemap,
    "rounds": RoundSitemap,
    "round-reports": RoundReportSitemap,
    "reports": ReportSitemap,
    "countries": CountrySitemap,
}
