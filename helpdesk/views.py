"""Project-level views: the health check and the home redirect."""

import sys

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template import loader
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found as html_not_found
from django.views.defaults import server_error as html_server_error

from channels_intake.services import intake_health, transport_backlog
from offices.models import Role

from .celery import app


def _database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True, connection.vendor
    except Exception as exc:  # any failure means "down", with its reason
        return False, f"{type(exc).__name__}: {exc}"[:200]


def _broker_ok() -> tuple[bool, str]:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            return True, conn.transport_cls if isinstance(conn.transport_cls, str) else conn.transport.driver_name
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"[:200]


def _intake_counts(database_ok: bool) -> dict | None:
    """Inbound events waiting for a person or a retry; informative only (None when they cannot be counted)."""
    if not database_ok:
        return None
    try:
        return intake_health()
    except Exception:  # the probe reports; it never fails because of this count
        return None


def _backlog(database_ok: bool) -> dict | None:
    if not database_ok:
        return None
    try:
        return transport_backlog()
    except Exception:  # counted below as unknown, never a failure of the probe itself
        return None


def healthz(request):
    """200 when the database and the broker answer and neither filing nor delivery has stalled; 503 naming what
    is down. ``intake`` counts the inbound events kept for review, given up (dead) and failing (retried; they do
    not change the status); ``backlog`` gives the age of the oldest event waiting to be filed and of the oldest
    reply due for delivery: older than HEALTH_STALL_SECONDS, that part is "stalled" and the status 503."""
    checks = {}
    for name, probe in (("database", _database_ok), ("broker", _broker_ok)):
        ok, detail = probe()
        checks[name] = {"ok": ok, "detail": detail}
    backlog = _backlog(checks["database"]["ok"])
    limit = settings.HEALTH_STALL_SECONDS
    if backlog is not None:
        for name, key in (("filing", "inbound_oldest_pending_seconds"), ("delivery", "outbox_oldest_due_seconds")):
            age = backlog[key]
            stalled = age is not None and age > limit
            detail = f"stalled: oldest waits {age:.0f} s (limit {limit} s)" if stalled else "ok"
            checks[name] = {"ok": not stalled, "detail": detail}
    down = [name for name, check in checks.items() if not check["ok"]]
    body = {"status": "ok" if not down else "down", "down": down, "checks": checks}
    body["intake"] = _intake_counts(checks["database"]["ok"])
    body["backlog"] = backlog
    return JsonResponse(body, status=200 if not down else 503)


def home(request):
    """Each role's landing page: internal compliance its own workspace, everyone else the inbox."""
    if getattr(getattr(request.user, "staff", None), "role", None) == Role.COMPLIANCE:
        return redirect("complaints:workspace")
    return redirect("tickets:inbox")


def _api_error(request, status: int, code: str, message: str):
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


def page_not_found(request, exception=None):
    """JSON in the API's one error shape under /api/ and /intake/; the HTML page elsewhere."""
    if request.path.startswith(("/api/", "/intake/")):
        return _api_error(request, 404, "not_found", _("Not found."))
    return html_not_found(request, exception)


# While the database cannot be reached (a restart, a failover), requests answer 503 with Retry-After instead of
# 500: platforms redeliver a webhook that was not acknowledged, the widget and API clients try again.
UNAVAILABLE_RETRY_AFTER = 30


# PostgreSQL's refusals that pass (SQLSTATE): read-only transaction, disk full, out of memory, too many
# connections, shutting down, starting up. SQLite reports its own (locked, disk full) as OperationalError.
PASSING_REFUSALS = {"25006", "53100", "53200", "53300", "57P01", "57P02", "57P03"}


def _database_unavailable() -> bool:
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        return True
    cause = getattr(error, "__cause__", None)
    return isinstance(error, DatabaseError) and getattr(cause, "pgcode", None) in PASSING_REFUSALS


def server_error(request):
    if _database_unavailable():
        if request.path.startswith(("/api/", "/intake/")):
            response = _api_error(
                request, 503, "unavailable", _("The service is briefly unavailable; please try again shortly.")
            )
        else:
            response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
        return response
    if request.path.startswith(("/api/", "/intake/")):
        return _api_error(request, 500, "server_error", _("Something went wrong on our side; it has been logged."))
    return html_server_error(request)
