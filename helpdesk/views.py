"""Project-level views: the health check and the home redirect."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found as html_not_found
from django.views.defaults import server_error as html_server_error

from channels_intake.services import intake_health

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


def healthz(request):
    """200 when the database and the broker answer; 503 naming what is down. ``intake`` counts the inbound
    events kept for review, given up (dead) and failing (retried); they do not change the status."""
    checks = {}
    for name, probe in (("database", _database_ok), ("broker", _broker_ok)):
        ok, detail = probe()
        checks[name] = {"ok": ok, "detail": detail}
    down = [name for name, check in checks.items() if not check["ok"]]
    body = {"status": "ok" if not down else "down", "down": down, "checks": checks}
    body["intake"] = _intake_counts(checks["database"]["ok"])
    return JsonResponse(body, status=200 if not down else 503)


def home(request):
    return redirect("tickets:inbox")


def _api_error(request, status: int, code: str, message: str):
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


def page_not_found(request, exception=None):
    """JSON in the API's one error shape under /api/ and /intake/; the HTML page elsewhere."""
    if request.path.startswith(("/api/", "/intake/")):
        return _api_error(request, 404, "not_found", _("Not found."))
    return html_not_found(request, exception)


def server_error(request):
    if request.path.startswith(("/api/", "/intake/")):
        return _api_error(request, 500, "server_error", _("Something went wrong on our side; it has been logged."))
    return html_server_error(request)
