"""The pages of a law's entry that the country's people and the Secretariat share (as
`reporting/page_views.py` is for report pages): the form that adds or changes an entry, with its
events and its full text, and the full text's download. The audience's view decides who may use
them (through `registers.access`) and passes its template and links; nothing here names an
audience's URL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from codemonitor.accounts.models import User
from codemonitor.core.text import text_plain
from codemonitor.registers.forms import LawForm, event_formset, event_initial
from codemonitor.registers.law_imports import LawImportRefused, law_import_apply, law_import_discard
from codemonitor.registers.laws import (
    LawRefused,
    law_create,
    law_document_attach,
    law_update,
)
from codemonitor.registers.models import Law, RegisterImport
from codemonitor.registers.selectors import ReportAnswer
from codemonitor.reporting.documents import DocumentRefused, document_check, download_name


def law_form_page(
    request: HttpRequest,
    *,
    user: User,
    country: str,
    law: Law | None,
    template: str,
    done: Callable[[Law], str],
    answer: ReportAnswer | None = None,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """Adding (no `law`) or changing an entry of `country`: one form, its events, its document.
    `done` gives the address to go to once saved."""
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
                document_check(upload, max_bytes=int(settings.DOCUMENT_MAX_BYTES))
            data = form.law_input(events.events())
            note = text_plain(form.cleaned_data.get("note") or "", limit=300)
            # The entry and its full text are saved together, or neither is.
            with transaction.atomic():
                if law is None:
                    saved = law_create(
                        member_state_id=country,
                        data=data,
                        user=user,
                        source_report=answer.report if answer else None,
                        source_question=answer.question if answer else "",
                        note=note,
                    )
                else:
                    saved = law_update(law=law, data=data, user=user, note=note)
                if upload is not None:
                    saved = law_document_attach(law=saved, upload=upload, user=user, note=note)
        except DocumentRefused as refused:
            form.add_error("document", str(refused))
        except LawRefused as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            if user.is_national:
                told = (
                    _("The entry is added; the WHO Secretariat will validate it.")
                    if law is None
                    else _("The entry is saved; the WHO Secretariat will validate it.")
                )
            else:
                told = _("The entry is added.") if law is None else _("The entry is saved.")
            messages.success(request, told)
            return redirect(done(saved))
    invalid = request.method == "POST"
    return render(
        request,
        template,
        {
            **(context or {}),
            "law": law,
            "form": form,
            "events": events,
            "answer": answer,
            "errors": law_form_errors(form, events) if invalid else [],
        },
        status=400 if invalid else 200,
    )


def law_import_decide_page(
    request: HttpRequest,
    *,
    held: RegisterImport,
    user: User,
    action: str,
    preview_url: str,
    done_url: str,
) -> HttpResponse:
    """Confirming (`confirm`) or discarding (`discard`) an import held for its preview."""
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
        return redirect(preview_url)
    return redirect(done_url)


def law_form_errors(form: LawForm, events: Any) -> list[tuple[str, str, str]]:
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


def law_document_response(law: Law) -> FileResponse:
    """The full text, always as a download of the kind found in its content."""
    if not law.document:
        raise Http404
    filename, content_type = download_name(law.document_name, law.document_type)
    response = FileResponse(
        law.document.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
