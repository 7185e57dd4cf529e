"""The live board of an office (issue 13, point 1): what stands open right now, read in a fixed number of queries.

The figures, over the office's open inquiries (open, waiting for the requester, escalated):
- ``open``: all of them; ``unassigned``: those nobody holds; ``waiting``: waiting for the requester (paused);
- ``breached``: not paused, a target unmet past its due time (stamped breached by the sweep, or still running past
  due because the sweep has not come by yet);
- ``at_risk``: not paused, not breached, a running target past its at-risk moment (the inbox's "at risk /
  breached" queue is ``at_risk`` + ``breached``);
- ``oldest``: the inquiry that has waited longest for its first response (open, not paused, response unmet), with
  its age in the office's working minutes (``sla.calendar``: the clock start to now, less the time it was paused);
- officers on duty (the office's officers with ``StaffProfile.on_duty``, as auto-assignment counts them) with
  their open load and their last activity: the product keeps presence only per conversation (a 12-second cache
  entry), so the board reads the latest of the officer's audited actions and login, and calls an officer active
  within ``ACTIVE_MINUTES``;
- tickets open at units (not yet answered) with the countdown of their resolution target.

Queries, whatever the number of offices and inquiries: ``live_summaries`` 4 (offices with the id of their oldest
inquiry and their officers on duty, one aggregate of every count, one of the open tickets, the oldest inquiries)
+ 4 (calendars); ``live_detail`` adds 4 (officers, their load, their last activity, the tickets) + 4 (the tickets'
calendars, in ``sla_badges``).
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from audit.models import AuditEvent
from offices.models import Office, Role, StaffProfile
from offices.selectors import office_calendars, zone_label
from sla.calendar import WorkingCalendar
from sla.selectors import SlaBadge, sla_badges
from tickets.models import OPEN_STATUSES, Inquiry, TargetStatus, Ticket

FIGURES = ("open", "unassigned", "waiting", "at_risk", "breached")
ON_DUTY_ROLES = (Role.OFFICER,)  # who is "on duty", as auto-assignment reads it (offices.selectors)
ACTIVE_MINUTES = 15
TICKET_ROWS = 10  # the board lists the tickets closest to their due time; the drill-down has them all


def _breached(now: datetime) -> Q:
    return (
        Q(response_status=TargetStatus.BREACHED, response_met_at__isnull=True)
        | Q(response_status=TargetStatus.RUNNING, response_due__lte=now)
        | Q(resolution_status=TargetStatus.BREACHED, resolution_met_at__isnull=True)
        | Q(resolution_status=TargetStatus.RUNNING, resolution_due__lte=now)
    )


def _at_risk(now: datetime) -> Q:
    return Q(response_status=TargetStatus.RUNNING, response_at_risk_at__lte=now) | Q(
        resolution_status=TargetStatus.RUNNING, resolution_at_risk_at__lte=now
    )


def figure_filter(figure: str, now: datetime) -> Q:
    """The inquiries behind one figure of the board (a key of ``FIGURES``, or ``oldest``: awaiting a response)."""
    open_ = Q(status__in=OPEN_STATUSES)
    running = open_ & Q(paused_at__isnull=True)
    return {
        "open": open_,
        "unassigned": open_ & Q(assigned_to__isnull=True),
        "waiting": Q(status=Inquiry.Status.WAITING),
        "breached": running & _breached(now),
        "at_risk": running & _at_risk(now) & ~_breached(now),
        "oldest": _awaiting_response(),
    }[figure]


def _awaiting_response() -> Q:
    return Q(
        status=Inquiry.Status.OPEN,
        paused_at__isnull=True,
        response_met_at__isnull=True,
        response_status__in=[TargetStatus.RUNNING, TargetStatus.BREACHED],
    )


@dataclass(frozen=True)
class Oldest:
    inquiry_id: int
    received_at: datetime
    working_minutes: int


@dataclass(frozen=True)
class OfficerLoad:
    user_id: int
    name: str
    username: str
    role: str
    open_load: int
    last_active: datetime | None
    active: bool


@dataclass(frozen=True)
class UnitTicket:
    number: str
    inquiry_id: int
    unit: str
    status: str
    status_label: str
    due: datetime | None
    badge: SlaBadge


@dataclass
class OfficeLive:
    office: Office
    now: datetime
    open: int = 0
    unassigned: int = 0
    waiting: int = 0
    at_risk: int = 0
    breached: int = 0
    officers_on_duty: int = 0
    tickets_open: int = 0
    oldest: Oldest | None = None
    officers: list[OfficerLoad] = field(default_factory=list)
    tickets: list[UnitTicket] = field(default_factory=list)

    @property
    def zone(self) -> str:
        return zone_label(self.office.timezone)

    def figures(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in FIGURES}


# Calendars already used by this process, by everything they are built from. A calendar computes the working time
# of a year once (about 10 ms), and a board polled every 5 s asks the same offices again: equal inputs give equal
# working time, so the reuse is exact and never stale (the inputs are read from the database every time).
_CALENDARS: OrderedDict[tuple, WorkingCalendar] = OrderedDict()
_CALENDARS_KEPT = 512
_CALENDARS_LOCK = threading.Lock()


def _reused(calendar: WorkingCalendar) -> WorkingCalendar:
    key = (
        calendar.tz_name,
        tuple(sorted(calendar.weekly.items())),
        calendar.closed_dates,
        tuple(sorted(calendar.special_hours.items())),
    )
    with _CALENDARS_LOCK:
        known = _CALENDARS.get(key)
        if known is not None:
            _CALENDARS.move_to_end(key)
            return known
        _CALENDARS[key] = calendar
        while len(_CALENDARS) > _CALENDARS_KEPT:
            _CALENDARS.popitem(last=False)
    return calendar


def live_summaries(offices: QuerySet, *, now: datetime) -> list[OfficeLive]:
    """The board's figures of every office of ``offices`` (their region first, then their code)."""
    oldest = Inquiry.objects.filter(_awaiting_response(), office_id=OuterRef("pk")).order_by(
        Coalesce("effective_start", "received_at"), "pk"
    )
    rows = list(
        offices.select_related("parent")
        .annotate(
            oldest_id=Subquery(oldest.values("pk")[:1]),
            on_duty=Count(
                "staff",
                filter=Q(staff__on_duty=True, staff__role__in=ON_DUTY_ROLES, staff__user__is_active=True),
                distinct=True,
            ),
        )
        .order_by("parent__code", "code")
    )
    if not rows:
        return []
    ids = [office.pk for office in rows]
    counts = {
        row["office_id"]: row
        for row in Inquiry.objects.filter(office_id__in=ids, status__in=OPEN_STATUSES)
        .values("office_id")
        .annotate(**{name: Count("pk", filter=figure_filter(name, now)) for name in FIGURES})
        .order_by()
    }
    tickets = dict(
        Ticket.objects.filter(office_id__in=ids)
        .exclude(status=Ticket.Status.ANSWERED)
        .values("office_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("office_id", "n")
    )
    oldest_rows = {
        row["pk"]: row
        for row in Inquiry.objects.filter(pk__in=[o.oldest_id for o in rows if o.oldest_id is not None]).values(
            "pk", "received_at", "effective_start", "paused_working_seconds"
        )
    }
    calendars = {pk: _reused(calendar) for pk, calendar in office_calendars(rows).items()}
    result = []
    for office in rows:
        live = OfficeLive(
            office=office, now=now, officers_on_duty=office.on_duty, tickets_open=tickets.get(office.pk, 0)
        )
        for name in FIGURES:
            setattr(live, name, counts.get(office.pk, {}).get(name, 0))
        first = oldest_rows.get(office.oldest_id)
        if first is not None:
            start = first["effective_start"] or first["received_at"]
            worked = calendars[office.pk].working_time_between(start, now).total_seconds()
            minutes = max(0, int((worked - first["paused_working_seconds"]) // 60))
            live.oldest = Oldest(office.oldest_id, first["received_at"], minutes)
        result.append(live)
    return result


def live_detail(office: Office, *, now: datetime, summary: OfficeLive | None = None) -> OfficeLive:
    """One office's board: its figures (``summary``, when ``live_summaries`` has them already), its officers on
    duty and the tickets open at units."""
    (live,) = [summary] if summary is not None else live_summaries(Office.objects.filter(pk=office.pk), now=now)
    profiles = list(
        StaffProfile.objects.filter(
            office_id=office.pk, on_duty=True, role__in=ON_DUTY_ROLES, user__is_active=True
        ).select_related("user")
    )
    user_ids = [p.user_id for p in profiles]
    load = dict(
        Inquiry.objects.filter(office_id=office.pk, status__in=OPEN_STATUSES, assigned_to_id__in=user_ids)
        .values("assigned_to_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("assigned_to_id", "n")
    )
    acted = dict(
        AuditEvent.objects.filter(actor_id__in=user_ids)
        .values("actor_id")
        .annotate(last=Max("created_at"))
        .order_by()
        .values_list("actor_id", "last")
    )
    officers = []
    for profile in profiles:
        user = profile.user
        moments = [m for m in (acted.get(user.pk), user.last_login) if m is not None]
        last = max(moments) if moments else None
        officers.append(
            OfficerLoad(
                user_id=user.pk,
                name=user.get_full_name() or user.get_username(),
                username=user.get_username(),
                role=profile.get_role_display(),
                open_load=load.get(user.pk, 0),
                last_active=last,
                active=last is not None and now - last <= timedelta(minutes=ACTIVE_MINUTES),
            )
        )
    live.officers = sorted(officers, key=lambda o: (-o.open_load, o.name))
    tickets = list(open_tickets(office).select_related("unit", "inquiry__office")[:TICKET_ROWS])
    badges = sla_badges([t.inquiry for t in tickets], now=now)
    live.tickets = [
        UnitTicket(
            number=t.number,
            inquiry_id=t.inquiry_id,
            unit=t.unit.name,
            status=t.status,
            status_label=t.get_status_display(),
            due=t.inquiry.resolution_due,
            badge=badges[t.inquiry_id],
        )
        for t in tickets
    ]
    return live


def open_tickets(office: Office) -> QuerySet:
    """The office's tickets still open at their unit, the closest to its resolution due time first."""
    return (
        Ticket.objects.filter(office_id=office.pk)
        .exclude(status=Ticket.Status.ANSWERED)
        .order_by("inquiry__resolution_due", "created_at", "pk")
    )


def figure_inquiries(office: Office, figure: str, *, now: datetime, officer_id: int | None = None) -> QuerySet:
    """The inquiries behind one figure of an office's board, for the drill-down (due time first)."""
    qs = Inquiry.objects.filter(figure_filter(figure, now), office_id=office.pk)
    if officer_id is not None:
        qs = qs.filter(assigned_to_id=officer_id)
    order = (Coalesce("effective_start", "received_at"), "pk") if figure == "oldest" else None
    qs = qs.select_related("office", "account", "requester", "assigned_to")
    if order:
        return qs.order_by(*order)
    return qs.annotate(due=Coalesce("resolution_due", "response_due")).order_by(F("due").asc(nulls_last=True), "pk")


@dataclass
class RegionLive:
    """Offices of one region side by side, and their sum (the region's roll-up); ``region`` None: no region."""

    region: Office | None
    rows: list[OfficeLive]
    totals: dict[str, int]
    oldest: OfficeLive | None  # the office whose inquiry has waited longest, in working minutes

    @property
    def code(self) -> str:
        return self.region.code if self.region is not None else ""


TOTALS = (*FIGURES, "officers_on_duty", "tickets_open")


def by_region(summaries: list[OfficeLive]) -> list[RegionLive]:
    """Group the offices' figures by their regional office (a regional office with its own offices), with sums.

    Adds up figures already aggregated per office (a few hundred numbers at most), no query.
    """
    groups: dict[int | None, list[OfficeLive]] = {}
    regions: dict[int, Office] = {}
    for row in summaries:
        office = row.office
        region = office if office.kind == Office.Kind.REGIONAL else office.parent
        if region is not None and region.kind != Office.Kind.REGIONAL:
            region = None  # an office straight under the head office
        key = region.pk if region is not None else None
        if region is not None:
            regions[region.pk] = region
        groups.setdefault(key, []).append(row)
    result = []
    for key, rows in groups.items():
        rows.sort(key=lambda row: (row.office.pk != key, row.office.code))  # the regional office's own row first
        waited = [row for row in rows if row.oldest is not None]
        result.append(
            RegionLive(
                region=regions.get(key) if key is not None else None,
                rows=rows,
                totals={name: sum(getattr(row, name) for row in rows) for name in TOTALS},
                oldest=max(waited, key=lambda row: row.oldest.working_minutes) if waited else None,
            )
        )
    return sorted(result, key=lambda group: (group.region is None, group.code))
