"""Officer scorecards (clause b.8.1; issue 14 point 9): per officer and month, comparable across an office.

Every figure is a count or an aggregate of one definition, computed in SQL in a fixed number of queries, and
each (but the complaints') is the list behind it: the drill-down ``/sla/inquiries/`` with the same office,
month, officer and figure (``links``). Nothing is a weighted score.

What an officer is credited with: the inquiries **received in the month** (each office's local dates, as in the
period report) whose answer (or ticket number) this officer sent, the ``response_met_by`` the SLA engine stamps
when the answer is delivered, in time or late. Of those:
- ``answered``: the answers delivered (drill-down ``metric=answered&officer=``);
- ``response_met`` / ``response_breached`` and their rate (met over met + breached);
- the median and 90th percentile of the working minutes to answer (``percentile_cont`` on PostgreSQL; on SQLite
  the rows of each officer are ranked by a window function in SQL and the two around each rank come back);
- ``escalated`` (a resolution target started), ``resolution_met`` / ``resolution_breached`` and their rate;
- the survey (``Inquiry.rating``, 1–5, asked after the answer): average and number of ratings (drill-down
  ``rated=1``), credited to the same officer;
- substantiated complaints about the officer concluded in the month: a count from ``complaints`` through
  ``tickets.officer_figures`` (it decides who may see counts; never to the officer themselves), with no link.

Who sees which rows is ``supervision.access`` (through ``filters.parse_scope``): an officer their own row;
coordinators and heads their office; regional staff their region; head office all.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Avg, Count, F, Q
from django.utils.translation import gettext as _

from offices.models import Role, StaffProfile
from sla.models import TargetStatus
from tickets.models import Inquiry
from tickets.officer_figures import OfficerWindow, complaint_figures

from .filters import FilterError, Period, Scope, parse_scope
from .reports import PercentileCont
from .reports import _interpolate as interpolate

S = TargetStatus
SECONDS = "response_working_seconds"
FIRST_YEAR, LAST_YEAR = 2000, 2099


# The figures each row counts, with the drill-down figure (``reports.METRICS``) and slice behind each.
COUNTS = {
    "answered": Q(response_working_seconds__isnull=False),
    "response_met": Q(response_status=S.MET),
    "response_breached": Q(response_status=S.BREACHED),
    "escalated": ~Q(resolution_status=S.NONE),
    "resolution_met": Q(resolution_status=S.MET),
    "resolution_breached": Q(resolution_status=S.BREACHED),
    "rated": Q(rating__isnull=False),
}
DRILL = {
    "answered": {"metric": "answered"},
    "response_met": {"metric": "response_met"},
    "response_breached": {"metric": "response_breached"},
    "escalated": {"metric": "escalated"},
    "resolution_met": {"metric": "resolution_met"},
    "resolution_breached": {"metric": "resolution_breached"},
    "rated": {"metric": "received", "rated": "1"},
}


@dataclass
class Row:
    office_id: int
    office_code: str
    officer_id: int
    name: str
    answered: int = 0
    response_met: int = 0
    response_breached: int = 0
    response_met_rate: float | None = None
    minutes_median: float | None = None
    minutes_p90: float | None = None
    escalated: int = 0
    resolution_met: int = 0
    resolution_breached: int = 0
    resolution_met_rate: float | None = None
    rated: int = 0
    rating_average: float | None = None
    substantiated: int | None = None  # None: not shown to this viewer
    links: dict | None = None


# --- The month -----------------------------------------------------------------------------------------------
def parse_month(raw: str | None) -> date | None:
    """``YYYY-MM`` → its first day; empty → None (this month); anything else a FilterError."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        year, month = raw.split("-")
        first = date(int(year), int(month), 1)
    except ValueError:
        raise FilterError(_("month: a month as YYYY-MM.")) from None
    if not FIRST_YEAR <= first.year <= LAST_YEAR or len(year) != 4:
        raise FilterError(_("month: a month as YYYY-MM."))
    return first


def scorecard_scope(user, params) -> Scope:
    """The offices (``office=``, ``region=`` or the user's reach) and the month (``month=YYYY-MM``, default this
    one, so far) of a scorecard page; the month is the report's ``period=month`` so the links list the same."""
    first = parse_month(params.get("month"))
    query = {name: params.get(name) for name in ("office", "region") if params.get(name)}
    query["period"] = "month"
    if first is not None:
        query["on"] = first.isoformat()
    return parse_scope(user, query)


