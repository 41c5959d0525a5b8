from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.db.models import Min
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET

from samtrygg.tenancy.policy import Access, municipalities_for, municipality_view
from samtrygg.tenancy.roles import Permission


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send the user to the municipality they used last, or the first they belong to."""
    municipalities = list(municipalities_for(request.user).only("slug", "name"))
    if not municipalities:
        return render(request, "core/no_municipality.html")
    slugs = {m.slug for m in municipalities}
    current = request.GET.get("k") or request.session.get("municipality")
    slug = current if current in slugs else municipalities[0].slug
    return redirect("municipality_home", municipality=slug)


@municipality_view()
def municipality_home(request: HttpRequest, access: Access) -> HttpResponse:
    """The start page: what to do now, per role (core/start.py)."""
    from .navigation import my_municipalities
    from .start import blocks

    municipalities = my_municipalities(request)
    quick_form = None
    if access.can(Permission.REPORT_INCIDENTS):
        from samtrygg.incidents.quick import new_form

        quick_form = new_form(access)
    return render(
        request,
        "core/municipality_home.html",
        {
            "blocks": blocks(access, municipalities),
            "municipalities": municipalities,
            "quick_form": quick_form,
        },
    )


def _oldest_queued_age(now: datetime) -> float | None:
    """Seconds the oldest task ready to run has waited (since enqueued, or since its run_after)."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    ready = DBTaskResult.objects.ready()
    oldest = [
        ready.filter(run_after=get_date_max()).aggregate(t=Min("enqueued_at"))["t"],
        ready.exclude(run_after=get_date_max()).aggregate(t=Min("run_after"))["t"],
    ]
    waited = [(now - t).total_seconds() for t in oldest if t is not None]
    return round(max(0.0, *waited), 1) if waited else None


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The load balancer's and the monitor's check: 503 when the database does not answer or the
    task worker's or the scheduler's newest heartbeat is older than its limit (settings
    HEALTHZ_WORKER_MAX_AGE, HEALTHZ_SCHEDULER_MAX_AGE; docs/operations.md)."""
    from .models import Heartbeat

    now = timezone.now()
    uses_worker = settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    limits = {
        Heartbeat.WORKER: settings.HEALTHZ_WORKER_MAX_AGE if uses_worker else 0,
        Heartbeat.SCHEDULER: settings.HEALTHZ_SCHEDULER_MAX_AGE,
    }
    answer: dict[str, object] = {"status": "ok", "database": "ok"}
    failing = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        for kind, limit in limits.items():
            age = Heartbeat.age(kind, now)
            answer[kind] = {
                "heartbeat_age": None if age is None else round(age, 1),
                "max_age": limit or None,
            }
            if limit and (age is None or age > limit):
                failing.append(kind)
        answer["oldest_queued_task_age"] = _oldest_queued_age(now) if uses_worker else None
    except DatabaseError:
        logger.exception("Health check: the database failed")
        answer["database"] = "fail"
        failing.append("database")
    if failing:
        answer["status"] = "fail"
        answer["failing"] = failing
    return JsonResponse(answer, status=503 if failing else 200)


# Error pages: urls.handler400/403/404/500 and settings.CSRF_FAILURE_VIEW. Pages in the base
# layout, through the translation system; under /api/ the same answer as JSON with a Swedish
# ``detail``, like the API's own errors (core/api.py).

API_PREFIX = "/api/"
logger = logging.getLogger(__name__)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _error_page(request: HttpRequest, status: int, template: str, detail: str) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": detail}, status=status)
    return render(request, template, {"detail": detail}, status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(
        request, 400, "400.html", _("The request could not be understood. Go back and try again.")
    )


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 403, "403.html", _("Your role does not allow this."))


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 404, "404.html", _("Not found."))


@requires_csrf_token
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The form was sent without a valid CSRF token: most often a page left open for long, or
    cookies blocked. Django's reason is for the log (django.security.csrf), not for the user."""
    return _error_page(
        request,
        403,
        "403_csrf.html",
        _("The form could not be sent safely. Reload the page and try again."),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page: no database, no context processors, no base layout (any of them may be
    what failed); a plain page with the request id that support can look up in the log."""
    request_id = getattr(request, "request_id", "")
    detail = _("Something went wrong on our side. The error has been logged; try again shortly.")
    if _is_api(request):
        return JsonResponse({"detail": detail, "request_id": request_id}, status=500)
    try:
        stylesheet = static("samtrygg/app.css")
    except Exception:  # a missing static manifest must not hide the error page
        stylesheet = ""
    try:
        body = loader.get_template("500.html").render(
            {"detail": detail, "request_id": request_id, "stylesheet": stylesheet}
        )
    except Exception:
        logger.exception("The 500 page itself failed")
        body = "<!DOCTYPE html><title>Serverfel</title><h1>Serverfel</h1>"
    return HttpResponseServerError(body)
