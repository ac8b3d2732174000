"""The Independent Stakeholders Reporting Instrument online: from the round's page to the receipt.

Every view that touches a report calls `get_stakeholder_report` first.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from codemonitor.core.throttle import client_ip, throttle_hit
from codemonitor.instruments.models import Instrument
from codemonitor.reference.languages import BY_CODE, from_django
from codemonitor.reporting.answers import StaleAnswer
from codemonitor.reporting.documents import DocumentRefused, document_add, document_remove
from codemonitor.reporting.models import Report, ReportContact, Round, RoundInstrument
from codemonitor.reporting.pages import (
    ReportPages,
    field_save,
    page_save,
    page_visited,
    parse_key,
    row_add,
    row_remove,
    value_digest,
)
from codemonitor.reporting.receipt import receipt_pdf
from codemonitor.reporting.services import (
    WorkflowError,
    report_link_open,
    report_links_send,
    report_submit,
    stakeholder_report_start,
)
from codemonitor.stakeholders.access import get_stakeholder_report, grant

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


def _language(request: HttpRequest) -> str:
    return from_django(translation.get_language() or "en")


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
    language = _language(request)
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
        f"start:ip:{client_ip(request)}", limit=ip_limit, window_seconds=window
    ) or not throttle_hit(f"start:email:{email}", limit=email_limit, window_seconds=email_window):
        form.add_error(
            None,
            _(
                "Too many reports were started from here in the last hour. "
                "Please wait a little, or use the private link you received."
            ),
        )
        return _render_round(request, round_, round_instrument, form, LinkForm(), status=429)
    try:
        report = stakeholder_report_start(
            round_instrument=round_instrument,
            email=email,
            entity_name=form.cleaned_data["entity_name"].strip(),
            language=_language(request),
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
    return redirect("stakeholders:page", report_uuid=report.uuid, number=1)


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
    allowed = throttle_hit(
        f"link:email:{email}", limit=limit, window_seconds=window
    ) and throttle_hit(f"link:ip:{client_ip(request)}", limit=ip_limit, window_seconds=ip_window)
    if allowed and not form.cleaned_data["homepage"]:
        for contact in ReportContact.objects.select_related(
            "report__round_instrument__round"
        ).filter(email=email, report__round_instrument=round_instrument):
            try:
                report_links_send(report=contact.report, base_url=_base_url(request))
            except Exception:
                form.add_error(None, _("The email could not be sent. Please try again later."))
                return _render_round(
                    request, round_, round_instrument, StartForm(), form, status=503
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
        return redirect("stakeholders:done", report_uuid=report.uuid)
    return redirect("stakeholders:page", report_uuid=report.uuid, number=1)


def _sync_language(request: HttpRequest, report: Report) -> None:
    """The language picked in the interface is the report's language (pages and emails)."""
    language = _language(request)
    if language != report.language:
        report.language = language
        Report.objects.filter(pk=report.pk).update(language=language)


def _page_context(
    request: HttpRequest, report: Report, pages: ReportPages, number: int, **extra: Any
) -> dict[str, Any]:
    done, total = pages.progress()
    return {
        "report": report,
        "pages": pages,
        "page": pages.page(number),
        "number": number,
        "outline": pages.outline(),
        "done": done,
        "total": total,
        "previous": number - 1 if number > 1 else None,
        "next": number + 1 if number < len(pages.pages) else None,
        "deadline": report.round_instrument.closes_at,
        "deadline_passed": timezone.now() >= report.round_instrument.closes_at,
        "editable": report.state == Report.State.DRAFT,
        "language_name": BY_CODE[pages.language].native if pages.language in BY_CODE else "",
        "urls": _urls(report, number),
        **extra,
    }


def _urls(report: Report, number: int) -> dict[str, str]:
    return {
        "autosave": reverse("stakeholders:autosave", args=[report.uuid]),
        "upload": reverse("stakeholders:upload", args=[report.uuid]),
        "rows": reverse("stakeholders:rows", args=[report.uuid]),
        "review": reverse("stakeholders:review", args=[report.uuid]),
        "page": reverse("stakeholders:page", args=[report.uuid, number]),
        "page_base": reverse("stakeholders:page", args=[report.uuid, 1])[:-2],
        "document_base": reverse("stakeholders:document", args=[report.uuid, 0])[:-2],
    }


