"""The Secretariat's back office: instruments (XLSForm upload) for now."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from codemonitor.accounts.models import User
from codemonitor.backoffice.access import secretariat_required
from codemonitor.backoffice.forms import InstrumentUploadForm
from codemonitor.instruments.models import Instrument, InstrumentVersion
from codemonitor.instruments.services import InstrumentRefused, instrument_version_upload
from codemonitor.reporting.models import Report, Round


@require_safe
@secretariat_required
def dashboard(request: HttpRequest) -> HttpResponse:
    rounds = Round.objects.annotate(report_count=Count("instruments__reports")).order_by("-number")
    states = (
        Report.objects.values(
            "round_instrument__round__number", "instrument_version__instrument__code", "state"
        )
        .annotate(count=Count("id"))
        .order_by()
    )
    return render(request, "backoffice/dashboard.html", {"rounds": rounds, "states": states})


@require_safe
@secretariat_required
def instrument_list(request: HttpRequest) -> HttpResponse:
    instruments = Instrument.objects.prefetch_related("versions").order_by("code")
    return render(
        request,
        "backoffice/instrument_list.html",
        {"instruments": instruments, "form": InstrumentUploadForm()},
    )


@require_http_methods(["GET", "POST"])
@secretariat_required
def instrument_upload(request: HttpRequest) -> HttpResponse:
    form = InstrumentUploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["workbook"]
        try:
            user = request.user if isinstance(request.user, User) else None
            result = instrument_version_upload(data=upload.read(), filename=upload.name, user=user)
        except InstrumentRefused as refused:
            errors = refused.errors
        else:
            version = result.version
            if result.created:
                messages.success(
                    request,
                    _("%(title)s, version %(version)s, is stored.")
                    % {"title": version.title, "version": version.version},
                )
            else:
                messages.info(
                    request,
                    _("This workbook is already stored as version %(version)s.")
                    % {"version": version.version},
                )
            return redirect("backoffice:instrument_version", version_id=version.pk)
    return render(
        request,
        "backoffice/instrument_upload.html",
        {"form": form, "errors": errors},
        status=422 if errors else 200,
    )


@require_safe
@secretariat_required
def instrument_version_detail(request: HttpRequest, version_id: int) -> HttpResponse:
    version = get_object_or_404(
        InstrumentVersion.objects.select_related("instrument"), pk=version_id
    )
    return render(
        request,
        "backoffice/instrument_version.html",
        {"version": version, "form": version.form, "report_count": version.reports.count()},
    )


@require_safe
@secretariat_required
def instrument_version_download(request: HttpRequest, version_id: int) -> HttpResponse:
    version = get_object_or_404(InstrumentVersion, pk=version_id)
    response = HttpResponse(
        bytes(version.source),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{version.instrument.code}-{version.version}.xlsx"'
    )
    return response
