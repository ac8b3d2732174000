"""Pages that belong to no single app."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe
from django_tasks import task_backends
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from codemonitor.errors import DATABASE_DOWN, RETRY_AFTER
from codemonitor.reporting.models import Round


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rounds = Round.objects.prefetch_related("instruments__instrument_version__instrument").order_by(
        "-number"
    )
    return render(request, "home.html", {"rounds": rounds, "now": now})


# A task waiting longer than this means no worker is taking tasks.
TASKS_LATE_AFTER = timedelta(minutes=10)


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """What is up, for load balancers and people: 503 when the database is down.

    `tasks` is "late" when a task has been waiting for a worker longer than TASKS_LATE_AFTER
    (no worker running); the site itself still works then, so the answer stays 200. Only the
    class of a database error is shown, never its text (it names hosts and users).
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        tasks = _tasks_state()
    except DATABASE_DOWN as error:
        response = JsonResponse(
            {"status": "down", "database": f"down: {type(error).__name__}"}, status=503
        )
        response["Retry-After"] = str(RETRY_AFTER)
    else:
        response = JsonResponse(
            {"status": "ok" if tasks == "ok" else "degraded", "database": "ok", "tasks": tasks}
        )
    return response


def _tasks_state() -> str:
    if not isinstance(task_backends["default"], DatabaseBackend):
        return "ok"  # tasks run in the request (tests)
    # Runnable for longer than that: queued to run at once long ago, or due long ago.
    cutoff = timezone.now() - TASKS_LATE_AFTER
    count = (
        DBTaskResult.objects.ready()
        .filter(Q(run_after=get_date_max(), enqueued_at__lt=cutoff) | Q(run_after__lt=cutoff))
        .count()
    )
    return f"late: {count} waiting over {TASKS_LATE_AFTER.seconds // 60} min" if count else "ok"
