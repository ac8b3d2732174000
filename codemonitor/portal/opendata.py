"""The open data of a published round, for everyone: a page listing its tables, each table as
CSV or JSON (codes, or labels in a language), the whole round as one XLSX workbook or one JSON
document, its Frictionless Data Package (ZIP, or its `datapackage.json` alone) and its codebook
(a page, PDF, CSV).

Everything is read through `publication.opendata` in its public scope (the embargo of
`publication.public`): a round under embargo and a file that does not exist answer the same 404.
CSV and JSON are streamed as they are written; a workbook or an archive is written to a
temporary file, then sent. Each file costs the server a pass over the round's answers: they are
limited per client address (`RATE_DOWNLOADS_PER_IP`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from codemonitor.core.exports import csv_stream
from codemonitor.core.languages import BY_CODE, LANGUAGES, active
from codemonitor.core.throttle import client_key, throttle_hits
from codemonitor.portal.published import _public
from codemonitor.publication.codebook import codebook_context, codebook_pdf, codebook_rows
from codemonitor.publication.files import (
    package_zip,
    round_json,
    round_xlsx,
    spooled,
    table_csv,
    table_json,
)
from codemonitor.publication.opendata import (
    PUBLIC,
    Table,
    data_package,
    package_version,
    round_tables,
)
from codemonitor.publication.public import NotPublic, public_round
from codemonitor.reporting.models import Round

CACHE_SECONDS = 300
TABLE_FILE = re.compile(r"^(?P<table>[a-z0-9._-]{1,80})\.(?P<format>csv|json)$")
ROUND_FILES = {"datapackage.zip", "datapackage.json", "all.xlsx", "all.json"}


def _round(number: int) -> Round:
    try:
        return public_round(number)
    except NotPublic:
        raise Http404 from None


def _options(request: HttpRequest) -> tuple[bool, str]:
    """Codes or labels (`?labels=1`), and the labels' language (`?language=`, else the page's)."""
    labels = request.GET.get("labels", "") in {"1", "yes", "true"}
    language = request.GET.get("language", "")[:10]
    return labels, (language if language in BY_CODE else active())


def _kept(response: HttpResponseBase, filename: str) -> HttpResponseBase:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    return response


@require_safe
def round_data(request: HttpRequest, number: int) -> HttpResponse:
    """The page of a round's open data: its tables and files."""
    round_ = _round(number)
    tables = round_tables(round_, scope=PUBLIC, language=active())
    version = package_version(round_)

    def context() -> dict[str, object]:
        return {
            "round": round_,
            "tables": tables,
            "version": version,
            "languages": LANGUAGES,
            "current": active(),
            "licence": settings.OPEN_DATA_LICENCE,
        }

    stamp = f"{round_.pk}@{round_.publishes_at}:{version}:{[t.name for t in tables]}"
    return _public(request, "portal/data.html", stamp, context)


@require_safe
def round_file(request: HttpRequest, number: int, filename: str) -> HttpResponseBase:
    """A file of a round's open data (see the module's docstring)."""
    round_ = _round(number)
    labels, language = _options(request)
    if filename not in ROUND_FILES and not TABLE_FILE.match(filename):
        raise Http404
    tables = round_tables(round_, scope=PUBLIC, language=language)
    stem = f"code-monitor-round-{round_.number}"
    if filename == "datapackage.json":
        response = JsonResponse(
            # Its resources next to it: /rounds/<n>/data/<table>.csv.
            data_package(round_, tables, labels=False, path=lambda table: f"{table.name}.csv"),
            json_dumps_params={"indent": 2},
        )
        return _kept(response, f"{stem}-datapackage.json")
    found = TABLE_FILE.match(filename) if filename not in ROUND_FILES else None
    table = _table(tables, found["table"]) if found is not None else None  # else 404
    # Every file but the description costs a pass over the round's answers: limited per
    # address.
    limited = _limited(request)
    if limited is not None:
        return limited
    if table is None:
        if filename == "all.json":
            return _kept(
                StreamingHttpResponse(
                    round_json(round_, tables, labels=labels),
                    content_type="application/json; charset=utf-8",
                ),
                f"{stem}.json",
            )
        handle = spooled()
        if filename == "all.xlsx":
            round_xlsx(handle, tables, labels=labels)
            kind, name = (
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                f"{stem}.xlsx",
            )
        else:
            package_zip(round_, handle, language=language)
            kind, name = "application/zip", f"{stem}-datapackage.zip"
        handle.seek(0)
        return _kept(FileResponse(handle, content_type=kind), name)
    assert found is not None
    if found["format"] == "csv":
        body: Iterator[bytes] = table_csv(table, labels=labels)
        kind = "text/csv; charset=utf-8"
    else:
        body = table_json(table, labels=labels)
        kind = "application/json; charset=utf-8"
    suffix = "-labels" if labels else ""
    return _kept(
        StreamingHttpResponse(body, content_type=kind),
        f"{stem}-{table.name}{suffix}.{found['format']}",
    )


def _table(tables: list[Table], name: str) -> Table:
    for table in tables:
        if table.name == name:
            return table
    raise Http404


def _limited(request: HttpRequest) -> HttpResponse | None:
    """429 when a client asks for whole-round files too often."""
    limit, window = settings.RATE_DOWNLOADS_PER_IP
    if throttle_hits((f"downloads:{client_key(request)}", limit, window)):
        return None
    response = render(
        request,
        "portal/downloads_throttled.html",
        {
            "message": _(
                "You have downloaded many whole-round files in a short time. Please wait a "
                "minute and try again, or download the tables one by one."
            )
        },
        status=429,
    )
    response["Retry-After"] = str(window)
    return response


@require_safe
def codebook_page(request: HttpRequest, number: int) -> HttpResponse:
    round_ = _round(number)
    version = package_version(round_)
    stamp = f"{round_.pk}@{round_.publishes_at}:{version}"
    return _public(
        request, "portal/codebook.html", stamp, lambda: codebook_context(round_, active())
    )


@require_safe
def codebook_file(request: HttpRequest, number: int, file_format: str) -> HttpResponseBase:
    if file_format not in {"pdf", "csv"}:
        raise Http404
    round_ = _round(number)
    stem = f"code-monitor-round-{round_.number}-codebook"
    if file_format == "csv":
        return _kept(
            StreamingHttpResponse(
                csv_stream(codebook_rows(round_)), content_type="text/csv; charset=utf-8"
            ),
            f"{stem}.csv",
        )
    _labels, language = _options(request)
    return _kept(
        HttpResponse(codebook_pdf(round_, language), content_type="application/pdf"),
        f"{stem}-{language}.pdf",
    )