def _bounds(offices, period: Period) -> dict[str, tuple[list[int], datetime, datetime]]:
    """Per zone: its offices and the month's local midnights."""
    zones = defaultdict(list)
    for office in offices:
        zones[office.timezone].append(office.pk)
    found = {}
    for zone, ids in sorted(zones.items()):
        tz = ZoneInfo(zone)
        found[zone] = (
            ids,
            datetime.combine(period.start, time(0), tzinfo=tz),
            datetime.combine(period.end + timedelta(days=1), time(0), tzinfo=tz),
        )
    return found


def _received_q(bounds) -> Q:
    if not bounds:
        return Q(pk__in=[])
    widest = Q(
        office_id__in=[pk for ids, _s, _e in bounds.values() for pk in ids],
        received_at__gte=min(start for _ids, start, _e in bounds.values()),
        received_at__lt=max(end for _ids, _s, end in bounds.values()),
    )
    if len(bounds) == 1:
        return widest
    exact = Q(pk__in=[])
    for ids, start, end in bounds.values():
        exact |= Q(office_id__in=ids, received_at__gte=start, received_at__lt=end)
    return widest & exact


def credited_inquiries(scope: Scope):
    """The inquiries the scorecards count: received in the month, answered by an officer (see the module)."""
    qs = Inquiry.objects.filter(_received_q(_bounds(scope.offices, scope.period)), response_met_by__isnull=False)
    if scope.own_user_id is not None:
        qs = qs.filter(response_met_by_id=scope.own_user_id)
    return qs


# --- Percentiles on SQLite -----------------------------------------------------------------------------------
def _ranked_percentiles(qs, fractions=(0.5, 0.9)) -> dict[tuple[int, int], dict[float, float | None]]:
    """{(office, officer): {fraction: seconds}}, ranked in SQL: at most four rows an officer come back."""
    inner = (
        qs.filter(response_working_seconds__isnull=False)
        .order_by()
        .annotate(_o=F("office_id"), _u=F("response_met_by_id"), _v=F(SECONDS))
        .values_list("_o", "_u", "_v")
    )
    sql, params = inner.query.sql_with_params()
    wanted = " OR ".join(
        f"(rn >= CAST(1 + {f!r} * (n - 1) AS INTEGER) AND rn <= CAST(1 + {f!r} * (n - 1) AS INTEGER) + 1)"
        for f in fractions
    )
    ranked_sql = (
        "SELECT o, u, n, rn, v FROM ("  # noqa: S608 - the inner query is Django's, with its parameters
        "SELECT t._o AS o, t._u AS u, t._v AS v, "
        "ROW_NUMBER() OVER (PARTITION BY t._o, t._u ORDER BY t._v) AS rn, "
        "COUNT(*) OVER (PARTITION BY t._o, t._u) AS n "
        f"FROM ({sql}) t) ranked WHERE {wanted}"
    )
    ranks, sizes = defaultdict(dict), {}
    with connection.cursor() as cursor:
        cursor.execute(ranked_sql, params)
        for office, officer, n, rank, value in cursor.fetchall():
            ranks[(office, officer)][rank] = float(value)
            sizes[(office, officer)] = n
    return {key: {f: interpolate(ranks[key], sizes[key], f) for f in fractions} for key in ranks}


# --- The figures ---------------------------------------------------------------------------------------------
def _rate(met: int, breached: int) -> float | None:
    decided = met + breached
    return round(100 * met / decided, 1) if decided else None


def _minutes(seconds) -> float | None:
    return round(float(seconds) / 60, 1) if seconds is not None else None


def _aggregated(qs) -> dict[tuple[int, int], dict]:
    """One GROUP BY office, officer (plus the ranked query on SQLite)."""
    postgres = connection.vendor == "postgresql"
    aggregates = {name: Count("pk", filter=q) for name, q in COUNTS.items()}
    aggregates["rating_average"] = Avg("rating")
    if postgres:
        aggregates["seconds_median"] = PercentileCont(SECONDS, 0.5)
        aggregates["seconds_p90"] = PercentileCont(SECONDS, 0.9)
    rows = qs.order_by().values("office_id", "response_met_by_id").annotate(**aggregates)
    found = {(row.pop("office_id"), row.pop("response_met_by_id")): row for row in rows}
    if not postgres:
        for key, values in _ranked_percentiles(qs).items():
            if key in found:
                found[key]["seconds_median"] = values[0.5]
                found[key]["seconds_p90"] = values[0.9]
    return found


