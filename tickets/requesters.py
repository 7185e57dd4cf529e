"""Requesters: members of the public as one platform account of one of our channel accounts."""

import uuid

from django.conf import settings

from channels_intake.adapters import InboundMessage
from channels_intake.models import ChannelAccount

from .models import Requester


def language_of(hint: str) -> str:
    """One of the UI's languages for a platform's language hint (`en`, `en-US`, `id`...): the product speaks
    Indonesian and English; any other or no hint is Indonesian."""
    base = (hint or "").strip().lower().replace("_", "-").split("-")[0]
    return base if base in dict(settings.LANGUAGES) else "id"


def requester_get_or_create(*, account: ChannelAccount, message: InboundMessage) -> Requester:
    """The sender of `message`, created on their first message (in the language their platform reports, e.g.
    Telegram's `language_code`); their name and our reply-from id kept current. A requester's language is not
    changed afterwards by a hint: they may have chosen it."""
    requester, created = Requester.objects.get_or_create(
        account=account,
        external_id=message.sender_id,
        defaults={
            "display_name": message.sender_name[:200],
            "channel": message.channel,
            "reply_from_id": message.recipient_id,
            "reply_to_id": message.reply_to_id or "",
            "language": language_of(message.language),
        },
    )
    changed = {}
    if message.sender_name and message.sender_name[:200] != requester.display_name:
        changed["display_name"] = message.sender_name[:200]
    if message.recipient_id and message.recipient_id != requester.reply_from_id:
        changed["reply_from_id"] = message.recipient_id
    if changed and not created:
        Requester.objects.filter(pk=requester.pk).update(**changed)
        for key, value in changed.items():
            setattr(requester, key, value)
    return requester


def requester_register(
    *, account: ChannelAccount, channel: str, name: str = "", email: str = "", phone: str = "", language: str = "id"
) -> Requester:
    """A requester who introduces themselves before writing (a web-chat visitor): a platform id of our own."""
    return Requester.objects.create(
        account=account,
        external_id=f"web-{uuid.uuid4().hex}",
        display_name=name.strip()[:200],
        channel=channel,
        contact_email=email.strip()[:254],
        contact_phone=phone.strip()[:40],
        language=language if language in dict(settings.LANGUAGES) else "id",
    )
