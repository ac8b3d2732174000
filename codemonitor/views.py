"""Pages that belong to no single app."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import defaults
from django.views.decorators.http import require_safe

from codemonitor.middleware import body_too_large
from codemonitor.reporting.models import Round


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rounds = Round.objects.prefetch_related("instruments__instrument_version__instrument").order_by(
        "-number"
    )
    return render(request, "home.html", {"rounds": rounds, "now": now})


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400, but for the form fields of a body with files past
    DATA_UPLOAD_MAX_MEMORY_SIZE (only known once it is read): how much may be sent."""
    if isinstance(exception, RequestDataTooBig):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        return body_too_large(request, length, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or length)
    return defaults.bad_request(request, exception)
