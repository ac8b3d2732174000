"""The Secretariat's archive of a round's data, whatever its publication date: the same tables
as the portal's open data, over the reports the publication shows, with the personal answers
and contacts only when the person ticks the box (administrators only). Every download is
audited by `publication.services.round_data_export`, which decides the scope."""

from __future__ import annotations

from typing import Any, cast

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from codemonitor.accounts.access import secretariat_required, secretariat_user
from codemonitor.core.languages import BY_CODE, LANGUAGES, active
from codemonitor.publication.files import package_zip, round_json, round_xlsx, spooled
from codemonitor.publication.opendata import round_tables
from codemonitor.publication.public import publication_notice
from codemonitor.publication.services import (
    EXPORT_FORMATS,
    PublicationRefused,
    round_data_export,
)
from codemonitor.reporting.models import Round

KINDS = {
    "zip": ("application/zip", "datapackage.zip"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "json": ("application/json; charset=utf-8", "json"),
}


def _page(request: HttpRequest, round_: Round, error: str = "", status: int = 200) -> HttpResponse:
    user = secretariat_user(request)
    return render(
        request,
        "backoffice/round_data.html",
        {
            "round": round_,
            "notice": publication_notice(round_),
            "formats": EXPORT_FORMATS,
            "languages": LANGUAGES,
            "current": active(),
            "may_personal": bool(user and user.is_secretariat_admin),
            "error": error,
            "chosen": request.POST,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@secretariat_required
def round_data(request: HttpRequest, number: int) -> HttpResponse:
    round_ = get_object_or_404(Round, number=number)
    if request.method != "POST":
        return _page(request, round_)
    user = secretariat_user(request)
    file_format = request.POST.get("format", "")[:10]
    personal = request.POST.get("personal") == "1"
    labels = request.POST.get("labels") == "1"
    language = request.POST.get("language", "")[:10]
    language = language if language in BY_CODE else active()
    if personal and not (user and user.is_secretariat_admin):
        return _page(
            request,
            round_,
            _("Only a Secretariat administrator downloads personal data."),
            status=403,
        )
    try:
        scope = round_data_export(
            round_=round_, user=user, personal=personal, file_format=file_format
        )
    except PublicationRefused as refused:
        return _page(request, round_, str(refused), status=400)
    tables = round_tables(round_, scope=scope, language=language)
    kind, suffix = KINDS[file_format]
    name = f"code-monitor-round-{round_.number}-archive{'-personal' if personal else ''}.{suffix}"
    response: Any
    if file_format == "json":
        response = StreamingHttpResponse(
            round_json(round_, tables, scope=scope, labels=labels), content_type=kind
        )
    else:
        handle = spooled()
        if file_format == "xlsx":
            round_xlsx(handle, tables, labels=labels)
        else:
            package_zip(round_, handle, scope=scope, language=language)
        handle.seek(0)
        response = FileResponse(handle, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    # Streamed or sent from a file; the access gates are typed for HttpResponse, which these
    # answer for.
    return cast(HttpResponse, response)