@require_http_methods(["GET", "POST"])
def page(request: HttpRequest, report_uuid: str, number: int) -> HttpResponse:
    report = get_stakeholder_report(request, report_uuid)
    if report.state != Report.State.DRAFT and request.method == "POST":
        return redirect("stakeholders:done", report_uuid=report.uuid)
    _sync_language(request, report)
    pages = ReportPages(report)
    if not 1 <= number <= len(pages.pages):
        raise Http404
    if request.method == "POST":
        report = get_stakeholder_report(request, report_uuid, write=True)
        result = page_save(pages=pages, number=number, data=request.POST, actor_label=ACTOR)
        page_visited(report, pages, number)
        upload_errors = _save_uploads(request, report, pages)
        action = request.POST.get("action", "save")
        if action.startswith(("add_row:", "remove_row:")):
            _row_action(pages, action)
            return redirect(reverse("stakeholders:page", args=[report.uuid, number]))
        if action.startswith("remove_file:"):
            document_id = action.partition(":")[2]
            stored = (
                report.files.filter(pk=int(document_id)).first() if document_id.isdigit() else None
            )
            if stored is not None:
                document_remove(document=stored, actor_label=ACTOR)
            return redirect(reverse("stakeholders:page", args=[report.uuid, number]))
        if result.conflicts or upload_errors:
            pages = ReportPages(report)
            return render(
                request,
                "reporting/report_page.html",
                _page_context(
                    request,
                    report,
                    pages,
                    number,
                    conflicts=result.conflicts,
                    upload_errors=upload_errors,
                ),
                status=409 if result.conflicts else 400,
            )
        target = {"next": number + 1, "back": number - 1}.get(action, number)
        if action == "review" or target > len(pages.pages):
            return redirect("stakeholders:review", report_uuid=report.uuid)
        return redirect("stakeholders:page", report_uuid=report.uuid, number=max(1, target))
    if report.state == Report.State.DRAFT and _holds_write(request, report):
        page_visited(report, pages, number)
    return render(
        request, "reporting/report_page.html", _page_context(request, report, pages, number)
    )


def _holds_write(request: HttpRequest, report: Report) -> bool:
    from codemonitor.stakeholders.access import holds

    return holds(request, report)


def _row_action(pages: ReportPages, action: str) -> None:
    verb, _sep, target = action.partition(":")
    try:
        if verb == "add_row":
            repeat, _sep, parent = target.partition("@")
            row_add(pages=pages, repeat=repeat, parent_row=parent)
        else:
            repeat, _sep, row = target.partition("@")
            row_remove(pages=pages, repeat=repeat, row=row)
    except (KeyError, ValueError):
        pass


def _save_uploads(request: HttpRequest, report: Report, pages: ReportPages) -> list[str]:
    """Files sent with a plain form (no JavaScript); returns why any was refused."""
    errors: list[str] = []
    for key in request.FILES:
        parsed = parse_key(key)
        question = pages.evaluation.questions.get(parsed[0]) if parsed else None
        if parsed is None or question is None or question.kind != "file":
            continue
        for upload in request.FILES.getlist(key):
            limit, window = settings.RATE_UPLOAD_PER_IP
            per_email, email_window = settings.RATE_UPLOAD_PER_EMAIL
            contact = (
                ReportContact.objects.filter(report=report).values_list("email", flat=True).first()
            )
            if not throttle_hit(
                f"upload:ip:{client_ip(request)}", limit=limit, window_seconds=window
            ) or not throttle_hit(
                f"upload:email:{contact}", limit=per_email, window_seconds=email_window
            ):
                errors.append(_("Too many uploads from here in the last hour; please wait."))
                return errors
            try:
                document_add(
                    report=report,
                    question=parsed[0],
                    row=parsed[1],
                    upload=upload,
                    actor_label=ACTOR,
                )
            except DocumentRefused as refused:
                errors.append(str(refused))
    return errors


@require_POST
def autosave(request: HttpRequest, report_uuid: str) -> HttpResponse:
    """Save one field; answer with what the page must now show (visibility, errors, progress)."""
    report = get_stakeholder_report(request, report_uuid, write=True)
    if report.state != Report.State.DRAFT:
        return JsonResponse(
            {"error": _("This report is submitted and can no longer be changed.")}, status=409
        )
    key = request.POST.get("field", "")
    raw: str | list[str] = (
        request.POST.getlist("value")
        if request.POST.get("multiple")
        else request.POST.get("value", "")
    )
    version_text = request.POST.get("version", "")
    version = int(version_text) if version_text.isdigit() else None
    pages = ReportPages(report)
    try:
        number = int(request.POST.get("page", "1"))
    except ValueError:
        number = 1
    number = min(max(1, number), len(pages.pages))
    try:
        value, new_version = field_save(pages=pages, key=key, raw=raw, version=version)
    except KeyError:
        return JsonResponse({"error": _("This field is not part of the report.")}, status=400)
    except StaleAnswer as stale:
        return JsonResponse(
            {"conflict": True, "theirs": stale.current.value, "version": stale.current.version},
            status=409,
        )
    return JsonResponse(
        {
            "saved": True,
            "version": new_version,
            "digest": value_digest(value),
            **_page_state(pages, number),
        }
    )


def _page_state(pages: ReportPages, number: int) -> dict[str, Any]:
    """What the page's script needs after a save: shown fields, errors, progress."""
    state = pages.page_state(number)
    done, total = pages.progress()
    return {"page": number, **state, "done": done, "total": total}


