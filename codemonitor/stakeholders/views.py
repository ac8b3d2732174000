"""The Independent Stakeholders Reporting Instrument online: from the round's page to the receipt.

Every view that touches a report calls `get_stakeholder_report` first.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from codemonitor.accounts.models import User
from codemonitor.core.languages import BY_CODE
from codemonitor.core.languages import active as active_language
from codemonitor.core.throttle import client_key, throttle_hit
from codemonitor.instruments.models import Instrument
from codemonitor.reporting.models import Report, ReportContact, Round, RoundInstrument
from codemonitor.reporting.page_views import ReportPageViews
from codemonitor.reporting.receipt import receipt_pdf
from codemonitor.reporting.services import (
    WorkflowError,
    report_link_open,
    report_links_request,
    report_links_send,
    report_submit,
    stakeholder_report_start,
)
from codemonitor.stakeholders.access import get_stakeholder_report, grant, holds

ACTOR = "respondent"


class StartForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Your email address"), max_length=254)
    entity_name = forms.CharField(
        label=gettext_lazy("Name of the entity submitting the report"), max_length=300
    )
    # A field people never see: only robots fill it in.
    homepage = forms.CharField(required=False, label=gettext_lazy("Leave this field empty"))


class LinkForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Your email address"), max_length=254)
    homepage = forms.CharField(required=False, label=gettext_lazy("Leave this field empty"))


def _stakeholder_instrument(round_: Round) -> RoundInstrument:
    round_instrument = (
        round_.instruments.select_related("instrument_version__instrument")
        .filter(instrument_version__instrument__kind=Instrument.Kind.STAKEHOLDER)
        .first()
    )
    if round_instrument is None:
        raise Http404
    return round_instrument


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _within_global_limit() -> bool:
    """One more private-link email to an address that asked for it, within the cap on all of
    them together (RATE_START_GLOBAL per hour): many addresses and many IPs cannot turn the
    open form into a mailer."""
    limit, window = settings.RATE_START_GLOBAL
    return throttle_hit("private-link:global", limit=limit, window_seconds=window)


@require_safe
def current(request: HttpRequest) -> HttpResponse:
    """The round whose stakeholder instrument is open now (or the latest)."""
    now = timezone.now()
    uses = (
        RoundInstrument.objects.filter(
            instrument_version__instrument__kind=Instrument.Kind.STAKEHOLDER
        )
        .select_related("round")
        .order_by("-closes_at")
    )
    chosen = next((u for u in uses if u.is_open(now)), None) or uses.first()
    if chosen is None:
        raise Http404
    return redirect("stakeholders:round", number=chosen.round.number)


@require_safe
def round_page(request: HttpRequest, number: int) -> HttpResponse:
    round_ = get_object_or_404(Round, number=number)
    round_instrument = _stakeholder_instrument(round_)
    return _render_round(request, round_, round_instrument, StartForm(), LinkForm())


def _render_round(
    request: HttpRequest,
    round_: Round,
    round_instrument: RoundInstrument,
    start_form: StartForm,
    link_form: LinkForm,
    status: int = 200,
) -> HttpResponse:
    form = round_instrument.instrument_version.form
    language = active_language()
    background = []
    pages = form.pages()
    if pages:
        background = [
            node.text("label", language, form.default_language)
            for node in pages[0].children
            if node.kind == "note"
        ]
    now = timezone.now()
    return render(
        request,
        "stakeholders/round.html",
        {
            "round": round_,
            "round_instrument": round_instrument,
            "form": form,
            "background": background,
            "start_form": start_form,
            "link_form": link_form,
            "is_open": round_instrument.is_open(now),
            "not_yet": now < round_instrument.opens_at,
            "translated": language in form.languages,
            "instrument_languages": [BY_CODE[code] for code in form.languages if code in BY_CODE],
        },
        status=status,
    )


@require_POST
def start(request: HttpRequest, number: int) -> HttpResponse:
    round_ = get_object_or_404(Round, number=number)
    round_instrument = _stakeholder_instrument(round_)
    form = StartForm(request.POST)
    if not form.is_valid():
        return _render_round(request, round_, round_instrument, form, LinkForm(), status=400)
    if form.cleaned_data["homepage"]:
        # A robot: answer as if all went well, do nothing.
        return render(request, "stakeholders/link_sent.html", {"round": round_})
    email = form.cleaned_data["email"].strip().lower()
    ip_limit, window = settings.RATE_START_PER_IP
    email_limit, email_window = settings.RATE_START_PER_EMAIL
    if not throttle_hit(
        f"start:ip:{client_key(request)}", limit=ip_limit, window_seconds=window
    ) or not throttle_hit(f"start:email:{email}", limit=email_limit, window_seconds=email_window):
        form.add_error(
            None,
            _(
                "Too many reports were started from here in the last hour. "
                "Please wait a little, or use the private link you received."
            ),
        )
        return _render_round(request, round_, round_instrument, form, LinkForm(), status=429)
    # Counted only once this requester is within its own limits, so that one address cannot use
    # up everyone's share.
    if not _within_global_limit():
        form.add_error(
            None,
            _(
                "Very many reports are being started just now. Please try again in an hour, "
                "or use the private link you received."
            ),
        )
        return _render_round(request, round_, round_instrument, form, LinkForm(), status=429)
    try:
        report = stakeholder_report_start(
            round_instrument=round_instrument,
            email=email,
            entity_name=form.cleaned_data["entity_name"].strip(),
            language=active_language(),
        )
    except WorkflowError as error:
        form.add_error(None, error.message)
        return _render_round(request, round_, round_instrument, form, LinkForm(), status=400)
    grant(request, report)
    try:
        report_links_send(report=report, base_url=_base_url(request))
    except Exception:
        messages.warning(
            request,
            _(
                "Your report is started, but the email with your private "
                "link could not be sent. Ask for it again from the round's "
                "page before you close this window."
            ),
        )
    else:
        messages.success(
            request,
            _(
                "We have sent a private link to %(email)s. It is how you "
                "come back to this report from any device, and how you "
                "will submit it."
            )
            % {"email": email},
        )
    return redirect("stakeholders:page", key=report.uuid, number=1)


@require_POST
def resend_link(request: HttpRequest, number: int) -> HttpResponse:
    """Send fresh private links for the drafts of an email address in this round."""
    round_ = get_object_or_404(Round, number=number)
    round_instrument = _stakeholder_instrument(round_)
    form = LinkForm(request.POST)
    if not form.is_valid():
        return _render_round(request, round_, round_instrument, StartForm(), form, status=400)
    email = form.cleaned_data["email"].strip().lower()
    limit, window = settings.RATE_LINK_PER_EMAIL
    ip_limit, ip_window = settings.RATE_START_PER_IP
    allowed = (
        throttle_hit(f"link:email:{email}", limit=limit, window_seconds=window)
        and throttle_hit(f"link:ip:{client_key(request)}", limit=ip_limit, window_seconds=ip_window)
        and _within_global_limit()
    )
    if allowed and not form.cleaned_data["homepage"]:
        # The worker looks the address up and sends: this request does the same work whether
        # or not the address has reports (no lookup, no email sent from here).
        report_links_request(
            round_instrument=round_instrument, email=email, base_url=_base_url(request)
        )
    # The same answer whether or not the address has reports: it reveals nothing.
    return render(request, "stakeholders/link_sent.html", {"round": round_, "email": email})


@require_safe
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    report = report_link_open(token=token) if len(token) < 100 else None
    if report is None:
        raise Http404
    grant(request, report)
    if report.state != Report.State.DRAFT:
        return redirect("stakeholders:done", key=report.uuid)
    return redirect("stakeholders:page", key=report.uuid, number=1)


class StakeholderPages(ReportPageViews):
    """The report's pages for its respondent (no account) and, read-only, the Secretariat."""

    namespace = "stakeholders"

    def get_report(self, request: HttpRequest, key: str, *, write: bool = False) -> Report:
        return get_stakeholder_report(request, key, write=write)

    def key(self, report: Report) -> str:
        return str(report.uuid)

    def editable(self, request: HttpRequest, report: Report) -> bool:
        return report.state == Report.State.DRAFT and holds(request, report)

    def actor(self, request: HttpRequest) -> tuple[User | None, str]:
        return None, ACTOR

    def locked_redirect(self, report: Report) -> HttpResponse:
        if report.state == Report.State.DRAFT:
            return redirect("stakeholders:review", key=report.uuid)
        return redirect("stakeholders:done", key=report.uuid)

    def upload_allowed(self, request: HttpRequest, report: Report) -> bool:
        per_email, window = settings.RATE_UPLOAD_PER_EMAIL
        contact = (
            ReportContact.objects.filter(report=report).values_list("email", flat=True).first()
        )
        return super().upload_allowed(request, report) and throttle_hit(
            f"upload:email:{contact}", limit=per_email, window_seconds=window
        )


