"""Removing a requester's personal content while keeping the figures (one place, used by retention and erasure).

What goes: message texts and files, previews, the ticket's texts, identity and document references, the
survey's comment, the requester's name, contacts and platform ids, web-chat sessions, the raw platform bodies. What
stays: the inquiry rows with their office, channel, topics, times, SLA state and survey rating, so every report
gives the same numbers.
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from common.storage import private_storage
from tickets.models import Attachment, Inquiry, Message, Requester, RequesterReference, Ticket, TicketEvent
from webchat.models import WebchatSession

ERASED = "[dihapus]"


def _delete_files(attachments) -> int:
    storage, count = private_storage(), 0
    for attachment in attachments:
        if attachment.storage_name:
            storage.delete(attachment.storage_name)
        count += 1
    return count


def attachments_delete(queryset) -> int:
    """Delete the files (bytes first, then rows) of these attachments."""
    rows = list(queryset.only("id", "storage_name"))
    count = _delete_files(rows)
    Attachment.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return count


@transaction.atomic
def inquiries_anonymise(inquiry_ids: list[int]) -> dict[str, int]:
    """Strip the personal content of these (closed) inquiries. Idempotent; returns what it touched."""
    inquiry_ids = list(
        Inquiry.objects.filter(pk__in=inquiry_ids, anonymised_at__isnull=True).values_list("pk", flat=True)
    )
    if not inquiry_ids:
        return {"inquiries": 0, "messages": 0, "files": 0, "references": 0}
    files = attachments_delete(Attachment.objects.filter(message__inquiry_id__in=inquiry_ids))
    messages = Message.objects.filter(inquiry_id__in=inquiry_ids).exclude(text="", attachments=[])
    message_count = messages.update(text="", attachments=[])
    tickets = Ticket.objects.filter(inquiry_id__in=inquiry_ids)
    TicketEvent.objects.filter(ticket__in=tickets).update(text="")
    tickets.update(summary=ERASED, needed="", final_answer="")
    references = RequesterReference.objects.filter(inquiry_id__in=inquiry_ids).delete()[0]
    Inquiry.objects.filter(pk__in=inquiry_ids).update(preview="", rating_comment="", anonymised_at=timezone.now())
    return {"inquiries": len(inquiry_ids), "messages": message_count, "files": files, "references": references}


@transaction.atomic
def requesters_anonymise(requester_ids: list[int]) -> int:
    """Anonymise requesters none of whose inquiries still holds content: name, contacts, ids, sessions, refs."""
    keep = Inquiry.objects.filter(requester_id__in=requester_ids, anonymised_at__isnull=True).values("requester_id")
    ids = list(
        Requester.objects.filter(pk__in=requester_ids)
        .exclude(pk__in=keep)
        .exclude(external_id__startswith="erased-")
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    RequesterReference.objects.filter(requester_id__in=ids).delete()
    WebchatSession.objects.filter(requester_id__in=ids).delete()
    for pk in ids:  # the platform id is unique per account: each gets its own placeholder
        Requester.objects.filter(pk=pk).update(
            external_id=f"erased-{pk}",
            display_name="",
            contact_email="",
            contact_phone="",
            reply_from_id="",
            reply_to_id="",
        )
    return len(ids)


def open_work() -> Q:
    """The inquiries that must be kept for an open matter: not closed, or with a ticket not yet answered."""
    unanswered_ticket = Q(ticket__isnull=False) & ~Q(ticket__status=Ticket.Status.ANSWERED)
    return ~Q(status=Inquiry.Status.CLOSED) | unanswered_ticket
