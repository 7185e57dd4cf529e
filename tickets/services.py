"""Writes on requesters, inquiries and messages. Each service is one transaction and writes the audit log."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from channels_intake.adapters import InboundMessage
from channels_intake.models import ChannelAccount
from sla import services as sla_services

from .models import Inquiry, Message, Requester
from .permissions import can_work_inquiry

MAX_REPLY_LENGTH = 10_000
PREVIEW_LENGTH = 200


def _preview(message: InboundMessage) -> str:
    text = " ".join(message.text.split())
    if text:
        return text[:PREVIEW_LENGTH]
    kinds = ", ".join(sorted({attachment.kind for attachment in message.attachments}))
    return f"[{kinds}]" if kinds else ""


def requester_get_or_create(*, account: ChannelAccount, message: InboundMessage) -> Requester:
    requester, created = Requester.objects.get_or_create(
        account=account,
        external_id=message.sender_id,
        defaults={
            "display_name": message.sender_name[:200],
            "channel": message.channel,
            "reply_from_id": message.recipient_id,
            "reply_to_id": message.reply_to_id or "",
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


@transaction.atomic
def inbound_message_receive(
    *, account: ChannelAccount, message: InboundMessage, received_at: datetime | None = None
) -> Message:
    """File a requester's message: into their open inquiry on this account, or a new inquiry.

    `received_at` is when we stored the message (the SLA clock starts there, not at the platform's time).
    """
    received_at = received_at or timezone.now()
    requester = requester_get_or_create(account=account, message=message)
    inquiry = (
        Inquiry.objects.select_for_update()
        .filter(requester=requester, account=account)
        .exclude(status=Inquiry.Status.CLOSED)
        .order_by("-received_at")
        .first()
    )
    created = inquiry is None
    if not created and inquiry.status == Inquiry.Status.WAITING:
        sla_services.inquiry_resume(inquiry=inquiry, at=received_at)
    if created:
        inquiry = Inquiry(
            office=account.office,
            account=account,
            requester=requester,
            received_at=received_at,
            preview=_preview(message),
        )
        sla_services.inquiry_clock_start(inquiry=inquiry)
    inquiry.last_message_at = received_at
    inquiry.last_inbound_at = received_at
    inquiry.save()

    stored = Message.objects.create(
        inquiry=inquiry,
        direction=Message.Direction.INBOUND,
        kind=Message.Kind.MESSAGE,
        text=message.text,
        attachments=[attachment_dict(a) for a in message.attachments],
        platform_id=message.dedupe_key,
        platform_sent_at=message.sent_at,
    )
    audit_record(
        actor_label="requester",
        action="inquiry.receive" if created else "inquiry.message",
        obj=inquiry,
        office_code=account.office.code,
        changes={"message": stored.pk, "channel": message.channel, "new_inquiry": created},
    )
    return stored


def attachment_dict(attachment) -> dict:
    return {
        key: value
        for key, value in (
            ("kind", attachment.kind),
            ("url", attachment.url),
            ("platform_id", attachment.platform_id),
            ("caption", attachment.caption),
            ("name", attachment.name),
            ("latitude", attachment.latitude),
            ("longitude", attachment.longitude),
        )
        if value not in ("", None)
    }


REPLY_KINDS = {
    "answer": Message.Kind.ANSWER,
    "request_data": Message.Kind.REQUEST_DATA,
    "message": Message.Kind.MESSAGE,
}


@transaction.atomic
def reply_send(*, inquiry: Inquiry, author, text: str, kind: str = "answer") -> Message:
    """An officer's reply to the requester: stored, put in the outbox, delivered by the worker.

    The response target is met when the channel confirms delivery of an answer (see `message_delivered`).
    """
    from channels_intake.services import outbox_enqueue

    if not can_work_inquiry(author, inquiry):
        raise PermissionDenied(_("You cannot reply to inquiries of another office."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the reply first.")})
    if len(text) > MAX_REPLY_LENGTH:
        raise ValidationError({"text": _("A reply is at most %(n)d characters.") % {"n": MAX_REPLY_LENGTH}})
    if kind not in REPLY_KINDS:
        raise ValidationError({"kind": _("Unknown reply kind %(kind)s.") % {"kind": kind}})
    inquiry = Inquiry.objects.select_for_update().select_related("office", "account", "requester").get(pk=inquiry.pk)
    if inquiry.status == Inquiry.Status.CLOSED:
        raise ValidationError({"text": _("This inquiry is closed.")})

    now = timezone.now()
    message = Message.objects.create(
        inquiry=inquiry, direction=Message.Direction.OUTBOUND, kind=REPLY_KINDS[kind], author=author, text=text
    )
    changes = {"message": message.pk, "kind": kind}
    if inquiry.assigned_to_id is None:
        inquiry.assigned_to = author
        changes["assigned_to"] = author.get_username()
    inquiry.last_message_at = now
    if kind == "request_data":
        sla_services.inquiry_pause(inquiry=inquiry, at=now, by=author)
    inquiry.save()
    outbox_enqueue(message=message)
    audit_record(actor=author, action="inquiry.reply", obj=inquiry, office_code=inquiry.office.code, changes=changes)
    return message


@transaction.atomic
def message_delivered(*, message: Message, at: datetime) -> None:
    """The channel confirmed delivery of `message`: an answer meets the response target at `at`."""
    inquiry = Inquiry.objects.select_for_update().select_related("office").get(pk=message.inquiry_id)
    if message.kind in (Message.Kind.ANSWER, Message.Kind.TICKET_NUMBER):
        sla_services.target_met(inquiry=inquiry, target="response", at=at, by=message.author)
    elif message.kind == Message.Kind.FINAL_ANSWER:
        sla_services.target_met(inquiry=inquiry, target="resolution", at=at, by=message.author)


@transaction.atomic
def inquiry_claim(*, inquiry: Inquiry, user) -> Inquiry:
    if not can_work_inquiry(user, inquiry):
        raise PermissionDenied(_("You cannot take inquiries of another office."))
    updated = Inquiry.objects.filter(pk=inquiry.pk, assigned_to__isnull=True).update(assigned_to=user)
    if not updated:
        current = Inquiry.objects.select_related("assigned_to").get(pk=inquiry.pk)
        if current.assigned_to_id != user.pk:
            raise ValidationError(_("Already taken by %(name)s.") % {"name": current.assigned_to.get_username()})
        return current
    audit_record(actor=user, action="inquiry.claim", obj=inquiry, office_code=inquiry.office.code)
    inquiry.assigned_to = user
    return inquiry