def _names(scope: Scope, figure_ids: set[int]) -> dict[int, tuple[int | None, str]]:
    """{user id: (their office id, name)}: the officers of the offices (listed even with no figure) and anyone
    with a figure; an officer viewing sees their own row only."""
    if scope.own_user_id is not None:
        wanted = Q(user_id=scope.own_user_id)
    else:
        wanted = Q(office_id__in=scope.office_ids, role=Role.OFFICER) | Q(user_id__in=figure_ids)
    found = {}
    for profile in StaffProfile.objects.filter(wanted).select_related("user"):
        user = profile.user
        found[user.pk] = (profile.office_id, user.get_full_name() or user.get_username())
    missing = (figure_ids | ({scope.own_user_id} if scope.own_user_id else set())) - set(found)
    if missing:  # someone without a staff profile answered (a superuser): named, no office of their own
        for user in get_user_model().objects.filter(pk__in=missing):
            found[user.pk] = (None, user.get_full_name() or user.get_username())
    return found


def _link(base: str, scope: Scope, row: Row, figure: str) -> str:
    query = {
        "office": row.office_code,
        "period": "month",
        "on": scope.period.start.isoformat(),
        **DRILL[figure],
        "officer": row.officer_id,
    }
    return f"{base}?{urlencode(query)}"


def officer_scorecards(scope: Scope, *, viewer, drill_base: str = "/sla/inquiries/") -> list[Row]:
    """The rows of the scope's month, sorted by office and name (see the module for each figure)."""
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")  # as the period report: compiling costs more than running
            return _scorecards(scope, viewer=viewer, drill_base=drill_base)
    return _scorecards(scope, viewer=viewer, drill_base=drill_base)


def _scorecards(scope: Scope, *, viewer, drill_base: str) -> list[Row]:
    offices = {office.pk: office for office in scope.offices}
    if not offices:
        return []
    figures = _aggregated(credited_inquiries(scope))
    names = _names(scope, {officer for _office, officer in figures})
    keys = set(figures)
    for user_id, (office_id, _name) in names.items():
        if office_id in offices and not any(officer == user_id for _o, officer in keys):
            keys.add((office_id, user_id))
    rows = []
    for office_id, officer_id in keys:
        if office_id not in offices:
            continue
        values = figures.get((office_id, officer_id), {})
        row = Row(
            office_id=office_id,
            office_code=offices[office_id].code,
            officer_id=officer_id,
            name=names.get(officer_id, (None, str(officer_id)))[1],
        )
        for name in COUNTS:
            setattr(row, name, values.get(name, 0))
        row.response_met_rate = _rate(row.response_met, row.response_breached)
        row.resolution_met_rate = _rate(row.resolution_met, row.resolution_breached)
        row.minutes_median = _minutes(values.get("seconds_median"))
        row.minutes_p90 = _minutes(values.get("seconds_p90"))
        average = values.get("rating_average")
        row.rating_average = round(float(average), 2) if average is not None else None
        row.links = {figure: _link(drill_base, scope, row, figure) for figure in DRILL}
        rows.append(row)
    _complaint_counts(scope, rows, viewer=viewer)
    rows.sort(key=lambda row: (row.office_code, row.name.lower(), row.officer_id))
    return rows


def _complaint_counts(scope: Scope, rows: list[Row], *, viewer) -> None:
    """Substantiated complaints per officer, in one query through the slot; never shown to the officer it is
    about (their own row stays empty), nor to whom complaints' rule gives no counts."""
    provider = complaint_figures()
    if provider is None or not rows:
        return
    by_office = defaultdict(set)
    for row in rows:
        if row.officer_id != viewer.pk:
            by_office[row.office_id].add(row.officer_id)
    windows = []
    for ids, since, until in _bounds(scope.offices, scope.period).values():
        officers = set().union(*(by_office.get(pk, set()) for pk in ids))
        if officers:
            windows.append(OfficerWindow(officer_ids=tuple(sorted(officers)), since=since, until=until))
    if not windows:
        return
    counts = provider.substantiated_counts(viewer=viewer, windows=windows)
    if counts is None:
        return
    for row in rows:
        if row.officer_id != viewer.pk:
            row.substantiated = counts.get(row.officer_id, 0)


# --- The export ----------------------------------------------------------------------------------------------
def export_header() -> list[str]:
    return [
        _("Office"),
        _("Officer"),
        _("Inquiries answered"),
        _("Response met"),
        _("Response breached"),
        _("Response met rate (%)"),
        _("Median working minutes"),
        _("90th percentile working minutes"),
        _("Escalated"),
        _("Resolution met"),
        _("Resolution breached"),
        _("Resolution met rate (%)"),
        _("Survey average (1–5)"),
        _("Survey responses"),
        _("Substantiated complaints"),
    ]


def export_row(row: Row) -> list:
    return [
        row.office_code,
        row.name,
        row.answered,
        row.response_met,
        row.response_breached,
        row.response_met_rate,
        row.minutes_median,
        row.minutes_p90,
        row.escalated,
        row.resolution_met,
        row.resolution_breached,
        row.resolution_met_rate,
        row.rating_average,
        row.rated,
        row.substantiated,
    ]
