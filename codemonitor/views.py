"""Pages that belong to no single app."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
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


@require_safe
def language_choose(request: HttpRequest) -> HttpResponse:
    """The language of the pages for a visitor without an account: a GET form, so that the
    public pages hold no form token and are the same for every such visitor (kept once for all
    of them, `portal.published.public_response`). It only sets the language cookie, then goes
    back to the page (a page of this site only). Signed-in people use Django's `set_language`
    (POST, with its token), as before."""
    code = request.GET.get("language", "")[:10]
    target = request.GET.get("next", "/")[:2000]
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if code in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite="Lax",
        )
    return response
