"""Reads for pages and the API: each fetches what it shows in a fixed number of queries."""

import re
import unicodedata
from datetime import timedelta

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import BooleanField, Count, F, FloatField, Func, Min, Prefetch, Q, QuerySet, TextField, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from offices.selectors import office_calendars

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


COUNTS_TTL = timedelta(minutes=10)


def queue_counts(*, user, now, live=None) -> dict[str, int]:
    """Live counts of every queue: the open ones in one aggregate over the open-inquiry index, closed apart.

    With the office's change counter (`live`, tickets.live) the office-wide counts are shared through the cache
    while the counter stays and until the first moment time alone moves them (the next at-risk moment of a
    running target, read in the same aggregate); only "mine", the officer's own, is counted each time."""
    visible = visible_inquiries(user, Inquiry.objects.all())
    shared = [queue for queue in QUEUES if queue not in ("closed", "mine")]
    key = f"inbox:counts:{live.office_id}:{live.version}" if live is not None else None
    entry = cache.get(key) if key else None
    if entry is None or entry["until"] <= now.timestamp():
        running = {
            f"next_{name}": Min(
                f"{name}_at_risk_at", filter=Q(**{f"{name}_status": "running", f"{name}_at_risk_at__gt": now})
            )
            for name in ("response", "resolution")
        }
        row = visible.filter(status__in=OPEN_STATUSES).aggregate(
            **{queue: Count("pk", filter=_queue_filter(queue, user, now)) for queue in shared}, **running
        )
        moments = [row.pop(name) for name in running]
        until = min([moment for moment in moments if moment is not None] + [now + COUNTS_TTL])
        closed = entry["counts"]["closed"] if entry else visible.filter(status=Inquiry.Status.CLOSED).count()
        entry = {"counts": row | {"closed": closed}, "until": until.timestamp()}
        if key:
            cache.set(key, entry, 3600)
    counts = dict(entry["counts"])
    counts["mine"] = visible.filter(_queue_filter("mine", user, now)).count()
    return {queue: counts[queue] for queue in QUEUES}


LIST_RELATED = ("office", "account", "requester", "assigned_to")  # what a list row shows of an inquiry


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
    qs = visible_inquiries(user, Inquiry.objects.all()).select_related(*LIST_RELATED)
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
    ranked = False
    if q:
        term = q.strip()
        match, rank = _search(term, viewer_id=getattr(user, "pk", None))
        qs = qs.filter(match)
        if rank is not None:
            qs, ranked = qs.annotate(rank=rank), True
    if queue == "closed":
        return qs.order_by(*(["-rank"] if ranked else []), "-closed_at", "-received_at")
    if ranked:  # best matches first, then due time
        return qs.annotate(due=Coalesce("resolution_due", "response_due")).order_by(
            "-rank", F("due").asc(nulls_last=True), "pk"
        )
    # Due time first: the resolution target of escalated inquiries, else the response target.
    return qs.annotate(due=Coalesce("resolution_due", "response_due")).order_by(F("due").asc(nulls_last=True), "pk")


MAX_PAGE = 10**6  # beyond it a page number is taken as past the end (an OFFSET the database cannot hold)


def _page_number(number) -> int | None:
    """The page asked for, as Paginator.get_page reads it: not a whole number, the first; below 1 (or absurdly
    far), None: past the end, the last page."""
    try:
        if isinstance(number, float) and not number.is_integer():
            raise ValueError
        number = int(number)
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= MAX_PAGE else None


