"""Intake and delivery: the durable inbound-event log, its processing, the outbox, and web-chat sessions."""

import hashlib
import json
import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record

from .adapters import Credentials, InboundMessage, PermanentSendError, TransientSendError, get_adapter
from .models import ChannelAccount, ChannelKind, InboundEvent, OutboundMessage, WebchatSession

logger = logging.getLogger(__name__)

MAX_SEND_ATTEMPTS = 8
LEASE = timedelta(minutes=2)


def base_url_for(kind: str) -> str:
    """Read at call time so tests can point a channel at a local server."""
    return {
        ChannelKind.META: settings.META_GRAPH_URL,
        ChannelKind.WHATSAPP: settings.META_GRAPH_URL,
        ChannelKind.TELEGRAM: settings.TELEGRAM_API_URL,
        ChannelKind.X: settings.X_API_URL,
    }.get(kind, "")


def account_credentials(account: ChannelAccount, *, external_id: str = "") -> Credentials:
    return Credentials(
        external_id=external_id or account.external_id,
        secret=account.secret,
        verify_token=account.verify_token,
        access_token=account.access_token,
    )


# --- Accounts ----------------------------------------------------------------------------------------------
@transaction.atomic
def channel_account_create(
    *,
    office,
    kind: str,
    slug: str,
    name: str = "",
    secret: str = "",
    verify_token: str = "",
    access_token: str = "",
    external_id: str = "",
    actor=None,
) -> ChannelAccount:
    account = ChannelAccount(
        office=office,
        kind=kind,
        slug=slug,
        name=name or f"{kind} {office.name}"[:120],
        secret=secret,
        verify_token=verify_token,
        access_token=access_token,
        external_id=external_id,
    )
    account.full_clean()
    account.save()
    audit_record(
        actor=actor,
        action="channel.create",
        obj=account,
        office_code=office.code,
        # Never the secrets themselves: only whether each is set.
        changes={"kind": kind, "slug": slug, "secret_set": bool(secret), "access_token_set": bool(access_token)},
    )
    return account


# --- Webhook accounts ----------------------------------------------------------------------------------------
ACCOUNT_CACHE_SECONDS = 30
_account_cache: dict[tuple[str, str], tuple[float, ChannelAccount | None]] = {}


def webhook_account(kind: str, slug: str) -> ChannelAccount | None:
    """The active account of a webhook URL, kept per process for a few seconds (every webhook needs it)."""
    now = time.monotonic()
    cached = _account_cache.get((kind, slug))
    if cached is not None and now - cached[0] < ACCOUNT_CACHE_SECONDS:
        return cached[1]
    account = (
        ChannelAccount.objects.select_related("office")
        .filter(kind=kind, slug=slug, is_active=True)
        .order_by("pk")
        .first()
    )
    _account_cache[(kind, slug)] = (now, account)
    return account


def webhook_account_cache_clear() -> None:
    _account_cache.clear()


# --- Inbound -------------------------------------------------------------------------------------------------
def _enqueue_processing(event_ids: list[int]) -> None:
    from .tasks import process_inbound

    def send() -> None:
        for event_id in event_ids:
            try:
                process_inbound.delay(event_id)
            except Exception:  # broker down: the periodic re-drive picks the event up later
                logger.warning("broker unreachable; inbound event %s left for the re-drive", event_id)

    transaction.on_commit(send)


