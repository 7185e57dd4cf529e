"""Filing a batch of requesters' messages of one office in one transaction: the worker's fast path.

``inbound_messages_receive`` does what ``inquiries.inbound_message_receive`` does for each message, with one
statement per step for the whole batch instead of one per message: the requesters (created, locked, their name
kept current), their open inquiries (locked), the new inquiries (deadlines from the office's calendar and policy
loaded once, auto-assigned round-robin on the roster loaded once), the messages, the identity references found,
the social channels' acknowledgements, and one audit row per message as before.

A message that needs more than that is filed by ``inbound_message_receive`` itself, after the others and in its
order, with every message of the same requester in the batch: one with a file to fetch (a photo, a document),
one that reads as a rating from a requester whose survey was asked (it answers it), one whose inquiry waits for
the requester (it resumes).
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection
from django.db.models import Q

from audit.models import AuditEvent
from channels_intake.workflow import InboundItem
from common.bulk import bulk_insert, bulk_set
from common.logging import request_id_var
from offices.selectors import office_calendar
from sla import services as sla_services

from . import live
from .acknowledgement import acknowledgements_prepare
from .attachments import FETCH_KINDS
from .inquiries import _preview, inbound_message, inbound_message_receive, officers_by_load
from .models import OPEN_STATUSES, Inquiry, Message, Requester
from .references import references_found
from .requesters import language_of
from .selectors import cached_calendars
from .survey import REPLY_DAYS, survey_parse


@dataclass
class _Sender:
    """One requester's messages in the batch."""

    items: list[InboundItem] = field(default_factory=list)
    requester: Requester | None = None
    inquiry: Inquiry | None = None
    created: bool = False  # the batch opens their inquiry

    @property
    def fetches(self) -> bool:
        """A file to fetch (``attachments_from_inbound``); a location or a sticker is only described."""
        return any(a.kind in FETCH_KINDS for item in self.items for a in item.message.attachments)

    @property
    def may_rate(self) -> bool:
        """A message that reads as a survey rating (``survey_reply_receive`` files it if a survey was asked)."""
        return any(not item.message.attachments and survey_parse(item.message.text) is not None for item in self.items)


def inbound_messages_receive(*, items: Sequence[InboundItem]) -> int:
    """File the messages of one office's channel accounts, in order (inside the caller's transaction). Returns
    how many were filed."""
    if not items:
        return 0
    office = items[0].account.office
    if any(item.account.office_id != office.pk for item in items):
        raise ValueError("a batch holds the messages of one office")
    senders: dict[tuple[int, str], _Sender] = defaultdict(_Sender)
    for item in items:
        senders[(item.account.pk, item.message.sender_id)].items.append(item)

    _requesters_lock(senders)
    surveyed = _surveyed([sender.requester.pk for sender in senders.values() if sender.may_rate], items[0].received_at)
    slow = {key: sender for key, sender in senders.items() if sender.fetches or sender.requester.pk in surveyed}
    fast = {key: sender for key, sender in senders.items() if key not in slow}
    _open_inquiries(fast, slow)
    new, calendar, policy = _inquiries_open(office, fast)
    acknowledgements = {}
    if new:  # the social channels' acknowledgements, on the calendar and policy loaded for the deadlines
        first_request = {sender.inquiry.pk: sender.items[0].request_id for sender in fast.values() if sender.created}
        for sender in fast.values():
            sender.inquiry.requester = sender.requester
        acknowledgements = acknowledgements_prepare(
            inquiries=new, calendar=calendar, policy=policy, request_ids=first_request
        )
    _messages_store(office, fast, acknowledgements)

    # The rest, each as alone, in order (the requesters are locked already).
    for sender in slow.values():
        for item in sender.items:
            token = request_id_var.set(item.request_id) if item.request_id else None
            try:
                inbound_message_receive(account=item.account, message=item.message, received_at=item.received_at)
            finally:
                if token is not None:
                    request_id_var.reset(token)
    return len(items)


def _requesters_lock(senders: dict[tuple[int, str], "_Sender"]) -> None:
    """Create the new requesters (one INSERT, in key order), then lock them all in id order, so concurrent batches
    of one requester take turns and never both open an inquiry; their name and reply-from id kept current."""
    new = []
    for (account_id, sender_id), sender in sorted(senders.items()):
        first = sender.items[0].message
        new.append(
            Requester(
                account_id=account_id,
                external_id=sender_id,
                display_name=first.sender_name[:200],
                channel=first.channel,
                reply_from_id=first.recipient_id,
                reply_to_id=first.reply_to_id or "",
                language=language_of(first.language),
            )
        )
    bulk_insert(new, ignore_conflicts=True)
    by_account: dict[int, list[str]] = defaultdict(list)
    for account_id, sender_id in senders:
        by_account[account_id].append(sender_id)
    match = Q()
    for account_id, sender_ids in by_account.items():
        match |= Q(account_id=account_id, external_id__in=sender_ids)
    changed = []
    for requester in Requester.objects.select_for_update().filter(match).order_by("pk"):
        sender = senders[(requester.account_id, requester.external_id)]
        sender.requester = requester
        before = (requester.display_name, requester.reply_from_id)
        for item in sender.items:  # as each message would have left them, one after the other
            if item.message.sender_name:
                requester.display_name = item.message.sender_name[:200]
            if item.message.recipient_id:
                requester.reply_from_id = item.message.recipient_id
        if (requester.display_name, requester.reply_from_id) != before:
            changed.append(requester)
    if changed:
        bulk_set(changed, ["display_name", "reply_from_id"])


