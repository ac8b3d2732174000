"""Health personnel migration statistics in the back office: importing a file of the OECD
Health Workforce Migration dataset (administrators), the files imported with their summaries,
and the statistics with filters and their CSV download (the whole Secretariat)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from codemonitor.accounts.access import (
    secretariat_admin,
    secretariat_admin_required,
    secretariat_required,
)
from codemonitor.core.exports import csv_stream
from codemonitor.core.uploads import OversizedUpload, upload_limit
from codemonitor.reference.models import MemberState
from codemonitor.workforce.imports import (
    ImportSummary,
    StatisticsRefused,
    statistics_file_summary,
    statistics_import,
)
from codemonitor.workforce.models import (
    Dataset,
    Measure,
    Occupation,
    Population,
    StatisticsFile,
)
from codemonitor.workforce.selectors import (
    StatisticsFilter,
    statistics_filtered,
    statistics_rows,
)

PER_PAGE = 100


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


class StatisticsUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File of the OECD Health Workforce Migration dataset (CSV or XLSX)"),
        help_text=gettext_lazy(
            "As downloaded from OECD.Stat (COU, VAR, CO2, YEA, Value…) or from the OECD Data "
            "Explorer (SDMX-CSV, codes only or codes and labels)."
        ),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: read and compare everything, store nothing"),
        required=False,
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.STATISTICS_UPLOAD_MAX_BYTES
        if isinstance(upload, OversizedUpload) or upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s MB; at most %(limit)s MB can be imported at once.")
                % {"size": _megabytes(upload.size), "limit": _megabytes(limit)}
            )
        return upload


def _summary_context(summary: dict[str, Any]) -> dict[str, Any]:
    """What the summary page shows of a summary (as `ImportSummary.as_json` wrote it)."""
    labels = {
        "aggregate": _("Aggregates, kept as such"),
        "territory": _("Territories that are not Member States, kept"),
        "unknown": _("Unknown codes, kept"),
    }
    return {
        "summary": summary,
        "unmapped": [
            (labels.get(kind, kind), sorted(codes.items()))
            for kind, codes in summary.get("unmapped", {}).items()
            if codes
        ],
    }


@upload_limit("STATISTICS_UPLOAD_MAX_BYTES")
@require_http_methods(["GET", "POST"])
@secretariat_admin_required
def statistics_import_page(request: HttpRequest) -> HttpResponse:
    form = StatisticsUploadForm(request.POST or None, request.FILES or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        user = secretariat_admin(request)
        upload = form.cleaned_data["file"]
        try:
            # The upload is a temporary file on disk past 2 MB (FILE_UPLOAD_MAX_MEMORY_SIZE):
            # read as a stream, never whole.
            summary: ImportSummary = statistics_import(
                upload.file,
                name=upload.name or "statistics.csv",
                user=user,
                dry_run=form.cleaned_data["dry_run"],
            )
        except StatisticsRefused as refused:
            error = str(refused)
        else:
            if summary.file_id is not None:
                return redirect("backoffice:statistics_file", file_id=summary.file_id)
            return render(
                request,
                "backoffice/statistics_summary.html",
                {**_summary_context(summary.as_json()), "file": None},
            )
    return render(
        request,
        "backoffice/statistics_import.html",
        {"form": form, "error": error, "limit": _megabytes(settings.STATISTICS_UPLOAD_MAX_BYTES)},
        status=400 if request.method == "POST" else 200,
    )


@require_safe
@secretariat_required
def statistics_files(request: HttpRequest) -> HttpResponse:
    files = StatisticsFile.objects.select_related("imported_by")
    page = Paginator(files, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "backoffice/statistics_files.html", {"page": page})


@require_safe
@secretariat_required
def statistics_file(request: HttpRequest, file_id: int) -> HttpResponse:
    file = get_object_or_404(StatisticsFile, pk=file_id)
    return render(
        request,
        "backoffice/statistics_summary.html",
        {**_summary_context(statistics_file_summary(file)), "file": file},
    )


def _filter_choices() -> dict[str, Any]:
    return {
        "states": MemberState.objects.order_by("iso3"),
        "occupations": Occupation.choices,
        "populations": Population.choices,
        "measures": Measure.choices,
        "datasets": Dataset.choices,
    }


@require_safe
@secretariat_required
def statistics_browse(request: HttpRequest) -> HttpResponse:
    found = StatisticsFilter.from_query(request.GET)
    statistics = statistics_filtered(found).select_related("source_file")
    page = Paginator(statistics, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "backoffice/statistics.html",
        {"page": page, "filter": found, "query": query.urlencode(), **_filter_choices()},
    )


@require_safe
@secretariat_required
def statistics_export(request: HttpRequest) -> HttpResponse:
    found = StatisticsFilter.from_query(request.GET)
    response = StreamingHttpResponse(
        csv_stream(statistics_rows(statistics_filtered(found))),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="migration-statistics.csv"'
    # Streamed (constant memory for any number of statistics); the access gates are typed for
    # HttpResponse, which a streamed response answers for.
    return cast(HttpResponse, response)
