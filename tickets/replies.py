"""Replies to the requester: stored as messages, put in the transport's outbox, and their delivery recorded.

A reply goes out on the channel it came in on. The response or resolution target is met when the transport
reports that the platform accepted it (``reply_delivered``), not when the officer clicked send.
"""

import logging
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit.services import audit_record
from channels_intake import services as transport
from channels_intake.adapters import ReplyWindow
from channels_intake.workflow import Delivery
from offices.models import Role, StaffProfile
from sla import notifications
from sla import services as sla_services

from . import attachments, lifecycle, survey
from .identifiers import mask_text
from .models import Inquiry, Message
from .permissions import can_work_inquiry

logger = logging.getLogger(__name__)

MAX_REPLY_LENGTH = 10_000

REPLY_KINDS = {
    "answer": Message.Kind.ANSWER,
    "request_data": Message.Kind.REQUEST_DATA,
    "message": Message.Kind.MESSAGE,
}


def reply_window_for(inquiry: Inquiry, *, now: datetime | None = None) -> ReplyWindow:
    """Whether the inquiry's platform still accepts a free-form reply, with which tag, until when."""
    return transport.reply_window(
        kind=inquiry.account.kind, last_inbound_at=inquiry.last_inbound_at, now=now or timezone.now()
    )


def reply_enqueue(*, message: Message, inquiry: Inquiry, attachment: dict | None = None) -> None:
    """Put an outbound message of `inquiry` in the outbox (inside the caller's transaction), with the stored
    file `attachment` (``StoredFile.outbox_reference()``) when it carries one.

    Refuses (ValidationError) what the platform would refuse: a reply outside its reply window.
    """
    window = reply_window_for(inquiry)
    if not window.allowed:
        raise ValidationError({"text": window.reason})
    requester = inquiry.requester
    message.outbound = transport.outbox_enqueue(
        account=inquiry.account,
        recipient_id=requester.reply_to_id or requester.external_id,
        sender_id=requester.reply_from_id,
        text=message.text,
        tag=window.tag,
        attachment=attachment,
    )
    Message.objects.filter(pk=message.pk).update(outbound=message.outbound)


@transaction.atomic
def reply_send(
    *,
    inquiry: Inquiry,
    author,
    text: str,
    kind: str = "answer",
    check_office: bool = True,
    file=None,
    withheld_from=None,
) -> Message:
    """An officer's reply to the requester: stored, put in the outbox, delivered by the worker.

    A request for data (`kind="request_data"`) sets the inquiry waiting for the requester. `file` (an upload):
    a photo or PDF sent with the text where the channel takes files (``tickets.attachments``).
    """
    if check_office and not can_work_inquiry(author, inquiry):
        raise PermissionDenied(_("You cannot reply to inquiries of another office."))
    text = (text or "").strip()
    if not text and file is None:
        raise ValidationError({"text": _("Write the reply first.")})
    if len(text) > MAX_REPLY_LENGTH:
        raise ValidationError({"text": _("A reply is at most %(n)d characters.") % {"n": MAX_REPLY_LENGTH}})
    if kind not in REPLY_KINDS:
        raise ValidationError({"kind": _("Unknown reply kind %(kind)s.") % {"kind": kind}})
    inquiry = Inquiry.objects.select_for_update().select_related("office", "account", "requester").get(pk=inquiry.pk)
    if inquiry.status == Inquiry.Status.CLOSED:
        raise ValidationError({"text": _("This inquiry is closed.")})

    stored = None
    if file is not None:
        window = reply_window_for(inquiry)
        if not window.allowed:  # before the file is kept: the platform would refuse the reply anyway
            raise ValidationError({"text": window.reason})
        stored = attachments.reply_file_store(kind=inquiry.account.kind, file=file)
    now = timezone.now()
    message = Message.objects.create(
        inquiry=inquiry,
        direction=Message.Direction.OUTBOUND,
        kind=REPLY_KINDS[kind],
        author=author,
        text=text,
        withheld_from=withheld_from,
    )
    changes = {"message": message.pk, "kind": kind}
    if stored is not None:
        changes["attachment"] = attachments.reply_file_attach(message=message, stored=stored).pk
    if inquiry.assigned_to_id is None:
        inquiry.assigned_to = author
        inquiry.assigned_at = inquiry.assigned_at or now
        changes["assigned_to"] = author.get_username()
    inquiry.last_message_at = now
    if kind == "request_data":
        lifecycle.inquiry_wait(inquiry=inquiry, at=now, by=author)
    inquiry.save()
    reply_enqueue(message=message, inquiry=inquiry, attachment=stored.outbox_reference() if stored else None)
    audit_record(actor=author, action="inquiry.reply", obj=inquiry, office_code=inquiry.office.code, changes=changes)
    # The link between the requester's request and this one: grep either id in the logs to follow the message
    # from the webhook through the worker to this reply and its delivery (which logs under this request's id).
    answered = (
        Message.objects.filter(inquiry=inquiry, direction=Message.Direction.INBOUND)
        .order_by("-created_at", "-pk")
        .values_list("request_id", flat=True)
        .first()
    )
    logger.info(
        "reply %s to inquiry %s queued as outbound message %s; it answers the message filed under request %s",
        message.pk,
        inquiry.pk,
        message.outbound_id,
        answered or "-",
    )
    return message


