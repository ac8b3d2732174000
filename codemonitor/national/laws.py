"""The country's laws and regulations, as its focal point and contributors keep them: the list,
an entry's page with its history, adding and changing entries (from scratch or from an answer
of the national report), the full text's download, and importing a spreadsheet.

Every view asks `national_user` first (only the country's people use these pages; the
Secretariat has its own in the back office) and `registers.access` for the entry or the
country; another country's entry is 404.
"""

from __future__ import annotations

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
    LawImportForm,
)
from codemonitor.registers.law_imports import (
    LawImportRefused,
    law_import_read,
    law_import_template,
)
from codemonitor.registers.law_views import (
    law_document_response,
    law_form_page,
    law_import_decide_page,
)
from codemonitor.registers.laws import (
    law_remove,
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
    """Adding (no `law`) or changing an entry of the user's country."""
    country = str(user.member_state_id)
    answer = None
    if law is None and answer_id:
        whole = answer_id.isascii() and answer_id.isdigit()  # not "²", a digit int() refuses
        answer = law_report_answer(country, int(answer_id)) if whole else None
        if answer is None:
            raise Http404
    back = reverse("national:law", args=[law.pk]) if law else reverse("national:laws")
    return law_form_page(
        request,
        user=user,
        country=country,
        law=law,
        answer=answer,
        template="registers/law_form_page.html",
        done=lambda saved: reverse("national:law", args=[saved.pk]),
        context={"account": user, "back_url": back},
    )


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
    return law_document_response(law)


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
    return law_import_decide_page(
        request,
        held=held,
        user=user,
        action=action,
        preview_url=reverse("national:laws_import_preview", args=[held.pk]),
        done_url=reverse("national:laws"),
    )


@require_safe
def laws_template(request: HttpRequest) -> HttpResponse:
    if response := _sign_in(request):
        return response
    _country_user(request)
    response = HttpResponse(law_import_template(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="laws-template.csv"'
    return response
