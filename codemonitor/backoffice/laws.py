"""The laws and regulations of every Member State, as the Secretariat follows them: search and
filters across countries, the CSV export of a search, the entries awaiting validation, an
entry's page with its history, validating or returning it, and importing a spreadsheet.

The whole Secretariat reads; its administrators validate, return and import
(`registers.access`)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from codemonitor.accounts.access import (
    secretariat_admin,
    secretariat_admin_required,
    secretariat_required,
    secretariat_user,
)
from codemonitor.core.text import text_plain
from codemonitor.reference.models import MemberState
from codemonitor.registers.access import entry_for, register_validator, writable_country
from codemonitor.registers.forms import LawImportForm, LawReturnForm
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
from codemonitor.registers.laws import LawRefused, law_return, law_validate, laws_csv
from codemonitor.registers.models import ImportKind, Law, RegisterImport
from codemonitor.registers.selectors import (
    law_filter_choices,
    law_filters,
    law_page,
    law_pending,
    law_search,
)

PAGE_SIZE = 50


@require_safe
@secretariat_required
def laws(request: HttpRequest) -> HttpResponse:
    filters = law_filters(request.GET)
    found = law_search(filters)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "backoffice/laws.html",
        {
            "page": page,
            "filters": filters,
            "query": filters.as_query(),
            "choices": law_filter_choices(),
            "pending": law_pending().count(),
        },
    )


@require_safe
@secretariat_required
def laws_export(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        laws_csv(law_search(law_filters(request.GET))), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="laws-and-regulations.csv"'
    return response


@require_safe
@secretariat_required
def laws_pending(request: HttpRequest) -> HttpResponse:
    page = Paginator(law_pending(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "backoffice/laws_pending.html", {"page": page, "query": {}})


def _page(request: HttpRequest, law: Law, form: LawReturnForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "backoffice/law.html",
        {**law_page(law), "return_form": form},
        status=status,
    )


@require_safe
@secretariat_required
def law(request: HttpRequest, law_id: int) -> HttpResponse:
    entry, _user = entry_for(request, Law, law_id)
    assert isinstance(entry, Law)
    return _page(request, entry, LawReturnForm())


@require_POST
@secretariat_required
def law_decision(request: HttpRequest, law_id: int, decision: str) -> HttpResponse:
    user = register_validator(request)
    entry = get_object_or_404(Law.objects.select_related("member_state"), pk=law_id)
    if decision == "validate":
        law_validate(
            law=entry, user=user, note=text_plain(request.POST.get("note", ""), limit=1000)
        )
        messages.success(request, _("The entry is validated."))
    elif decision == "return":
        form = LawReturnForm(request.POST)
        if not form.is_valid():
            return _page(request, entry, form, status=400)
        try:
            law_return(law=entry, user=user, note=form.cleaned_data["note"])
        except LawRefused as refused:
            form.add_error("note", refused.message)
            return _page(request, entry, form, status=400)
        messages.success(request, _("The entry is returned to the country with your note."))
    else:
        raise Http404
    return redirect("backoffice:law", law_id=entry.pk)


@require_safe
def law_document(request: HttpRequest, law_id: int) -> FileResponse:
    if secretariat_user(request) is None:
        raise Http404
    entry, _user = entry_for(request, Law, law_id)
    assert isinstance(entry, Law)
    return law_document_response(entry)


@require_http_methods(["GET", "POST"])
@secretariat_admin_required
def law_add(request: HttpRequest) -> HttpResponse:
    """The Secretariat adds an entry for a Member State chosen in the address (`?country=`)."""
    country = str(request.GET.get("country", "")).upper()[:3]
    if not country.isalpha():
        raise Http404
    state, user = writable_country(request, country)
    return law_form_page(
        request,
        user=user,
        country=state.pk,
        law=None,
        template="registers/law_form_page.html",
        done=lambda saved: reverse("backoffice:law", args=[saved.pk]),
        context={"back_url": f"{reverse('backoffice:laws')}?country={state.pk}", "country": state},
    )


@require_http_methods(["GET", "POST"])
@secretariat_admin_required
def law_edit(request: HttpRequest, law_id: int) -> HttpResponse:
    """The Secretariat corrects an entry (its validation stays as it is)."""
    entry, user = entry_for(request, Law, law_id, write=True)
    assert isinstance(entry, Law)
    return law_form_page(
        request,
        user=user,
        country=entry.member_state_id,
        law=entry,
        template="registers/law_form_page.html",
        done=lambda saved: reverse("backoffice:law", args=[saved.pk]),
        context={"back_url": reverse("backoffice:law", args=[entry.pk])},
    )


# -- import ------------------------------------------------------------------------------------


class SecretariatImportForm(LawImportForm):
    country = forms.ModelChoiceField(
        label=gettext_lazy("Country of every row"),
        queryset=MemberState.objects.order_by("iso3"),
        required=False,
        help_text=gettext_lazy("Leave empty when the file has an “iso3” or “country” column."),
    )


@require_http_methods(["GET", "POST"])
@secretariat_required
def laws_import(request: HttpRequest) -> HttpResponse:
    form = SecretariatImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        user = secretariat_admin(request)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            country = form.cleaned_data.get("country")
            try:
                held = law_import_read(
                    source=upload,
                    file_name=upload.name or "",
                    size=upload.size or 0,
                    user=user,
                    member_state_id=country.pk if country else None,
                )
            except LawImportRefused as refused:
                form.add_error("file", refused.message)
            else:
                return redirect("backoffice:laws_import_preview", import_id=held.pk)
    return render(
        request,
        "backoffice/laws_import.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


def _import(import_id: int) -> RegisterImport:
    return get_object_or_404(RegisterImport, pk=import_id, kind=ImportKind.LAWS)


@require_safe
@secretariat_required
def laws_import_preview(request: HttpRequest, import_id: int) -> HttpResponse:
    return render(request, "backoffice/laws_import_preview.html", {"held": _import(import_id)})


@require_POST
@secretariat_required
def laws_import_decide(request: HttpRequest, import_id: int, action: str) -> HttpResponse:
    user = register_validator(request)
    held = _import(import_id)
    return law_import_decide_page(
        request,
        held=held,
        user=user,
        action=action,
        preview_url=reverse("backoffice:laws_import_preview", args=[held.pk]),
        done_url=reverse("backoffice:laws"),
    )


@require_safe
@secretariat_required
def laws_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(law_import_template(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="laws-template.csv"'
    return response
