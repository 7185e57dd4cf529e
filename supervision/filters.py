"""What a report covers: the period (day, week, month, custom; local dates), the offices (one office, one region,
or everything in the user's reach) and, for drill-downs, one slice (a channel, an officer, a topic, an hour...).

Parsed from the query string of the page, the drill-down, the exports and the API alike; who sees which office is
``supervision.access`` (never decided here).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from offices.models import Office
from offices.reach import office_ids_under
from tickets.permissions import staff_profile

from .access import own_figures_only, report_offices

# The reports cover this century at most: a date at the edge of Python's range would overflow once it becomes
# a time of day in an office's zone.
FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2099, 12, 31)
# A custom range is one year at most (the bench's year of data); longer ones are refused, not cut silently.
MAX_DAYS = 366
PERIOD_KINDS = ("day", "week", "month", "custom")


class FilterError(ValueError):
    """Bad report input: the message is for the person. ``status`` 404 for an office or region that is not in
    the user's reach (answered exactly like an unknown one), else 400."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Period:
    kind: str
    start: date  # first local date
    end: date  # last local date, inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of the same length just before this one."""
        return Period(self.kind, self.start - timedelta(days=self.days), self.start - timedelta(days=1))


@dataclass(frozen=True)
class Scope:
    """Offices and period of a report, and who it is for."""

    offices: tuple[Office, ...]
    period: Period
    office: Office | None = None  # the one office chosen
    region: Office | None = None  # the region chosen
    own_user_id: int | None = None  # an officer's own figures only
    zone: str = "Asia/Jakarta"  # the zone the dates are read in when one office is shown (else each office's)
    regions: tuple[Office, ...] = ()  # the regional offices this user may choose
    choosable: tuple[Office, ...] = ()  # the offices this user may choose
    slice: dict = field(default_factory=dict)  # drill-down filters (channel, officer, topic, hour, weekday, day)

    @property
    def office_ids(self) -> list[int]:
        return [office.pk for office in self.offices]


def _date(params, name: str) -> date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise FilterError(_("%(name)s: a date as YYYY-MM-DD.") % {"name": name}) from None
    if not FIRST_DATE <= value <= LAST_DATE:
        raise FilterError(
            _("%(name)s: a date from %(first)s to %(last)s.") % {"name": name, "first": FIRST_DATE, "last": LAST_DATE}
        )
    return value


def parse_period(params, today: date) -> Period:
    """``period=day|week|month`` around ``on`` (default today), or ``from``/``to`` (custom). Default: this month
    so far. ``from``/``to`` without ``period`` is a custom range (what the API sends)."""
    kind = (params.get("period") or "").strip()
    start, end = _date(params, "from"), _date(params, "to")
    if not kind:
        kind = "custom" if start or end else "month"
    if kind not in PERIOD_KINDS:
        raise FilterError(_("period: one of day, week, month, custom."))
    if kind == "custom":
        start = start or (end or today).replace(day=1)
        end = end or max(start, today)
        if end < start:
            raise FilterError(_("The end of the period comes before its start."))
        if (end - start).days + 1 > MAX_DAYS:
            raise FilterError(_("A period is at most %(n)s days.") % {"n": MAX_DAYS})
        return Period(kind, start, end)
    on = _date(params, "on") or today
    if kind == "day":
        return Period(kind, on, on)
    if kind == "week":
        monday = on - timedelta(days=on.weekday())
        return Period(kind, monday, monday + timedelta(days=6))
    first = on.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    last = following - timedelta(days=1)
    if first <= today <= last:  # this month: so far
        last = today
    return Period(kind, first, last)


def _profile_zone(user) -> str:
    profile = staff_profile(user)
    return profile.office.timezone if profile else "Asia/Jakarta"


def parse_scope(user, params, *, slices: bool = False) -> Scope:
    """The report scope of ``params`` for ``user``. An office or region outside the user's reach is refused
    exactly like an unknown one (FilterError), so nothing tells one office's staff what other offices exist."""
    own = own_figures_only(user)
    if own:
        profile = staff_profile(user)
        reach = [profile.office]
    else:
        reach = list(report_offices(user).order_by("code"))
    by_code = {office.code: office for office in reach}
    regions = tuple(office for office in reach if office.kind in (Office.Kind.REGIONAL, Office.Kind.HEAD_OFFICE))
    office_code = (params.get("office") or "").strip()
    region_code = (params.get("region") or "").strip()
    office = region = None
    offices = reach
    if office_code:
        office = by_code.get(office_code)
        if office is None:
            raise FilterError(_("office: no office with this code in your reach."), status=404)
        offices = [office]
    elif region_code:
        region = by_code.get(region_code)
        if region is None or region not in regions:
            raise FilterError(_("region: no regional office with this code in your reach."), status=404)
        under = office_ids_under(region.pk)
        offices = [item for item in reach if item.pk in under]
    if office is not None:
        zone = office.timezone
    elif len({item.timezone for item in offices}) == 1 and offices:
        zone = offices[0].timezone
    else:
        zone = _profile_zone(user)
    today = timezone.now().astimezone(_zoneinfo(zone)).date()
    period = parse_period(params, today)
    return Scope(
        offices=tuple(offices),
        period=period,
        office=office,
        region=region,
        own_user_id=user.pk if own else None,
        zone=zone,
        regions=regions,
        choosable=tuple(reach),
        slice=parse_slice(params) if slices else {},
    )


def _zoneinfo(zone: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(zone)


def _int(params, name: str, low: int, high: int) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise FilterError(
            _("%(name)s: a whole number from %(low)s to %(high)s.") % {"name": name, "low": low, "high": high}
        )
    return value


def parse_slice(params) -> dict:
    """The drill-down's slice: which figure (``metric``) of which group."""
    from .reports import METRICS  # the figures' definitions live with the aggregation

    found = {}
    metric = (params.get("metric") or "received").strip()
    if metric not in METRICS:
        raise FilterError(_("metric: not a figure of the report."))
    found["metric"] = metric
    for name in ("channel", "topic"):
        value = (params.get(name) or "").strip()
        if value:
            if len(value) > 40:
                raise FilterError(_("%(name)s: too long.") % {"name": name})
            found[name] = value
    for name, low, high in (("officer", 1, 2**31 - 1), ("hour", 0, 23), ("weekday", 1, 7)):
        value = _int(params, name, low, high)
        if value is not None:
            found[name] = value
    day = _date(params, "day")
    if day is not None:
        found["day"] = day
    rated = (params.get("rated") or "").strip()
    if rated:  # the officer scorecards' survey figure: only the inquiries the requester rated
        if rated != "1":
            raise FilterError(_("rated: 1 or nothing."))
        found["rated"] = True
    return found
