"""The worker's side of the outbox: send one entry through its adapter, record the outcome, report it up
(and its tasks)."""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from common.aftercommit import on_commit
from common.logging import request_id_var
from common.storage import private_storage

from .accounts import account_credentials, base_url_for
from .adapters import Choice, PermanentSendError, SendError, SendResult, TransientSendError, get_adapter
from .models import OutboundMessage
from .retrying import WHILE_DATABASE_DOWN
from .workflow import Delivery, current_workflow

logger = logging.getLogger(__name__)

MAX_SEND_ATTEMPTS = 8
LEASE = timedelta(minutes=2)


@dataclass(frozen=True)
class DeliveryOutcome:
    status: str  # sent, retry, failed, skipped
    retry_in: float | None = None


def backoff_seconds(attempt: int) -> float:
    return min(30.0 * (2 ** max(attempt - 1, 0)), 3600.0)


def outbox_deliver(*, outbound_id: int, now: datetime | None = None) -> DeliveryOutcome:
    """Send one outbox entry through its adapter and record the result.

    The entry is claimed by one conditional update: still queued, due (``next_attempt_at <= now``) and not
    leased to another worker. A run that comes early (a duplicate from the re-drive, a retry task, a second
    worker) claims nothing and is skipped without any request to the platform, so the attempts follow the
    backoff schedule and a reply goes out once.
    """
    now = now or timezone.now()
    claimed = (
        OutboundMessage.objects.filter(pk=outbound_id, status=OutboundMessage.Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .exclude(lease_until__gt=now)
        .update(lease_until=now + LEASE)
    )
    if not claimed:
        return DeliveryOutcome("skipped")
    outbound = OutboundMessage.objects.select_related("account__office").get(pk=outbound_id)
    # Logged under the request id it was written under (also on a retry or a re-drive).
    token = request_id_var.set(outbound.request_id) if outbound.request_id else None
    try:
        return _deliver(outbound, now)
    finally:
        if token is not None:
            request_id_var.reset(token)


def _deliver(outbound: OutboundMessage, now: datetime) -> DeliveryOutcome:
    final = _attempt(outbound, now)
    if isinstance(final, DeliveryOutcome):
        return final
    return _finish(
        outbound, attempts=final.attempts, sent=final.sent, platform_ids=final.platform_ids, reason=final.reason
    )


@dataclass(frozen=True)
class _Final:
    """The final outcome of one entry's attempt, to record."""

    attempts: int
    sent: bool
    platform_ids: list[str]
    reason: str = ""


def _attempt(outbound: OutboundMessage, now: datetime) -> "_Final | DeliveryOutcome":
    """Send a claimed entry once. A transient failure with attempts left is recorded here (the entry waits for
    its retry: a DeliveryOutcome "retry"); otherwise the final outcome comes back, to record."""
    adapter = get_adapter(outbound.account.kind)
    creds = account_credentials(outbound.account, external_id=outbound.sender_id)
    attempts = outbound.attempts + 1
    already_sent = list(outbound.platform_ids)  # chunks of a long text that went out in an earlier attempt
    try:
        result = _send(adapter, creds, outbound, already_sent)
    except TransientSendError as exc:
        sent = already_sent + list(exc.sent_platform_ids)
        if attempts >= MAX_SEND_ATTEMPTS:
            return _Final(attempts, False, sent, exc.reason)
        delay = exc.retry_after if exc.retry_after is not None else backoff_seconds(attempts)
        OutboundMessage.objects.filter(pk=outbound.pk).update(
            attempts=attempts,
            platform_ids=sent,
            last_error=exc.reason[:2000],
            next_attempt_at=now + timedelta(seconds=delay),
            lease_until=None,
        )
        return DeliveryOutcome("retry", retry_in=delay)
    except PermanentSendError as exc:
        return _Final(attempts, False, already_sent + list(exc.sent_platform_ids), exc.reason)
    return _Final(attempts, True, already_sent + list(result.platform_ids))


def outbox_deliver_many(*, outbound_ids: list[int], now: datetime | None = None) -> dict[int, DeliveryOutcome]:
    """``outbox_deliver`` for entries written together (a burst's acknowledgements): claimed in one statement,
    sent one after the other, and their outcomes recorded and reported to the workflow in one transaction
    (``Workflow.on_deliveries`` when it has it). Entries not due, leased or not queued are skipped."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = list(
            OutboundMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("account__office")
            .filter(pk__in=outbound_ids, status=OutboundMessage.Status.QUEUED)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .exclude(lease_until__gt=now)
            .order_by("pk")
        )
        OutboundMessage.objects.filter(pk__in=[row.pk for row in claimed]).update(lease_until=now + LEASE)
    outcomes = {pk: DeliveryOutcome("skipped") for pk in outbound_ids}
    finals: list[tuple[OutboundMessage, _Final]] = []
    for outbound in claimed:
        token = request_id_var.set(outbound.request_id) if outbound.request_id else None
        try:
            final = _attempt(outbound, now)
        finally:
            if token is not None:
                request_id_var.reset(token)
        if isinstance(final, DeliveryOutcome):
            outcomes[outbound.pk] = final
        else:
            finals.append((outbound, final))
    if finals:
        _finish_many(finals)
        for outbound, final in finals:
            outcomes[outbound.pk] = DeliveryOutcome("sent" if final.sent else "failed")
    return outcomes


def _finish_many(finals: list[tuple[OutboundMessage, "_Final"]]) -> None:
    at = timezone.now()
    with transaction.atomic():
        rows = []
        for outbound, final in finals:
            outbound.status = OutboundMessage.Status.SENT if final.sent else OutboundMessage.Status.FAILED
            outbound.attempts, outbound.platform_ids = final.attempts, final.platform_ids
            outbound.sent_at, outbound.last_error = (at if final.sent else None), final.reason[:2000]
            outbound.lease_until = None
            rows.append(outbound)
        OutboundMessage.objects.bulk_update(
            rows, ["status", "attempts", "platform_ids", "sent_at", "last_error", "lease_until"]
        )
        deliveries = []
        for outbound, final in finals:
            token = request_id_var.set(outbound.request_id) if outbound.request_id else None
            _log_final(outbound, sent=final.sent, attempts=final.attempts)
            if token is not None:
                request_id_var.reset(token)
            deliveries.append(
                Delivery(
                    outbound_id=outbound.pk,
                    sent=final.sent,
                    at=at,
                    attempts=final.attempts,
                    platform_ids=tuple(final.platform_ids),
                    reason=final.reason,
                )
            )
        workflow = current_workflow()
        many = getattr(workflow, "on_deliveries", None)
        if many is not None:
            many(deliveries=deliveries)
        else:
            for delivery in deliveries:
                workflow.on_delivery(delivery=delivery)


def _log_final(outbound: OutboundMessage, *, sent: bool, attempts: int) -> None:
    logger.info(
        "outbound message %s to %s account %s %s after %d attempt(s)",
        outbound.pk,
        outbound.account.kind,
        outbound.account.slug,
        "delivered" if sent else "failed",
        attempts,
    )


def _send(adapter, creds, outbound: OutboundMessage, already_sent: list[str]) -> SendResult:
    """The text, and first the file when the entry carries one (``platform_ids[0]`` is then the file's, so a
    retry after a failed text sends the file once)."""
    base_url, timeout = base_url_for(outbound.account.kind), settings.CHANNEL_HTTP_TIMEOUT
    file = outbound.attachment or {}
    if not file:
        return adapter.send_text(
            creds,
            outbound.recipient_id,
            outbound.text,
            base_url=base_url,
            timeout=timeout,
            tag=outbound.tag or None,
            skip=len(already_sent),
            choices=[Choice(id=str(c.get("id", "")), title=str(c.get("title", ""))) for c in outbound.choices or ()],
        )
    sent: list[str] = []
    if not already_sent:
        send_file = getattr(adapter, "send_file", None)
        if not callable(send_file):
            raise PermanentSendError(f"{outbound.account.kind} does not take files from us")
        try:
            with private_storage().open(file["storage_name"], "rb") as handle:
                content = handle.read()
        except (OSError, KeyError):
            raise PermanentSendError("the file to send is no longer stored") from None
        sent.append(
            send_file(
                creds,
                outbound.recipient_id,
                content=content,
                mime_type=file.get("mime_type", ""),
                name=file.get("name") or "file",
                base_url=base_url,
                timeout=timeout,
            )
            or ""
        )
    if not outbound.text.strip():
        return SendResult(platform_ids=tuple(sent))
    try:
        result = adapter.send_text(
            creds,
            outbound.recipient_id,
            outbound.text,
            base_url=base_url,
            timeout=timeout,
            tag=outbound.tag or None,
            skip=max(len(already_sent) - 1, 0),
        )
    except SendError as exc:
        exc.sent_platform_ids = tuple(sent) + tuple(exc.sent_platform_ids)
        raise
    return SendResult(platform_ids=tuple(sent) + tuple(result.platform_ids))


def _finish(outbound: OutboundMessage, *, attempts: int, sent: bool, platform_ids: list[str], reason: str = ""):
    """Record the final outcome and report it to the workflow, in one transaction."""
    at = timezone.now()
    with transaction.atomic():
        OutboundMessage.objects.filter(pk=outbound.pk).update(
            status=OutboundMessage.Status.SENT if sent else OutboundMessage.Status.FAILED,
            attempts=attempts,
            platform_ids=platform_ids,
            sent_at=at if sent else None,
            last_error=reason[:2000],
            lease_until=None,
        )
        _log_final(outbound, sent=sent, attempts=attempts)
        current_workflow().on_delivery(
            delivery=Delivery(
                outbound_id=outbound.pk,
                sent=sent,
                at=at,
                attempts=attempts,
                platform_ids=tuple(platform_ids),
                reason=reason,
            )
        )
    return DeliveryOutcome("sent" if sent else "failed")


def outbox_redrive(*, limit: int = 500) -> list[int]:
    """Entries due for a (re)try whose lease is not held: a broker outage or a killed worker left them."""
    now = timezone.now()
    return list(
        OutboundMessage.objects.filter(status=OutboundMessage.Status.QUEUED, next_attempt_at__lte=now)
        .exclude(lease_until__gt=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


@shared_task(name="channels_intake.deliver_outbound", **WHILE_DATABASE_DOWN)
def deliver_outbound(outbound_id: int) -> str:
    outcome = outbox_deliver(outbound_id=outbound_id)
    if outcome.status == "retry" and outcome.retry_in is not None:
        deliver_outbound.apply_async((outbound_id,), countdown=outcome.retry_in)
    return outcome.status


# Entries written together are delivered in tasks of this many (one broker round trip each; the worker's
# processes share them).
DELIVERY_BATCH = 20

# A burst's filer (``inbound.inbound_drain``) holds the deliveries of the acknowledgements it writes while it
# files full batches, at most HOLD_SECONDS: the two cores file the burst first, so messages reach the inbox and
# their officers sooner, and the acknowledgements follow. Outside a burst (a batch not full) they go at once; an
# officer's reply (``deliver_outbound``) is never held.
HOLD_SECONDS = 30.0

_holding: ContextVar["HeldDeliveries | None"] = ContextVar("outbox_holding", default=None)


class HeldDeliveries:
    """The committed entries whose delivery waits until ``release`` (``deliveries_held``), or until the drain that
    takes over from this one releases them (``hand_over``)."""

    def __init__(self, ids: list[int] | None = None, since: float | None = None) -> None:
        self.ids: list[int] = list(ids or ())
        self.since: float | None = since if self.ids else None  # wall clock: a hand-over may cross processes
        self.closed = False

    def add(self, ids: list[int]) -> None:
        """Hold committed entries; once the hold is over (an outer transaction committed after it), queue them."""
        if self.closed:
            deliveries_queue_now(ids)
            return
        if self.since is None:
            self.since = time.time()
        self.ids.extend(ids)

    def age(self) -> float:
        """Seconds since the oldest entry held (0 when none is)."""
        return 0.0 if self.since is None else max(0.0, time.time() - self.since)

    def release(self) -> int:
        """Queue the held entries, DELIVERY_BATCH per task; a broker outage leaves them to the outbox's re-drive
        (they are committed). Returns how many were released."""
        ids, self.ids, self.since = self.ids, [], None
        deliveries_queue_now(ids)
        return len(ids)

    def hand_over(self) -> tuple[list[int], float | None]:
        """The held entries and since when, for the next drain to go on holding (a burst outlasting one drain's
        budget); this hold no longer releases them. Should the next drain never run, they are committed and the
        outbox's re-drive sends them."""
        handed = (self.ids, self.since)
        self.ids, self.since = [], None
        return handed


def deliveries_queue_now(outbound_ids: list[int]) -> None:
    """Queue committed entries, DELIVERY_BATCH per task; a broker outage leaves them to the outbox's re-drive."""
    for first in range(0, len(outbound_ids), DELIVERY_BATCH):
        chunk = outbound_ids[first : first + DELIVERY_BATCH]
        try:
            deliver_outbound_many.delay(chunk)
        except Exception:
            logger.exception("could not queue %d outbox deliveries; the re-drive sends them", len(chunk))


@contextmanager
def deliveries_held(ids: list[int] | None = None, since: float | None = None) -> Iterator[HeldDeliveries]:
    """Inside, ``deliveries_queue`` holds the entries it is given (once their transaction commits) instead of
    queueing them; they are released on the way out, or earlier by the caller (``HeldDeliveries.release``).
    ``ids`` and ``since``: entries an earlier drain handed over (``HeldDeliveries.hand_over``), held from then."""
    held = HeldDeliveries(ids, since)
    token = _holding.set(held)
    try:
        yield held
    finally:
        _holding.reset(token)
        held.closed = True
        held.release()


def deliveries_queue(outbound_ids: list[int]) -> None:
    """Deliver these new entries after the current transaction commits, DELIVERY_BATCH per task (or hold them,
    inside ``deliveries_held``)."""
    held = _holding.get()
    if held is not None:
        on_commit(lambda: held.add(outbound_ids), what="held outbox deliveries")
    else:
        on_commit(lambda: deliveries_queue_now(outbound_ids), what="outbox deliveries")


@shared_task(name="channels_intake.deliver_outbound_many", **WHILE_DATABASE_DOWN)
def deliver_outbound_many(outbound_ids: list[int]) -> int:
    """Entries written together (``outbox_enqueue_many``), delivered with ``outbox_deliver_many``; an entry to
    retry gets its own task at its time (a redelivered task leaves what was sent alone: the claim decides).
    Returns how many were sent."""
    outcomes = outbox_deliver_many(outbound_ids=outbound_ids)
    for outbound_id, outcome in outcomes.items():
        if outcome.status == "retry" and outcome.retry_in is not None:
            deliver_outbound.apply_async((outbound_id,), countdown=outcome.retry_in)
    return sum(outcome.status == "sent" for outcome in outcomes.values())


@shared_task(name="channels_intake.redrive_outbox")
def redrive_outbox() -> int:
    """Beat, every minute: entries due for a (re)try that nobody is delivering."""
    ids = outbox_redrive()
    for outbound_id in ids:
        deliver_outbound.delay(outbound_id)
    return len(ids)