PAGES = StakeholderPages()


@require_safe
def review(request: HttpRequest, key: str) -> HttpResponse:
    report = get_stakeholder_report(request, key)
    contact = ReportContact.objects.filter(report=report).first()
    context = PAGES.review_context(request, report)
    context.update(
        {
            "contact": contact,
            "verified": contact is None or contact.email_verified_at is not None,
            "submit_url": reverse("stakeholders:submit", args=[report.uuid]),
        }
    )
    return render(request, "reporting/review.html", context)


@require_POST
def submit(request: HttpRequest, key: str) -> HttpResponse:
    report = get_stakeholder_report(request, key, write=True)
    try:
        report_submit(report=report, actor_label=ACTOR)
    except WorkflowError as error:
        messages.error(request, error.message)
        return redirect("stakeholders:review", key=report.uuid)
    return redirect("stakeholders:done", key=report.uuid)


@require_safe
def done(request: HttpRequest, key: str) -> HttpResponse:
    report = get_stakeholder_report(request, key)
    if report.state == Report.State.DRAFT:
        return redirect("stakeholders:review", key=report.uuid)
    contact = ReportContact.objects.filter(report=report).first()
    return render(request, "stakeholders/done.html", {"report": report, "contact": contact})


@require_safe
def receipt(request: HttpRequest, key: str) -> HttpResponse:
    report = get_stakeholder_report(request, key)
    if report.state == Report.State.DRAFT:
        raise Http404
    response = HttpResponse(receipt_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.reference}.pdf"'
    return response
