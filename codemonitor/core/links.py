"""Addresses of pages, for the emails that domain code sends.

The domain (a reminder, an invitation, a private link) needs the address of a page that belongs
to an audience (the national pages, the stakeholder pages), but may not name the audience's URLs:
the audience registers a builder for a link name when its app is ready, and the domain asks for
the link by that name. A missing builder is a configuration error, raised at once.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

_BUILDERS: dict[str, Callable[..., str]] = {}

# The link names the domain asks for, and what each builder takes.
NATIONAL_REPORT_PAGE = "national_report.page"  # (report) → the report's first page
NATIONAL_REPORT_SIGN_IN = "national_report.sign_in"  # (report) → sign in, then its first page
STAKEHOLDER_PRIVATE_LINK = "stakeholder_report.private_link"  # (token) → opens the report
# -- the generated report of a round (analysis/round_report.py)
ANALYSIS_REPORT_LIST = "analysis.report_list"  # (querystring) → the reports behind a number
# (querystring) → the Member States or reports behind a completeness figure
ANALYSIS_COMPLETENESS_LIST = "analysis.completeness_list"
ANALYSIS_REPORT_CSV = "analysis.report_csv"  # (round number, language, identifier) → a CSV


def link_register(name: str, builder: Callable[..., str]) -> None:
    """Say how to build the path of a link (called from an audience's `AppConfig.ready`)."""
    _BUILDERS[name] = builder


def link(name: str, *args: object, base_url: str | None = None) -> str:
    """The absolute address of a link: `base_url` (a request's) or SITE_URL, then the path."""
    try:
        builder = _BUILDERS[name]
    except KeyError:
        raise LookupError(f"no page is registered for the link {name!r}") from None
    return (base_url if base_url is not None else settings.SITE_URL).rstrip("/") + builder(*args)
