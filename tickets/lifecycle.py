"""The one owner of an inquiry's status: every transition lives here, each a conditional update.

    open ──ask for data──▶ waiting ──requester writes──▶ open (or escalated)
    open ──escalate──────▶ escalated ──final answer──▶ closed (answered)
    open / waiting / escalated ──resolve──▶ closed (answered, not a request, duplicate, no reply)
    waiting ──3 working days, no answer (the SLA sweep asks)──▶ closed (no reply)

A transition updates the row only if it is still in a state the transition starts from
(``filter(pk=..., status__in=...).update(...)``) and acts only when a row changed, so a repeated or racing
call is a no-op. The SLA clocks are stamped by ``sla.services`` at each step; this module never computes a
deadline. Callers hold the row lock (``select_for_update``) where they change more than the status.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from audit.models import AuditEvent
from sla import services as sla_services

from .models import OPEN_STATUSES, Inquiry

Status = Inquiry.Status


def _move(inquiry: Inquiry, *, from_: tuple[str, ...], to: str, **fields) -> bool:
    """Move the row from one of `from_` to `to` (with `fields`); mirror it on the instance when it moved."""
    moved = Inquiry.objects.filter(pk=inquiry.pk, status__in=from_).update(status=to, **fields)
    if moved:
        inquiry.status = to
        for name, value in fields.items():
            setattr(inquiry, name, value)
    return bool(moved)


def inquiry_open(*, account, requester, received_at: datetime, preview: str) -> Inquiry:
    """A new inquiry: open, with its response clock started (SLA_RULES.md, Moments and Targets)."""
    inquiry = Inquiry(
        office=account.office,
        account=account,
        requester=requester,
        received_at=received_at,
        preview=preview,
        status=Status.OPEN,
        last_message_at=received_at,
        last_inbound_at=received_at,
    )
    sla_services.clock_start(record=inquiry)
    inquiry.save()
    return inquiry


def inquiry_wait(*, inquiry: Inquiry, at: datetime, by=None) -> bool:
    """The officer asked the requester for data: waiting for them, both clocks paused. Caller saves."""
    if not _move(inquiry, from_=(Status.OPEN, Status.ESCALATED), to=Status.WAITING):
        return False
    sla_services.clock_pause(record=inquiry, at=at, by=by)
    return True


def inquiry_resume(*, inquiry: Inquiry, at: datetime) -> bool:
    """The requester wrote while we waited: back to open (escalated if a ticket runs), clocks resumed."""
    back_to = Status.ESCALATED if inquiry.resolution_status else Status.OPEN  # a resolution clock: a ticket runs
    if not _move(inquiry, from_=(Status.WAITING,), to=back_to):
        return False
    sla_services.clock_resume(record=inquiry, at=at)
    return True


def inquiry_escalated(*, inquiry: Inquiry) -> bool:
    """A ticket was opened for it: escalated, the resolution clock started (a waiting inquiry stays waiting
    until the requester answers, then resumes as escalated). Caller saves."""
    if inquiry.status == Status.WAITING:
        sla_services.resolution_clock_start(record=inquiry)
        return True
    if not _move(inquiry, from_=(Status.OPEN,), to=Status.ESCALATED):
        return False
    sla_services.resolution_clock_start(record=inquiry)
    return True


def inquiry_close(*, inquiry: Inquiry, outcome: str, at: datetime, duplicate_of: Inquiry | None = None) -> bool:
    """Close with an outcome. Running targets of a close without an answer count as neither met nor breached.

    Caller saves (the SLA fields stamped here ride on that save).
    """
    fields = {"outcome": outcome, "closed_at": at}
    if duplicate_of is not None:
        fields["duplicate_of"] = duplicate_of
    if not _move(inquiry, from_=OPEN_STATUSES, to=Status.CLOSED, **fields):
        return False
    if outcome != Inquiry.Outcome.ANSWERED:
        sla_services.targets_cancel(record=inquiry)
    sla_services.clock_clear_pause(record=inquiry)
    return True


def inquiries_close_abandoned(*, ids: list[int], at: datetime) -> int:
    """Waiting inquiries whose requester never answered: closed as "no reply"; their targets count as neither.

    Asked by the SLA sweep (``sla.subjects``); one statement per step whatever the number.
    """
    with transaction.atomic():
        waiting = Inquiry.objects.filter(pk__in=ids, status=Status.WAITING)
        closing = list(waiting.values_list("pk", "office__code"))
        if not closing:
            return 0
        closed_ids = [pk for pk, _code in closing]
        Inquiry.objects.filter(pk__in=closed_ids, status=Status.WAITING).update(
            status=Status.CLOSED, outcome=Inquiry.Outcome.NO_REPLY, closed_at=at
        )
        sla_services.targets_cancel_running(ids=closed_ids)
        AuditEvent.objects.bulk_create(
            AuditEvent(
                actor_label="sla",
                action="inquiry.close.no_reply",
                object_type="tickets.inquiry",
                object_id=str(pk),
                office_code=code,
                changes={"at": at.isoformat()},
            )
            for pk, code in closing
        )
    return len(closing)


def open_inquiry_of(*, requester, account) -> Inquiry | None:
    """The requester's inquiry still open on this account (locked), where a new message belongs."""
    return (
        Inquiry.objects.select_for_update()
        .filter(requester=requester, account=account)
        .filter(Q(status__in=OPEN_STATUSES))
        .order_by("-received_at")
        .first()
    )
