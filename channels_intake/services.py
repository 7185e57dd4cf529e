"""What the web side and the workflow call on the transport: log inbound events durably, queue replies.

Accepting a message is one INSERT into the inbound log; the worker (``inbound``, ``outbox``, ``tasks``) does
the rest. The workflow above is reached only through ``workflow.current_workflow()``.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from audit.services import audit_record
from common.aftercommit import task_on_commit
from common.bulk import bulk_insert
from common.logging import request_id_var

from .adapters import InboundMessage, ReplyWindow, get_adapter
from .adapters import reply_window as adapter_reply_window
from .adapters.base import storable_text
from .inbound import inbound_event_process, inbound_events_store, process_inbound, split_inbound_delivery
from .models import ChannelAccount, InboundDelivery, InboundEvent, OutboundMessage
from .outbox import deliver_outbound, deliveries_queue

# --- Inbound -------------------------------------------------------------------------------------------------
# inbound_events_store (the one INSERT of a delivery's messages) lives beside the worker, which also calls it to
# split large deliveries; callers keep importing it from here.


def inbound_message_file_now(*, account: ChannelAccount, message: InboundMessage) -> bool:
    """Log one message and file it in this request (the web chat, where we are the platform): the same log
    and the same filing as a webhook's message, without the wait for a worker. False for a duplicate."""
    with transaction.atomic():
        created = inbound_events_store(account=account, messages=[message], queue=False)
        if not created:
            return False
        inbound_event_process(event_id=created[0])
    return True


@dataclass(frozen=True)
class DeliveryIntake:
    """What became of one webhook delivery's messages."""

    accepted: tuple[int, ...]  # the new events, queued for processing
    duplicates: int  # already logged (this batch or an earlier delivery)
    kept_for_review: InboundEvent | None  # the delivery's body, when some of its messages cannot be filed
    queued: int = 0  # messages of a large delivery stored whole, split into events by the worker


# Above this many messages a delivery is stored whole (one INSERT) and split by the worker, so the platform has
# its 200 within its timeout whatever the batch holds (setting INTAKE_LARGE_DELIVERY_MESSAGES).
LARGE_DELIVERY_MESSAGES = 100


def large_delivery_messages() -> int:
    return getattr(settings, "INTAKE_LARGE_DELIVERY_MESSAGES", LARGE_DELIVERY_MESSAGES)


def inbound_delivery_store(*, account: ChannelAccount, body: bytes, messages: list[InboundMessage]) -> DeliveryIntake:
    """Log a verified delivery's messages. Those that cannot be filed (an id longer than its column, no id) are
    not logged as events that would fail in the worker: the body is kept for review at once, with the reasons,
    and the rest of the batch is logged as usual. One transaction.

    A delivery of more than ``large_delivery_messages()`` messages is not logged message by message: its raw
    body is stored once (``inbound_large_delivery_store``) and the worker splits it into the same events."""
    storable = [message for message in messages if not message.problems()]
    reasons = [
        f"message {position}: {problem}"
        for position, message in enumerate(messages, start=1)
        for problem in message.problems()
    ]
    if not reasons and len(storable) <= large_delivery_messages():  # the usual delivery: one INSERT, no transaction
        accepted = inbound_events_store(account=account, messages=storable)
        return DeliveryIntake(accepted=tuple(accepted), duplicates=len(storable) - len(accepted), kept_for_review=None)
    with transaction.atomic():
        if len(storable) > large_delivery_messages():
            accepted, queued = [], inbound_large_delivery_store(account=account, body=body, messages=len(storable))
        else:
            accepted, queued = inbound_events_store(account=account, messages=storable), 0
        kept = None
        if reasons:
            kept = inbound_invalid_store(
                account=account, body=body, error="cannot be filed: " + "; ".join(reasons), code="unstorable"
            )
    return DeliveryIntake(
        accepted=tuple(accepted),
        duplicates=len(storable) - len(accepted) - queued,
        kept_for_review=kept,
        queued=queued,
    )


