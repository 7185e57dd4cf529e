"""The worker's side of intake: turn logged events into the workflow's records, once each, split large stored
deliveries into events (and the tasks of both)."""

import hashlib
import json
import logging
import os
import time
import traceback
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from common.aftercommit import on_commit, task_on_commit
from common.logging import request_id_var

from .adapters import InboundMessage, get_adapter
from .adapters.base import storable_text
from .models import ChannelAccount, InboundDelivery, InboundEvent
from .outbox import HOLD_SECONDS, deliveries_held, deliveries_queue_now
from .retrying import DATABASE_DOWN, WHILE_DATABASE_DOWN
from .workflow import InboundItem, current_workflow

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 20
# A large delivery is split SPLIT_CHUNK messages per INSERT and transaction (each chunk's events are durable and
# queued at once, and a killed worker loses at most one chunk's work), at most SPLIT_MESSAGES_PER_RUN per task
# run, then the task queues itself for the rest. The bound is a guard, above what a 3 MB body holds: a
# continuation waits in the queue behind the processing of every event queued before it.
SPLIT_CHUNK = 500
SPLIT_MESSAGES_PER_RUN = 50_000
# A split queues the processing of its events in tasks of this many (kept for messages already in a broker when
# the batch filer came in; new work wakes the filer instead).
PROCESS_BATCH = 100

# The batch filer (``inbound_events_file``): it claims up to FILE_BATCH pending events of one office with
# SELECT … FOR UPDATE SKIP LOCKED and files them in one transaction (setting INBOUND_FILE_BATCH). A drain runs
# batches until the log is empty, at most DRAIN_SECONDS, then queues itself again so other tasks get a turn.
FILE_BATCH = 200
DRAIN_SECONDS = 20.0
# At most this many drains run at once (setting INBOUND_FILERS; a worker process each): the webhook wakes the first,
# a drain that finds a full batch wakes the next. A wake is a cache key (Redis in production) set while its drain
# is queued or running, so a burst of webhooks queues one task, not one per event; it expires after WAKE_TTL
# should the worker die, and the minute's re-drive files whatever such a death left.
WAKE_KEY = "inbound:filer:%d"
WAKE_TTL = 60
# After a batch that was not full (a stream of messages rather than a backlog), a worker's drain waits this long
# before it claims again (setting INBOUND_DRAIN_LINGER, seconds), so the stream's next events are filed together:
# a batch has a fixed cost of some twenty queries, and at a few hundred webhooks a second a drain looking again
# at once would file them twenty at a time, taking from the web the cores the webhooks need. The first message
# after a quiet spell is filed at once; a drain run inline (eager tasks) never waits.
DRAIN_LINGER = 0.2
# A webhook that found the wake taken (a drain queued or running) trusts that for WAKE_TRUST seconds, measured
# from before it asked: the webhooks after it in the same process skip the cache round trip (at a burst's rate,
# nearly all of them). A drain, when it lets go of its wake, waits twice that before its last look, so an event
# whose webhook trusted the wake is committed before that look and filed by it (see ``inbound_wake_trusted``).
WAKE_TRUST = 0.05
_wake_seen: dict[int, float] = {}  # slot -> until when this process trusts that slot's wake to be taken


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
    # One statement: atomic by itself in autocommit (a webhook's plain delivery: no BEGIN/COMMIT round trips, and
    # the wake runs at once, the rows being committed), part of the caller's transaction otherwise.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        created = [row[0] for row in cursor.fetchall()]
    if queue and created:  # one wake of the batch filer; a broker outage: the re-drive files them later
        on_commit(inbound_wake_trusted, what="inbound_wake")
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


def _file_batch_size() -> int:
    return max(1, int(getattr(settings, "INBOUND_FILE_BATCH", FILE_BATCH)))


def _filers() -> int:
    return max(1, int(getattr(settings, "INBOUND_FILERS", 2)))


def inbound_events_file(*, limit: int | None = None, received_before: datetime | None = None) -> int:
    """File the oldest pending events of one office in one transaction (the worker's fast path).

    Claims the oldest pending event not locked by another filer, then up to ``limit`` pending events of the same
    office's accounts (``SELECT … FOR UPDATE SKIP LOCKED``: concurrent filers take disjoint batches, and one
    office's batch has one calendar, one policy and one roster). The workflow files them
    (``Workflow.on_inbound_batch``) and one UPDATE marks them processed. Should the batch fail, it is rolled
    back and each event is filed alone (``inbound_event_process``: a bad one is marked failed with its reason,
    the others are filed). A worker killed mid-batch commits nothing: the events stay pending and are claimed
    again. ``received_before``: only events logged before then (the re-drive). Returns how many events it
    went through (0: nothing pending)."""
    return _file_next_batch(limit=limit or _file_batch_size(), received_before=received_before)[0]