def inbound_events_store(*, account: ChannelAccount, messages: list[InboundMessage]) -> list[int]:
    """Write new messages to the inbound log in one statement; duplicates (same account and platform id, in
    this batch or already logged, also from a concurrent delivery) are skipped. Queues the processing of the
    new events on commit and returns their ids.
    """
    if not messages:
        return []
    fresh: dict[str, InboundMessage] = {}
    for message in messages:
        fresh.setdefault(message.dedupe_key, message)
    table = InboundEvent._meta.db_table
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(fresh))
    params: list = []
    for key, message in fresh.items():
        params += [account.pk, key, InboundEvent.Status.PENDING, json.dumps(message.to_dict()), "", now, 0, ""]
    sql = (
        f"INSERT INTO {table} (account_id, dedupe_key, status, message, raw_body, received_at, attempts, error) "  # noqa: S608
        f"VALUES {rows} ON CONFLICT (account_id, dedupe_key) DO NOTHING RETURNING id"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        created = [row[0] for row in cursor.fetchall()]
        _enqueue_processing(created)
    return created


def inbound_invalid_store(*, account: ChannelAccount, body: bytes, error: str) -> InboundEvent:
    """A correctly signed body we cannot parse: kept for review, never dropped."""
    key = "invalid:" + hashlib.sha256(body).hexdigest()
    event, _created = InboundEvent.objects.get_or_create(
        account=account,
        dedupe_key=key,
        defaults={
            "status": InboundEvent.Status.INVALID,
            "raw_body": body.decode("utf-8", errors="replace"),
            "error": error[:2000],
        },
    )
    return event


def inbound_event_process(*, event_id: int) -> bool:
    """Turn one logged event into a message of an inquiry. Idempotent: a processed event is left alone."""
    from tickets.services import inbound_message_receive

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
        try:
            with transaction.atomic():
                inbound_message_receive(
                    account=event.account,
                    message=InboundMessage.from_dict(event.message),
                    received_at=event.received_at,
                )
        except Exception as exc:  # kept and retried by the re-drive; never lost
            logger.exception("processing inbound event %s failed", event.pk)
            event.status = InboundEvent.Status.FAILED
            event.attempts += 1
            event.error = f"{type(exc).__name__}: {exc}"[:2000]
            event.save(update_fields=["status", "attempts", "error"])
            return False
        event.status = InboundEvent.Status.PROCESSED
        event.processed_at = timezone.now()
        event.attempts += 1
        event.error = ""
        event.save(update_fields=["status", "processed_at", "attempts", "error"])
        return True


def inbound_redrive(*, older_than: timedelta = timedelta(minutes=1), limit: int = 500) -> int:
    """Process events still waiting after `older_than` (broker outage, killed worker)."""
    cutoff = timezone.now() - older_than
    ids = list(
        InboundEvent.objects.filter(
            status__in=[InboundEvent.Status.PENDING, InboundEvent.Status.FAILED],
            received_at__lte=cutoff,
            attempts__lt=20,
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for event_id in ids if inbound_event_process(event_id=event_id))


# --- Reply windows -----------------------------------------------------------------------------------------
FREE_FORM_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class ReplyWindow:
    """Whether the platform still accepts a free-form reply, and how (Meta's and WhatsApp's 24-hour rule)."""

    allowed: bool
    tag: str = ""
    closes_at: datetime | None = None
    reason: str = ""


def reply_window(*, kind: str, channel: str, last_inbound_at: datetime | None, now: datetime) -> ReplyWindow:
    if kind not in (ChannelKind.META, ChannelKind.WHATSAPP) or last_inbound_at is None:
        return ReplyWindow(allowed=True)
    free_until = last_inbound_at + FREE_FORM_WINDOW
    if now < free_until:
        return ReplyWindow(allowed=True, closes_at=free_until)
    if kind == ChannelKind.META:
        agent_until = last_inbound_at + HUMAN_AGENT_WINDOW
        if now < agent_until:
            return ReplyWindow(allowed=True, tag="HUMAN_AGENT", closes_at=agent_until)
        return ReplyWindow(
            allowed=False,
            closes_at=agent_until,
            reason=_(
                "Meta accepts replies only within 7 days of the requester's last message (HUMAN_AGENT tag); "
                "that window closed on %(at)s."
            )
            % {"at": timezone.localtime(agent_until).strftime("%d-%m-%Y %H:%M")},
        )
    return ReplyWindow(
        allowed=False,
        closes_at=free_until,
        reason=_(
            "WhatsApp accepts free-form replies only within 24 hours of the requester's last message; "
            "that window closed on %(at)s."
        )
        % {"at": timezone.localtime(free_until).strftime("%d-%m-%Y %H:%M")},
    )


def inquiry_reply_window(inquiry, *, now: datetime | None = None) -> ReplyWindow:
    return reply_window(
        kind=inquiry.account.kind,
        channel=inquiry.requester.channel,
        last_inbound_at=inquiry.last_inbound_at,
        now=now or timezone.now(),
    )


# --- Outbox --------------------------------------------------------------------------------------------------
def outbox_enqueue(*, message, tag: str = "") -> OutboundMessage:
    """Put an outbound message in the outbox (inside the caller's transaction); deliver after commit.

    Refuses (ValidationError) what the platform would refuse: a reply outside its reply window.
    """
    from .tasks import deliver_outbound

    inquiry = message.inquiry
    requester = inquiry.requester
    window = inquiry_reply_window(inquiry)
    if not window.allowed:
        raise ValidationError({"text": window.reason})
    tag = tag or window.tag
    outbound = OutboundMessage.objects.create(
        message=message,
        account=inquiry.account,
        recipient_id=requester.reply_to_id or requester.external_id,
        tag=tag,
        next_attempt_at=timezone.now(),
    )

    def send() -> None:
        try:
            deliver_outbound.delay(outbound.pk)
        except Exception:
            logger.warning("broker unreachable; outbound %s left for the re-drive", outbound.pk)

    transaction.on_commit(send)
    return outbound


@dataclass(frozen=True)
class DeliveryOutcome:
    status: str
    retry_in: float | None = None


def backoff_seconds(attempt: int) -> float:
    return min(30.0 * (2 ** max(attempt - 1, 0)), 3600.0)


def outbox_deliver(*, outbound_id: int, now: datetime | None = None) -> DeliveryOutcome:
    """Send one outbox entry through its adapter and record the result."""
    from tickets.services import message_delivered

    now = now or timezone.now()
    claimed = (
        OutboundMessage.objects.filter(pk=outbound_id, status=OutboundMessage.Status.QUEUED)
        .exclude(lease_until__gt=now)
        .update(lease_until=now + LEASE)
    )
    if not claimed:
        return DeliveryOutcome("skipped")
    outbound = OutboundMessage.objects.select_related("account", "message__inquiry__requester").get(pk=outbound_id)
    requester = outbound.message.inquiry.requester
    adapter = get_adapter(outbound.account.kind)
    creds = account_credentials(outbound.account, external_id=requester.reply_from_id)
    attempts = outbound.attempts + 1
    already_sent = list(outbound.platform_ids)  # chunks of a long text that went out in an earlier attempt
    try:
        result = adapter.send_text(
            creds,
            outbound.recipient_id,
            outbound.message.text,
            base_url=base_url_for(outbound.account.kind),
            timeout=settings.CHANNEL_HTTP_TIMEOUT,
            tag=outbound.tag or None,
            skip=len(already_sent),
        )
    except TransientSendError as exc:
        sent = already_sent + list(exc.sent_platform_ids)
        if attempts >= MAX_SEND_ATTEMPTS:
            return _delivery_failed(outbound, attempts, exc.reason, sent)
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
        return _delivery_failed(outbound, attempts, exc.reason, already_sent + list(exc.sent_platform_ids))

    sent_at = timezone.now()
    with transaction.atomic():
        OutboundMessage.objects.filter(pk=outbound.pk).update(
            status=OutboundMessage.Status.SENT,
            attempts=attempts,
            platform_ids=already_sent + list(result.platform_ids),
            sent_at=sent_at,
            last_error="",
            lease_until=None,
        )
        first_id = next(iter(already_sent + list(result.platform_ids)), "")
        if first_id:
            type(outbound.message).objects.filter(pk=outbound.message_id).update(platform_id=first_id)
        message_delivered(message=outbound.message, at=sent_at)
    return DeliveryOutcome("sent")


def _delivery_failed(outbound: OutboundMessage, attempts: int, reason: str, sent: list[str]) -> DeliveryOutcome:
    with transaction.atomic():
        OutboundMessage.objects.filter(pk=outbound.pk).update(
            status=OutboundMessage.Status.FAILED,
            attempts=attempts,
            last_error=reason[:2000],
            lease_until=None,
            platform_ids=sent,
        )
        inquiry = outbound.message.inquiry
        audit_record(
            action="outbound.failed",
            obj=inquiry,
            office_code=outbound.account.office.code,
            changes={"message": outbound.message_id, "reason": reason[:500], "attempts": attempts},
        )
    return DeliveryOutcome("failed")


def outbox_redrive(*, limit: int = 500) -> list[int]:
    now = timezone.now()
    return list(
        OutboundMessage.objects.filter(status=OutboundMessage.Status.QUEUED, next_attempt_at__lte=now)
        .exclude(lease_until__gt=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


# --- Web chat ------------------------------------------------------------------------------------------------
def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def webchat_account_for_office(office_code: str) -> ChannelAccount:
    account = (
        ChannelAccount.objects.select_related("office")
        .filter(office__code=office_code, kind=ChannelKind.WEBCHAT, is_active=True, office__is_active=True)
        .order_by("pk")
        .first()
    )
    if account is None:
        raise ValidationError({"office": _("This office has no web chat.")})
    return account


@transaction.atomic
def webchat_session_start(
    *,
    account: ChannelAccount,
    name: str = "",
    email: str = "",
    phone: str = "",
    language: str = "id",
    ip_address: str | None = None,
) -> tuple[WebchatSession, str]:
    """Open a web-chat session: a requester of its own and a token for the browser to keep."""
    from tickets.models import Requester

    token = secrets.token_urlsafe(32)
    requester = Requester.objects.create(
        account=account,
        external_id=f"web-{uuid.uuid4().hex}",
        display_name=name.strip()[:200],
        channel="webchat",
        contact_email=email.strip()[:254],
        contact_phone=phone.strip()[:40],
        language=language if language in dict(settings.LANGUAGES) else "id",
    )
    session = WebchatSession.objects.create(
        token_hash=_token_hash(token),
        account=account,
        requester=requester,
        language=requester.language,
        ip_address=ip_address,
    )
    return session, token


def webchat_session_for_token(token: str) -> WebchatSession | None:
    if not token:
        return None
    return (
        WebchatSession.objects.select_related("account__office", "requester")
        .filter(token_hash=_token_hash(token))
        .first()
    )


@transaction.atomic
def webchat_message_post(*, session: WebchatSession, text: str, client_id: str = ""):
    """A visitor's message: logged like any platform event, then filed at once (we are the platform).

    `client_id` makes a retried POST a no-op. Returns the stored message.
    """
    from tickets.models import Message

    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write a message first.")})
    limit = settings.WEBCHAT_MAX_MESSAGE_LENGTH
    if len(text) > limit:
        raise ValidationError({"text": _("A message is at most %(n)d characters.") % {"n": limit}})
    key = f"{session.pk}:{client_id[:100]}" if client_id else f"{session.pk}:{uuid.uuid4().hex}"
    existing = Message.objects.filter(inquiry__account=session.account, platform_id=key).first()
    if existing is not None:
        return existing
    message = InboundMessage(
        dedupe_key=key,
        sender_id=session.requester.external_id,
        sender_name=session.requester.display_name,
        text=text,
        sent_at=timezone.now(),
        recipient_id=session.account.office.code,
        channel="webchat",
    )
    try:
        with transaction.atomic():
            event = InboundEvent.objects.create(account=session.account, dedupe_key=key, message=message.to_dict())
    except IntegrityError:
        return Message.objects.filter(inquiry__account=session.account, platform_id=key).first()
    from tickets.services import inbound_message_receive

    stored = inbound_message_receive(account=session.account, message=message, received_at=event.received_at)
    InboundEvent.objects.filter(pk=event.pk).update(
        status=InboundEvent.Status.PROCESSED, processed_at=timezone.now(), attempts=1
    )
    return stored