def inbound_large_delivery_store(*, account: ChannelAccount, body: bytes, messages: int) -> int:
    """Store a verified delivery's raw body in one ``INSERT … ON CONFLICT DO NOTHING`` and queue its split on
    commit. The same body again (a platform's retry) is the row already stored: nothing is added. Returns the
    number of messages queued (0 for such a repeat)."""
    table = InboundDelivery._meta.db_table
    digest = hashlib.sha256(body).hexdigest()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sql = (
        f"INSERT INTO {table} (account_id, body_sha256, body, status, messages, split_count, received_at, "  # noqa: S608
        "attempts, error, request_id) VALUES (%s, %s, %s, %s, %s, 0, %s, 0, '', %s) "
        "ON CONFLICT (account_id, body_sha256) DO NOTHING RETURNING id"
    )
    params = [account.pk, digest, body, InboundDelivery.Status.PENDING, messages, now, request_id_var.get()]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return 0
        task_on_commit(split_inbound_delivery, row[0])  # a broker outage: the re-drive splits it later
    return messages


def inbound_invalid_store(*, account: ChannelAccount, body: bytes, error: str, code: str = "") -> InboundEvent:
    """A correctly signed body we cannot parse or file: kept for review, never dropped.

    The raw body is stored as text that every database takes: undecodable bytes and NUL bytes (which PostgreSQL
    refuses in text) both become U+FFFD. The dedupe key hashes the bytes as received."""
    key = "invalid:" + hashlib.sha256(body).hexdigest()
    raw = body.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    event, _created = InboundEvent.objects.get_or_create(
        account=account,
        dedupe_key=key,
        defaults={
            "status": InboundEvent.Status.INVALID,
            "raw_body": raw,
            "error": storable_text(f"[{code}] {error}" if code else error)[:2000],
        },
    )
    return event


