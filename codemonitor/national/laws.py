"""The country's laws and regulations, as its focal point and contributors keep them: the list,
an entry's page with its history, adding and changing entries (from scratch or from an answer
of the national report), the full text's download, and importing a spreadsheet.

Every view asks `national_user` first (only the country's people use these pages; the
Secretariat has its own in the back office) and `registers.access` for the entry or the
country; another country's entry is 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from codemonitor.accounts.access import national_user
from codemonitor.accounts.models import User
from codemonitor.core.languages import active as active_language
from codemonitor.core.text import text_plain
from codemonitor.registers.access import entry_for, register_writer
from codemonitor.registers.forms import (
    LawForm,
    LawImportForm,
    event_formset,
    event_initial,
)
from codemonitor.registers.law_imports import (
    LawImportRefused,
    law_import_apply,
    law_import_discard,
    law_import_read,
    law_import_template,
)
from codemonitor.registers.laws import (
    LawRefused,
    law_create,
    law_document_attach,
    law_remove,
    law_update,
)
from codemonitor.registers.models import ImportKind, Law, RegisterImport
from codemonitor.registers.selectors import (
    LawFilters,
    law_filter_choices,
    law_filters,
    law_page,
    law_report_answer,
    law_report_answers,
    law_search,
)
from codemonitor.reporting.documents import DocumentRefused, document_check, download_name

PAGE_SIZE = 50


def _country_user(request: HttpRequest) -> User:
    user = national_user(request)
    if user is None or not user.member_state_id:
        raise Http404
    return user


def _sign_in(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:sign_in')}?next={request.path}")
    return None


def _law(request: HttpRequest, law_id: object, *, write: bool = False) -> tuple[Law, User]:
    _country_user(request)
    law, user = entry_for(request, Law, law_id, write=write)
    assert isinstance(law, Law)
    return law, user


@require_safe
def laws(request: HttpRequest) -> HttpResponse:
    if response := _sign_in(request):
        return response
    user = _country_user(request)
    asked = law_filters(request.GET)
    filters = LawFilters(
        text=asked.text,
        country=str(user.member_state_id),
        kind=asked.kind,
        article=asked.article,
        year=asked.year,
        status=asked.status,
        validation=asked.validation,
    )
    page = Paginator(law_search(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = filters.as_query()
    query.pop("country", None)
    return render(
        request,
        "national/laws.html",
        {
            "account": user,
            "page": page,
            "filters": filters,
            "query": query,
            "choices": law_filter_choices(),
            "from_report": len(law_report_answers(str(user.member_state_id))),
        },
    )


def _form_page(
    request: HttpRequest, user: User, law: Law | None, answer_id: str = ""
) -> HttpResponse:
    """Adding (no `law`) or changing an entry: one form, its events, its document."""
    country = str(user.member_state_id)
    answer = None
    if law is None and answer_id:
        whole = answer_id.isascii() and answer_id.isdigit()  # not "²", a digit int() refuses
        answer = law_report_answer(country, int(answer_id)) if whole else None
        if answer is None:
            raise Http404
    if request.method == "POST":
        form = LawForm(request.POST, request.FILES, country=country, law=law)
        events = event_formset(request.POST)
    else:
        initial: dict[str, Any] = LawForm.initial_of(law) if law else {}
        if answer is not None:
            first_line = answer.text.strip().splitlines()[0] if answer.text.strip() else ""
            initial = {"title": first_line[:500], "abstract": answer.text[:20_000]}
        form = LawForm(initial=initial, country=country, law=law)
        events = event_formset(initial=event_initial(law))
    if request.method == "POST" and form.is_valid() and events.is_valid():
        upload = form.cleaned_data.get("document")
        try:
            if upload is not None:
                document_check(upload, max_bytes=_document_limit())
            data = form.law_input(events.events())
            note = text_plain(form.cleaned_data.get("note") or "", limit=300)
            if law is None:
                law = law_create(
                    member_state_id=country,
                    data=data,
                    user=user,
                    source_report=answer.report if answer else None,
                    source_question=answer.question if answer else "",
                    note=note,
                )
                messages.success(
                    request, _("The entry is added; the WHO Secretariat will validate it.")
                )
            else:
                law = law_update(law=law, data=data, user=user, note=note)
                messages.success(
                    request, _("The entry is saved; the WHO Secretariat will validate it.")
                )
            if upload is not None:
                law = law_document_attach(law=law, upload=upload, user=user, note=note)
        except DocumentRefused as refused:
            form.add_error("document", str(refused))
        except LawRefused as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            return redirect("national:law", law_id=law.pk)
    invalid = request.method == "POST"
    return render(
        request,
        "national/law_form.html",
        {
            "account": user,
            "law": law,
            "form": form,
            "events": events,
            "answer": answer,
            "errors": _error_summary(form, events) if invalid else [],
        },
        status=400 if invalid else 200,
    )


def _document_limit() -> int:
    from django.conf import settings

    return int(settings.DOCUMENT_MAX_BYTES)


def _error_summary(form: LawForm, events: Any) -> list[tuple[str, str, str]]:
    """(field id, label, message) of every error, for the summary above the form."""
    found = [
        (
            form[name].id_for_label if name in form.fields else "",
            str(form[name].label) if name in form.fields else "",
            str(message),
        )
        for name, messages_ in form.errors.items()
        for message in messages_
    ]
    for number, event_form in enumerate(events.forms, start=1):
        for name, messages_ in event_form.errors.items():
            for message in messages_:
                found.append(
                    (
                        event_form[name].id_for_label if name in event_form.fields else "",
                        _("Event %(number)s") % {"number": number},
                        str(message),
                    )
                )
    found.extend(("", _("Events"), str(message)) for message in events.non_form_errors())
    return found


@require_http_methods(["GET", "POST"])
def law_add(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and (response := _sign_in(request)):
        return response
    user = _country_user(request)
    register_writer(request, str(user.member_state_id))
    return _form_page(request, user, None, request.GET.get("answer", "")[:20])


@require_http_methods(["GET", "POST"])
def law_edit(request: HttpRequest, law_id: int) -> HttpResponse:
    if request.method == "GET" and (response := _sign_in(request)):
        return response
    law, user = _law(request, law_id, write=True)
    return _form_page(request, user, law)


@require_safe
def law(request: HttpRequest, law_id: int) -> HttpResponse:
    if response := _sign_in(request):
        return response
    law, user = _law(request, law_id)
    return render(request, "national/law.html", {"account": user, **law_page(law)})


@require_POST
def law_remove_view(request: HttpRequest, law_id: int) -> HttpResponse:
    law, user = _law(request, law_id, write=True)
    law_remove(law=law, user=user, note=text_plain(request.POST.get("note", ""), limit=300))
    messages.success(request, _("The entry is removed."))
    return redirect("national:laws")


@require_safe
def law_document(request: HttpRequest, law_id: int) -> FileResponse:
    law, _user = _law(request, law_id)
    return document_response(law)


def document_response(law: Law) -> FileResponse:
    """The full text, always as a download of the kind found in its content."""
    if not law.document:
        raise Http404
    filename, content_type = download_name(law.document_name, law.document_type)
    response = FileResponse(
        law.document.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def laws_from_report(request: HttpRequest) -> HttpResponse:
    """The national report's answers that name laws, each a button to add it as an entry."""
    if response := _sign_in(request):
        return response
    user = _country_user(request)
    answers = law_report_answers(str(user.member_state_id), active_language())
    return render(request, "national/laws_from_report.html", {"account": user, "answers": answers})


