"""Writes on requesters, inquiries and messages. Each service is one transaction and writes the audit log."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
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

    if created and inquiry.office.auto_assign:
        inquiry.assigned_to = pick_officer(office=inquiry.office)
        if inquiry.assigned_to is not None:
            Inquiry.objects.filter(pk=inquiry.pk).update(assigned_to=inquiry.assigned_to)
    references_detect(inquiry=inquiry, text=message.text)

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
def reply_send(*, inquiry: Inquiry, author, text: str, kind: str = "answer", check_office: bool = True) -> Message:
    """An officer's reply to the requester: stored, put in the outbox, delivered by the worker.

    The response target is met when the channel confirms delivery of an answer (see `message_delivered`).
    """
    from channels_intake.services import outbox_enqueue

    if check_office and not can_work_inquiry(author, inquiry):
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


# --- Workspace: references, assignment, notes, consultations, resolving ------------------------------------
def references_detect(*, inquiry: Inquiry, text: str) -> int:
    """Store the identity and document references found in a requester's message (validated by type)."""
    from .identifiers import detect
    from .models import RequesterReference

    found = detect(text or "")
    RequesterReference.objects.bulk_create(
        [
            RequesterReference(
                requester_id=inquiry.requester_id,
                inquiry=inquiry,
                kind=ref.kind,
                value=ref.value,
                source=RequesterReference.Source.MESSAGE,
            )
            for ref in found
        ],
        ignore_conflicts=True,
    )
    return len(found)


@transaction.atomic
def reference_add(*, inquiry: Inquiry, actor, kind: str, value: str):
    from .identifiers import InvalidReference, mask, validate
    from .models import RequesterReference

    if not can_work_inquiry(actor, inquiry):
        raise PermissionDenied(_("You cannot edit requesters of another office."))
    try:
        normalised = validate(kind, value)
    except InvalidReference as exc:
        raise ValidationError({"value": str(exc)}) from exc
    reference, _created = RequesterReference.objects.get_or_create(
        requester_id=inquiry.requester_id,
        kind=kind,
        value=normalised,
        defaults={"inquiry": inquiry, "created_by": actor},
    )
    audit_record(
        actor=actor,
        action="reference.add",
        obj=inquiry,
        office_code=inquiry.office.code,
        changes={"kind": kind, "value": mask(normalised)},
    )
    return reference


def reference_reveal(*, reference, inquiry: Inquiry, actor) -> str:
    """The full value, for an officer of the office; every reveal is in the audit log."""
    from .identifiers import mask

    if not can_work_inquiry(actor, inquiry) or reference.requester_id != inquiry.requester_id:
        raise PermissionDenied(_("You cannot see this reference."))
    audit_record(
        actor=actor,
        action="reference.reveal",
        obj=inquiry,
        office_code=inquiry.office.code,
        changes={"kind": reference.kind, "value": mask(reference.value), "reference": reference.pk},
    )
    return reference.value


OPEN_STATES = [Inquiry.Status.OPEN, Inquiry.Status.WAITING, Inquiry.Status.ESCALATED]


def pick_officer(*, office):
    """Round-robin among the office's on-duty officers, weighted by open load: the fewest open inquiries first,
    then the one assigned longest ago."""
    from django.db.models import Count, Max, Q

    from offices.models import Role, StaffProfile

    candidates = (
        StaffProfile.objects.filter(office=office, role=Role.OFFICER, on_duty=True, user__is_active=True)
        .annotate(
            load=Count("user__assigned_inquiries", filter=Q(user__assigned_inquiries__status__in=OPEN_STATES)),
            last=Max("user__assigned_inquiries__received_at"),
        )
        .select_related("user")
        .order_by("load", F("last").asc(nulls_first=True), "user_id")
    )
    first = candidates.first()
    return first.user if first else None


@transaction.atomic
def inquiry_assign(*, inquiry: Inquiry, actor, to_user) -> Inquiry:
    from offices.models import StaffProfile

    if not can_work_inquiry(actor, inquiry):
        raise PermissionDenied(_("You cannot assign inquiries of another office."))
    if to_user is not None and not StaffProfile.objects.filter(user=to_user, office_id=inquiry.office_id).exists():
        raise ValidationError({"to_user": _("Choose an officer of this office.")})
    before = inquiry.assigned_to.get_username() if inquiry.assigned_to_id else None
    Inquiry.objects.filter(pk=inquiry.pk).update(assigned_to=to_user)
    inquiry.assigned_to = to_user
    audit_record(
        actor=actor,
        action="inquiry.assign",
        obj=inquiry,
        office_code=inquiry.office.code,
        changes={"from": before, "to": to_user.get_username() if to_user else None},
    )
    return inquiry


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


