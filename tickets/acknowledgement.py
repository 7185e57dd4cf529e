"""The automatic acknowledgement on social channels (clauses a.3, a.4; UU 27/2022 notice).

The web chat shows its promise and the privacy notice in the widget. A requester who writes by Messenger,
Instagram, WhatsApp, X or Telegram sees neither, so a new inquiry from such a channel is acknowledged at once on
that channel: that we received the message, when the answer comes at the latest and why (the same sentences as
the widget's, ``tickets.promise``), and, in the first acknowledgement a requester ever gets, the link to the
privacy notice (what we keep, why, for how long, how to ask for a copy or erasure).

The acknowledgement is a system message of the thread, sent through the outbox like every reply; it is not an
answer, so it never meets, starts or pauses a target (``tickets.replies.reply_delivered`` ignores it), and a
failed one alerts nobody (there is no officer's reply to redo). Switched off with ``SOCIAL_ACKNOWLEDGEMENT=0``.
"""

import logging
from functools import lru_cache

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from channels_intake import services as transport
from channels_intake.adapters import webhook_kinds

from .models import Inquiry, Message, Requester
from .promise import inquiry_promise
from .replies import reply_enqueue, reply_window_for

logger = logging.getLogger(__name__)


def acknowledges(kind: str) -> bool:
    """Whether inquiries arriving on a channel of this platform are acknowledged (the platforms that send webhooks:
    the social channels; not the web chat, whose widget shows the promise, nor the e-mail fallback)."""
    if not getattr(settings, "SOCIAL_ACKNOWLEDGEMENT", True):
        return False
    return kind in webhook_kinds()


def privacy_url() -> str:
    return _privacy_url(settings.SITE_URL)


@lru_cache(maxsize=8)
def _privacy_url(site_url: str) -> str:  # one reverse() per process, not one per acknowledgement of a burst
    return f"{site_url.rstrip('/')}{reverse('privacy')}"


def acknowledgement_text(*, inquiry: Inquiry, with_privacy: bool, calendar=None, policy=None) -> str:
    """The acknowledgement in the requester's language: the promise, then (the first time) the privacy notice.
    ``calendar`` and ``policy``: the office's, when the caller has them loaded already."""
    with translation.override(inquiry.requester.language or "id"):
        promise = inquiry_promise(inquiry, calendar=calendar, policy=policy)["acknowledgement"] or _(
            "We have received your message."
        )
        parts = [promise, _("This service is free of charge.")]
        if with_privacy:
            parts.append(
                _(
                    "We use your personal data only to answer you and keep it for a limited time. How we handle it, "
                    "and how to ask for a copy or its erasure: %(url)s"
                )
                % {"url": privacy_url()}
            )
        return "\n\n".join(parts)


def _minute(moment):
    return moment.replace(second=0, microsecond=0) if moment is not None else None


def _text_key(inquiry: Inquiry, with_privacy: bool, calendar) -> tuple | None:
    """Everything ``acknowledgement_text`` reads of an inquiry, at the minute its labels show (``inquiry_promise``:
    the due time, the late arrival's closing of that day, the opening an inquiry from outside hours waits for;
    the offices' zones are whole hours from UTC, so a UTC minute is a local one); None without the calendar."""
    if calendar is None:
        return None
    start = inquiry.effective_start
    waits = start if start and start > inquiry.received_at else None
    return (
        inquiry.requester.language or "id",
        with_privacy,
        inquiry.office_id,
        inquiry.paused_at is None,
        _minute(inquiry.response_due),
        calendar.localize(inquiry.received_at).date() if inquiry.late_arrival else None,
        _minute(waits),
    )


def acknowledgement_send(*, inquiry: Inquiry) -> Message | None:
    """Acknowledge a new inquiry on its social channel (inside the filing transaction, after the requester's
    message is stored). None when the channel is not acknowledged or its reply window is closed."""
    if not acknowledges(inquiry.account.kind):
        return None
    if not reply_window_for(inquiry).allowed:
        return None
    requester = inquiry.requester
    first = requester.privacy_notice_at is None
    message = Message.objects.create(
        inquiry=inquiry,
        direction=Message.Direction.OUTBOUND,
        kind=Message.Kind.SYSTEM,
        text=acknowledgement_text(inquiry=inquiry, with_privacy=first),
    )
    reply_enqueue(message=message, inquiry=inquiry)
    if first:
        now = timezone.now()
        Requester.objects.filter(pk=requester.pk, privacy_notice_at__isnull=True).update(privacy_notice_at=now)
        requester.privacy_notice_at = now
    return message


def acknowledgements_prepare(
    *, inquiries: list[Inquiry], calendar=None, policy=None, request_ids=None
) -> dict[int, Message]:
    """``acknowledgement_send`` for the new inquiries of one office filed together (``tickets.filing``): their
    outbox entries (one INSERT) and the requesters' privacy-notice moments (one UPDATE); the messages come back
    unsaved, by inquiry id, for the caller to store in the thread's order (after each inquiry's first message).
    ``request_ids``: the webhook's request id per inquiry id (the entry logs under it)."""
    request_ids = request_ids or {}
    due = [inquiry for inquiry in inquiries if acknowledges(inquiry.account.kind) and reply_window_for(inquiry).allowed]
    if not due:
        return {}
    first_time = {inquiry.requester_id for inquiry in due if inquiry.requester.privacy_notice_at is None}
    texts, shared = [], {}  # a burst's inquiries of one minute get one text: it is formatted once
    for inquiry in due:
        with_privacy = inquiry.requester_id in first_time
        key = _text_key(inquiry, with_privacy, calendar)
        text = shared.get(key) if key is not None else None
        if text is None:
            text = acknowledgement_text(inquiry=inquiry, with_privacy=with_privacy, calendar=calendar, policy=policy)
            if key is not None:
                shared[key] = text
        texts.append(text)
    entries = []
    for inquiry, text in zip(due, texts, strict=True):
        requester = inquiry.requester
        entries.append(
            transport.OutboxEntry(
                account=inquiry.account,
                recipient_id=requester.reply_to_id or requester.external_id,
                sender_id=requester.reply_from_id,
                text=text,
                tag=reply_window_for(inquiry).tag,
                request_id=request_ids.get(inquiry.pk, ""),
            )
        )
    outbound = transport.outbox_enqueue_many(entries)
    if first_time:
        now = timezone.now()
        Requester.objects.filter(pk__in=first_time, privacy_notice_at__isnull=True).update(privacy_notice_at=now)
        for inquiry in due:
            if inquiry.requester_id in first_time:
                inquiry.requester.privacy_notice_at = now
    return {
        inquiry.pk: Message(
            inquiry=inquiry,
            direction=Message.Direction.OUTBOUND,
            kind=Message.Kind.SYSTEM,
            text=text,
            outbound=entry,
            request_id=request_ids.get(inquiry.pk, ""),
        )
        for inquiry, text, entry in zip(due, texts, outbound, strict=True)
    }
