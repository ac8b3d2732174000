"""The country's record of authorised recruiters, as its focal point and contributors keep it:
the list, an entry (its changes and history), adding, removing, importing the country's own
spreadsheet. Every view asks `registers.access` first; the country is the person's own."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from codemonitor.accounts.access import national_user
from codemonitor.accounts.models import User
from codemonitor.core.text import text_plain
from codemonitor.registers.access import entry_for, register_reader, register_writer
from codemonitor.registers.import_views import ImportLinks, import_page, import_upload
from codemonitor.registers.models import ImportKind, Recruiter, RegisterImport
from codemonitor.registers.recruiter_forms import RecruiterFilterForm, RecruiterForm
from codemonitor.registers.recruiters import (
    RecruiterRefused,
    recruiter_create,
    recruiter_remove,
    recruiter_update,
)
from codemonitor.registers.selectors import RecruiterFilters, recruiter_counts, recruiter_search

PER_PAGE = 50


def _country_user(request: HttpRequest, *, write: bool = False) -> User:
    """A national user, allowed (through the register's access helper) on their country."""
    user = national_user(request)
    if user is None or user.member_state_id is None:
        raise Http404
    check = register_writer if write else register_reader
    return check(request, user.member_state_id)


def _recruiter(request: HttpRequest, recruiter_id: int, *, write: bool = False) -> Recruiter:
    _country_user(request)
    recruiter, _user = entry_for(request, Recruiter, recruiter_id, write=write)
    assert isinstance(recruiter, Recruiter)
    return recruiter


@require_safe
def recruiters(request: HttpRequest) -> HttpResponse:
    user = _country_user(request)
    country = str(user.member_state_id)
    filters = RecruiterFilterForm(request.GET or None, countries=False, regions=False)
    found = recruiter_search(
        RecruiterFilters(
            text=filters.value("q"),
            country=country,
            status=filters.value("status"),
            validation=filters.value("validation"),
        )
    )
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(
        request,
        "national/recruiters.html",
        {
            "account": user,
            "filters": filters,
            "page_obj": page,
            "query": f"{query}&" if query else "",
            "counts": recruiter_counts(country),
            "entry_base": reverse("national:recruiters"),
        },
    )


@require_http_methods(["GET", "POST"])
def recruiter_add(request: HttpRequest) -> HttpResponse:
    user = _country_user(request, write=request.method == "POST")
    form = RecruiterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            recruiter = recruiter_create(
                member_state_id=str(user.member_state_id),
                data=form.cleaned_data,
                user=user,
                note=text_plain(request.POST.get("note", ""), limit=300),
            )
        except RecruiterRefused as refused:
            for name, message in refused.errors.items():
                form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(
                request, _("The entry is saved; it awaits the WHO Secretariat's validation.")
            )
            return redirect("national:recruiter", recruiter_id=recruiter.pk)
    return render(
        request,
        "national/recruiter_form.html",
        {"account": user, "form": form, "recruiter": None},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def recruiter(request: HttpRequest, recruiter_id: int) -> HttpResponse:
    """An entry, its form and its history."""
    entry = _recruiter(request, recruiter_id, write=request.method == "POST")
    user = _country_user(request, write=request.method == "POST")
    form = RecruiterForm(request.POST or None, initial=RecruiterForm.initial_of(entry))
    if request.method == "POST" and form.is_valid():
        try:
            changed = recruiter_update(
                recruiter=entry,
                data=form.cleaned_data,
                user=user,
                note=text_plain(request.POST.get("note", ""), limit=300),
            )
        except RecruiterRefused as refused:
            for name, message in refused.errors.items():
                form.add_error(name if name in form.fields else None, message)
        else:
            if changed:
                messages.success(
                    request, _("The entry is saved; it awaits the WHO Secretariat's validation.")
                )
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("national:recruiter", recruiter_id=entry.pk)
    return render(
        request,
        "national/recruiter_form.html",
        {
            "account": user,
            "form": form,
            "recruiter": entry,
            "history": entry.changes.select_related("changed_by"),
        },
        status=400 if form.errors else 200,
    )


@require_POST
def recruiter_remove_view(request: HttpRequest, recruiter_id: int) -> HttpResponse:
    entry = _recruiter(request, recruiter_id, write=True)
    user = _country_user(request, write=True)
    recruiter_remove(
        recruiter=entry, user=user, note=text_plain(request.POST.get("note", ""), limit=300)
    )
    messages.success(
        request, _("%(name)s is removed from the record.") % {"name": entry.legal_name}
    )
    return redirect("national:recruiters")


@require_http_methods(["GET", "POST"])
def recruiter_import(request: HttpRequest) -> HttpResponse:
    user = _country_user(request, write=request.method == "POST")
    country = str(user.member_state_id)
    return import_upload(
        request,
        user=user,
        member_state_id=country,
        page_of=lambda found: reverse("national:recruiter_import_page", args=[found.pk]),
        may_start=lambda iso3: register_writer(request, iso3),
        context={
            "country": user.member_state,
            "back_url": reverse("national:recruiters"),
            "limit_mb": _limit_mb(),
        },
    )


@require_http_methods(["GET", "POST"])
def recruiter_import_page(request: HttpRequest, import_id: int) -> HttpResponse:
    user = _country_user(request, write=request.method == "POST")
    found = RegisterImport.objects.filter(
        pk=import_id,
        kind=ImportKind.RECRUITERS,
        member_state_id=user.member_state_id,
        created_by__member_state_id=user.member_state_id,  # the country's own, not the WHO's
    ).first()
    if found is None:
        raise Http404
    return import_page(
        request,
        found,
        user=user,
        links=ImportLinks(
            page=reverse("national:recruiter_import_page", args=[found.pk]),
            done=reverse("national:recruiters"),
            upload=reverse("national:recruiter_import"),
        ),
        context={"account": user, "may_write": True},
    )


def _limit_mb() -> str:
    from django.conf import settings

    return f"{settings.REGISTER_IMPORT_MAX_BYTES / 1048576:g}"
