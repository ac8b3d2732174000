"""Pages that belong to no single app."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

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
