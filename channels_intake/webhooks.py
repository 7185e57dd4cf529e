"""Webhook endpoints `/intake/<kind>/<slug>/webhook/`: verify, log durably, answer. Nothing else happens here."""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import services
from .accounts import account_credentials, webhook_account
from .adapters import PayloadError, get_adapter, webhook_kinds

logger = logging.getLogger(__name__)


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request, kind: str, slug: str):
    if kind not in webhook_kinds():
        return _error(404, "not_found", "Unknown channel kind.")
    account = webhook_account(kind, slug)
    if account is None:
        return _error(404, "not_found", "Unknown channel account.")
    adapter = get_adapter(kind)
    creds = account_credentials(account)

    if request.method == "GET":
        answer = adapter.handshake(creds, request.GET)
        if answer is None:
            return _error(405, "method_not_allowed", "This channel has no GET handshake.")
        return HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)

    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return _error(413, "too_large", "The body is larger than 3 MB.")
    try:
        body = request.body
    except RequestDataTooBig:
        return _error(413, "too_large", "The body is larger than 3 MB.")
    if len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return _error(413, "too_large", "The body is larger than 3 MB.")

    if not adapter.verify_signature(creds, request.headers, body):
        return _error(403, "bad_signature", "Missing or invalid signature.")

    try:
        parsed = adapter.parse(body)
    except PayloadError as exc:
        # Authentic but unreadable: kept for an admin to review; 200 so the platform does not retry forever.
        event = services.inbound_invalid_store(account=account, body=body, error=str(exc))
        logger.warning("unparseable %s webhook kept for review as event %s: %s", kind, event.pk, exc)
        return JsonResponse({"status": "kept_for_review"})

    stored = services.inbound_events_store(account=account, messages=list(parsed.messages))
    return JsonResponse(
        {
            "status": "ok",
            "accepted": len(stored),
            "duplicates": len(parsed.messages) - len(stored),
            "ignored": len(parsed.ignored),
        }
    )
