"""The pages of a recruiters' import, shared by the country's pages and the Secretariat's (as
`reporting/page_views.py` is for report pages): the upload, the columns, the preview, confirming
or discarding. The audience's view decides who may use them (through `registers.access`) and
passes its own links; nothing here names an audience's URL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from codemonitor.accounts.models import User
from codemonitor.registers.models import RegisterImport
from codemonitor.registers.recruiter_forms import ColumnMappingForm, ImportUploadForm
from codemonitor.registers.recruiter_import import (
    IMPORT_FIELDS,
    ImportRefused,
    mapping_guess,
    mapping_problems,
    recruiter_import_apply,
    recruiter_import_discard,
    recruiter_import_map,
    recruiter_import_preview,
    recruiter_import_start,
)

# Rows of each kind the preview lists (all refused rows are listed: each must be corrected).
PREVIEW_LIST_LIMIT = 500


@dataclass(frozen=True)
class ImportLinks:
    page: str  # this import's page
    done: str  # the list of entries, after saving or discarding
    upload: str  # another upload


def import_upload(
    request: HttpRequest,
    *,
    user: User | None,
    member_state_id: str | None,
    page_of: Callable[[RegisterImport], str],
    may_start: Callable[[str], User],
    context: dict[str, object],
) -> HttpResponse:
    """The upload form; with `member_state_id` None, the person chooses the country.
    `may_start(country)` returns who imports for that country (or raises 404)."""
    form = ImportUploadForm(
        request.POST or None, request.FILES or None, country=member_state_id is None
    )
    if request.method == "POST" and form.is_valid():
        country = member_state_id or str(form.cleaned_data["country"])
        importer = may_start(country)
        upload = form.cleaned_data["file"]
        try:
            register_import = recruiter_import_start(
                member_state_id=country,
                source=upload,
                file_name=upload.name or "",
                size=upload.size or 0,
                user=importer,
            )
        except ImportRefused as refused:
            form.add_error("file", refused.message)
        else:
            if register_import.mapping:
                messages.info(
                    request,
                    _(
                        "The columns are read as the last time a file with these headings "
                        "was imported; change them if they are wrong."
                    ),
                )
            return redirect(page_of(register_import))
    return render(
        request,
        "registers/recruiter_import_upload.html",
        {**context, "form": form},
        status=400 if form.errors else 200,
    )


def import_page(
    request: HttpRequest,
    register_import: RegisterImport,
    *,
    user: User,
    links: ImportLinks,
    context: dict[str, object],
) -> HttpResponse:
    """GET: the columns to choose (first, or with ?columns=1), else the preview.
    POST `action`: `map` (the columns chosen), `confirm`, `discard`."""
    open_ = register_import.state == RegisterImport.State.PREVIEW
    action = request.POST.get("action", "") if request.method == "POST" else ""
    headers = list(register_import.headers)
    form: ColumnMappingForm | None = None
    status = 200
    if action and not open_:
        messages.error(request, _("This import is already saved or discarded."))
        return redirect(links.page)
    if action == "map":
        form = ColumnMappingForm(request.POST, headers=headers)
        if form.is_valid():
            problems = mapping_problems(form.mapping(), len(headers))
            for name, message in problems.items():
                form.add_error(name, message)
            if not problems:
                recruiter_import_map(register_import=register_import, mapping=form.mapping())
                return redirect(links.page)
        status = 400
    elif action == "confirm":
        try:
            result = recruiter_import_apply(register_import=register_import, user=user)
        except ImportRefused as refused:
            messages.error(request, refused.message)
            return redirect(links.page)
        if result.created or result.changed:
            messages.success(
                request,
                _(
                    "Saved: %(created)s new entries, %(changed)s changed, %(unchanged)s "
                    "unchanged, %(refused)s rows refused."
                )
                % result.__dict__,
            )
        else:
            messages.info(
                request,
                _("Nothing to change: the register already holds what the file says."),
            )
        return redirect(links.done)
    elif action == "discard":
        try:
            recruiter_import_discard(register_import=register_import, user=user)
        except ImportRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.info(request, _("The import is discarded; nothing was saved."))
        return redirect(links.done)
    elif action:
        status = 400
    if form is None and open_ and (not register_import.mapping or request.GET.get("columns")):
        initial = register_import.mapping or mapping_guess(headers)
        form = ColumnMappingForm(headers=headers, initial={k: str(v) for k, v in initial.items()})
    preview = None
    if form is None and open_:
        preview = recruiter_import_preview(register_import)
    mapped = [
        (IMPORT_FIELDS[name], headers[int(column)] if int(column) < len(headers) else "")
        for name, column in register_import.mapping.items()
        if name in IMPORT_FIELDS
    ]
    return render(
        request,
        "registers/recruiter_import.html",
        {
            **context,
            "register_import": register_import,
            "form": form,
            "preview": preview,
            "counts": preview.counts() if preview else register_import.summary,
            "limit": PREVIEW_LIST_LIMIT,
            "links": links,
            "mapped": mapped,
            "sample": [cells for _line, cells in register_import.rows[:3]],
        },
        status=status,
    )