def _file_next_batch(*, limit: int, received_before: datetime | None) -> tuple[int, int]:
    """``inbound_events_file``'s work; returns (events gone through, events claimed). Fewer are gone through
    than claimed when senders are left out to keep their order (``_in_sender_order``): the drain tells a full
    batch (a burst) by the claim."""
    pending = InboundEvent.objects.filter(status=InboundEvent.Status.PENDING)
    if received_before is not None:
        pending = pending.filter(received_at__lt=received_before)
    with transaction.atomic():
        first = (
            pending.select_for_update(skip_locked=True).order_by("received_at", "id").values_list("account_id").first()
        )
        if first is None:
            return 0, 0
        office_id = ChannelAccount.objects.filter(pk=first[0]).values_list("office_id", flat=True).first()
        accounts = {
            account.pk: account
            for account in ChannelAccount.objects.select_related("office").filter(office_id=office_id)
        }
        events = list(
            pending.select_for_update(skip_locked=True)
            .filter(account_id__in=list(accounts))
            .order_by("received_at", "id")
            .only("id", "account_id", "message", "received_at", "request_id")[:limit]
        )
        items = [
            InboundItem(
                event_id=event.pk,
                account=accounts[event.account_id],
                message=InboundMessage.from_dict(event.message),
                received_at=event.received_at,
                request_id=event.request_id,
            )
            for event in events
        ]
        claimed = len(items)
        items = _in_sender_order(pending, items)
        if not items:
            return 0, claimed
        events = [event for event in events if event.pk in {item.event_id for item in items}]
        try:
            with transaction.atomic():
                _file_items(items)
        except DATABASE_DOWN:
            raise
        except Exception as exc:  # one by one: a bad event is marked failed, the others are filed
            logger.warning(
                "filing a batch of %d inbound event(s) failed (%s at %s); filing them one by one",
                len(events),
                type(exc).__name__,
                _where(exc),
            )
            for event in events:
                inbound_event_process(event_id=event.pk)
            return len(events), claimed
        InboundEvent.objects.filter(pk__in=[event.pk for event in events]).update(
            status=InboundEvent.Status.PROCESSED, processed_at=timezone.now(), attempts=F("attempts") + 1, error=""
        )
    for item in items:  # each under its webhook's request id, as inbound_event_process logs it
        token = request_id_var.set(item.request_id) if item.request_id else None
        logger.info("%s inbound event %s of account %s filed", item.account.kind, item.event_id, item.account.slug)
        _reset(token)
    return len(events), claimed


