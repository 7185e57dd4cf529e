"""Escalation tickets: numbering, escalating an inquiry, working the ticket, the final answer, the lookup.

Services in the sense of the style guide: keyword-only, one transaction, audit log written.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit.services import audit_record
from channels_intake import services as transport
from channels_intake.accounts import email_account_for
from channels_intake.adapters.email import with_subject
from offices.models import Office, Role, StaffProfile
from offices.selectors import zone_label
from sla import notifications
from sla import services as sla_services

from . import lifecycle
from .identifiers import mask_text
from .masking import masked_excerpt
from .models import Inquiry, Message, Ticket, TicketEvent, Unit
from .numbering import code_hash, new_verification_code, ticket_number_next
from .permissions import can_work_inquiry, can_work_ticket, is_coordinator
from .replies import reply_enqueue, reply_send, reply_window_for


# --- Permissions -------------------------------------------------------------------------------------------
def _require_worker(user, ticket: Ticket) -> None:
    if not can_work_ticket(user, ticket):
        raise PermissionDenied(_("Only members of %(unit)s can work this ticket.") % {"unit": ticket.unit})


def _event(ticket: Ticket, kind: str, author, text: str = "", **changes) -> None:
    TicketEvent.objects.create(ticket=ticket, kind=kind, author=author, text=text)
    audit_record(
        actor=author,
        action=f"ticket.{kind}",
        obj=ticket,
        office_code=ticket.office.code,
        changes={"text": text[:500], **changes} if text else changes,
    )


notifications.register_masker(mask_text)  # what old notifications render from their stored sentence
notifications.register_kind("ticket.new", gettext_noop("New ticket %(number)s for %(unit)s."))
notifications.register_kind("ticket.moved", gettext_noop("Ticket %(number)s moved to %(unit)s: %(reason)s"))
notifications.register_kind("ticket.request_info", gettext_noop("%(number)s: %(unit)s asks: %(text)s"))
notifications.register_kind("ticket.approval", gettext_noop("%(number)s: a final answer awaits your approval."))
notifications.register_kind("ticket.rejected", gettext_noop("%(number)s: answer returned: %(reason)s"))


def _local(moment: datetime, office: Office) -> str:
    local = timezone.localtime(moment, ZoneInfo(office.timezone))
    return f"{formats.date_format(local, 'l j F Y H:i')} {zone_label(office.timezone)}"


# --- Escalating ----------------------------------------------------------------------------------------------
@transaction.atomic
def inquiry_escalate(*, inquiry: Inquiry, unit: Unit, summary: str, needed: str = "", actor) -> tuple[Ticket, str]:
    """Escalate to `unit`: a ticket with its number; the number goes to the requester (meeting the response
    target on delivery) and the resolution target starts. Returns the ticket and its verification code.
    """
    if not can_work_inquiry(actor, inquiry):
        raise PermissionDenied(_("You cannot escalate inquiries of another office."))
    inquiry = Inquiry.objects.select_for_update().select_related("office", "account", "requester").get(pk=inquiry.pk)
    summary = (summary or "").strip()
    errors = {}
    if not summary:
        errors["summary"] = _("Write what the unit needs to know.")
    if inquiry.status == Inquiry.Status.CLOSED:
        errors["unit"] = _("This inquiry is closed.")
    elif Ticket.objects.filter(inquiry=inquiry).exists():
        errors["unit"] = _("This inquiry is already escalated (%(number)s).") % {"number": inquiry.ticket.number}
    if not unit.is_active or not unit.offices.filter(pk=inquiry.office_id).exists():
        errors["unit"] = _("%(office)s does not escalate to this unit.") % {"office": inquiry.office}
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    day = timezone.localtime(now, ZoneInfo(inquiry.office.timezone)).date()
    number = ticket_number_next(office=inquiry.office, day=day)
    code = new_verification_code()
    ticket = Ticket.objects.create(
        number=number,
        verification_hash=code_hash(number, code),
        inquiry=inquiry,
        office=inquiry.office,
        unit=unit,
        summary=summary,
        needed=(needed or "").strip(),
        created_by=actor,
    )
    lifecycle.inquiry_escalated(inquiry=inquiry)
    if inquiry.assigned_to_id is None:
        inquiry.assigned_to = actor
        inquiry.assigned_at = inquiry.assigned_at or now
    inquiry.last_message_at = now
    inquiry.save()

    with translation.override(inquiry.requester.language or "id"):
        text = _(
            "Your question has been forwarded to %(unit)s. Ticket number: %(number)s, verification code: "
            "%(code)s. The final answer will reach you by %(due)s at the latest. You can check the ticket at "
            "%(url)s. This service is free of charge."
        ) % {
            "unit": unit.name,
            "number": number,
            "code": code,
            "due": _local(inquiry.resolution_due, inquiry.office),
            "url": f"{settings.SITE_URL.rstrip('/')}/tiket/",
        }
    message = Message.objects.create(
        inquiry=inquiry, direction=Message.Direction.OUTBOUND, kind=Message.Kind.TICKET_NUMBER, author=actor, text=text
    )
    reply_enqueue(message=message, inquiry=inquiry)
    _event(
        ticket,
        TicketEvent.Kind.STATUS,
        actor,
        _("Escalated to %(unit)s: %(summary)s") % {"unit": unit.name, "summary": summary},
        unit=unit.name,
        number=number,
    )
    notifications.notify(
        users=[unit.coordinator, *unit.members.all()],
        inquiry=inquiry,
        kind="ticket.new",
        params={"number": number, "unit": unit.name},
    )
    return ticket, code


# --- Working the ticket --------------------------------------------------------------------------------------
def _lock(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update()
        .select_related("unit", "office", "inquiry__requester", "inquiry__account", "inquiry__office")
        .get(pk=ticket.pk)
    )


@transaction.atomic
def ticket_take(*, ticket: Ticket, actor) -> Ticket:
    ticket = _lock(ticket)
    _require_worker(actor, ticket)
    if ticket.status == Ticket.Status.ANSWERED:
        raise ValidationError(_("This ticket is answered."))
    ticket.assigned_to = actor
    if ticket.status == Ticket.Status.OPEN:
        ticket.status = Ticket.Status.IN_PROGRESS
    ticket.save(update_fields=["assigned_to", "status"])
    _event(ticket, TicketEvent.Kind.STATUS, actor, _("Taken by %(name)s") % {"name": actor.get_username()})
    return ticket


@transaction.atomic
def ticket_comment(*, ticket: Ticket, actor, text: str) -> TicketEvent:
    ticket = _lock(ticket)
    if not (can_work_ticket(actor, ticket) or can_work_inquiry(actor, ticket.inquiry)):
        raise PermissionDenied(_("You cannot comment on this ticket."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the comment first.")})
    _event(ticket, TicketEvent.Kind.COMMENT, actor, text)
    return ticket.events.last()


@transaction.atomic
def ticket_request_info(*, ticket: Ticket, actor, text: str, ask: str = "officer") -> Ticket:
    """Ask the escalating officer (a notice) or the requester (a request for data on the original channel)."""
    ticket = _lock(ticket)
    _require_worker(actor, ticket)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write what you need.")})
    if ask not in ("officer", "requester"):
        raise ValidationError({"ask": _("Ask the officer or the requester.")})
    if ask == "requester":
        reply_send(inquiry=ticket.inquiry, author=actor, text=text, kind="request_data", check_office=False)
    else:
        officers = (
            [ticket.inquiry.assigned_to]
            if ticket.inquiry.assigned_to_id
            else [
                p.user
                for p in StaffProfile.objects.filter(office=ticket.office, role=Role.OFFICER).select_related("user")
            ]
        )
        notifications.notify(
            users=officers,
            inquiry=ticket.inquiry,
            kind="ticket.request_info",
            params={"number": ticket.number, "unit": ticket.unit.name, "text": masked_excerpt(text)},
        )
    ticket.status = Ticket.Status.WAITING_INFO
    ticket.save(update_fields=["status"])
    _event(ticket, TicketEvent.Kind.REQUEST_INFO, actor, text, ask=ask)
    return ticket


@transaction.atomic
def ticket_reassign(*, ticket: Ticket, actor, unit: Unit, reason: str) -> Ticket:
    ticket = _lock(ticket)
    _require_worker(actor, ticket)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the ticket moves to another unit.")})
    if unit.pk == ticket.unit_id or not unit.is_active:
        raise ValidationError({"unit": _("Choose another active unit.")})
    previous = ticket.unit
    ticket.unit, ticket.assigned_to, ticket.status = unit, None, Ticket.Status.OPEN
    ticket.save(update_fields=["unit", "assigned_to", "status"])
    _event(ticket, TicketEvent.Kind.REASSIGN, actor, reason, from_unit=previous.name, to_unit=unit.name)
    notifications.notify(
        users=[unit.coordinator, *unit.members.all()],
        inquiry=ticket.inquiry,
        kind="ticket.moved",
        params={"number": ticket.number, "unit": unit.name, "reason": masked_excerpt(reason)},
    )
    return ticket


@transaction.atomic
def ticket_answer(*, ticket: Ticket, actor, text: str) -> Ticket:
    """The final answer. Where the unit requires it, a member's answer waits for the coordinator's approval."""
    ticket = _lock(ticket)
    _require_worker(actor, ticket)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the final answer first.")})
    if ticket.status == Ticket.Status.ANSWERED:
        raise ValidationError({"text": _("This ticket is already answered.")})
    if ticket.unit.requires_approval and not is_coordinator(actor, ticket.unit):
        ticket.draft_answer, ticket.draft_by, ticket.status = text, actor, Ticket.Status.AWAITING_APPROVAL
        ticket.save(update_fields=["draft_answer", "draft_by", "status"])
        _event(ticket, TicketEvent.Kind.DRAFT, actor, text)
        notifications.notify(
            users=[ticket.unit.coordinator],
            inquiry=ticket.inquiry,
            kind="ticket.approval",
            params={"number": ticket.number},
        )
        return ticket
    return _deliver_final(ticket, actor, text)


@transaction.atomic
def ticket_approve(*, ticket: Ticket, actor, approve: bool = True, reason: str = "") -> Ticket:
    ticket = _lock(ticket)
    if not is_coordinator(actor, ticket.unit):
        raise PermissionDenied(_("Only the unit's coordinator approves final answers."))
    if ticket.status != Ticket.Status.AWAITING_APPROVAL or not ticket.draft_answer:
        raise ValidationError(_("No answer awaits approval."))
    if not approve:
        ticket.status = Ticket.Status.IN_PROGRESS
        ticket.save(update_fields=["status"])
        _event(ticket, TicketEvent.Kind.REJECTION, actor, reason)
        notifications.notify(
            users=[ticket.draft_by],
            inquiry=ticket.inquiry,
            kind="ticket.rejected",
            params={"number": ticket.number, "reason": masked_excerpt(reason)},
        )
        return ticket
    ticket.approved_by = actor
    ticket.save(update_fields=["approved_by"])
    _event(ticket, TicketEvent.Kind.APPROVAL, actor)
    return _deliver_final(ticket, ticket.draft_by or actor, ticket.draft_answer)


def _deliver_final(ticket: Ticket, author, text: str) -> Ticket:
    """Send the final answer on the original channel; where it cannot go any more, use the requester's e-mail
    or leave it for the public lookup, and say so on the ticket."""
    inquiry = (
        Inquiry.objects.select_for_update().select_related("office", "account", "requester").get(pk=ticket.inquiry_id)
    )
    now = timezone.now()
    message = Message.objects.create(
        inquiry=inquiry, direction=Message.Direction.OUTBOUND, kind=Message.Kind.FINAL_ANSWER, author=author, text=text
    )
    window = reply_window_for(inquiry, now=now)
    requester = inquiry.requester
    if window.allowed:
        reply_enqueue(message=message, inquiry=inquiry)
        note = ""
    elif requester.contact_email:
        # Through the outbox like every channel: retried, with a status; the resolution target is met when the
        # mail server accepts it (replies.delivery_record), not now.
        outbound = transport.outbox_enqueue(
            account=email_account_for(inquiry.office),
            recipient_id=requester.contact_email,
            sender_id="",
            text=_final_answer_mail(ticket.number, text, requester.language),
        )
        Message.objects.filter(pk=message.pk).update(outbound=outbound)
        note = _("The channel no longer accepts replies (%(reason)s); the answer goes by e-mail to %(email)s.") % {
            "reason": window.reason,
            "email": requester.contact_email,
        }
    else:
        fallback = requester.contact_phone and _(
            "call %(phone)s",
        ) % {"phone": requester.contact_phone}
        note = _(
            "The channel no longer accepts replies (%(reason)s). The answer is published for the public lookup; "
            "%(fallback)s."
        ) % {"reason": window.reason, "fallback": fallback or _("no other contact was given")}
    ticket.final_answer, ticket.answered_at, ticket.status, ticket.delivery_note = (
        text,
        now,
        Ticket.Status.ANSWERED,
        note[:300],
    )
    ticket.save(update_fields=["final_answer", "answered_at", "status", "delivery_note"])
    lifecycle.inquiry_close(inquiry=inquiry, outcome=Inquiry.Outcome.ANSWERED, at=now)
    inquiry.last_message_at = now
    inquiry.save(update_fields=["status", "outcome", "closed_at", "last_message_at", "paused_at", "waiting_until"])
    _event(ticket, TicketEvent.Kind.ANSWER, author, text, delivery=note or "channel")
    return ticket


def _final_answer_mail(number: str, text: str, language: str = "") -> str:
    """The outbox text of the final answer's e-mail (subject line, then body), in the requester's language.
    E-mail is no private channel: identifiers in the answer go masked (the requester has them in full)."""
    with translation.override(language or "id"):
        subject = _("Answer to your question (ticket %(number)s)") % {"number": number}
    return with_subject(subject, mask_text(text))


@transaction.atomic
def ticket_mark_delivered(*, ticket: Ticket, actor, how: str) -> Ticket:
    """The final answer reached the requester another way (a phone call): meets the resolution target now."""
    ticket = _lock(ticket)
    if not (can_work_ticket(actor, ticket) or can_work_inquiry(actor, ticket.inquiry)):
        raise PermissionDenied(_("You cannot update this ticket."))
    if ticket.status != Ticket.Status.ANSWERED:
        raise ValidationError(_("The ticket has no final answer yet."))
    how = (how or "").strip()
    if not how:
        raise ValidationError({"how": _("Say how the answer reached the requester.")})
    inquiry = Inquiry.objects.select_for_update().select_related("office").get(pk=ticket.inquiry_id)
    sla_services.target_met(record=inquiry, target="resolution", at=timezone.now(), by=actor)
    ticket.delivery_note = (_("Delivered: %(how)s") % {"how": how})[:300]
    ticket.save(update_fields=["delivery_note"])
    _event(ticket, TicketEvent.Kind.STATUS, actor, ticket.delivery_note)
    return ticket