def reply_delivered(*, message: Message, at: datetime) -> None:
    """The channel confirmed delivery of `message`: an answer meets the response target at `at`, a final
    answer the resolution target. Inside the caller's transaction."""
    if message.kind in (Message.Kind.ANSWER, Message.Kind.TICKET_NUMBER):
        target = "response"
    elif message.kind == Message.Kind.FINAL_ANSWER:
        target = "resolution"
    else:  # a request for data, an acknowledgement, the survey: no target to meet, no row to lock
        return
    inquiry = Inquiry.objects.select_for_update().select_related("office").get(pk=message.inquiry_id)
    sla_services.target_met(record=inquiry, target=target, at=at, by=message.author)


def delivery_record(*, delivery: Delivery) -> None:
    """The transport's report on one reply (``channels_intake.workflow``): sent, or finally failed."""
    message = Message.objects.select_related("inquiry__office", "author").get(outbound_id=delivery.outbound_id)
    if delivery.sent:
        first_id = next(iter(delivery.platform_ids), "")
        if first_id:
            Message.objects.filter(pk=message.pk).update(platform_id=first_id)
        reply_delivered(message=message, at=delivery.at)
        Inquiry.objects.filter(pk=message.inquiry_id, delivery_failed_at__isnull=False).update(delivery_failed_at=None)
        survey.survey_after_delivery(message=message)  # an answer delivered: the survey, once, after commit
        return
    inquiry = message.inquiry
    audit_record(
        action="outbound.failed",
        obj=inquiry,
        office_code=inquiry.office.code,
        changes={"message": message.pk, "reason": delivery.reason[:500], "attempts": delivery.attempts},
    )
    if message.kind == Message.Kind.SYSTEM:  # an automatic message (the acknowledgement): no officer's reply to redo
        return
    Inquiry.objects.filter(pk=inquiry.pk).update(delivery_failed_at=delivery.at)
    _alert_failed_delivery(message=message, inquiry=inquiry, reason=delivery.reason, at=delivery.at)


def deliveries_record(*, deliveries: list[Delivery]) -> None:
    """``delivery_record`` for outcomes reported together (a burst's acknowledgements): the delivered system
    messages, which meet no target and ask no survey, in one statement each; every other one as alone."""
    by_outbound = {delivery.outbound_id: delivery for delivery in deliveries}
    system = list(
        Message.objects.filter(outbound_id__in=list(by_outbound), kind=Message.Kind.SYSTEM).only(
            "pk", "inquiry_id", "outbound_id", "platform_id"
        )
    )
    done = set()
    delivered = []
    for message in system:
        delivery = by_outbound[message.outbound_id]
        if delivery.sent:
            message.platform_id = next(iter(delivery.platform_ids), "") or message.platform_id
            delivered.append(message)
            done.add(message.outbound_id)
    if delivered:
        Message.objects.bulk_update(delivered, ["platform_id"])
        Inquiry.objects.filter(
            pk__in={message.inquiry_id for message in delivered}, delivery_failed_at__isnull=False
        ).update(delivery_failed_at=None)
    for delivery in deliveries:
        if delivery.outbound_id not in done:
            delivery_record(delivery=delivery)


notifications.register_kind(
    "reply.failed",
    gettext_noop("Inquiry #%(id)s: your reply could not be delivered (%(reason)s). Try again or answer another way."),
)
notifications.register_kind(
    "reply.failed_at_risk",
    gettext_noop(
        "Inquiry #%(id)s: a reply by %(name)s could not be delivered (%(reason)s) and its target is %(state)s."
    ),
)


def _target_in_danger(inquiry: Inquiry, target: str, at: datetime) -> str:
    """ "breached", "at risk" or "" for the target this reply was meant to meet."""
    status = getattr(inquiry, f"{target}_status")
    if status == "breached":
        return "breached"
    at_risk_at = getattr(inquiry, f"{target}_at_risk_at")
    return "at risk" if status == "running" and at_risk_at is not None and at_risk_at <= at else ""


def _alert_failed_delivery(*, message: Message, inquiry: Inquiry, reason: str, at: datetime) -> None:
    """SLA_RULES.md: a reply that finally fails alerts its officer, and the coordinator when the target it was
    meant to meet is at risk or breached. The reason is the platform's, shortened, identifiers masked."""
    short = mask_text(reason.strip().splitlines()[0] if reason.strip() else "")[:120]
    if message.author_id:
        notifications.notify(
            users=[message.author], kind="reply.failed", params={"id": inquiry.pk, "reason": short}, inquiry=inquiry
        )
    target = "resolution" if message.kind == Message.Kind.FINAL_ANSWER else "response"
    state = _target_in_danger(inquiry, target, at)
    if not state:
        return
    coordinators = [
        profile.user
        for profile in StaffProfile.objects.filter(
            office_id=inquiry.office_id, role=Role.COORDINATOR, user__is_active=True
        ).select_related("user")
    ]
    author = message.author.get_full_name() or message.author.get_username() if message.author_id else "—"
    notifications.notify(
        users=coordinators,
        kind="reply.failed_at_risk",
        params={"id": inquiry.pk, "name": author, "reason": short, "state": notifications.term(state)},
        inquiry=inquiry,
    )


@transaction.atomic
def outbound_retry(*, message: Message, actor) -> None:
    """Send a failed reply again (the officer fixed the cause, or the platform was down)."""
    if not can_work_inquiry(actor, message.inquiry):
        raise PermissionDenied(_("You cannot retry replies of another office."))
    if message.outbound_id is None or not transport.outbox_retry(outbound_id=message.outbound_id):
        raise ValidationError(_("Only a failed reply can be sent again."))
    Inquiry.objects.filter(pk=message.inquiry_id).update(delivery_failed_at=None)  # someone acted
    audit_record(
        actor=actor,
        action="outbound.retry",
        obj=message.inquiry,
        office_code=message.inquiry.office.code,
        changes={"message": message.pk},
    )
