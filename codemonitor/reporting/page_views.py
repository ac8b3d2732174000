"""The views of a report's pages, shared by every audience (stakeholders, national reports).

An audience subclasses `ReportPageViews` and says how a report is found for a request (its
access helper), when it may be changed, and who is acting; the pages, autosave, uploads and the
review are the same for all.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from codemonitor.accounts.models import User
from codemonitor.core.languages import BY_CODE
from codemonitor.core.languages import active as active_language
from codemonitor.core.throttle import client_key, throttle_hit, throttle_hits
from codemonitor.instruments.engine import Evaluation
from codemonitor.reporting.answers import ReportClosed, StaleAnswer
from codemonitor.reporting.documents import (
    DocumentRefused,
    document_add,
    document_remove,
    download_as,
)
from codemonitor.reporting.editing import (
    answer_confirm,
    field_save,
    page_save,
    report_evaluation,
    report_language_set,
    report_page_visit,
    row_add,
    row_remove,
)
from codemonitor.reporting.fields import AnswerRefused, parse_key, plain_number, value_digest
from codemonitor.reporting.models import Report
from codemonitor.reporting.presenter import ReportPages


class ReportPageViews:
    namespace = ""
    template = "reporting/report_page.html"

    # -- what an audience decides ----------------------------------------------------------

    def get_report(self, request: HttpRequest, key: str, *, write: bool = False) -> Report:
        raise NotImplementedError

    def editable(self, request: HttpRequest, report: Report) -> bool:
        raise NotImplementedError

    def actor(self, request: HttpRequest) -> tuple[User | None, str]:
        raise NotImplementedError

    def key(self, report: Report) -> str:
        return str(report.pk)

    def locked_redirect(self, report: Report) -> HttpResponse:
        return redirect(f"{self.namespace}:review", self.key(report))

    def upload_allowed(self, request: HttpRequest, report: Report) -> bool:
        limit, window = settings.RATE_UPLOAD_PER_IP
        return throttle_hit(f"upload:ip:{client_key(request)}", limit=limit, window_seconds=window)

    def extra_context(
        self, request: HttpRequest, report: Report, pages: ReportPages
    ) -> dict[str, Any]:
        return {}

    def autosave_allowed(self, request: HttpRequest, report: Report, weight: int = 1) -> bool:
        """Saves are counted per report and per address — one per autosave, one per field a
        page sent without JavaScript changed: a person typing stays far below both limits; a
        script filling the database does not."""
        per_report, report_window = settings.RATE_AUTOSAVE_PER_REPORT
        per_ip, ip_window = settings.RATE_AUTOSAVE_PER_IP
        return throttle_hits(
            (f"autosave:report:{report.pk}", per_report, report_window),
            (f"autosave:ip:{client_key(request)}", per_ip, ip_window),
            weight=weight,
        )

    def closed_response(self, request: HttpRequest, key: str) -> HttpResponse:
        """The answer to a change of a report that is no longer open (checked under its lock)."""
        if request.headers.get("Accept", "").startswith("application/json"):
            return JsonResponse({"error": _("This report can no longer be changed.")}, status=409)
        return self.locked_redirect(self.get_report(request, key))

    # -- shared ------------------------------------------------------------------------------

    def sync_language(self, request: HttpRequest, report: Report) -> None:
        """The language that the people filling in the report pick in the interface is the
        report's (pages and emails); a reader (the Secretariat) does not change it."""
        if self.editable(request, report):
            user, label = self.actor(request)
            report_language_set(
                report=report, language=active_language(), user=user, actor_label=label
            )

    def urls(self, report: Report, number: int) -> dict[str, str]:
        key, ns = self.key(report), self.namespace
        return {
            "autosave": reverse(f"{ns}:autosave", args=[key]),
            "upload": reverse(f"{ns}:upload", args=[key]),
            "rows": reverse(f"{ns}:rows", args=[key]),
            "review": reverse(f"{ns}:review", args=[key]),
            "page": reverse(f"{ns}:page", args=[key, number]),
            "page_base": reverse(f"{ns}:page", args=[key, 1])[:-2],
            "document_base": reverse(f"{ns}:document", args=[key, 0])[:-2],
        }

    def page_context(
        self, request: HttpRequest, report: Report, pages: ReportPages, number: int, **extra: Any
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
            "editable": self.editable(request, report),
            "language_name": BY_CODE[pages.language].native if pages.language in BY_CODE else "",
            "urls": self.urls(report, number),
            **self.extra_context(request, report, pages),
            **extra,
        }

    def page(self, request: HttpRequest, key: str, number: int) -> HttpResponse:
        # A page sent is a write: whoever may only read the report gets 404, as for autosave.
        report = self.get_report(request, key, write=request.method == "POST")
        if request.method == "POST" and not self.editable(request, report):
            return self.locked_redirect(report)
        self.sync_language(request, report)
        pages = ReportPages(report)
        if not 1 <= number <= len(pages.pages):
            raise Http404
        if request.method == "POST":
            return self._page_post(request, key, number, pages)
        if self.editable(request, report):
            report_page_visit(report=report, page=pages.pages[number - 1].name)
        return render(request, self.template, self.page_context(request, report, pages, number))

    def _page_post(
        self, request: HttpRequest, key: str, number: int, pages: ReportPages
    ) -> HttpResponse:
        report = self.get_report(request, key, write=True)
        user, label = self.actor(request)
        if not self.autosave_allowed(request, report):
            return self._too_many(request, report, number)
        evaluation = pages.evaluation
        result = page_save(
            report=report, evaluation=evaluation, page=number, data=request.POST, user=user
        )
        if result.saved > 1:  # the request counted one save already
            self.autosave_allowed(request, report, weight=result.saved - 1)
        report_page_visit(report=report, page=pages.pages[number - 1].name)
        upload_errors = self.save_uploads(request, report)
        action = request.POST.get("action", "save")
        here = reverse(f"{self.namespace}:page", args=[self.key(report), number])
        if action.startswith(("add_row:", "remove_row:")):
            self.row_action(report, evaluation, action, user)
            return redirect(here)
        if action.startswith("confirm:"):
            name, _sep, row = action.removeprefix("confirm:").partition("@")
            answer_confirm(report=report, evaluation=evaluation, question=name, row=row, user=user)
            return redirect(here)
        if action.startswith("remove_file:"):
            document_id = action.partition(":")[2]
            stored = (
                report.files.filter(pk=int(document_id)).first()
                if plain_number(document_id)
                else None
            )
            if stored is not None:
                document_remove(document=stored, user=user, actor_label=label)
            return redirect(here)
        if result.conflicts or upload_errors or result.refused:
            pages = _pages_as_typed(
                report, {(r.question.name, r.row): r.typed for r in result.refused}
            )
            context = self.page_context(
                request,
                report,
                pages,
                number,
                conflicts=result.conflicts,
                upload_errors=upload_errors,
                refused=[
                    (pages.text(r.question, "label") or r.question.name, r.message)
                    for r in result.refused
                ],
            )
            return render(request, self.template, context, status=409 if result.conflicts else 400)
        target = {"next": number + 1, "back": number - 1}.get(action, number)
        if action == "review" or target > len(pages.pages):
            return redirect(f"{self.namespace}:review", self.key(report))
        return redirect(f"{self.namespace}:page", self.key(report), max(1, target))

    def _too_many(self, request: HttpRequest, report: Report, number: int) -> HttpResponse:
        """A page sent over the save limits: nothing saved, everything shown as it was sent."""
        questions = report.instrument_version.form.questions()
        typed: dict[tuple[str, str], str | list[str]] = {}
        for name in request.POST:
            parsed = parse_key(name)
            question = questions.get(parsed[0]) if parsed else None
            if parsed is None or question is None or not question.is_input:
                continue
            many = question.kind == "select_multiple"
            typed[parsed] = request.POST.getlist(name) if many else request.POST[name]
        pages = _pages_as_typed(report, typed)
        message = _("Too many saves in a short time; wait a minute, then send the page again.")
        context = self.page_context(
            request, report, pages, number, refused=[(_("This page"), message)]
        )
        response = render(request, self.template, context, status=429)
        response["Retry-After"] = "60"
        return response

    @staticmethod
    def row_action(
        report: Report, evaluation: Evaluation, action: str, user: User | None = None
    ) -> None:
        verb, _sep, target = action.partition(":")
        try:
            if verb == "add_row":
                repeat, _sep, parent = target.partition("@")
                row_add(
                    report=report,
                    evaluation=evaluation,
                    repeat=repeat,
                    parent_row=parent,
                    user=user,
                )
            elif verb == "remove_row":
                repeat, _sep, row = target.partition("@")
                row_remove(report=report, evaluation=evaluation, repeat=repeat, row=row, user=user)
        except (KeyError, ValueError):
            pass

    def save_uploads(self, request: HttpRequest, report: Report) -> list[str]:
        """Files sent with the page; returns why any was refused."""
        errors: list[str] = []
        user, label = self.actor(request)
        questions = report.instrument_version.form.questions()
        for field_name in request.FILES:
            parsed = parse_key(field_name)
            question = questions.get(parsed[0]) if parsed else None
            if parsed is None or question is None or question.kind != "file":
                continue
            for upload in request.FILES.getlist(field_name):
                if not self.upload_allowed(request, report):
                    errors.append(_("Too many uploads from here in the last hour; please wait."))
                    return errors
                try:
                    document_add(
                        report=report,
                        question=parsed[0],
                        row=parsed[1],
                        upload=upload,
                        user=user,
                        actor_label=label,
                    )
                except DocumentRefused as refused:
                    errors.append(str(refused))
        return errors

    def autosave(self, request: HttpRequest, key: str) -> HttpResponse:
        """Save one field; answer with what the page must now show."""
        report = self.get_report(request, key, write=True)
        if not self.editable(request, report):
            return JsonResponse({"error": _("This report can no longer be changed.")}, status=409)
        if not self.autosave_allowed(request, report):
            response = JsonResponse(
                {"error": _("Too many saves in a short time; your answer is kept and sent again.")},
                status=429,
            )
            response["Retry-After"] = "10"
            return response
        field = request.POST.get("field", "")
        raw: str | list[str] = (
            request.POST.getlist("value")
            if request.POST.get("multiple")
            else request.POST.get("value", "")
        )
        # No version is "no answer yet": a save never silently overwrites an answer it did not see.
        version_text = request.POST.get("version", "")
        version = int(version_text) if plain_number(version_text) else 0
        evaluation = report_evaluation(report)
        user, _label = self.actor(request)
        try:
            saved = field_save(
                report=report,
                evaluation=evaluation,
                key=field,
                raw=raw,
                version=version,
                user=user,
            )
        except KeyError:
            return JsonResponse({"error": _("This field is not part of the report.")}, status=400)
        except AnswerRefused as refused:
            return JsonResponse({"error": str(refused), "field": field}, status=400)
        except StaleAnswer as stale:
            return JsonResponse(
                {"conflict": True, "theirs": stale.current.value, "version": stale.current.version},
                status=409,
            )
        pages = ReportPages(report, evaluation=evaluation)
        number = self._number(request, report)
        done, total = pages.progress()
        return JsonResponse(
            {
                "saved": True,
                "version": saved.version,
                "digest": value_digest(saved.value),
                "page": number,
                **pages.page_state(number),
                "done": done,
                "total": total,
            }
        )

    @staticmethod
    def _number(request: HttpRequest, report: Report) -> int:
        """The page number a request came from, within the report's pages."""
        try:
            number = int(request.POST.get("page", "1"))
        except ValueError:
            number = 1
        return min(max(1, number), len(report.instrument_version.form.pages()))

    def rows(self, request: HttpRequest, key: str) -> HttpResponse:
        report = self.get_report(request, key, write=True)
        if not self.editable(request, report):
            return self.locked_redirect(report)
        self.row_action(
            report,
            report_evaluation(report),
            request.POST.get("action", ""),
            self.actor(request)[0],
        )
        return redirect(f"{self.namespace}:page", self.key(report), self._number(request, report))

    def upload(self, request: HttpRequest, key: str) -> HttpResponse:
        """One file sent by the page's script; the rest of the page is untouched either way."""
        report = self.get_report(request, key, write=True)
        if not self.editable(request, report):
            return JsonResponse({"error": _("This report can no longer be changed.")}, status=409)
        errors = self.save_uploads(request, report)
        if errors:
            return JsonResponse({"error": " ".join(errors)}, status=400)
        parsed = parse_key(next(iter(request.FILES), "")) or ("", "")
        files = [
            {
                "id": d.pk,
                "name": d.original_name,
                "size": d.size,
                "url": reverse(f"{self.namespace}:document", args=[self.key(report), d.pk]),
            }
            for d in report.files.filter(question=parsed[0], row=parsed[1]).order_by(
                "uploaded_at", "pk"
            )
        ]
        return JsonResponse({"saved": True, "files": files})

    def document(self, request: HttpRequest, key: str, document_id: int) -> FileResponse:
        report = self.get_report(request, key)
        stored = get_object_or_404(report.files, pk=document_id)
        filename, content_type = download_as(stored)
        # Always a download, under a name and a type of the kind found in its content: never
        # shown by the browser as a page of this site, whatever name it was sent with.
        response = FileResponse(
            stored.file.open("rb"),
            as_attachment=True,
            filename=filename,
            content_type=content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def document_delete(self, request: HttpRequest, key: str, document_id: int) -> HttpResponse:
        report = self.get_report(request, key, write=True)
        if not self.editable(request, report):
            return self.locked_redirect(report)
        stored = get_object_or_404(report.files, pk=document_id)
        user, label = self.actor(request)
        document_remove(document=stored, user=user, actor_label=label)
        if request.headers.get("Accept", "").startswith("application/json"):
            return JsonResponse({"removed": True})
        return HttpResponseRedirect(reverse(f"{self.namespace}:page", args=[self.key(report), 1]))

    def review_context(self, request: HttpRequest, report: Report) -> dict[str, Any]:
        self.sync_language(request, report)
        pages = ReportPages(report)
        problems = pages.evaluation.problems()
        where: dict[str, int] = {}
        for number, page_node in enumerate(pages.pages, start=1):
            for node in page_node.walk():
                where[node.name] = number
        problem_pages = [
            (
                where.get(p.question, 1),
                pages.text(pages.evaluation.questions[p.question], "label") or p.question,
                p.message,
            )
            for p in problems
        ]
        return {
            "report": report,
            "pages": pages,
            "review": pages.review(),
            "problems": problems,
            "problem_pages": problem_pages,
            "editable": self.editable(request, report),
            "deadline": report.round_instrument.closes_at,
            "deadline_passed": timezone.now() >= report.round_instrument.closes_at,
            "outline": pages.outline(),
            "urls": self.urls(report, 1),
            **self.extra_context(request, report, pages),
        }


def _pages_as_typed(report: Report, typed: dict[tuple[str, str], str | list[str]]) -> ReportPages:
    """The report's pages with values that were not stored shown as the person typed them:
    nothing the person entered is lost."""
    shown = report_evaluation(report)
    shown.answers.update(typed)
    shown.forget()
    return ReportPages(report, evaluation=shown)


def _closed_guard(
    views: ReportPageViews, view: Callable[..., HttpResponse]
) -> Callable[..., HttpResponse]:
    """A change that finds the report closed under its lock (a submission came first) is
    answered as a closed report, never as an error."""

    @wraps(view)
    def guarded(request: HttpRequest, key: str, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, key, *args, **kwargs)
        except ReportClosed:
            return views.closed_response(request, key)

    return guarded


def page_urlpatterns(views: ReportPageViews, prefix: str) -> list[URLPattern]:
    """The URL patterns of a report's pages under `prefix` (e.g. `reports/<str:key>/`)."""

    def writes(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        return _closed_guard(views, view)

    return [
        path(
            f"{prefix}page/<int:number>/",
            require_http_methods(["GET", "POST"])(writes(views.page)),
            name="page",
        ),
        path(f"{prefix}autosave/", require_POST(writes(views.autosave)), name="autosave"),
        path(f"{prefix}rows/", require_POST(writes(views.rows)), name="rows"),
        path(f"{prefix}upload/", require_POST(writes(views.upload)), name="upload"),
        path(
            f"{prefix}documents/<int:document_id>/", require_safe(views.document), name="document"
        ),
        path(
            f"{prefix}documents/<int:document_id>/remove/",
            require_POST(writes(views.document_delete)),
            name="document_remove",
        ),
    ]