@transaction.atomic
def consultation_ask(*, inquiry: Inquiry, actor, question: str, to_user=None, to_unit=None):
    from sla.models import Notification

    from .models import Consultation

    if not can_work_inquiry(actor, inquiry):
        raise PermissionDenied(_("You cannot consult on inquiries of another office."))
    question = (question or "").strip()
    if not question:
        raise ValidationError({"question": _("Write the question first.")})
    if (to_user is None) == (to_unit is None):
        raise ValidationError({"to": _("Ask one person or one unit.")})
    consultation = Consultation.objects.create(
        inquiry=inquiry, asked_by=actor, to_user=to_user, to_unit=to_unit, question=question
    )
    recipients = [to_user] if to_user else [u for u in [to_unit.coordinator, *to_unit.members.all()] if u]
    Notification.objects.bulk_create(
        Notification(
            user=user,
            inquiry=inquiry,
            kind="consultation.ask",
            text=(
                _("%(name)s asks about inquiry #%(id)s: %(q)s")
                % {"name": actor.get_username(), "id": inquiry.pk, "q": question}
            )[:300],
        )
        for user in set(recipients)
        if user != actor
    )
    audit_record(
        actor=actor,
        action="consultation.ask",
        obj=inquiry,
        office_code=inquiry.office.code,
        changes={"to": to_user.get_username() if to_user else f"unit:{to_unit.pk}"},
    )
    return consultation


def can_answer_consultation(user, consultation) -> bool:
    if getattr(user, "is_superuser", False) or consultation.to_user_id == user.pk:
        return True
    unit = consultation.to_unit
    return unit is not None and (unit.coordinator_id == user.pk or unit.members.filter(pk=user.pk).exists())


@transaction.atomic
def consultation_answer(*, consultation, actor, answer: str):
    from sla.models import Notification

    if not can_answer_consultation(actor, consultation):
        raise PermissionDenied(_("This consultation is not addressed to you."))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Write the answer first.")})
    consultation.answer, consultation.answered_by, consultation.answered_at = answer, actor, timezone.now()
    consultation.save(update_fields=["answer", "answered_by", "answered_at"])
    Notification.objects.create(
        user=consultation.asked_by,
        inquiry=consultation.inquiry,
        kind="consultation.answer",
        text=(
            _("%(name)s answered your consultation on inquiry #%(id)s.")
            % {"name": actor.get_username(), "id": consultation.inquiry_id}
        )[:300],
    )
    audit_record(
        actor=actor,
        action="consultation.answer",
        obj=consultation.inquiry,
        office_code=consultation.inquiry.office.code,
        changes={"consultation": consultation.pk},
    )
    return consultation


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
    from sla.services import TARGETS

    from .models import TargetStatus

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
        inquiry.duplicate_of = duplicate_of
        changes.update(duplicate_of=duplicate_of.pk, moved_messages=moved)
    now = timezone.now()
    for target in TARGETS:
        if getattr(inquiry, f"{target}_status") == TargetStatus.RUNNING and outcome != Inquiry.Outcome.ANSWERED:
            setattr(inquiry, f"{target}_status", TargetStatus.CANCELLED)
    inquiry.status, inquiry.outcome, inquiry.closed_at = Inquiry.Status.CLOSED, outcome, now
    inquiry.paused_at = inquiry.waiting_until = None
    inquiry.save()
    audit_record(actor=actor, action="inquiry.resolve", obj=inquiry, office_code=inquiry.office.code, changes=changes)
    return inquiry


@transaction.atomic
def outbound_retry(*, message: Message, actor) -> None:
    """Send a failed reply again (the officer fixed the cause, or the platform was down)."""
    from channels_intake.models import OutboundMessage
    from channels_intake.tasks import deliver_outbound

    if not can_work_inquiry(actor, message.inquiry):
        raise PermissionDenied(_("You cannot retry replies of another office."))
    updated = OutboundMessage.objects.filter(message=message, status=OutboundMessage.Status.FAILED).update(
        status=OutboundMessage.Status.QUEUED, next_attempt_at=timezone.now(), attempts=0, last_error=""
    )
    if not updated:
        raise ValidationError(_("Only a failed reply can be sent again."))
    outbound_id = message.outbound.pk
    audit_record(
        actor=actor,
        action="outbound.retry",
        obj=message.inquiry,
        office_code=message.inquiry.office.code,
        changes={"message": message.pk},
    )
    transaction.on_commit(lambda: deliver_outbound.delay(outbound_id))


@transaction.atomic
def canned_answer_save(
    *, actor, pk=None, title: str, body: str, tags: str = "", national: bool = False, active: bool = True
):
    """Create or edit a knowledge-base answer: coordinators and admins for their office, superusers nationally."""
    from offices.models import Role

    from .models import CannedAnswer
    from .permissions import staff_profile

    profile = staff_profile(actor)
    curator = actor.is_superuser or (profile is not None and profile.role in (Role.COORDINATOR, Role.ADMIN))
    if not curator or (national and not actor.is_superuser):
        raise PermissionDenied(_("Only coordinators and admins curate answers; national ones only head office."))
    title, body = (title or "").strip(), (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Give the answer a title.")
    if not body:
        errors["body"] = _("Write the answer.")
    if errors:
        raise ValidationError(errors)
    answer = CannedAnswer.objects.filter(pk=pk).first() if pk else CannedAnswer()
    if answer is None:
        raise ValidationError(_("No such answer."))
    if answer.pk and not actor.is_superuser and answer.office_id != profile.office_id:
        raise PermissionDenied(_("You can only edit your office's answers."))
    answer.title, answer.body, answer.tags, answer.is_active, answer.updated_by = (
        title[:200],
        body,
        (tags or "")[:300],
        active,
        actor,
    )
    answer.office = None if national else (profile.office if profile else None)
    answer.save()
    audit_record(
        actor=actor,
        action="canned.save",
        obj=answer,
        office_code=profile.office.code if profile else "",
        changes={"title": answer.title, "national": national},
    )
    return answer