# -- import ------------------------------------------------------------------------------------


def _import(request: HttpRequest, import_id: int, user: User) -> RegisterImport:
    held = RegisterImport.objects.filter(
        pk=import_id,
        kind=ImportKind.LAWS,
        member_state_id=user.member_state_id,
        created_by__member_state_id=user.member_state_id,  # the country's own, not the WHO's
    ).first()
    if held is None:
        raise Http404
    register_writer(request, str(user.member_state_id))
    return held


@require_http_methods(["GET", "POST"])
def laws_import(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and (response := _sign_in(request)):
        return response
    user = _country_user(request)
    register_writer(request, str(user.member_state_id))
    form = LawImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            held = law_import_read(
                source=upload,
                file_name=upload.name or "",
                size=upload.size or 0,
                user=user,
                member_state_id=str(user.member_state_id),
            )
        except LawImportRefused as refused:
            form.add_error("file", refused.message)
        else:
            return redirect("national:laws_import_preview", import_id=held.pk)
    return render(
        request,
        "national/laws_import.html",
        {"account": user, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_safe
def laws_import_preview(request: HttpRequest, import_id: int) -> HttpResponse:
    if response := _sign_in(request):
        return response
    user = _country_user(request)
    held = _import(request, import_id, user)
    return render(request, "national/laws_import_preview.html", {"account": user, "held": held})


@require_POST
def laws_import_decide(request: HttpRequest, import_id: int, action: str) -> HttpResponse:
    user = _country_user(request)
    held = _import(request, import_id, user)
    if action not in {"confirm", "discard"}:
        raise Http404
    try:
        if action == "confirm":
            counts = law_import_apply(register_import=held, user=user)
            messages.success(
                request,
                _("Saved: %(create)s added, %(update)s changed, %(unchanged)s unchanged.") % counts,
            )
        else:
            law_import_discard(register_import=held, user=user)
            messages.info(request, _("The import is discarded; nothing was saved."))
    except LawImportRefused as refused:
        messages.error(request, refused.message)
        return redirect("national:laws_import_preview", import_id=held.pk)
    return redirect("national:laws")


@require_safe
def laws_template(request: HttpRequest) -> HttpResponse:
    if response := _sign_in(request):
        return response
    _country_user(request)
    response = HttpResponse(law_import_template(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="laws-template.csv"'
    return response
