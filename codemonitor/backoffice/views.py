"""The Secretariat's back office: its first page, instruments (XLSForm), stakeholder reports."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from codemonitor.accounts.access import (
    is_secretariat_admin,
    secretariat_admin,
    secretariat_admin_required,
    secretariat_required,
)
from codemonitor.backoffice.forms import InstrumentUploadForm
from codemonitor.core.audit import audit_trail
from codemonitor.core.languages import active as active_language
from codemonitor.core.languages import from_django
from codemonitor.core.text import text_plain
from codemonitor.instruments.models import Instrument, InstrumentVersion
from codemonitor.instruments.services import InstrumentRefused, instrument_version_upload
from codemonitor.reporting import selectors
from codemonitor.reporting.models import Report
from codemonitor.reporting.presenter import ReportPages
from codemonitor.reporting.services import WorkflowError, report_reopen


@require_safe
@secretariat_required
def dashboard(request: HttpRequest) -> HttpResponse:
    rounds = selectors.rounds_with_report_counts()
    states = selectors.report_state_counts_by_round()
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
    # Everyone in the Secretariat sees the page; storing a workbook is an administrator's write.
    user = secretariat_admin(request) if request.method == "POST" else None
    form = InstrumentUploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["workbook"]
        try:
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


@require_safe
@secretariat_required
def stakeholder_reports(request: HttpRequest) -> HttpResponse:
    """Stakeholder reports with their state; search by entity or email."""
    reports = selectors.stakeholder_reports().order_by("-updated_at")
    query = request.GET.get("q", "").strip()[:200]
    state = request.GET.get("state", "")
    if query:
        reports = reports.filter(
            Q(entity_name__icontains=query) | Q(contact__email__icontains=query)
        )
    if state in Report.State.values:
        reports = reports.filter(state=state)
    paginator = Paginator(reports, 50)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "backoffice/stakeholder_reports.html",
        {
            "page": page,
            "query": query,
            "state": state,
            "states": Report.State.choices,
            "total": paginator.count,
        },
    )


@require_safe
@secretariat_required
def stakeholder_report(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(selectors.stakeholder_reports(), pk=report_id)
    pages = ReportPages(report, language=active_language())
    return render(
        request,
        "backoffice/stakeholder_report.html",
        {
            "report": report,
            "review": pages.review(),
            "files": report.files.order_by("question"),
            "audit": audit_trail(report),
            "contact": getattr(report, "contact", None),
            "is_admin": is_secretariat_admin(request),
        },
    )


@require_POST
@secretariat_admin_required
def stakeholder_report_reopen(request: HttpRequest, report_id: int) -> HttpResponse:
    user = secretariat_admin(request)
    report = get_object_or_404(selectors.stakeholder_reports(), pk=report_id)
    try:
        report_reopen(
            report=report, user=user, reason=text_plain(request.POST.get("reason", ""), limit=1000)
        )
    except WorkflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The report is open again for its respondent."))
    return redirect("backoffice:stakeholder_report", report_id=report.pk)


@require_safe
@secretariat_required
def instrument_version_blank(request: HttpRequest, version_id: int) -> HttpResponse:
    from codemonitor.reporting.receipt import blank_pdf

    version = get_object_or_404(InstrumentVersion, pk=version_id)
    language = from_django(request.GET.get("language") or translation.get_language() or "en")
    response = HttpResponse(blank_pdf(version, language), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{version.instrument.code}-{version.version}-{language}.pdf"'
    )
    return response
