"""Reads for pages and the API: each fetches what it shows in a fixed number of queries."""

from django.db.models import Prefetch, Q, QuerySet

from .models import Inquiry, Message
from .permissions import visible_inquiries

OPEN_STATUSES = [Inquiry.Status.OPEN, Inquiry.Status.WAITING, Inquiry.Status.ESCALATED]


def inquiry_list(
    *, user, office: str = "", status: str = "", channel: str = "", q: str = "", queue: str = ""
) -> QuerySet:
    qs = visible_inquiries(user, Inquiry.objects.all()).select_related("office", "account", "requester", "assigned_to")
    if office:
        qs = qs.filter(office__code=office)
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(Q(account__kind=channel) | Q(requester__channel=channel))
    if queue == "unassigned":
        qs = qs.filter(status__in=OPEN_STATUSES, assigned_to__isnull=True)
    elif queue == "mine":
        qs = qs.filter(status__in=OPEN_STATUSES, assigned_to=user)
    elif queue == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif queue == "closed":
        qs = qs.filter(status=Inquiry.Status.CLOSED)
    if q:
        term = q.strip()
        match = Q(preview__icontains=term) | Q(requester__display_name__icontains=term)
        if term.isdigit():
            match |= Q(pk=int(term))
        qs = qs.filter(match)
    return qs.order_by("response_due", "-received_at") if queue != "closed" else qs.order_by("-received_at")


def inquiry_detail(*, user, pk: int) -> Inquiry:
    """One inquiry with its thread (messages, authors, delivery state) in a fixed number of queries."""
    messages = Message.objects.select_related("author", "outbound").order_by("created_at", "id")
    return (
        visible_inquiries(user, Inquiry.objects.all())
        .select_related("office", "account", "requester", "assigned_to")
        .prefetch_related(Prefetch("messages", queryset=messages))
        .get(pk=pk)
    )


def public_thread(*, requester_id: int) -> QuerySet:
    """What a web-chat visitor sees: their messages and our delivered replies, never internal notes."""
    return (
        Message.objects.filter(inquiry__requester_id=requester_id)
        .filter(
            Q(direction=Message.Direction.INBOUND) | Q(direction=Message.Direction.OUTBOUND, outbound__status="sent")
        )
        .order_by("created_at", "id")
    )
