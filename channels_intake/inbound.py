"""The worker's side of intake: turn logged events into the workflow's records, once each, split large stored
deliveries into events (and the tasks of both)."""

import json
import logging
import os
import traceback
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from common.aftercommit import task_on_commit
from common.logging import request_id_var

from .adapters import InboundMessage, get_adapter
from .adapters.base import storable_text
from .models import ChannelAccount, InboundDelivery, InboundEvent
from .workflow import current_workflow

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 20
# A large delivery is split SPLIT_CHUNK messages per INSERT and transaction (each chunk's events are durable and
# queued at once, and a killed worker loses at most one chunk's work), at most SPLIT_MESSAGES_PER_RUN per task
# run, then the task queues itself for the rest. The bound is a guard, above what a 3 MB body holds: a
# continuation waits in the queue behind the processing of every event queued before it.
SPLIT_CHUNK = 500
SPLIT_MESSAGES_PER_RUN = 50_000
# A split queues the processing of its events in tasks of this many (one broker round trip each, not one per
# event; both worker processes still share the work).
PROCESS_BATCH = 100

# While the database cannot be reached (a restart, a failover) the task tries again by itself, sooner than the
# minute's redrive: 2, 4, 8... seconds, at most a minute apart, for about half an hour; then the redrive has it.
DATABASE_DOWN = (OperationalError, InterfaceError)


