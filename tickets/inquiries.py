"""Inquiries: filing a requester's message, assignment, internal notes, resolving.

Each service is one transaction and writes the audit log; status changes go through ``tickets.lifecycle``.
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, Q, Value, Window
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from channels_intake.adapters import InboundMessage
from channels_intake.models import ChannelAccount
from offices.models import Role, StaffProfile

from . import lifecycle
from .acknowledgement import acknowledgement_send
from .attachments import attachments_from_inbound
from .identifiers import mask_text
from .models import OPEN_STATUSES, Inquiry, Message, Requester
from .permissions import can_work_inquiry
from .references import references_detect
from .requesters import requester_get_or_create
from .survey import survey_after_close, survey_reply_receive

PREVIEW_LENGTH = 200


def _preview(message: InboundMessage) -> str:
    """The first line shown in lists and the API: identifiers masked (clause a.1.2)."""
    text = " ".join(message.text.split())
    if text:
        return mask_text(text)[:PREVIEW_LENGTH]
    kinds = ", ".join(sorted({attachment.kind for attachment in message.attachments}))
    return f"[{kinds}]" if kinds else ""


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


def inbound_message(*, inquiry: Inquiry, message: InboundMessage, request_id: str | None = None) -> Message:
    """The requester's message as the thread keeps it, unsaved (``request_id``: the webhook's, else the current)."""
    stored = Message(
        inquiry=inquiry,
        direction=Message.Direction.INBOUND,
        kind=Message.Kind.MESSAGE,
        text=message.text,
        attachments=[attachment_dict(a) for a in message.attachments],
        platform_id=message.dedupe_key,
        platform_sent_at=message.sent_at,
    )
    if request_id is not None:
        stored.request_id = request_id
    return stored


@transaction.atomic
def inbound_message_receive(
    *, account: ChannelAccount, message: InboundMessage, received_at: datetime | None = None, acknowledge: bool = True
) -> Message:
    """File a requester's message: into their open inquiry on this account, or a new inquiry (acknowledged on a
    social channel, ``tickets.acknowledgement``, unless `acknowledge` is False: the demo's history).

    `received_at` is when we stored the message (the SLA clock starts there, not at the platform's time).
    Called once per logged inbound event (the log's unique key and its row lock make a delivery count once).
    """
    received_at = received_at or timezone.now()
    requester = requester_get_or_create(account=account, message=message)
    # Locked: a batch filing another message of theirs (``tickets.filing``) and this call take turns, so only one
    # of them opens their inquiry.
    list(Requester.objects.select_for_update().filter(pk=requester.pk).values_list("pk"))
    rated = survey_reply_receive(requester=requester, message=message, received_at=received_at)
    if rated is not None:  # the answer to their satisfaction survey, filed in the surveyed inquiry
        return rated
    inquiry = lifecycle.open_inquiry_of(requester=requester, account=account)
    created = inquiry is None
    if created:
        inquiry = lifecycle.inquiry_open(
            account=account, requester=requester, received_at=received_at, preview=_preview(message)
        )
        if inquiry.office.auto_assign:
            inquiry.assigned_to, on_duty = pick_officer(office=inquiry.office, with_count=True)
        else:
            inquiry.assigned_to, on_duty = None, officers_on_duty(office=inquiry.office)
        inquiry.on_duty_at_receipt = min(on_duty, 32767)
        fields = {"on_duty_at_receipt": inquiry.on_duty_at_receipt}
        if inquiry.assigned_to is not None:
            inquiry.assigned_at = received_at
            fields.update(assigned_to=inquiry.assigned_to, assigned_at=received_at)
        Inquiry.objects.filter(pk=inquiry.pk).update(**fields)
    else:
        if inquiry.status == Inquiry.Status.WAITING:
            lifecycle.inquiry_resume(inquiry=inquiry, at=received_at)
        inquiry.last_message_at = received_at
        inquiry.last_inbound_at = received_at
        inquiry.save()
    references_detect(inquiry=inquiry, text=message.text)

    stored = inbound_message(inquiry=inquiry, message=message)
    stored.save()
    attachments_from_inbound(message=stored, inbound=message, account=account)
    if created and acknowledge:
        acknowledgement_send(inquiry=inquiry)
    audit_record(
        actor_label="requester",
        action="inquiry.receive" if created else "inquiry.message",
        obj=inquiry,
        office_code=account.office.code,
        changes={"message": stored.pk, "channel": message.channel, "new_inquiry": created},
    )
    return stored


# --- Assignment ----------------------------------------------------------------------------------------------
def _on_duty(office):
    return StaffProfile.objects.filter(office=office, role=Role.OFFICER, on_duty=True, user__is_active=True)


def officers_on_duty(*, office) -> int:
    return _on_duty(office).count()


def first_assigned(at: datetime):
    """For an update that assigns: keeps the first assignment's moment (``Inquiry.assigned_at``)."""
    return Coalesce(F("assigned_at"), Value(at))


def officers_by_load(office):
    """The office's on-duty officers' staff profiles with their open load (`load`) and their latest assigned
    receipt (`last`), in the order the round-robin takes them: the fewest open inquiries first, then the one
    assigned longest ago."""
    return (
        _on_duty(office)
        .annotate(
            load=Count("user__assigned_inquiries", filter=Q(user__assigned_inquiries__status__in=OPEN_STATUSES)),
            last=Max("user__assigned_inquiries__received_at"),
        )
        .order_by("load", F("last").asc(nulls_first=True), "user_id")
    )


def pick_officer(*, office, with_count: bool = False):
    """Round-robin among the office's on-duty officers, weighted by open load: the fewest open inquiries first,
    then the one assigned longest ago. With `with_count`: (the officer or None, how many are on duty)."""
    candidates = officers_by_load(office).select_related("user")
    if with_count:
        ranked = list(candidates.annotate(duty_count=Window(Count("pk")))[:1])
        return (ranked[0].user, ranked[0].duty_count) if ranked else (None, 0)
    first = candidates.first()
    return first.user if first else None


@transaction.atomic
def inquiry_claim(*, inquiry: Inquiry, user) -> Inquiry:
    if not can_work_inquiry(user, inquiry):
        raise PermissionDenied(_("You cannot take inquiries of another office."))
    updated = Inquiry.objects.filter(pk=inquiry.pk, assigned_to__isnull=True).update(
        assigned_to=user, assigned_at=first_assigned(timezone.now())
    )
    if not updated:
        current = Inquiry.objects.select_related("assigned_to").get(pk=inquiry.pk)
        if current.assigned_to_id != user.pk:
            raise ValidationError(_("Already taken by %(name)s.") % {"name": current.assigned_to.get_username()})
        return current
    audit_record(actor=user, action="inquiry.claim", obj=inquiry, office_code=inquiry.office.code)
    inquiry.assigned_to = user
    return inquiry


@transaction.atomic
def inquiry_assign(*, inquiry: Inquiry, actor, to_user) -> Inquiry:
    if not can_work_inquiry(actor, inquiry):
        raise PermissionDenied(_("You cannot assign inquiries of another office."))
    if to_user is not None and not StaffProfile.objects.filter(user=to_user, office_id=inquiry.office_id).exists():
        raise ValidationError({"to_user": _("Choose an officer of this office.")})
    before = inquiry.assigned_to.get_username() if inquiry.assigned_to_id else None
    if to_user is None:
        Inquiry.objects.filter(pk=inquiry.pk).update(assigned_to=None)
    else:
        Inquiry.objects.filter(pk=inquiry.pk).update(assigned_to=to_user, assigned_at=first_assigned(timezone.now()))
    inquiry.assigned_to = to_user
    audit_record(
        actor=actor,
        action="inquiry.assign",
        obj=inquiry,
        office_code=inquiry.office.code,
        changes={"from": before, "to": to_user.get_username() if to_user else None},
    )
    return inquiry


# --- Notes ---------------------------------------------------------------------------------------------------
@transaction.atomic
def note_add(*, inquiry: Inquiry, actor, text: str) -> Message:
    if not can_work_inquiry(actor, inquiry):
        raise PermissionDenied(_("You cannot write in inquiries of another office."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the note first.")})
    message = Message.objects.create(
        inquiry=inquiry, direction=Message.Direction.INTERNAL, kind=Message.Kind.NOTE, author=actor, text=text
    )
    audit_record(
        actor=actor,
        action="inquiry.note",
        obj=inquiry,
        office_code=inquiry.office.code,
        changes={"message": message.pk},
    )
    return message


# --- Resolving -----------------------------------------------------------------------------------------------
RESOLVE_OUTCOMES = {
    Inquiry.Outcome.ANSWERED,
    Inquiry.Outcome.NO_REPLY,
    Inquiry.Outcome.NOT_REQUEST,
    Inquiry.Outcome.DUPLICATE,
}


@transaction.atomic
def inquiry_resolve(*, inquiry: Inquiry, actor, outcome: str, duplicate_of: Inquiry | None = None) -> Inquiry:
    """Close with an outcome. A duplicate is merged: its messages move into the other inquiry of the same office.

    "Not a request" and "no reply" close the running targets as not counted; "answered" needs a delivered
    answer first (the response target met), so the standard cannot be met by a click.
    """
    if not can_work_inquiry(actor, inquiry):
        raise PermissionDenied(_("You cannot close inquiries of another office."))
    inquiry = Inquiry.objects.select_for_update().select_related("office").get(pk=inquiry.pk)
    if inquiry.status == Inquiry.Status.CLOSED:
        raise ValidationError({"outcome": _("This inquiry is already closed.")})
    if outcome not in RESOLVE_OUTCOMES:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    if (
        outcome == Inquiry.Outcome.ANSWERED
        and not Message.objects.filter(
            inquiry=inquiry, kind__in=[Message.Kind.ANSWER, Message.Kind.FINAL_ANSWER], outbound__status="sent"
        ).exists()
    ):
        raise ValidationError({"outcome": _("Send an answer before closing as answered.")})
    if inquiry.status == Inquiry.Status.ESCALATED and outcome == Inquiry.Outcome.ANSWERED:
        raise ValidationError({"outcome": _("An escalated inquiry closes with the ticket's final answer.")})
    changes = {"outcome": outcome}
    if outcome == Inquiry.Outcome.DUPLICATE:
        if duplicate_of is None or duplicate_of.pk == inquiry.pk or duplicate_of.office_id != inquiry.office_id:
            raise ValidationError({"duplicate_of": _("Choose another inquiry of this office.")})
        moved = Message.objects.filter(inquiry=inquiry).update(inquiry=duplicate_of)
        changes.update(duplicate_of=duplicate_of.pk, moved_messages=moved)
    lifecycle.inquiry_close(
        inquiry=inquiry,
        outcome=outcome,
        at=timezone.now(),
        duplicate_of=duplicate_of if outcome == Inquiry.Outcome.DUPLICATE else None,
    )
    inquiry.save()
    audit_record(actor=actor, action="inquiry.resolve", obj=inquiry, office_code=inquiry.office.code, changes=changes)
    survey_after_close(inquiry=inquiry)  # answered: the satisfaction survey, after commit (else marked skipped)
    return inquiry