def _sender_key(account_id: int, sender_id: str) -> int:
    """A signed 64-bit key of one sender of one account, for PostgreSQL's advisory locks."""
    digest = hashlib.blake2b(f"{account_id}:{sender_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _in_sender_order(pending, items: list[InboundItem]) -> list[InboundItem]:
    """Keep each sender's messages in the order received when two filers work on one office (PostgreSQL).

    Locks the batch's senders (advisory locks held to the end of the transaction), then looks for their events
    still pending outside this batch (another filer's claim, which raced this one): a sender's events from the
    first such one on are left out, to be claimed again once it is filed, so nobody's later message is filed
    before an earlier one. A sender another filer is filing now (its lock is taken) is left out of this batch
    whole rather than waited for: two filers of one office in a burst share some senders in nearly every pair of
    batches, and waiting would make the second wait for the first's whole batch. Only when every sender of the
    batch is taken does it wait for their locks (in key order: filers never wait on each other in a cycle).
    Without a concurrent filer nothing is left out. SQLite has one writer at a time: nothing to do."""
    if connection.vendor != "postgresql" or not items:
        return items
    keyed = {sender: _sender_key(*sender) for sender in {(item.account.pk, item.message.sender_id) for item in items}}
    keys = sorted(set(keyed.values()))
    with connection.cursor() as cursor:
        cursor.execute("SELECT k FROM unnest(%s::bigint[]) AS k WHERE NOT pg_try_advisory_xact_lock(k)", [keys])
        taken = {row[0] for row in cursor.fetchall()}
        if taken and len(taken) == len(keys):  # nothing free: wait as one filer behind the other
            cursor.execute("SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k ORDER BY k", [keys])
            taken = set()
    if taken:
        items = [item for item in items if keyed[(item.account.pk, item.message.sender_id)] not in taken]
    senders = {sender for sender, key in keyed.items() if key not in taken}
    latest = max(item.received_at for item in items)
    others = (
        pending.filter(account_id__in={item.account.pk for item in items}, received_at__lte=latest)
        .exclude(pk__in=[item.event_id for item in items])
        .values_list("account_id", "message__sender_id", "received_at", "id")
    )
    cut: dict[tuple[int, str], tuple] = {}
    for account_id, sender_id, received_at, event_id in others:
        sender = (account_id, sender_id)
        if sender in senders:
            cut[sender] = min(cut.get(sender, (received_at, event_id)), (received_at, event_id))
    if not cut:
        return items
    return [
        item
        for item in items
        if (item.account.pk, item.message.sender_id) not in cut
        or (item.received_at, item.event_id) < cut[(item.account.pk, item.message.sender_id)]
    ]


def _file_items(items: list[InboundItem]) -> None:
    workflow = current_workflow()
    batch = getattr(workflow, "on_inbound_batch", None)
    if batch is not None:
        batch(items=items)
        return
    for item in items:  # a workflow without a batch path: each message as the event's own task would file it
        token = request_id_var.set(item.request_id) if item.request_id else None
        try:
            workflow.on_inbound(account=item.account, message=item.message, received_at=item.received_at)
        finally:
            _reset(token)


def inbound_wake(slot: int = 0, held: tuple[list[int], float | None] | None = None) -> bool:
    """Queue a drain of the inbound log unless one for ``slot`` is queued or running already (after commit:
    ``inbound_events_store``). A broker outage is logged; the re-drive files the events later. True when queued.
    ``held``: outbox entries whose delivery the new drain goes on holding, and since when (``inbound_drain``)."""
    if not cache.add(WAKE_KEY % slot, 1, timeout=WAKE_TTL):
        return False
    try:
        if held and held[0]:
            file_inbound.delay(slot, held=held[0], held_since=held[1])
        else:
            file_inbound.delay(slot)
    except Exception:
        cache.delete(WAKE_KEY % slot)
        raise
    return True


def _monotonic() -> float:
    return time.monotonic()


def _eager() -> bool:
    # The setting rather than the Celery app's conf: read at every webhook, and the conf's lookup costs more than
    # the round trip it saves.
    return bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False))


def _trust_seconds() -> float:
    return max(0.0, float(getattr(settings, "INBOUND_WAKE_TRUST", WAKE_TRUST)))


def _wake_trust() -> float:
    """The webhooks' trust: none when tasks run inline (eager), as a drain run inline is over before the webhook
    answers."""
    return 0.0 if _eager() else _trust_seconds()


def inbound_wake_trusted(slot: int = 0) -> bool:
    """``inbound_wake``, skipped while this process saw the wake taken less than WAKE_TRUST seconds ago (the
    webhook's wake, after commit). Safe because a drain lets go of its wake, then waits twice WAKE_TRUST before
    its last look (``inbound_drain``): a wake seen taken at t means its drain lets go after t, so it looks after
    t + 2 x WAKE_TRUST, after the commit of any event whose webhook trusted that sight (before t + WAKE_TRUST).
    True when a drain was queued."""
    trust = _wake_trust()
    if not trust:
        return inbound_wake(slot)
    asked = _monotonic()  # before asking: the trust never outlasts the sight by a reply's delay
    if asked < _wake_seen.get(slot, 0.0):
        return False
    queued = inbound_wake(slot)
    if not queued:
        _wake_seen[slot] = asked + trust
    return queued


def _linger_seconds() -> float:
    return max(0.0, float(getattr(settings, "INBOUND_DRAIN_LINGER", DRAIN_LINGER)))


def _linger(seconds: float) -> None:
    time.sleep(seconds)