def inbound_events_store(
    *,
    account: ChannelAccount,
    messages: list[InboundMessage],
    queue: bool = True,
    received_at: datetime | None = None,
    request_id: str | None = None,
) -> list[int]:
    """Write new messages to the inbound log in one statement; duplicates (same account and platform id, in
    this batch or already logged, also from a concurrent delivery) are skipped. Queues the processing of the
    new events on commit (unless ``queue`` is False) and returns their ids. ``received_at``: when the platform
    delivered them (a stored delivery split later), else now.
    """
    if not messages:
        return []
    unstorable = [problem for message in messages for problem in message.problems()]
    if unstorable:  # callers keep such messages for review first (inbound_delivery_store)
        raise ValueError(f"cannot log messages that cannot be filed: {'; '.join(unstorable)}")
    fresh: dict[str, InboundMessage] = {}
    for message in messages:
        fresh.setdefault(message.dedupe_key, message)
    table = InboundEvent._meta.db_table
    now = connection.ops.adapt_datetimefield_value(received_at or timezone.now())
    rid = request_id_var.get() if request_id is None else request_id
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(fresh))
    params: list = []
    for key, message in fresh.items():
        params += [account.pk, key, InboundEvent.Status.PENDING, json.dumps(message.to_dict()), "", now, 0, "", rid]
    sql = (
        f"INSERT INTO {table} (account_id, dedupe_key, status, message, raw_body, received_at, attempts, error, "  # noqa: S608
        f"request_id) VALUES {rows} ON CONFLICT (account_id, dedupe_key) DO NOTHING RETURNING id"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        created = [row[0] for row in cursor.fetchall()]
        if queue:
            for event_id in created:  # a broker outage is logged; the periodic re-drive files the event later
                task_on_commit(process_inbound, event_id)
    return created


def _where(exc: BaseException) -> str:
    """Where a failure happened (the innermost frame of our own code, file and line): enough to find it, without
    the exception's text."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [frame for frame in frames if f"{os.sep}site-packages{os.sep}" not in frame.filename] or frames
    return f"{ours[-1].filename}:{ours[-1].lineno}" if ours else "?"


def inbound_event_process(*, event_id: int) -> bool:
    """Hand one logged event to the workflow. Idempotent: a processed event is left alone; a failure leaves
    the event failed, with its reason, for the re-drive, and after MAX_ATTEMPTS failures the event is given up
    (status dead, kept for review, counted by /healthz). Returns True when this call processed it."""
    with transaction.atomic():
        event = (
            # of=("self",): lock only the event; locking the joined account too would make two events of
            # one account skip each other and stay pending until the re-drive.
            InboundEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("account__office")
            .filter(pk=event_id, status__in=[InboundEvent.Status.PENDING, InboundEvent.Status.FAILED])
            .first()
        )
        if event is None:
            return False
        # Filed under the webhook's request id (also when the re-drive or a batch task runs it).
        token = request_id_var.set(event.request_id) if event.request_id else None
        try:
            with transaction.atomic():
                current_workflow().on_inbound(
                    account=event.account,
                    message=InboundMessage.from_dict(event.message),
                    received_at=event.received_at,
                )
        except Exception as exc:  # kept and retried by the re-drive; never lost
            event.attempts += 1
            given_up = event.attempts >= MAX_ATTEMPTS
            event.status = InboundEvent.Status.DEAD if given_up else InboundEvent.Status.FAILED
            reason = f"{type(exc).__name__}: {exc}"
            if given_up:
                reason = f"gave up after {event.attempts} attempts; last: {reason}"
            event.error = storable_text(reason)[:2000]
            event.save(update_fields=["status", "attempts", "error"])
            # The line names the event and the error class, never the exception's text (it may quote a message).
            logger.error(
                "processing %s inbound event %s of account %s failed (attempt %s of %s%s): %s at %s",
                event.account.kind,
                event.pk,
                event.account.slug,
                event.attempts,
                MAX_ATTEMPTS,
                ", given up" if given_up else "",
                type(exc).__name__,
                _where(exc),
            )
            _reset(token)
            return False
        event.status = InboundEvent.Status.PROCESSED
        event.processed_at = timezone.now()
        event.attempts += 1
        event.error = ""
        event.save(update_fields=["status", "processed_at", "attempts", "error"])
        logger.info("%s inbound event %s of account %s filed", event.account.kind, event.pk, event.account.slug)
        _reset(token)
        return True


def _reset(token) -> None:
    if token is not None:
        request_id_var.reset(token)


def inbound_redrive(*, older_than: timedelta = timedelta(minutes=1), limit: int = 500) -> int:
    """Process events still waiting after `older_than` (broker outage, killed worker)."""
    cutoff = timezone.now() - older_than
    ids = list(
        InboundEvent.objects.filter(
            status__in=[InboundEvent.Status.PENDING, InboundEvent.Status.FAILED],
            received_at__lte=cutoff,
            attempts__lt=MAX_ATTEMPTS,
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for event_id in ids if inbound_event_process(event_id=event_id))


def inbound_delivery_split(*, delivery_id: int, limit: int = SPLIT_MESSAGES_PER_RUN) -> int:
    """Split a stored large delivery into inbound events (``inbound_events_store``, chunk by chunk), from where
    an earlier run stopped; at most ``limit`` messages in this call, then its task is queued again for the
    rest. Idempotent: the events' unique key (account, platform message id) decides, so splitting the same
    delivery twice, concurrently or after a worker died half-way, logs each message once. Messages that cannot
    be filed were kept for review when the delivery came in and are skipped the same way here. Returns how
    many messages this call went through."""
    delivery = (
        InboundDelivery.objects.select_related("account")
        .filter(pk=delivery_id, status=InboundDelivery.Status.PENDING)
        .defer("body")
        .first()
    )
    if delivery is None:
        return 0
    try:
        # Parsed again from the verified bytes, outside any transaction (about a third of a second for 10,000).
        body = InboundDelivery.objects.filter(pk=delivery_id).values_list("body", flat=True).first()
        parsed = get_adapter(delivery.account.kind).parse(bytes(body or b""))
        messages = [message for message in parsed.messages if not message.problems()]
        done, finished = 0, False
        while not finished and done < limit:
            done_now, finished = _split_chunk(delivery, messages, min(SPLIT_CHUNK, limit - done))
            if done_now is None:  # another worker holds it, or it is split already
                return done
            done += done_now
    except DATABASE_DOWN:
        raise
    except Exception as exc:  # kept and retried by the re-drive; given up after MAX_ATTEMPTS
        _delivery_failed(delivery, exc)
        return 0
    if not finished:
        task_on_commit(split_inbound_delivery, delivery_id)
    return done


def _split_chunk(delivery: InboundDelivery, messages: list[InboundMessage], size: int) -> tuple[int | None, bool]:
    """Log the next ``size`` messages of the delivery and move its split count on, in one transaction.
    Returns (messages gone through or None when the delivery is not ours to split now, whether it is done)."""
    with transaction.atomic():
        offset = (
            InboundDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery.pk, status=InboundDelivery.Status.PENDING)
            .values_list("split_count", flat=True)
            .first()
        )
        if offset is None:
            return None, True
        chunk = messages[offset : offset + size]
        if chunk:
            created = inbound_events_store(
                account=delivery.account,
                messages=chunk,
                received_at=delivery.received_at,
                queue=False,
                request_id=delivery.request_id,
            )
            for first in range(0, len(created), PROCESS_BATCH):  # a broker outage: the re-drive files them
                task_on_commit(process_inbound_batch, created[first : first + PROCESS_BATCH])
        offset += len(chunk)
        finished = offset >= len(messages)
        changes: dict = {"split_count": offset}
        if finished:
            changes.update(status=InboundDelivery.Status.SPLIT, split_at=timezone.now(), error="")
        InboundDelivery.objects.filter(pk=delivery.pk).update(**changes)
    if finished:
        logger.info(
            "%s inbound delivery %s of account %s split into %d message(s)",
            delivery.account.kind,
            delivery.pk,
            delivery.account.slug,
            len(messages),
        )
    return len(chunk), finished


def _delivery_failed(delivery: InboundDelivery, exc: Exception) -> None:
    attempts = delivery.attempts + 1
    given_up = attempts >= MAX_ATTEMPTS
    reason = f"{type(exc).__name__}: {exc}"
    if given_up:
        reason = f"gave up after {attempts} attempts; last: {reason}"
    InboundDelivery.objects.filter(pk=delivery.pk, status=InboundDelivery.Status.PENDING).update(
        attempts=attempts,
        status=InboundDelivery.Status.DEAD if given_up else InboundDelivery.Status.PENDING,
        error=storable_text(reason)[:2000],
    )
    # The delivery and the error class, never the exception's text (it may quote a message).
    logger.error(
        "splitting %s inbound delivery %s of account %s failed (attempt %s of %s%s): %s at %s",
        delivery.account.kind,
        delivery.pk,
        delivery.account.slug,
        attempts,
        MAX_ATTEMPTS,
        ", given up" if given_up else "",
        type(exc).__name__,
        _where(exc),
    )


def inbound_deliveries_redrive(*, older_than: timedelta = timedelta(minutes=1), limit: int = 20) -> int:
    """Split large deliveries still waiting after ``older_than`` (broker outage, killed worker); returns how
    many messages were gone through (each split run is bounded; its task queues the rest)."""
    cutoff = timezone.now() - older_than
    ids = list(
        InboundDelivery.objects.filter(
            status=InboundDelivery.Status.PENDING, received_at__lte=cutoff, attempts__lt=MAX_ATTEMPTS
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(inbound_delivery_split(delivery_id=delivery_id) for delivery_id in ids)


@shared_task(
    name="channels_intake.process_inbound",
    acks_late=True,
    autoretry_for=DATABASE_DOWN,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=False,
    max_retries=40,
)
def process_inbound(event_id: int) -> bool:
    return inbound_event_process(event_id=event_id)


@shared_task(
    name="channels_intake.process_inbound_batch",
    acks_late=True,
    autoretry_for=DATABASE_DOWN,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=False,
    max_retries=40,
)
def process_inbound_batch(event_ids: list[int]) -> int:
    """The events of a split delivery, one after the other (each in its own transaction, as ``process_inbound``;
    redelivered after a killed worker, what was filed is left alone)."""
    return sum(1 for event_id in event_ids if inbound_event_process(event_id=event_id))


@shared_task(
    name="channels_intake.split_delivery",
    acks_late=True,
    autoretry_for=DATABASE_DOWN,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=False,
    max_retries=40,
)
def split_inbound_delivery(delivery_id: int) -> int:
    return inbound_delivery_split(delivery_id=delivery_id)


@shared_task(name="channels_intake.redrive_inbound")
def redrive_inbound() -> int:
    """Beat, every REDRIVE_SECONDS (a minute): whatever a broker outage or a killed worker left pending, large
    deliveries not (fully) split first, then the events."""
    older_than = timedelta(seconds=settings.REDRIVE_SECONDS)
    inbound_deliveries_redrive(older_than=older_than)
    return inbound_redrive(older_than=older_than)
