"""National reporting for the designated national authority: the country's reports, their pages
(the same pages as the ISRI), submission, history, and the contributors a focal point invites.

Every view that touches a report calls `get_national_report` first; every view of the country's
people calls `national_user` first.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from codemonitor.accounts.access import national_user, signed_in_user
from codemonitor.accounts.models import Role, User
from codemonitor.accounts.services import InviteRefused, contributor_remove, user_invite
from codemonitor.core.audit import audit_trail
from codemonitor.national.access import can_edit, get_national_report
from codemonitor.registers.forms import AuthorityForm
from codemonitor.registers.models import NationalAuthority, NationalAuthorityProposal
from codemonitor.registers.services import authority_propose
from codemonitor.reporting.editing import page_save, report_evaluation
from codemonitor.reporting.fields import field_key, plain_number
from codemonitor.reporting.models import QuestionComment, Report
from codemonitor.reporting.page_views import ReportPageViews
from codemonitor.reporting.presenter import ReportPages
from codemonitor.reporting.receipt import blank_pdf, report_pdf
from codemonitor.reporting.selectors import country_reports
from codemonitor.reporting.services import WorkflowError
from codemonitor.reporting.workflow import national_report_submit


def _require_national(request: HttpRequest) -> User:
    user = national_user(request)
    if user is None:
        raise Http404
    return user


class NationalPages(ReportPageViews):
    namespace = "national"

    def get_report(self, request: HttpRequest, key: str, *, write: bool = False) -> Report:
        return get_national_report(request, key, write=write)

    def editable(self, request: HttpRequest, report: Report) -> bool:
        return can_edit(request, report)

    def actor(self, request: HttpRequest) -> tuple[User | None, str]:
        user = signed_in_user(request)
        return user, user.get_username() if user else ""

    def extra_context(
        self, request: HttpRequest, report: Report, pages: ReportPages
    ) -> dict[str, Any]:
        comments: dict[str, list[QuestionComment]] = {}
        for comment in report.comments.filter(resolved_at__isnull=True):
            comments.setdefault(field_key(comment.question, comment.row), []).append(comment)
        user = signed_in_user(request)
        resume = resume_token(user, report) if user and self.editable(request, report) else ""
        return {"comments": comments, "national": True, "resume_token": resume}

    def page(self, request: HttpRequest, key: str, number: int) -> HttpResponse:
        """As for every audience; and a session that ended loses nothing.

        A page sent after the session expired is kept in the new (anonymous) session while the
        person signs in again; back on the same page, it is saved as if it had just been sent.
        """
        if not request.user.is_authenticated:
            if request.method == "POST":
                pending_keep(request, key)
            return redirect(f"{reverse('accounts:sign_in')}?next={request.path}")
        pending = request.session.get(PENDING_POST)
        if request.method == "GET" and pending and pending.get("path") == request.path:
            del request.session[PENDING_POST]
            self._pending_save(request, key, number, pending)
        return super().page(request, key, number)

    def _pending_save(
        self, request: HttpRequest, key: str, number: int, pending: dict[str, Any]
    ) -> None:
        """Save the page kept while its author signed in again — only if it was theirs."""
        if pending.get("user") != request.user.pk:
            return
        if pending.get("too_big"):
            messages.error(
                request,
                _(
                    "The page you sent before signing in again was too large to keep; enter "
                    "its answers again."
                ),
            )
            return
        data = QueryDict(mutable=True)
        for name, values in pending["data"].items():
            data.setlist(name, values)
        report = self.get_report(request, key, write=True)
        if self.editable(request, report):
            evaluation = report_evaluation(report)
            if 1 <= number <= len(evaluation.form.pages()):
                user, _label = self.actor(request)
                page_save(report=report, evaluation=evaluation, page=number, data=data, user=user)
                messages.success(
                    request, _("The answers you sent before signing in again are saved.")
                )

    def autosave(self, request: HttpRequest, key: str) -> HttpResponse:
        if not request.user.is_authenticated:
            # The page's script keeps the value and sends it again once signed in.
            page = request.POST.get("page", "1")
            number = int(page) if plain_number(page) else 1
            page_url = reverse("national:page", args=[key, number])
            return JsonResponse(
                {
                    "error": _(
                        "Your session has ended: sign in again; your "
                        "answers are kept in this browser."
                    ),
                    "sign_in": f"{reverse('accounts:sign_in')}?next={page_url}",
                },
                status=401,
            )
        return super().autosave(request, key)


PENDING_POST = "national_pending_post"
PENDING_SALT = "national.pending-post"
# How much of a page sent after the session ended is kept while its author signs in again.
PENDING_MAX_BYTES = 256 * 1024
# How long a page drawn for someone may be sent back to be kept (sessions end after two weeks).
PENDING_MAX_AGE = 15 * 24 * 3600


def resume_token(user: User, report: Report) -> str:
    """Signed into each page drawn for a national user: who it was drawn for, which report."""
    return signing.dumps({"u": user.pk, "r": report.pk}, salt=PENDING_SALT, compress=True)


def pending_keep(request: HttpRequest, key: str) -> None:
    """A page sent without a session is kept only if it was drawn for someone who may change
    this report (its signed token says who and which report), and only up to a size."""
    try:
        drawn_for = signing.loads(
            request.POST.get("resume", ""), salt=PENDING_SALT, max_age=PENDING_MAX_AGE
        )
    except signing.BadSignature:
        return
    if not isinstance(drawn_for, dict) or str(drawn_for.get("r")) != key:
        return
    author_pk, report_pk = drawn_for.get("u"), drawn_for.get("r")
    if not isinstance(author_pk, int) or not isinstance(report_pk, int):
        return
    author = User.objects.filter(pk=author_pk, is_active=True).first()
    report = Report.objects.filter(pk=report_pk).first()
    if author is None or report is None or author.member_state_id != report.member_state_id:
        return
    data = {k: request.POST.getlist(k) for k in request.POST if k not in ("csrfmiddlewaretoken",)}
    size = len(json.dumps(data))  # as the session stores it (an emoji is 12 bytes there)
    kept: dict[str, Any] = {"path": request.path, "user": author.pk}
    if size > PENDING_MAX_BYTES:
        kept["too_big"] = True
    else:
        kept["data"] = data
    request.session[PENDING_POST] = kept


PAGES = NationalPages()


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The country's reports, newest round first."""
    user = signed_in_user(request)
    if user is None:
        return redirect(f"{reverse('accounts:sign_in')}?next={request.path}")
    if not user.is_national:
        raise Http404
    reports = country_reports(str(user.member_state_id))
    return render(request, "national/home.html", {"reports": reports, "account": user})