def inbound_drain(
    *,
    slot: int = 0,
    budget: float | None = None,
    linger: float = 0.0,
    trust: float = 0.0,
    held_ids: list[int] | None = None,
    held_since: float | None = None,
) -> int:
    """File batches until nothing is pending (``inbound_events_file``), for at most ``budget`` seconds, then queue
    the next drain. A full batch wakes the drain of the next slot, so each worker process files while a burst
    lasts. Releases the wake on the way out and looks once more, so an event logged while it stopped is never
    left to the re-drive. While its batches are full (a burst), the deliveries of the acknowledgements it writes
    wait until a batch is not, or until it stops, HOLD_SECONDS at most (``outbox.deliveries_held``): the cores
    file first. A drain whose budget ends amid full batches hands them to the next drain of its slot
    (``held_ids``, held since ``held_since``, wall-clock seconds), which goes on holding them. ``linger``: seconds
    to wait after a batch that was not full before claiming again (the worker's drain: DRAIN_LINGER). ``trust``:
    the WAKE_TRUST of the webhooks that may wake it; after letting go of its wake it waits twice that before its
    last look (``inbound_wake_trusted``). Returns how many events it went through."""
    budget = DRAIN_SECONDS if budget is None else budget
    started = time.monotonic()
    total = 0
    key = WAKE_KEY % slot
    try:
        with deliveries_held(held_ids, held_since) as held:
            while True:
                done, claimed = _file_next_batch(limit=_file_batch_size(), received_before=None)
                total += done
                full = claimed >= _file_batch_size()
                if held.ids and (not full or held.age() >= HOLD_SECONDS):
                    held.release()
                if full and slot + 1 < _filers():
                    inbound_wake(slot + 1)
                if done == 0:
                    cache.delete(key)
                    if trust:
                        _linger(2 * trust)
                    done = inbound_events_file()
                    total += done
                    if done == 0:
                        return total
                    if not cache.add(key, 1, timeout=WAKE_TTL):
                        return total  # another drain of this slot took over
                if time.monotonic() - started >= budget:
                    cache.delete(key)
                    handed = held.hand_over() if full and held.ids else None  # the burst goes on
                    if not inbound_wake(slot, handed) and handed:
                        deliveries_queue_now(handed[0])  # a webhook's wake came first: its drain does not know of them
                    return total
                cache.touch(key, WAKE_TTL)
                if linger and done and not full:
                    _linger(linger)
    except BaseException:
        cache.delete(key)
        raise


def _reset(token) -> None:
    if token is not None:
        request_id_var.reset(token)


def inbound_redrive(*, older_than: timedelta = timedelta(minutes=1), limit: int = 500) -> int:
    """File events still waiting after `older_than` (broker outage, killed worker): pending ones in batches
    (``inbound_events_file``), then failed ones one by one (each failure counts an attempt). Returns how many
    were filed or gone through."""
    cutoff = timezone.now() - older_than
    done = 0
    while done < limit:
        filed = inbound_events_file(limit=min(_file_batch_size(), limit - done), received_before=cutoff)
        if not filed:
            break
        done += filed
    ids = list(
        InboundEvent.objects.filter(
            status=InboundEvent.Status.FAILED,
            received_at__lte=cutoff,
            attempts__lt=MAX_ATTEMPTS,
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    return done + sum(1 for event_id in ids if inbound_event_process(event_id=event_id))


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
            if created:  # the batch filer takes them; a broker outage: the re-drive files them
                on_commit(inbound_wake, what="inbound_wake")
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


@shared_task(name="channels_intake.process_inbound", **WHILE_DATABASE_DOWN)
def process_inbound(event_id: int) -> bool:
    return inbound_event_process(event_id=event_id)


@shared_task(name="channels_intake.process_inbound_batch", **WHILE_DATABASE_DOWN)
def process_inbound_batch(event_ids: list[int]) -> int:
    """The events of a split delivery, one after the other (each in its own transaction, as ``process_inbound``;
    redelivered after a killed worker, what was filed is left alone)."""
    return sum(1 for event_id in event_ids if inbound_event_process(event_id=event_id))


@shared_task(name="channels_intake.file_inbound", bind=True, **WHILE_DATABASE_DOWN)
def file_inbound(self, slot: int = 0, held: list[int] | None = None, held_since: float | None = None) -> int:
    """Drain the inbound log in batches (``inbound_drain``), woken by ``inbound_wake``; run inline (eager), it
    never lingers (and no webhook trusts a wake). ``held``, ``held_since``: outbox entries an earlier drain of the
    slot was holding, and since when."""
    handed = {"held_ids": held, "held_since": held_since} if held else {}
    if self.request.is_eager:
        return inbound_drain(slot=slot, **handed)
    return inbound_drain(slot=slot, linger=_linger_seconds(), trust=_trust_seconds(), **handed)


@shared_task(name="channels_intake.split_delivery", **WHILE_DATABASE_DOWN)
def split_inbound_delivery(delivery_id: int) -> int:
    return inbound_delivery_split(delivery_id=delivery_id)


@shared_task(name="channels_intake.redrive_inbound")
def redrive_inbound() -> int:
    """Beat, every REDRIVE_SECONDS (a minute): whatever a broker outage or a killed worker left pending, large
    deliveries not (fully) split first, then the events."""
    older_than = timedelta(seconds=settings.REDRIVE_SECONDS)
    inbound_deliveries_redrive(older_than=older_than)
    return inbound_redrive(older_than=older_than)