@require_POST
def rows(request: HttpRequest, report_uuid: str) -> HttpResponse:
    report = get_stakeholder_report(request, report_uuid, write=True)
    if report.state != Report.State.DRAFT:
        return redirect("stakeholders:done", report_uuid=report.uuid)
    pages = ReportPages(report)
    _row_action(pages, request.POST.get("action", ""))
    try:
        number = int(request.POST.get("page", "1"))
    except ValueError:
        number = 1
    return redirect(
        "stakeholders:page", report_uuid=report.uuid, number=min(max(1, number), len(pages.pages))
    )


@require_POST
def upload(request: HttpRequest, report_uuid: str) -> HttpResponse:
    """One file sent by the page's script; the rest of the page is untouched either way."""
    report = get_stakeholder_report(request, report_uuid, write=True)
    if report.state != Report.State.DRAFT:
        return JsonResponse(
            {"error": _("This report is submitted and can no longer be changed.")}, status=409
        )
    pages = ReportPages(report)
    errors = _save_uploads(request, report, pages)
    if errors:
        return JsonResponse({"error": " ".join(errors)}, status=400)
    key = next(iter(request.FILES), "")
    parsed = parse_key(key) or ("", "")
    files = [
        {
            "id": d.pk,
            "name": d.original_name,
            "size": d.size,
            "url": reverse("stakeholders:document", args=[report.uuid, d.pk]),
        }
        for d in report.files.filter(question=parsed[0], row=parsed[1]).order_by(
            "uploaded_at", "pk"
        )
    ]
    return JsonResponse({"saved": True, "files": files})


@require_safe
def document(request: HttpRequest, report_uuid: str, document_id: int) -> FileResponse:
    report = get_stakeholder_report(request, report_uuid)
    stored = get_object_or_404(report.files, pk=document_id)
    response = FileResponse(
        stored.file.open("rb"),
        as_attachment=True,
        filename=stored.original_name,
        content_type=stored.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def document_delete(request: HttpRequest, report_uuid: str, document_id: int) -> HttpResponse:
    report = get_stakeholder_report(request, report_uuid, write=True)
    if report.state != Report.State.DRAFT:
        return redirect("stakeholders:done", report_uuid=report.uuid)
    stored = get_object_or_404(report.files, pk=document_id)
    document_remove(document=stored, actor_label=ACTOR)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"removed": True})
    return HttpResponseRedirect(
        request.POST.get("next") or reverse("stakeholders:page", args=[report.uuid, 1])
    )


@require_safe
def review(request: HttpRequest, report_uuid: str) -> HttpResponse:
    report = get_stakeholder_report(request, report_uuid)
    _sync_language(request, report)
    pages = ReportPages(report)
    problems = pages.evaluation.problems()
    contact = ReportContact.objects.filter(report=report).first()
    return render(
        request,
        "reporting/review.html",
        {
            "report": report,
            "pages": pages,
            "review": pages.review(),
            "problems": problems,
            "problem_pages": _problem_pages(pages, problems),
            "editable": report.state == Report.State.DRAFT,
            "verified": contact is None or contact.email_verified_at is not None,
            "contact": contact,
            "deadline": report.round_instrument.closes_at,
            "deadline_passed": timezone.now() >= report.round_instrument.closes_at,
            "outline": pages.outline(),
            "urls": _urls(report, 1),
        },
    )


def _problem_pages(pages: ReportPages, problems: list[Any]) -> list[tuple[int, str, str]]:
    """Each problem with the page it is on and the question's label."""
    where: dict[str, int] = {}
    for number, page_node in enumerate(pages.pages, start=1):
        for node in page_node.walk():
            where[node.name] = number
    return [
        (
            where.get(p.question, 1),
            pages.text(pages.evaluation.questions[p.question], "label") or p.question,
            p.message,
        )
        for p in problems
    ]


@require_POST
def submit(request: HttpRequest, report_uuid: str) -> HttpResponse:
    report = get_stakeholder_report(request, report_uuid, write=True)
    try:
        report_submit(report=report, actor_label=ACTOR)
    except WorkflowError as error:
        messages.error(request, error.message)
        return redirect("stakeholders:review", report_uuid=report.uuid)
    return redirect("stakeholders:done", report_uuid=report.uuid)


@require_safe
def done(request: HttpRequest, report_uuid: str) -> HttpResponse:
    report = get_stakeholder_report(request, report_uuid)
    if report.state == Report.State.DRAFT:
        return redirect("stakeholders:review", report_uuid=report.uuid)
    contact = ReportContact.objects.filter(report=report).first()
    return render(request, "stakeholders/done.html", {"report": report, "contact": contact})


@require_safe
def receipt(request: HttpRequest, report_uuid: str) -> HttpResponse:
    report = get_stakeholder_report(request, report_uuid)
    if report.state == Report.State.DRAFT:
        raise Http404
    response = HttpResponse(receipt_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.reference}.pdf"'
    return response


def _json(data: Any) -> str:
    return json.dumps(data)