def _sign_in_first(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:sign_in')}?next={request.path}")
    return None


@require_safe
def review(request: HttpRequest, key: str) -> HttpResponse:
    if response := _sign_in_first(request):
        return response
    report = get_national_report(request, key)
    context = PAGES.review_context(request, report)
    user = national_user(request)
    context.update(
        {
            "verified": True,
            "may_submit": user is not None and user.is_focal_point and can_edit(request, report),
            "submit_url": reverse("national:submit", args=[report.pk]),
            "history_url": reverse("national:history", args=[report.pk]),
            "print_url": reverse("national:print", args=[report.pk]),
            "blank_url": reverse("national:blank", args=[report.pk]),
        }
    )
    return render(request, "reporting/review.html", context)


@require_POST
def submit(request: HttpRequest, key: str) -> HttpResponse:
    report = get_national_report(request, key, write=True)
    user = _require_national(request)
    try:
        national_report_submit(report=report, user=user)
    except WorkflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The report is submitted to the WHO Secretariat."))
    return redirect("national:review", report.pk)


@require_safe
def history(request: HttpRequest, key: str) -> HttpResponse:
    """The report's audit trail: every answer change, transition, document, comment."""
    if response := _sign_in_first(request):
        return response
    report = get_national_report(request, key)
    entries = audit_trail(report).order_by("-at", "-pk")
    return render(
        request,
        "national/history.html",
        {
            "report": report,
            "entries": entries[:2000],
            "comments": report.comments.select_related("author"),
        },
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email address"), max_length=254)
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150, required=False)


@require_http_methods(["GET", "POST"])
def contributors(request: HttpRequest) -> HttpResponse:
    """The focal point invites contributors of the same country by email, and removes them."""
    user = _require_national(request)
    if request.method == "POST" and not user.is_focal_point:
        raise Http404  # a contributor sees the country's people, the focal point invites
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user_invite(
                email=form.cleaned_data["email"],
                role=Role.CONTRIBUTOR,
                member_state_id=user.member_state_id,
                invited_by=user,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                base_url=request.build_absolute_uri("/").rstrip("/"),
            )
        except InviteRefused:
            form.add_error(
                "email",
                _(
                    "This address already has another role on Code Monitor; "
                    "ask the WHO Secretariat."
                ),
            )
        else:
            messages.success(request, _("The invitation is on its way."))
            return redirect("national:contributors")
    people = User.objects.filter(member_state_id=user.member_state_id, is_active=True).order_by(
        "role", "email"
    )
    return render(
        request,
        "national/contributors.html",
        {"form": form, "people": people, "account": user},
        status=400 if form.errors else 200,
    )


@require_POST
def contributor_remove_view(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _require_national(request)
    if not user.is_focal_point:
        raise Http404
    person = User.objects.filter(
        pk=user_id, member_state_id=user.member_state_id, role=Role.CONTRIBUTOR
    ).first()
    if person is None:
        raise Http404
    contributor_remove(focal_point=user, person=person)
    messages.success(request, _("%(email)s can no longer sign in.") % {"email": person.email})
    return redirect("national:contributors")


@require_safe
def printout(request: HttpRequest, key: str) -> HttpResponse:
    """The filled-in report as PDF, in the report's language."""
    if response := _sign_in_first(request):
        return response
    report = get_national_report(request, key)
    response = HttpResponse(report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.reference}.pdf"'
    return response


@require_safe
def blank(request: HttpRequest, key: str) -> HttpResponse:
    """The report's instrument, blank, as PDF, in the report's language."""
    if response := _sign_in_first(request):
        return response
    report = get_national_report(request, key)
    response = HttpResponse(
        blank_pdf(report.instrument_version, report.language), content_type="application/pdf"
    )
    name = f"{report.instrument_version.instrument.code}-{report.instrument_version.version}"
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


@require_http_methods(["GET", "POST"])
def authority(request: HttpRequest) -> HttpResponse:
    """A national user sees their country's entry; the focal point proposes changes."""
    user = national_user(request)
    if user is None:
        raise Http404
    authority = NationalAuthority.objects.filter(member_state_id=user.member_state_id).first()
    form = AuthorityForm(
        request.POST or None,
        instance=None,
        prefix="authority",
        initial=authority.snapshot() if authority else None,
    )
    if request.method == "POST":
        if not user.is_focal_point:
            raise Http404
        if form.is_valid():
            authority_propose(user=user, data=form.cleaned_data)
            messages.success(request, _("Your proposal is sent to the WHO Secretariat."))
            return redirect("national:authority")
    return render(
        request,
        "national/authority.html",
        {
            "authority": authority,
            "form": form,
            "account": user,
            "proposals": NationalAuthorityProposal.objects.filter(
                member_state_id=user.member_state_id
            ),
        },
        status=400 if form.errors else 200,
    )
