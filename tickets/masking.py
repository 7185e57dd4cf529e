"""Identifiers in what requesters (and officers quoting them) write, masked wherever text is shown by default
(clause a.1.2): lists, previews, notifications, e-mail, exports, API lists, admin lists and the thread itself.

The full text of a message is shown only when an officer of the inquiry's office asks for it (`message_reveal`),
and every such view is in the audit log: who, which inquiry and message, when (the event's time).
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from audit.services import audit_record

from .identifiers import mask_text
from .models import Message
from .permissions import can_work_inquiry


def masked(text: str | None) -> str:
    """``text`` with its identifiers masked; "" for nothing."""
    return mask_text(text) if text else ""


def masked_excerpt(text: str | None, limit: int = 200) -> str:
    """Free text as a notification or a list line shows it: identifiers masked, on one line, cut to `limit`
    (masked before it is cut, so a cut never leaves part of an identifier readable)."""
    text = masked(" ".join((text or "").split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def has_identifiers(text: str | None) -> bool:
    return bool(text) and mask_text(text) != text


def can_reveal(user, inquiry) -> bool:
    """Officers (and the other working roles) of the inquiry's own office; a consulted colleague or a unit member
    of another office sees the text masked."""
    return can_work_inquiry(user, inquiry)


def message_reveal(*, message: Message, actor) -> str:
    """The full text of one message, for an officer of the inquiry's office; the reveal is audited."""
    inquiry = message.inquiry
    if not can_reveal(actor, inquiry):
        raise PermissionDenied(_("You cannot see this message in full."))
    audit_record(
        actor=actor,
        action="message.reveal",
        obj=inquiry,
        office_code=inquiry.office.code,
        changes={"message": message.pk, "direction": message.direction},
    )
    return message.text
