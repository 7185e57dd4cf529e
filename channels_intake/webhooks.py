"""Webhook endpoints `/intake/<kind>/<slug>/webhook/`: verify, log durably, answer. Nothing else happens here.

A verified delivery is answered 200 whatever it holds: what can be filed is logged (a large batch is stored
whole in one INSERT and split by the worker), what cannot (unreadable, or ids too long to store) is kept for
review. Only a bad signature (403), a too large body (413) or too many
handshakes (429) are refused.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from common.client import client_address

from . import services
from .accounts import account_credentials, webhook_account
from .adapters import PayloadError, get_adapter, webhook_kinds

logger = logging.getLogger(__name__)

# GET handshakes per account and client address in one window: a platform verifies a webhook a few times an
# hour (X's CRC hourly, Meta's on subscription), so a few dozen a minute is plenty; more is someone probing.
HANDSHAKES_PER_WINDOW = 30
HANDSHAKE_WINDOW_SECONDS = 60


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


def _handshake_allowed(account_id: int, address: str) -> bool:
    """Count this handshake; False once the account and address have used up the window.

    Windows are fixed to the clock (the key names one), so expiry never depends on the cache backend's TTL.
    """
    window = int(time.time() // HANDSHAKE_WINDOW_SECONDS)
    key = f"intake-handshake:{account_id}:{address}:{window}"
    if cache.add(key, 1, HANDSHAKE_WINDOW_SECONDS):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, HANDSHAKE_WINDOW_SECONDS)
        return True
    return count <= HANDSHAKES_PER_WINDOW


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
        if not _handshake_allowed(account.pk, client_address(request)):
            response = _error(429, "rate_limited", "Too many handshake requests; try again in a minute.")
            response["Retry-After"] = str(HANDSHAKE_WINDOW_SECONDS)
            return response
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
        event = services.inbound_invalid_store(account=account, body=body, error=str(exc), code=exc.code)
        _log_kept(kind, slug, event.pk, exc.code)
        return JsonResponse({"status": "kept_for_review"})

    intake = services.inbound_delivery_store(account=account, body=body, messages=list(parsed.messages))
    answer = delivery_answer(intake, parsed)
    if intake.kept_for_review is not None:
        # Some messages cannot be filed (an id longer than we store): the body waits for an admin; the rest is in.
        _log_kept(kind, slug, intake.kept_for_review.pk, "unstorable")
        answer["status"] = "kept_for_review"
    log_delivery(kind, slug, intake, parsed)
    return JsonResponse(answer)


def delivery_answer(intake: services.DeliveryIntake, parsed) -> dict:
    """The 200's body for a delivery logged (also helpdesk.webhook_wsgi's, byte for byte)."""
    answer = {
        "status": "ok",
        "accepted": len(intake.accepted),
        "duplicates": intake.duplicates,
        "ignored": len(parsed.ignored),
    }
    if intake.queued:
        # A large delivery: stored whole in one INSERT, split into events by the worker.
        answer["queued"] = intake.queued
    return answer


def log_delivery(kind: str, slug: str, intake: services.DeliveryIntake, parsed) -> None:
    # No text, no sender: what was received, for which account, and the events it became (the request id on the
    # line follows them into the worker).
    logger.info(
        "%s webhook of account %s: %d accepted (events %s), %d queued to split, %d duplicate(s), %d ignored",
        kind,
        slug,
        len(intake.accepted),
        ",".join(str(pk) for pk in intake.accepted[:20]),
        intake.queued,
        intake.duplicates,
        len(parsed.ignored),
    )


def _log_kept(kind: str, slug: str, event_id: int, code: str) -> None:
    # Never the payload or the parser's message: they may quote what a requester wrote.
    logger.warning("%s webhook of account %s kept for review as event %s (%s)", kind, slug, event_id, code)