def intake_health() -> dict[str, int]:
    """How many inbound events wait for a person (kept for review, given up) or for a retry: /healthz shows it."""
    counts = dict(
        InboundEvent.objects.filter(
            status__in=[InboundEvent.Status.INVALID, InboundEvent.Status.DEAD, InboundEvent.Status.FAILED]
        )
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {
        "kept_for_review": counts.get(InboundEvent.Status.INVALID, 0),
        "dead": counts.get(InboundEvent.Status.DEAD, 0),
        "failed": counts.get(InboundEvent.Status.FAILED, 0),
    }


# --- Reply windows -----------------------------------------------------------------------------------------
def reply_window(
    *, kind: str, last_inbound_at: datetime | None, now: datetime | None = None, zone: str = ""
) -> ReplyWindow:
    """Whether the platform still accepts a free-form reply (its adapter's rule), with a translated reason
    naming the moment the window closed (in ``zone``, else the current time zone)."""
    window = adapter_reply_window(
        get_adapter(kind).reply_rule, last_inbound_at=last_inbound_at, now=now or timezone.now()
    )
    if window.allowed or not window.reason:
        return window
    closed = timezone.localtime(window.closes_at, ZoneInfo(zone) if zone else None)
    return ReplyWindow(
        allowed=False,
        tag=window.tag,
        closes_at=window.closes_at,
        reason=_(window.reason) % {"at": closed.strftime("%d-%m-%Y %H:%M")},
    )


# --- Outbox --------------------------------------------------------------------------------------------------
def outbox_enqueue(
    *,
    account: ChannelAccount,
    recipient_id: str,
    sender_id: str,
    text: str,
    tag: str = "",
    attachment: dict | None = None,
    choices: list[dict] | None = None,
) -> OutboundMessage:
    """Put a message in the outbox (inside the caller's transaction); the worker delivers it after commit.

    The caller keeps the entry (tickets: ``Message.outbound``); its id comes back in the delivery report.
    ``attachment``: a stored private file ({"storage_name", "mime_type", "name"}) sent with the text;
    ``choices``: quick answers ([{"id", "title"}]) sent as buttons where the platform has them.
    """
    outbound = OutboundMessage.objects.create(
        account=account,
        recipient_id=recipient_id,
        sender_id=sender_id,
        text=text,
        tag=tag,
        attachment=attachment or {},
        choices=choices or [],
        next_attempt_at=timezone.now(),
    )
    task_on_commit(deliver_outbound, outbound.pk)
    return outbound


@dataclass(frozen=True)
class OutboxEntry:
    """One message for ``outbox_enqueue_many`` (the fields of ``outbox_enqueue``)."""

    account: ChannelAccount
    recipient_id: str
    sender_id: str
    text: str
    tag: str = ""
    request_id: str = ""


def outbox_enqueue_many(entries: list[OutboxEntry]) -> list[OutboundMessage]:
    """Put many text messages in the outbox in one INSERT (inside the caller's transaction), in order; the worker
    delivers them after commit (``outbox.deliveries_queue``). The caller keeps the entries, as with
    ``outbox_enqueue``."""
    if not entries:
        return []
    now = timezone.now()
    rows = bulk_insert(
        [
            OutboundMessage(
                account=entry.account,
                recipient_id=entry.recipient_id,
                sender_id=entry.sender_id,
                text=entry.text,
                tag=entry.tag,
                next_attempt_at=now,
                request_id=entry.request_id or request_id_var.get(),
            )
            for entry in entries
        ]
    )
    deliveries_queue([row.pk for row in rows])  # a broker outage: the outbox's re-drive sends them
    return rows


def outbox_retry(*, outbound_id: int) -> bool:
    """Queue a finally failed entry again (its cause was fixed); False when it is not a failed one."""
    updated = OutboundMessage.objects.filter(pk=outbound_id, status=OutboundMessage.Status.FAILED).update(
        status=OutboundMessage.Status.QUEUED, next_attempt_at=timezone.now(), attempts=0, last_error=""
    )
    if updated:
        task_on_commit(deliver_outbound, outbound_id)
    return bool(updated)


def inbound_events_retry(*, event_ids: list[int], actor=None) -> int:
    """Give failed and dead events another round (an admin fixed the cause): back to pending with their
    attempts reset, queued after commit. Events kept for review as unreadable are left alone. Audited."""
    retryable = [InboundEvent.Status.FAILED, InboundEvent.Status.DEAD]
    with transaction.atomic():
        retry = InboundEvent.objects.filter(pk__in=event_ids, status__in=retryable).order_by("pk")
        ids = list(retry.values_list("pk", flat=True))
        InboundEvent.objects.filter(pk__in=ids, status__in=retryable).update(
            status=InboundEvent.Status.PENDING, attempts=0
        )
        for event_id in ids:
            task_on_commit(process_inbound, event_id)
        if ids:
            audit_record(
                actor=actor,
                action="inbound.retry",
                object_type="channels_intake.inboundevent",
                object_id=",".join(str(pk) for pk in ids)[:200],
                changes={"events": ids},
            )
    return len(ids)


def transport_backlog(*, now: datetime | None = None) -> dict[str, float | None]:
    """How long the oldest inbound event has waited to be filed, and the oldest due reply to be delivered, in
    seconds (None: nothing waits; a large delivery waiting to be split counts as its events). Two statements
    of index reads: /healthz and /metrics ask on every probe."""
    now = now or timezone.now()
    # One statement for both: a large delivery not split yet holds events not in the log yet, so it waits as
    # long as they do (each subquery is an index read of a partial index).
    sql = (
        f"SELECT (SELECT MIN(received_at) FROM {InboundEvent._meta.db_table} WHERE status = %s), "  # noqa: S608
        f"(SELECT MIN(received_at) FROM {InboundDelivery._meta.db_table} WHERE status = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [InboundEvent.Status.PENDING, InboundDelivery.Status.PENDING])
        waiting = [_db_datetime(value) for value in cursor.fetchone() if value is not None]
    oldest_inbound = min(waiting, default=None)
    oldest_due = (
        OutboundMessage.objects.filter(status=OutboundMessage.Status.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )

    def age(moment):
        return None if moment is None else max((now - moment).total_seconds(), 0.0)

    return {"inbound_oldest_pending_seconds": age(oldest_inbound), "outbox_oldest_due_seconds": age(oldest_due)}


def _db_datetime(value) -> datetime:
    """A datetime column read by raw SQL: aware already (PostgreSQL), or the UTC text SQLite stores."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)
