"""Reads for pages and the API: each fetches what it shows in a fixed number of queries."""

import re
import unicodedata

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Count, F, Func, Prefetch, Q, QuerySet, TextField
from django.db.models.functions import Coalesce
from django.utils import timezone

from .identifiers import KINDS, InvalidReference, validate
from .models import OPEN_STATUSES, CannedAnswer, Inquiry, Message, RequesterReference, Ticket, Unit
from .permissions import staff_profile, visible_inquiries

# Ids are 64-bit (BigAutoField); SQLite answers a larger integer in a query with an OverflowError, a 500.
MAX_DB_ID = 2**63 - 1

QUEUES = ["unassigned", "mine", "waiting", "escalated", "at_risk", "open", "closed"]


def _queue_filter(queue: str, user, now) -> Q:
    open_ = Q(status__in=OPEN_STATUSES)
    return {
        "unassigned": open_ & Q(assigned_to__isnull=True),
        "mine": open_ & Q(assigned_to=user),
        "waiting": Q(status=Inquiry.Status.WAITING),
        "escalated": Q(status=Inquiry.Status.ESCALATED),
        "at_risk": open_
        & Q(paused_at__isnull=True)
        & (
            Q(response_status="running", response_at_risk_at__lte=now)
            | Q(response_status="breached", response_met_at__isnull=True)
            | Q(resolution_status="running", resolution_at_risk_at__lte=now)
            | Q(resolution_status="breached", resolution_met_at__isnull=True)
        ),
        "open": open_,
        "closed": Q(status=Inquiry.Status.CLOSED),
    }[queue]


def queue_counts(*, user, now) -> dict[str, int]:
    """Live counts of every queue: the open ones in one aggregate over the open-inquiry index, closed apart."""
    visible = visible_inquiries(user, Inquiry.objects.all())
    open_queues = [queue for queue in QUEUES if queue != "closed"]
    counts = visible.filter(status__in=OPEN_STATUSES).aggregate(
        **{queue: Count("pk", filter=_queue_filter(queue, user, now)) for queue in open_queues}
    )
    counts["closed"] = visible.filter(status=Inquiry.Status.CLOSED).count()
    return counts


def inquiry_list(
    *,
    user,
    office: str = "",
    status: str = "",
    channel: str = "",
    q: str = "",
    queue: str = "",
    officer: int | None = None,
    received_from=None,
    received_to=None,
    now=None,
) -> QuerySet:
    qs = visible_inquiries(user, Inquiry.objects.all()).select_related("office", "account", "requester", "assigned_to")
    if office:
        qs = qs.filter(office__code=office)
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(Q(account__kind=channel) | Q(requester__channel=channel))
    if queue in QUEUES:
        qs = qs.filter(_queue_filter(queue, user, now or timezone.now()))
    if officer:
        qs = qs.filter(assigned_to_id=officer)
    if received_from:
        qs = qs.filter(received_at__date__gte=received_from)
    if received_to:
        qs = qs.filter(received_at__date__lte=received_to)
    if q:
        qs = qs.filter(_search(q.strip()))
    if queue == "closed":
        return qs.order_by("-closed_at", "-received_at")
    # Due time first: the resolution target of escalated inquiries, else the response target.
    return qs.annotate(due=Coalesce("resolution_due", "response_due")).order_by(F("due").asc(nulls_last=True), "pk")


def _search(term: str) -> Q:
    """Text of the messages, requester name, identifiers and ticket numbers."""
    values = {term.upper()}
    for kind in KINDS:
        try:
            values.add(validate(kind, term))
        except InvalidReference:
            continue
    # IN-subqueries (hashed once per query) rather than correlated EXISTS (one probe per candidate row).
    match = (
        Q(preview__icontains=term)
        | Q(requester__display_name__icontains=term)
        | Q(pk__in=Message.objects.filter(text__icontains=term).values("inquiry_id"))
        | Q(pk__in=Ticket.objects.filter(number__icontains=term).values("inquiry_id"))
        | Q(requester_id__in=RequesterReference.objects.filter(value__in=values).values("requester_id"))
    )
    # ASCII digits only ("²".isdigit() is true, int("²") fails) and an id a 64-bit column can hold.
    if re.fullmatch(r"#?[0-9]{1,18}", term):
        match |= Q(pk=int(term.lstrip("#")))
    return match


