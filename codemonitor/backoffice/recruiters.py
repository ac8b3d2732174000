"""The record of authorised recruiters, as the Secretariat keeps it: every country's entries
searched together, an entry with its history, validating or returning it, changing or removing
it, importing a country's spreadsheet, a CSV export. Analysts read; administrators write."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from codemonitor.accounts.access import secretariat_admin, secretariat_required
from codemonitor.core.exports import csv_bytes
from codemonitor.core.text import text_plain
from codemonitor.registers.access import (
    entry_for,
    register_reader,
    register_validator,
    writable_country,
)
from codemonitor.registers.import_views import ImportLinks, import_page, import_upload
from codemonitor.registers.models import ImportKind, Recruiter, RegisterImport
from codemonitor.registers.recruiter_forms import RecruiterFilterForm, RecruiterForm
from codemonitor.registers.recruiters import (
    FIELDS,
    RecruiterRefused,
    ValidationRefused,
    recruiter_remove,
    recruiter_return,
    recruiter_update,
    recruiter_validate,
)
from codemonitor.registers.selectors import RecruiterFilters, recruiter_search

PER_PAGE = 50


def _filters(request: HttpRequest) -> tuple[RecruiterFilterForm, RecruiterFilters]:
    form = RecruiterFilterForm(request.GET or None)
    return form, RecruiterFilters(
        text=form.value("q"),
        country=form.value("country"),
        region=form.value("region"),
        status=form.value("status"),
        validation=form.value("validation"),
    )


@require_safe
@secretariat_required
def recruiters(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    page = Paginator(recruiter_search(filters), PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(
        request,
        "backoffice/recruiters.html",
        {
            "filters": form,
            "page_obj": page,
            "query": f"{query}&" if query else "",
            "export_query": query,
            "show_country": True,
            "entry_base": reverse("backoffice:recruiters"),
        },
    )


@require_safe
@secretariat_required
def recruiters_export(request: HttpRequest) -> HttpResponse:
    _form, filters = _filters(request)
    header: list[object] = ["iso3", "member_state", *FIELDS, "validation", "source", "updated_at"]
    rows: list[list[object]] = [header]
    for entry in recruiter_search(filters).iterator(chunk_size=2000):
        values: list[object] = []
        for name in FIELDS:
            value = getattr(entry, name)
            if name == "other_names":
                value = "; ".join(value or [])
            values.append(value if value is not None else "")
        rows.append(
            [
                entry.member_state_id,
                entry.member_state.name,
                *values,
                entry.validation,
                entry.source,
                entry.updated_at.date().isoformat(),
            ]
        )
    response = HttpResponse(csv_bytes(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="authorised-recruiters.csv"'
    return response


@require_http_methods(["GET", "POST"])
@secretariat_required
def recruiter(request: HttpRequest, recruiter_id: int) -> HttpResponse:
    """An entry with its history; administrators change or remove it."""
    write = request.method == "POST"
    entry, user = entry_for(request, Recruiter, recruiter_id, write=write)
    assert isinstance(entry, Recruiter)
    form = RecruiterForm(request.POST or None, initial=RecruiterForm.initial_of(entry))
    if write:
        user = secretariat_admin(request)
        note = text_plain(request.POST.get("note", ""), limit=300)
        if request.POST.get("action") == "remove":
            recruiter_remove(recruiter=entry, user=user, note=note)
            messages.success(
                request, _("%(name)s is removed from the record.") % {"name": entry.legal_name}
            )
            return redirect("backoffice:recruiters")
        if form.is_valid():
            try:
                changed = recruiter_update(
                    recruiter=entry, data=form.cleaned_data, user=user, note=note
                )
            except RecruiterRefused as refused:
                for name, message in refused.errors.items():
                    form.add_error(name if name in form.fields else None, message)
            else:
                messages.success(
                    request, _("The entry is saved.") if changed else _("Nothing was changed.")
                )
                return redirect("backoffice:recruiter", recruiter_id=entry.pk)
    return render(
        request,
        "backoffice/recruiter.html",
        {
            "recruiter": entry,
            "form": form,
            "history": entry.changes.select_related("changed_by"),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@secretariat_required
def recruiter_validation(request: HttpRequest, recruiter_id: int) -> HttpResponse:
    """`action`: validate, or return (with a note saying what to correct)."""
    user = register_validator(request)
    entry, _user = entry_for(request, Recruiter, recruiter_id, write=True)
    assert isinstance(entry, Recruiter)
    note = request.POST.get("note", "")
    action = request.POST.get("action")
    if action == "validate":
        recruiter_validate(recruiter=entry, user=user, note=note)
        messages.success(request, _("The entry is validated: the public lookup shows it."))
    elif action == "return":
        try:
            recruiter_return(recruiter=entry, user=user, note=note)
        except ValidationRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, _("The entry is returned to the country."))
    else:
        raise Http404
    return redirect("backoffice:recruiter", recruiter_id=entry.pk)


@require_http_methods(["GET", "POST"])
@secretariat_required
def recruiter_import(request: HttpRequest) -> HttpResponse:
    """The upload of a spreadsheet for a country the administrator chooses."""
    user = secretariat_admin(request) if request.method == "POST" else None
    return import_upload(
        request,
        user=user,
        member_state_id=None,
        page_of=lambda found: reverse("backoffice:recruiter_import_page", args=[found.pk]),
        may_start=lambda iso3: writable_country(request, iso3)[1],
        context={
            "back_url": reverse("backoffice:recruiters"),
            "limit_mb": f"{settings.REGISTER_IMPORT_MAX_BYTES / 1048576:g}",
        },
    )


@require_http_methods(["GET", "POST"])
@secretariat_required
def recruiter_import_page(request: HttpRequest, import_id: int) -> HttpResponse:
    found = (
        RegisterImport.objects.filter(pk=import_id, kind=ImportKind.RECRUITERS)
        .select_related("member_state")
        .first()
    )
    if found is None or found.member_state_id is None:
        raise Http404
    if request.method == "POST":
        _state, user = writable_country(request, found.member_state_id)
    else:
        user = register_reader(request, found.member_state_id)
    return import_page(
        request,
        found,
        user=user,
        links=ImportLinks(
            page=reverse("backoffice:recruiter_import_page", args=[found.pk]),
            done=reverse("backoffice:recruiters"),
            upload=reverse("backoffice:recruiter_import"),
        ),
        context={"may_write": user.is_secretariat_admin},
    )
