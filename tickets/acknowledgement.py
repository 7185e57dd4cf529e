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

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

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
    return f"{settings.SITE_URL.rstrip('/')}{reverse('privacy')}"


def acknowledgement_text(*, inquiry: Inquiry, with_privacy: bool) -> str:
    """The acknowledgement in the requester's language: the promise, then (the first time) the privacy notice."""
    with translation.override(inquiry.requester.language or "id"):
        promise = inquiry_promise(inquiry)["acknowledgement"] or _("We have received your message.")
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