def inquiry_detail(*, user, pk: int) -> Inquiry:
    """One inquiry with its thread (messages, authors, delivery state) in a fixed number of queries."""
    messages = (
        Message.objects.select_related("author", "outbound").prefetch_related("files").order_by("created_at", "id")
    )
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


def visible_tickets(user):
    """Tickets a user may read: those of the units they belong to or coordinate, and their own office's."""
    qs = Ticket.objects.select_related("unit", "office", "assigned_to", "inquiry__requester", "inquiry__account")
    if getattr(user, "is_superuser", False):
        return qs
    profile = staff_profile(user)
    mine = Q(unit__members=user) | Q(unit__coordinator=user)
    if profile is not None:
        mine |= Q(office_id=profile.office_id)
    return qs.filter(mine).distinct()


def ticket_list(*, user, unit: int | None = None, status: str = "", office: str = "", q: str = ""):
    qs = visible_tickets(user)
    if unit:
        qs = qs.filter(unit_id=unit)
    if status:
        qs = qs.filter(status=status)
    if office:
        qs = qs.filter(office__code=office)
    if q:
        qs = qs.filter(Q(number__icontains=q.strip()) | Q(summary__icontains=q.strip()))
    return qs.order_by("inquiry__resolution_due", "-created_at")


def units_for_office(*, office_code: str):
    return (
        Unit.objects.filter(is_active=True, offices__code=office_code)
        .select_related("home_office", "coordinator")
        .order_by("kind", "name")
    )


def units_to_escalate(*, user, office_code: str):
    """The units a user may escalate `office_code`'s inquiries to: for staff, only when it is their own office
    (another office's units are none of their business); a superuser, any office's."""
    if not getattr(user, "is_superuser", False):
        profile = staff_profile(user)
        if profile is None or profile.office.code != office_code:
            return Unit.objects.none()
    return units_for_office(office_code=office_code)


def canned_answers(*, office_id: int | None, q: str = "", include_inactive: bool = False):
    """National answers and the office's own, searched by words of the title, body and keywords.

    On PostgreSQL: full-text search with the Indonesian stemmer (so "kiriman" finds "pengiriman" forms), ranked;
    elsewhere every word must appear, whatever its case and accents ("Cukai" finds "cukai", "cafe" "café").
    """
    qs = CannedAnswer.objects.filter(Q(office__isnull=True) | Q(office_id=office_id))
    if not include_inactive:
        qs = qs.filter(is_active=True)
    words = [w for w in q.split() if w]
    if not words:
        return qs.order_by("title")
    if connection.vendor == "postgresql":
        vector = (
            SearchVector("title", weight="A", config="indonesian")
            + SearchVector("tags", weight="A", config="indonesian")
            + SearchVector("body", weight="B", config="indonesian")
        )
        query = SearchQuery(q, search_type="websearch", config="indonesian")
        return (
            qs.annotate(document=vector, rank=SearchRank(vector, query))
            .filter(document=query)
            .order_by("-rank", "title")
        )
    if connection.vendor != "sqlite":
        for word in words:
            qs = qs.filter(Q(title__icontains=word) | Q(body__icontains=word) | Q(tags__icontains=word))
        return qs.order_by("title")

    def fold(text: str) -> str:
        """Lower case without accents: SQLite's own LIKE folds ASCII letters only."""
        decomposed = unicodedata.normalize("NFKD", text)
        return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()

    connection.ensure_connection()
    connection.connection.create_function("kb_fold", 1, lambda v: fold(v) if v else v, deterministic=True)
    folded = {name: Func(F(name), function="kb_fold", output_field=TextField()) for name in ("title", "body", "tags")}
    qs = qs.annotate(**{f"kb_{name}": expression for name, expression in folded.items()})
    for word in map(fold, words):
        qs = qs.filter(Q(kb_title__contains=word) | Q(kb_body__contains=word) | Q(kb_tags__contains=word))
    return qs.order_by("title")