def _surveyed(requester_ids: list[int], received_at) -> set[int]:
    """Which of these requesters were asked a survey they may still answer (one query, none without any)."""
    if not requester_ids:
        return set()
    return set(
        Inquiry.objects.filter(
            requester_id__in=requester_ids,
            survey_status=Inquiry.SurveyStatus.SENT,
            survey_sent_at__gte=received_at - timedelta(days=REPLY_DAYS),
        ).values_list("requester_id", flat=True)
    )


def _open_inquiries(fast: dict, slow: dict) -> None:
    """Each fast sender's open inquiry (locked), or none; one that waits for the requester moves the sender to
    the slow path (the message resumes it)."""
    by_requester = {sender.requester.pk: key for key, sender in fast.items()}
    if not by_requester:
        return
    rows = (
        Inquiry.objects.select_for_update(of=("self",))
        .filter(requester_id__in=list(by_requester), status__in=OPEN_STATUSES)
        .order_by("requester_id", "-received_at")
    )
    for inquiry in rows:
        key = by_requester[inquiry.requester_id]
        sender = fast.get(key)
        if sender is None or sender.inquiry is not None:
            continue  # moved already, or an older open one (the newest takes the message, as open_inquiry_of)
        if inquiry.account_id != key[0]:
            continue
        if inquiry.status == Inquiry.Status.WAITING:
            slow[key] = fast.pop(key)
            continue
        sender.inquiry = inquiry


def _inquiries_open(office, fast: dict) -> tuple[list[Inquiry], object, object]:
    """New inquiries for the senders without an open one: response clocks started on the office's calendar and
    policy (loaded once, and returned with them), auto-assigned round-robin as ``pick_officer`` would one after
    the other. One INSERT."""
    opening = [sender for sender in fast.values() if sender.inquiry is None]
    if not opening:
        return [], None, None
    calendar = _calendar(office)
    policy = sla_services.policy_for_office(office)
    roster = _roster(office)
    new = []
    for sender in sorted(opening, key=lambda s: (s.items[0].received_at, s.items[0].event_id)):
        first, last = sender.items[0], sender.items[-1]
        inquiry = Inquiry(
            office=office,
            account=first.account,
            requester=sender.requester,
            received_at=first.received_at,
            preview=_preview(first.message),
            status=Inquiry.Status.OPEN,
            last_message_at=last.received_at,
            last_inbound_at=last.received_at,
            on_duty_at_receipt=min(len(roster), 32767),
        )
        sla_services.clock_start(record=inquiry, calendar=calendar, policy=policy)
        if office.auto_assign and roster:
            chosen = min(roster, key=lambda officer: (officer[0], officer[1] is not None, officer[1] or 0, officer[2]))
            chosen[0] += 1
            chosen[1] = first.received_at
            inquiry.assigned_to_id = chosen[2]
            inquiry.assigned_at = first.received_at
        sender.inquiry = inquiry
        sender.created = True
        new.append(inquiry)
    bulk_insert(new)
    return new, calendar, policy


def _calendar(office):
    """The office's working calendar from the process's cache, keyed by the office's calendar counter (raised by
    the database whenever its hours, closed or reopened dates, special hours or the national holidays change:
    ``tickets.live``): one query instead of four and the calendar's build, for every batch of a burst."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT calendar FROM {live.TABLE} WHERE office_id = %s", [office.pk])  # noqa: S608
        row = cursor.fetchone()
    if row is None:  # no counter yet (nothing changed since the counters came in): read it
        return office_calendar(office)
    counters = live.InboxVersion(office_id=office.pk, version=0, calendar=row[0])
    return cached_calendars([office], live=counters)[office.pk]


def _roster(office) -> list[list]:
    """The office's on-duty officers as [open load, last assigned receipt or None, user id] (one query), the
    order ``pick_officer`` ranks them by."""
    rows = officers_by_load(office).values_list("load", "last", "user_id")
    return [list(row) for row in rows]


def _messages_store(office, fast: dict, acknowledgements: dict[int, Message]) -> None:
    """The fast senders' messages, each new inquiry's acknowledgement right after its first message (one
    INSERT), their inquiries' last-message moments (one UPDATE), the references found and the audit rows."""
    if not fast:
        return
    rows, stored_of, audits, references, touched = [], [], [], [], []
    for sender in fast.values():
        inquiry = sender.inquiry
        inquiry.requester = sender.requester
        for index, item in enumerate(sender.items):
            message = item.message
            stored_of.append(len(rows))
            rows.append(inbound_message(inquiry=inquiry, message=message, request_id=item.request_id))
            if index == 0 and inquiry.pk in acknowledgements:
                rows.append(acknowledgements[inquiry.pk])
            references.extend(references_found(inquiry=inquiry, text=message.text))
        if not sender.created:
            inquiry.last_message_at = inquiry.last_inbound_at = sender.items[-1].received_at
            touched.append(inquiry)
    if touched:
        bulk_set(touched, ["last_message_at", "last_inbound_at"])
    bulk_insert(rows)
    if references:
        bulk_insert(references, ignore_conflicts=True)
    position = iter(stored_of)
    for sender in fast.values():
        for index, item in enumerate(sender.items):
            stored = rows[next(position)]
            created = sender.created and index == 0
            audits.append(
                AuditEvent(
                    actor_label="requester",
                    action="inquiry.receive" if created else "inquiry.message",
                    object_type="tickets.inquiry",
                    object_id=str(sender.inquiry.pk),
                    object_repr=f"#{sender.inquiry.pk} {office.code}",
                    office_code=office.code,
                    changes={"message": stored.pk, "channel": item.message.channel, "new_inquiry": created},
                )
            )
    bulk_insert(audits)