def inquiry_page(queryset: QuerySet, number, *, per_page: int, count: int | None = None) -> Page:
    """One page of an inquiry list (`inquiry_list`) and its total, as ``Paginator(...).get_page(number)`` gives
    them (a number that is no page: the first; past the end: the last), the page's inquiries a list.

    With the total known (a queue's live count), the page alone: one statement. Otherwise the page's ids and
    the total in one statement (``COUNT(*) OVER ()``: a search's candidates are gathered and ranked once, not
    once for a count and again for the page, and nothing is joined but for the 25 rows), then those rows by key.
    """
    if count is not None:
        paginator = Paginator(queryset, per_page)
        paginator.count = count
        page = paginator.get_page(number)
        page.object_list = list(page.object_list)
        return page
    wanted = _page_number(number)
    ids, total = _page_ids(queryset, wanted, per_page) if wanted else ([], None)
    if total is None:  # an empty page: the list is empty, or the page is past its end (then the last page)
        total = 0 if wanted == 1 else queryset.count()
        wanted = max(1, -(-total // per_page))
        if total:
            ids, _total = _page_ids(queryset, wanted, per_page)
    paginator = Paginator((), per_page)
    paginator.count = total
    rows = Inquiry.objects.select_related(*LIST_RELATED).in_bulk(ids) if ids else {}
    return Page([rows[pk] for pk in ids if pk in rows], wanted, paginator)


def _page_ids(queryset: QuerySet, number: int, per_page: int) -> tuple[list[int], int | None]:
    """The ids of page `number` in the list's order and the list's total (None when the page is empty)."""
    start = (number - 1) * per_page
    rows = list(
        queryset.annotate(page_total=Window(Count("pk"))).values_list("pk", "page_total")[start : start + per_page]
    )
    return [pk for pk, _total in rows], (rows[0][1] if rows else None)


# Words of a search as full-text prefixes ("restit" finds "restitusi"): letters and digits only, so nothing the
# officer types can be read as tsquery syntax.
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 8
# Identifiers typed as they are written: letters and digits joined by hyphens or slashes with a digit among them
# (a complaint register number "PGD-040300-2026-00012", a ticket number, "123-45678901"). PostgreSQL's parser
# splits them into signed integers ("-2026") that no prefix query matches: they are looked for as written, by the
# trigram index of the messages' text (migration 0005), instead of as words.
_IDENTIFIER = re.compile(r"(?<![^\W_])[^\W_]+(?:[-/][^\W_]+)+(?![^\W_])", re.UNICODE)
MAX_IDENTIFIERS = 4


def _identifiers(term: str) -> tuple[list[str], str]:
    """The identifier-like tokens of `term` (upper case, at most MAX_IDENTIFIERS) and the rest of it."""
    found = [m for m in _IDENTIFIER.finditer(term) if any(char.isdigit() for char in m.group(0))]
    rest = term
    for match in reversed(found):
        rest = rest[: match.start()] + " " + rest[match.end() :]
    return [m.group(0).upper() for m in found][:MAX_IDENTIFIERS], rest


def _tsquery(term: str) -> str:
    """Words of at least three characters as prefixes, shorter ones exact; "#123" is an inquiry number only."""
    if re.fullmatch(r"#[0-9]{1,18}", term):
        return ""
    words = [w.lower() for w in _WORD.findall(term)][:MAX_WORDS]
    return " & ".join(f"{w}:*" if len(w) >= 3 else w for w in words)


def _search(term: str, *, viewer_id: int | None = None) -> tuple[Q | RawSQL, RawSQL | None]:
    """Text of the messages, requester name, identifiers and ticket numbers; with a rank where it can be had.

    PostgreSQL: the words against the messages' stored tsvector (GIN, migration 0016) and the requester's name
    (expression GIN), identifier-like tokens ("PGD-040300-2026-00012") as written against the messages' text
    (trigram GIN, migration 0005); ranked by ts_rank of the opening message (the preview), a name match and an
    exact identifier, ticket or inquiry number on top. Elsewhere (SQLite, development): substring matches,
    unranked (due time order).
    """
    values = {term.upper()}
    for kind in KINDS:
        try:
            values.add(validate(kind, term))
        except InvalidReference:
            continue
    references = Q(requester_id__in=RequesterReference.objects.filter(value__in=values).values("requester_id"))
    tickets = Q(pk__in=Ticket.objects.filter(number__icontains=term).values("inquiry_id"))
    # ASCII digits only ("²".isdigit() is true, int("²") fails) and an id a 64-bit column can hold.
    number = int(term.lstrip("#")) if re.fullmatch(r"#?[0-9]{1,18}", term) else None
    postgres = connection.vendor == "postgresql"
    identifiers, rest = _identifiers(term) if postgres else ([], term)
    tsquery = _tsquery(rest) if postgres else ""
    if postgres and not tsquery and not identifiers:  # an inquiry number, or nothing to search by words
        match = tickets | references
        return (match | Q(pk=number) if number is not None else match), None
    if not postgres:
        # IN-subqueries (hashed once per query) rather than correlated EXISTS (one probe per candidate row).
        match = (
            Q(preview__icontains=term)
            | Q(requester__display_name__icontains=term)
            | Q(
                pk__in=Message.objects.filter(text__icontains=term)
                .exclude(kind=Message.Kind.SYSTEM)
                .filter(Q(withheld_from__isnull=True) | ~Q(withheld_from_id=viewer_id))
                .values("inquiry_id")
            )
            | tickets
            | references
        )
        if number is not None:
            match |= Q(pk=number)
        return match, None
    # A message matches when it has every word (the GIN index of its tsvector) and every identifier as written
    # (the trigram index of its text); PostgreSQL combines the two indexes when both are asked.
    texts = (["search @@ to_tsquery('simple', %s)"] if tsquery else []) + ["UPPER(text) LIKE %s"] * len(identifiers)
    text_params = ([tsquery] if tsquery else []) + [f"%{_like(value)}%" for value in identifiers]
    # The automatic messages (acknowledgement, survey question: the same sentences in every thread) are left out,
    # as the indexes leave them out (migration 0020).
    system = "kind <> 'system' AND "
    messages = f"SELECT inquiry_id FROM tickets_message WHERE {system}{' AND '.join(texts)} "  # noqa: S608
    name = "to_tsvector('simple'::regconfig, COALESCE(display_name, '')) @@ to_tsquery('simple', %s)"
    named = f"SELECT id FROM tickets_requester WHERE {name}"  # noqa: S608 - constant SQL, placeholders only
    identified = "SELECT requester_id FROM tickets_requesterreference WHERE value = ANY(%s)"
    ticketed = "SELECT inquiry_id FROM tickets_ticket WHERE UPPER(number) LIKE UPPER(%s)"
    like = f"%{_like(term)}%"
    number_sql = "UNION SELECT %s " if number is not None else ""
    # The name is searched by its words only (an identifier is no name).
    name_sql = f"UNION SELECT id FROM tickets_inquiry WHERE requester_id = ANY(ARRAY({named})) " if tsquery else ""  # noqa: S608
    # One IN over the union of every way to match: PostgreSQL hashes the candidates (the GIN index of the
    # messages, the name index, the exact identifiers) and fetches just those inquiries by key, instead of
    # filtering every open inquiry of the office through four subplans.
    # = ANY(ARRAY(…)): the candidates are gathered once, then read by primary key (a plain IN lets the planner
    # scan every open inquiry of the office against a hash of them).
    match = RawSQL(  # noqa: S611 - constant SQL, the officer's words go in as parameters
        "tickets_inquiry.id = ANY(ARRAY("  # noqa: S608 - constant SQL, placeholders only
        f"{messages}AND (withheld_from_id IS NULL OR withheld_from_id <> %s) "
        f"{name_sql}"
        f"UNION SELECT id FROM tickets_inquiry WHERE requester_id = ANY(ARRAY({identified})) "
        f"UNION {ticketed} {number_sql}))",
        [
            *text_params,
            viewer_id,
            *([tsquery] if tsquery else []),
            sorted(values),
            like,
            *([number] if number is not None else []),
        ],
        output_field=BooleanField(),
    )
    # Words of the opening message (the preview), a name match, an exact identifier, ticket or inquiry number on
    # top: computed on the matching rows only, each from the row itself or a hashed subquery.
    words_rank = (
        "ts_rank(to_tsvector('simple'::regconfig, COALESCE(tickets_inquiry.preview, '')), to_tsquery('simple', %s))"
        f" + CASE WHEN tickets_inquiry.requester_id IN ({named}) THEN 0.5 ELSE 0 END"
        if tsquery
        else "0"
    )
    rank = RawSQL(  # noqa: S611 - constant SQL, the officer's words go in as parameters
        f"{words_rank}"
        f" + CASE WHEN tickets_inquiry.id = %s OR tickets_inquiry.requester_id IN ({identified})"
        f" OR tickets_inquiry.id IN ({ticketed}) THEN 10 ELSE 0 END",
        [*([tsquery, tsquery] if tsquery else []), number if number is not None else -1, sorted(values), like],
        output_field=FloatField(),
    )
    return match, rank


def _like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# Working calendars per process, keyed by the calendar counter the viewer read (tickets.live): built once,
# dropped when an office's hours or holidays change (the counter moves, the old key is never asked again). The
# viewer's scope is part of the key: an office's own counter and a superuser's sum of all are different series.
_CALENDARS: dict[tuple, object] = {}
_CALENDARS_MAX = 512


def cached_calendars(offices, *, live=None) -> dict:
    """office id -> WorkingCalendar; from the process's cache when the calendar counter (`live`) is known."""
    offices = {office.pk: office for office in offices}
    if live is None:
        return office_calendars(offices.values())
    scope = (live.office_id, live.calendar)
    missing = [office for pk, office in offices.items() if (pk, *scope) not in _CALENDARS]
    if missing:
        if len(_CALENDARS) > _CALENDARS_MAX:
            _CALENDARS.clear()
        for pk, calendar in office_calendars(missing).items():
            _CALENDARS[(pk, *scope)] = calendar
    return {pk: _CALENDARS[(pk, *scope)] for pk in offices}


PEOPLE = ("assigned_to", "response_met_by")  # the inquiry's people the conversation names


def inquiry_detail(*, user, pk: int, join_people: bool = True) -> Inquiry:
    """One inquiry with its thread (messages, authors, delivery state) in a fixed number of queries.

    Without `join_people` the assignee and the officer who met the response are not joined (a join of eight
    tables costs PostgreSQL more to plan than to run): the caller attaches them (`attach_related`) from the
    office's staff it reads anyway."""
    messages = (
        Message.objects.exclude(withheld_from=user)
        .select_related("author", "outbound")
        .prefetch_related("files")
        .order_by("created_at", "id")
    )
    return (
        visible_inquiries(user, Inquiry.objects.all())
        .select_related("office", "account", "requester", "ticket__unit", *(PEOPLE if join_people else ()))
        .prefetch_related(Prefetch("messages", queryset=messages))
        .get(pk=pk)
    )


def attach_related(groups, known: dict) -> None:
    """Set foreign keys as select_related would have: `groups` are (objects, field names), every field pointing
    to one model; the instances come from `known` (id -> instance), those missing from it read in one query."""
    groups = [(objects, [objects[0]._meta.get_field(name) for name in names]) for objects, names in groups if objects]
    if not groups:
        return
    wanted = {getattr(obj, field.attname) for objects, fields in groups for obj in objects for field in fields}
    missing = wanted - known.keys() - {None}
    if missing:
        known = known | groups[0][1][0].related_model._base_manager.in_bulk(missing)
    for objects, fields in groups:
        for obj in objects:
            for field in fields:
                value = getattr(obj, field.attname)
                field.set_cached_value(obj, known.get(value) if value is not None else None)


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
