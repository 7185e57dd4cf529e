"""The period reports (clauses b.4, b.6): every figure aggregated in the database, a fixed number of queries.

One definition of each figure (``METRICS``: the rows it counts, as a ``Q``) serves the aggregates, the drill-down
lists behind them and the exports. Response times are the working seconds ``sla.services.target_met`` stamps when
the answer (or the ticket number) is delivered, pauses left out (``response_working_seconds``): median and 90th
percentile with ``percentile_cont`` on PostgreSQL, in the same query as the counts; SQLite (the embedded shape)
ranks the delivered rows of each group with a window function in SQL and reads the two rows around each rank
(at most four rows a group come back, never the table).

Dates are local: each office's inquiries count from 00:00 of the first date to 24:00 of the last date in that
office's own zone (a region spanning WIB and WITA offices is cut at each office's midnight); hours and weekdays of
the heatmap are each office's local ones too.

Breach causes are derived from what is stored, in SQL (``CAUSES``):
- response target breached
  - ``delivery_failed``: an officer sent the answer or the ticket number before the due time, but the channel
    confirmed it only later, or never;
  - ``no_officer``: no officer of the office was on duty when it arrived (``Inquiry.on_duty_at_receipt`` = 0);
  - ``assigned_late``: officers were on duty, but nobody held it before the due time (assigned after it, or
    never; ``Inquiry.assigned_at`` is the first assignment);
  - ``answered_late``: an officer held it before the due time and nothing was sent in time;
- resolution target breached
  - ``delivery_failed``: the unit gave its final answer before the due time, the delivery came later;
  - ``waiting_at_unit``: the unit's final answer came after the due time, or has not come.
"""

import math
import re
from collections import defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Avg,
    BigIntegerField,
    Case,
    CharField,
    Count,
    DateField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, ExtractHour, ExtractIsoWeekDay, TruncDate, TruncHour
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from offices.models import Office
from sla.models import TargetStatus
from tickets.models import Inquiry, Message, Ticket, Topic

from .filters import Period, Scope
from .models import HOURS, SUMMARY_COUNTS, DayFigures, DayMinutes, SummaryChange, SummaryDay, SummaryState

S = TargetStatus
WORKING_SECONDS = "response_working_seconds"


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate: ``percentile_cont(0.9) WITHIN GROUP (ORDER BY x)`` (NULLs ignored)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


# --- What each figure counts -------------------------------------------------------------------------------
_sent_in_time = Exists(
    Message.objects.filter(
        inquiry=OuterRef("pk"),
        direction=Message.Direction.OUTBOUND,
        kind__in=[Message.Kind.ANSWER, Message.Kind.TICKET_NUMBER],
        created_at__lte=OuterRef("response_due"),
    )
)
_unit_answered_in_time = Exists(
    Ticket.objects.filter(
        inquiry=OuterRef("pk"), answered_at__isnull=False, answered_at__lte=OuterRef("resolution_due")
    )
)
_response_breached = Q(response_status=S.BREACHED)
_resolution_breached = Q(resolution_status=S.BREACHED)

# (upper bound in working minutes or None for "later", label); bins hold delivered responses only.
BINS = [
    ("m15", 0, 15, _("≤ 15 min")),
    ("m30", 15, 30, _("15–30 min")),
    ("m45", 30, 45, _("30–45 min")),
    ("m55", 45, 55, _("45–55 min")),
    ("m120", 55, 120, _("55–120 min")),
    ("later", 120, None, _("later")),
]


def _bin_q(low: int, high: int | None) -> Q:
    q = Q(response_working_seconds__isnull=False)
    if low:
        q &= Q(response_working_seconds__gt=low * 60)
    if high is not None:
        q &= Q(response_working_seconds__lte=high * 60)
    return q


CAUSES = {
    "response_delivery_failed": (
        _("Response: sent in time, delivered late or not at all"),
        _response_breached & Q(_sent_in_time),
    ),
    "response_no_officer": (
        _("Response: no officer on duty when it arrived"),
        _response_breached & ~Q(_sent_in_time) & Q(on_duty_at_receipt=0),
    ),
    "response_assigned_late": (
        _("Response: assigned late or never (officers were on duty)"),
        _response_breached
        & ~Q(_sent_in_time)
        & ~Q(on_duty_at_receipt=0)
        & (Q(assigned_to__isnull=True) | Q(assigned_at__gt=F("response_due"))),
    ),
    "response_answered_late": (
        _("Response: assigned in time, answered late or not yet"),
        _response_breached
        & ~Q(_sent_in_time)
        & ~Q(on_duty_at_receipt=0)
        & Q(assigned_to__isnull=False)
        & (Q(assigned_at__isnull=True) | Q(assigned_at__lte=F("response_due"))),
    ),
    "resolution_waiting_at_unit": (
        _("Resolution: waiting at the unit"),
        _resolution_breached & ~Q(_unit_answered_in_time),
    ),
    "resolution_delivery_failed": (
        _("Resolution: unit answered in time, delivered late or not at all"),
        _resolution_breached & Q(_unit_answered_in_time),
    ),
}

METRICS: dict[str, tuple] = {
    "received": (_("Received"), Q()),
    "response_met": (_("Response met"), Q(response_status=S.MET)),
    "response_breached": (_("Response breached"), _response_breached),
    "response_running": (_("Response running"), Q(response_status=S.RUNNING)),
    "not_counted": (_("Not counted (no reply, spam, duplicate)"), Q(response_status=S.CANCELLED)),
    "normal_met": (_("Normal target met"), Q(response_status=S.MET, late_arrival=False)),
    "normal_breached": (_("Normal target breached"), Q(response_status=S.BREACHED, late_arrival=False)),
    "late_arrivals": (_("Late arrivals"), Q(late_arrival=True)),
    "late_met": (_("Late-arrival target met"), Q(response_status=S.MET, late_arrival=True)),
    "late_breached": (_("Late-arrival target breached"), Q(response_status=S.BREACHED, late_arrival=True)),
    "escalated": (_("Escalated"), ~Q(resolution_status=S.NONE)),
    "resolution_met": (_("Resolution met"), Q(resolution_status=S.MET)),
    "resolution_breached": (_("Resolution breached"), _resolution_breached),
    "resolution_running": (_("Resolution running"), Q(resolution_status=S.RUNNING)),
    "answered": (_("Responses delivered"), Q(response_working_seconds__isnull=False)),
    "unanswered_breached": (
        _("Breached, not answered yet"),
        Q(response_status=S.BREACHED, response_met_at__isnull=True),
    ),
    **{f"bin_{key}": (label, _bin_q(low, high)) for key, low, high, label in BINS},
    **{f"cause_{key}": value for key, value in CAUSES.items()},
}
# The figures aggregated for the whole scope (the drill-down can list any of METRICS)...
COUNTED = list(METRICS)
# ... and for each group (office, region, channel, officer, topic) and the previous period: the counts and rates;
# the distribution and the causes are the scope's (compiling their subqueries once per group costs more than
# the database does).
GROUP_COUNTED = [
    "received",
    "response_met",
    "response_breached",
    "response_running",
    "not_counted",
    "normal_met",
    "normal_breached",
    "late_arrivals",
    "late_met",
    "late_breached",
    "escalated",
    "resolution_met",
    "resolution_breached",
    "resolution_running",
]


def metric_label(name: str) -> str:
    return str(METRICS[name][0])


def _aggregates(*, percentiles: bool, names=GROUP_COUNTED) -> dict:
    found = {}
    for name in names:
        q = METRICS[name][1]
        found[name] = Count("pk", filter=q) if q else Count("pk")
    found["response_seconds_mean"] = Avg(WORKING_SECONDS)
    if percentiles:
        found["response_seconds_median"] = PercentileCont(WORKING_SECONDS, 0.5)
        found["response_seconds_p90"] = PercentileCont(WORKING_SECONDS, 0.9)
    return found


def _uses_percentile_cont() -> bool:
    return connection.vendor == "postgresql"


# --- Local time in each office's zone ------------------------------------------------------------------------
def _zones(offices) -> dict[str, list[int]]:
    zones = defaultdict(list)
    for office in offices:
        zones[office.timezone].append(office.pk)
    return dict(sorted(zones.items()))


def period_q(offices, period: Period) -> Q:
    """Inquiries of these offices received on the period's local dates, each office in its own zone.

    Written as one range over every office (what the index ``inquiry_office_received`` is read by, index only)
    narrowed to each zone's own midnights when the offices have more than one zone.
    """
    zones = _zones(offices)
    bounds = {}
    for zone in zones:
        tz = ZoneInfo(zone)
        bounds[zone] = (
            datetime.combine(period.start, time(0), tzinfo=tz),
            datetime.combine(period.end + timedelta(days=1), time(0), tzinfo=tz),
        )
    if not zones:
        return Q(pk__in=[])
    widest = Q(
        office_id__in=[pk for ids in zones.values() for pk in ids],
        received_at__gte=min(start for start, _end in bounds.values()),
        received_at__lt=max(end for _start, end in bounds.values()),
    )
    if len(zones) == 1:
        return widest
    exact = Q(pk__in=[])
    for zone, ids in zones.items():
        start, end = bounds[zone]
        exact |= Q(office_id__in=ids, received_at__gte=start, received_at__lt=end)
    return widest & exact


def local_part(function, offices, output_field):
    """``function("received_at", tzinfo=zone)`` with each office's own zone (a CASE when zones differ)."""
    zones = _zones(offices)
    if len(zones) <= 1:
        zone = next(iter(zones), "UTC")
        return function("received_at", tzinfo=ZoneInfo(zone))
    return Case(
        *[When(office_id__in=ids, then=function("received_at", tzinfo=ZoneInfo(zone))) for zone, ids in zones.items()],
        output_field=output_field,
    )


def local_hour(offices):
    return local_part(ExtractHour, offices, IntegerField())


def local_weekday(offices):
    return local_part(ExtractIsoWeekDay, offices, IntegerField())


def local_day(offices):
    return local_part(TruncDate, offices, DateField())


# --- The rows a scope covers ---------------------------------------------------------------------------------
def scoped_inquiries(scope: Scope, period: Period | None = None):
    period = period or scope.period
    qs = Inquiry.objects.filter(period_q(scope.offices, period))
    if scope.own_user_id is not None:
        qs = qs.filter(Q(assigned_to_id=scope.own_user_id) | Q(response_met_by_id=scope.own_user_id))
    return qs


def sliced_inquiries(scope: Scope):
    """The rows behind one figure of one group (the drill-down): the scope, the metric, the slice."""
    qs = scoped_inquiries(scope).filter(METRICS[scope.slice.get("metric", "received")][1])
    part = scope.slice
    if "channel" in part:
        qs = qs.filter(account__kind=part["channel"])
    if "officer" in part:
        qs = qs.filter(response_met_by_id=part["officer"])
    if "topic" in part:
        qs = qs.filter(topics__slug=part["topic"])
    if "hour" in part:
        qs = qs.annotate(_hour=local_hour(scope.offices)).filter(_hour=part["hour"])
    if "weekday" in part:
        qs = qs.annotate(_weekday=local_weekday(scope.offices)).filter(_weekday=part["weekday"])
    if "day" in part:
        qs = qs.annotate(_day=local_day(scope.offices)).filter(_day=part["day"])
    return qs


def _periods_inquiries(scope: Scope, previous: Period):
    """The rows of this period and of the previous one (contiguous: one range)."""
    return scoped_inquiries(scope, Period(scope.period.kind, previous.start, scope.period.end))


def topics_position(topics: dict, slug) -> int:
    return next((topic.position for topic in topics.values() if topic.slug == slug), 0)


# --- Percentiles on SQLite -----------------------------------------------------------------------------------
def _interpolate(ranked: dict[int, float], n: int, fraction: float) -> float | None:
    """percentile_cont: the value at rank 1 + f·(n − 1), between the two rows around it."""
    if not n:
        return None
    position = 1 + fraction * (n - 1)
    low = math.floor(position + 1e-9)
    low_value = ranked.get(low)
    if low_value is None:
        return None
    high_value = ranked.get(low + 1, low_value)
    return low_value + (position - low) * (high_value - low_value)


def window_percentiles(qs, group, fractions=(0.5, 0.9)) -> dict:
    """{group value: {fraction: seconds}} of the delivered responses of ``qs`` per group (``group`` an
    expression or None for one group), ranked in SQL; a handful of rows come back per group."""
    inner = qs.filter(response_working_seconds__isnull=False).annotate(_g=group if group is not None else Value(0))
    inner = inner.order_by().values_list("_g", WORKING_SECONDS)
    sql, params = inner.query.sql_with_params()
    wanted = " OR ".join(
        f"(rn >= CAST(1 + {f!r} * (n - 1) AS INTEGER) AND rn <= CAST(1 + {f!r} * (n - 1) AS INTEGER) + 1)"
        for f in fractions
    )
    ranked_sql = (
        "SELECT g, n, rn, v FROM ("  # noqa: S608 - the inner query is Django's, with its parameters
        f"SELECT t._g AS g, t.{WORKING_SECONDS} AS v, "
        f"ROW_NUMBER() OVER (PARTITION BY t._g ORDER BY t.{WORKING_SECONDS}) AS rn, "
        "COUNT(*) OVER (PARTITION BY t._g) AS n "
        f"FROM ({sql}) t) ranked WHERE {wanted}"
    )
    rows = defaultdict(dict)
    sizes = {}
    with connection.cursor() as cursor:
        cursor.execute(ranked_sql, params)
        for key, n, rank, value in cursor.fetchall():
            rows[key][rank] = float(value)
            sizes[key] = n
    return {key: {f: _interpolate(rows[key], sizes[key], f) for f in fractions} for key in rows}


# --- Grouping sets on PostgreSQL ------------------------------------------------------------------------------
_GROUP_BY = re.compile(r" GROUP BY ((?:\d+, )*\d+)$")


def _grouping_sets(qs, keys: dict, sets: list[tuple[str, ...]]) -> dict[str, list[dict]]:
    """Several groupings of ``qs`` in one scan: ``GROUP BY GROUPING SETS ((office), (channel), ...)``.

    Django compiles the query grouped by every key (PostgreSQL groups by select positions: ``GROUP BY 1, 2``);
    only that clause is rewritten. A row belongs to the set whose keys it has (no key is ever NULL in a row:
    the CASEs have defaults), so ``{"office": rows, "weekday,hour": rows, ...}``.
    """
    aliases = {name: f"k_{name}" for name in keys}
    grouped = (
        qs.order_by()
        .annotate(**{aliases[name]: expression for name, expression in keys.items()})
        .values(*aliases.values())
        .annotate(**_aggregates(percentiles=True))
    )
    sql, params = grouped.query.sql_with_params()
    match = _GROUP_BY.search(sql)
    if match is None:  # not the shape this relies on: say so rather than answer wrongly
        raise RuntimeError("unexpected GROUP BY in the report query")
    positions = dict(zip(keys, match.group(1).split(", "), strict=True))
    clause = ", ".join("(" + ", ".join(positions[name] for name in grouping) + ")" for grouping in sets)
    sql = f"{sql[: match.start()]} GROUP BY GROUPING SETS ({clause})"
    found: dict[str, list[dict]] = {",".join(grouping): [] for grouping in sets}
    by_keys = {frozenset(grouping): ",".join(grouping) for grouping in sets}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column.name for column in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(columns, values, strict=True))
            present = frozenset(name for name, alias in aliases.items() if row.get(alias) is not None)
            target = by_keys.get(present)
            if target is None:
                continue
            for name, alias in aliases.items():
                value = row.pop(alias)
                if name in present:
                    row[name] = value
            for name in ("response_seconds_mean", "response_seconds_median", "response_seconds_p90"):
                if row.get(name) is not None:
                    row[name] = float(row[name])
            if len(present) == 1:
                row["key"] = row[next(iter(present))]
            found[target].append(_finish(row))
    return found


# --- Grouped figures -----------------------------------------------------------------------------------------
def _finish(row: dict) -> dict:
    """Rates and minutes from the counts of one row (no row of the table is read here)."""
    decided = row["response_met"] + row["response_breached"]
    row["response_met_rate"] = round(100 * row["response_met"] / decided, 1) if decided else None
    decided = row["normal_met"] + row["normal_breached"]
    row["normal_met_rate"] = round(100 * row["normal_met"] / decided, 1) if decided else None
    decided = row["late_met"] + row["late_breached"]
    row["late_met_rate"] = round(100 * row["late_met"] / decided, 1) if decided else None
    decided = row["resolution_met"] + row["resolution_breached"]
    row["resolution_met_rate"] = round(100 * row["resolution_met"] / decided, 1) if decided else None
    for name in ("mean", "median", "p90"):
        seconds = row.pop(f"response_seconds_{name}", None)
        row[f"response_minutes_{name}"] = round(seconds / 60, 1) if seconds is not None else None
    return row


def _grouped(qs, key: str | None, expression=None, names: dict | None = None, *, full: bool = False) -> list[dict]:
    """One aggregate query per grouping (plus, on SQLite, one ranked query for its percentiles)."""
    pg = _uses_percentile_cont()
    aggregates = _aggregates(percentiles=pg, names=COUNTED if full else GROUP_COUNTED)
    if key is None:
        rows = [{"key": None, **qs.aggregate(**aggregates)}]
    else:
        grouped = qs.order_by().annotate(key=expression).values("key").annotate(**aggregates)
        rows = list(grouped.order_by("key"))
    if not pg:
        found = window_percentiles(qs, expression if key is not None else None)
        for row in rows:
            values = found.get(row["key"] if key is not None else 0, {})
            row["response_seconds_median"] = values.get(0.5)
            row["response_seconds_p90"] = values.get(0.9)
    rows = [_finish(row) for row in rows]
    if names is not None:
        for row in rows:
            row["label"] = names.get(row["key"], row["key"])
    return rows


def _officer_names(ids) -> dict:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(pk__in=[i for i in ids if i is not None])
    return {user.pk: user.get_full_name() or user.get_username() for user in users}


def _channel_names() -> dict:
    from channels_intake.adapters import channel_label

    class Names(dict):
        def __missing__(self, key):
            label = channel_label(key or "")
            return str(_(label)) if label else key

    return Names()


# PostgreSQL compiles a query whose estimated cost is high enough (jit_above_cost) to machine code: for these
# aggregates it spent 1.9 s compiling a query that runs in 0.3 s (docs/reports.md). The report's own
# transaction turns it off, and gives the sorts of the percentiles room in memory.
REPORT_SETTINGS = ("SET LOCAL jit = off", "SET LOCAL work_mem = '32MB'")


def period_report(scope: Scope, *, language: str = "id") -> dict:
    """Every figure of the period report for the scope, inside one transaction (see ``REPORT_SETTINGS``)."""
    if connection.vendor != "postgresql":
        return _period_report(scope, language=language)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("; ".join(REPORT_SETTINGS))
        return _period_report(scope, language=language)


def _period_report(scope: Scope, *, language: str = "id") -> dict:
    """Every figure of the period report for the scope (see the module docstring). Queries: this period and the
    previous one (one scan, grouped by period), office, region, channel, officer, topic, heatmap, trend, and the
    names of the regions, channels, officers and topics; on SQLite one more per grouping for the percentiles.
    No grouping joins another table but the topics: regions and channels are CASEs over the office and the
    channel account (the index holds both).

    A roll-up (more than one office, not an officer's own figures) whose days are all in the daily summary is
    read from it instead (``_summary_figures``): the same figures, percentiles to the minute, in as many queries;
    whether the summary covers the period is asked in the channel accounts' query (no extra query)."""
    from channels_intake.models import ChannelAccount

    offices_by_id = {office.pk: office for office in scope.offices}
    previous_period = scope.period.previous()
    parents = defaultdict(list)
    for office in scope.offices:
        parents[office.parent_id].append(office.pk)
    roll_up = len(scope.offices) > 1 and len(parents) > 1
    region = Case(
        *[When(office_id__in=ids, then=Value(parent)) for parent, ids in parents.items() if parent],
        When(office_id=-1, then=Value(0)),  # never true: keeps the CASE out of the constants (see channel)
        default=Value(0),
        output_field=IntegerField(),
    )
    accounts = ChannelAccount.objects.filter(office_id__in=scope.office_ids)
    summary_wanted = _summary_candidate(scope)
    if summary_wanted:
        accounts = accounts.annotate(
            _covered=_summary_coverage(scope.offices, previous_period.start, scope.period.end),
            _as_of=Subquery(SummaryState.objects.filter(pk=1).values("refreshed_at")[:1]),
        )
        found_accounts = list(accounts.values_list("pk", "kind", "_covered", "_as_of"))
    else:
        found_accounts = [(pk, kind, None, None) for pk, kind in accounts.values_list("pk", "kind")]
    kinds = defaultdict(list)
    for pk, kind, _covered, _as_of in found_accounts:
        kinds[kind].append(pk)
    channel = Case(
        *[When(account_id__in=ids, then=Value(kind)) for kind, ids in sorted(kinds.items())],
        # Never true, always there: with no account in scope the CASE would otherwise compile to a constant,
        # which Django leaves out of GROUP BY (and _grouping_sets relies on one position per key).
        When(account_id=-1, then=Value("")),
        default=Value(""),
        output_field=CharField(),
    )
    summary = None
    if summary_wanted and found_accounts:
        _pk, _kind, covered, as_of = found_accounts[0]
        if covered == _summary_expected(scope.offices, previous_period.start, scope.period.end):
            summary = {"as_of": as_of}
    if summary is not None:
        total, previous, found, by_topic = _summary_figures(scope, previous_period, parents, roll_up, kinds)
    else:
        total, previous, found, by_topic = _live_figures(scope, previous_period, region, channel, roll_up)
    by_office = found["office"]
    for row in by_office:
        office = offices_by_id.get(row["key"])
        row["code"] = office.code if office else ""
        row["label"] = str(office) if office else row["key"]
    by_office.sort(key=lambda row: row["code"])
    by_region = found.get("region", [])
    if by_region:
        regions = {office.pk: office for office in Office.objects.filter(pk__in=[p for p in parents if p])}
        for row in by_region:
            office = regions.get(row["key"])
            row["label"] = str(office) if office else str(_("No regional office"))
            row["code"] = office.code if office else ""
        by_region.sort(key=lambda row: row["code"])
    names = _channel_names()
    by_channel = found["channel"]
    for row in by_channel:
        row["label"] = names[row["key"]]
    by_officer = found.get("officer", [])
    if by_officer:
        names = _officer_names([row["key"] for row in by_officer])
        for row in by_officer:
            row["label"] = names.get(row["key"], row["key"])
        by_officer.sort(key=lambda row: str(row["label"]).lower())
    topics = {topic.pk: topic for topic in Topic.objects.all()}
    by_topic = [row for row in by_topic if row["key"]]
    for row in by_topic:
        topic = topics.get(row["key"])
        row["key"] = topic.slug if topic else row["key"]
        row["label"] = topic.label(language) if topic else row["key"]
    by_topic.sort(key=lambda row: (topics_position(topics, row["key"]), str(row["label"])))
    heat = _heatmap(found["weekday,hour"])
    trend = _trend(found["day"], scope)
    return {
        "scope": scope,
        "summary": summary,
        "total": total,
        "previous": previous,
        "previous_period": previous_period,
        "by_office": by_office,
        "by_region": by_region,
        "by_channel": by_channel,
        "by_officer": by_officer,
        "by_topic": by_topic,
        "heatmap": heat,
        "trend": trend,
        "bins": [
            {"key": f"bin_{key}", "label": str(label), "count": total[f"bin_{key}"]} for key, _lo, _hi, label in BINS
        ],
        "causes": [
            {"key": f"cause_{key}", "label": str(label), "count": total[f"cause_{key}"]}
            for key, (label, _q) in CAUSES.items()
        ],
    }


def _empty() -> dict:
    return _finish({"key": None, **dict.fromkeys(COUNTED, 0)})


def _live_figures(scope: Scope, previous_period: Period, region, channel, roll_up: bool):
    """The figures read from the inquiries themselves (exact percentiles)."""
    qs = scoped_inquiries(scope)
    both = _periods_inquiries(scope, previous_period)
    current = Case(When(period_q(scope.offices, scope.period), then=Value(1)), default=Value(0))
    periods = {row["key"]: row for row in _grouped(both, "period", current, full=True)}
    total, previous = periods.get(1, _empty()), periods.get(0, _empty())
    keys = {"office": F("office_id"), "channel": channel}
    sets = [("office",), ("channel",)]
    if roll_up:
        keys["region"] = region
        sets.append(("region",))
    if _uses_percentile_cont():
        found = _grouping_sets(qs, keys, sets)
    else:
        found = {
            "office": _grouped(qs, "office", keys["office"]),
            "channel": _grouped(qs, "channel", channel),
            "region": _grouped(qs, "region", region) if roll_up else [],
        }
    found.update(_by_local_hour(qs, scope.offices))
    if scope.office is not None or len(scope.offices) == 1:  # per officer within one office, not a roll-up
        found["officer"] = _grouped(qs.filter(response_met_by__isnull=False), "officer", F("response_met_by_id"))
    by_topic = _grouped(qs.filter(topics__isnull=False), "topic", F("topics"))
    return total, previous, found, by_topic


def _by_local_hour(qs, offices) -> dict[str, list[dict]]:
    """Received, met and breached per local hour (each office's zone): one GROUP BY of at most 24 rows a day
    of the period, without percentiles (a hash aggregate); the heatmap (weekday × hour) and the trend (date)
    are sums of these aggregated rows."""
    rows = (
        qs.order_by()
        .annotate(slot=local_part(TruncHour, offices, DateTimeField()))
        .values("slot")
        .annotate(
            received=Count("pk"),
            response_met=Count("pk", filter=Q(response_status=S.MET)),
            response_breached=Count("pk", filter=Q(response_status=S.BREACHED)),
        )
    )
    heat, days = defaultdict(int), defaultdict(lambda: defaultdict(int))
    for row in rows:
        slot = row["slot"]
        if slot is None:
            continue
        local = slot.replace(tzinfo=None)  # already the office's wall-clock hour (see local_part)
        heat[(local.isoweekday(), local.hour)] += row["received"]
        day = days[local.date()]
        for name in ("received", "response_met", "response_breached"):
            day[name] += row[name]
    return {
        "weekday,hour": [{"weekday": w, "hour": h, "received": n} for (w, h), n in heat.items()],
        "day": [{"day": day, **figures} for day, figures in days.items()],
    }


def _heatmap(rows) -> dict:
    cells = {(row["weekday"], row["hour"]): row["received"] for row in rows}
    peak = max(cells.values(), default=0)
    return {"cells": cells, "peak": peak}


def _trend(rows, scope: Scope) -> list[dict]:
    """Every date of the period, with its figures (0 where none)."""
    found = {row["day"]: row for row in rows}
    days = []
    day = scope.period.start
    while day <= scope.period.end:  # the period's dates (at most a year), not rows
        row = found.get(day, {})
        days.append(
            {
                "day": day,
                "received": row.get("received", 0),
                "response_met": row.get("response_met", 0),
                "response_breached": row.get("response_breached", 0),
            }
        )
        day += timedelta(days=1)
    return days


# --- The daily summary (supervision.models): what the roll-ups read ------------------------------------------
if tuple(COUNTED) != SUMMARY_COUNTS:  # one column per figure: a new figure needs its column (and a migration)
    raise RuntimeError("supervision.models.SUMMARY_COUNTS must list every figure of METRICS")

# The summary is built for this many local dates back (the refresh backfills them in chunks); a period reaching
# further back is read live.
SUMMARY_HORIZON_DAYS = 400
# At most this many dates rebuilt per step of the refresh (one step of the backfill, of the catching up, of the
# changed dates): a run stays short, the next run goes on.
REFRESH_CHUNK_DAYS = 31
# At most this many change marks read per run.
REFRESH_CHANGES = 20_000


def _minute_expression():
    """Working seconds → the histogram's minute: to the nearest minute (integer division on both databases)."""
    return ExpressionWrapper((F(WORKING_SECONDS) + 30) / 60, output_field=IntegerField())


def _summary_candidate(scope: Scope) -> bool:
    """A roll-up: several offices, everyone's figures (an officer's own work and one office are read live)."""
    return len(scope.offices) > 1 and scope.own_user_id is None and scope.office is None


def _summary_days_q(offices, start, end) -> Q:
    """Each office's dates from ``start`` to ``end``, up to its own today (no date after it can have rows)."""
    q = Q(pk__in=[])
    for zone, ids in _zones(offices).items():
        today = timezone.now().astimezone(ZoneInfo(zone)).date()
        if start <= min(end, today):
            q |= Q(office_id__in=ids, day__gte=start, day__lte=min(end, today))
    return q


def _summary_coverage(offices, start, end):
    """How many of the office-dates from ``start`` to ``end`` are built (a subquery of one row)."""
    built = (
        SummaryDay.objects.filter(_summary_days_q(offices, start, end))
        .order_by()
        .annotate(_one=Value(1))
        .values("_one")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(built, output_field=IntegerField()), Value(0))


def _summary_expected(offices, start, end) -> int:
    expected = 0
    for zone, ids in _zones(offices).items():
        today = timezone.now().astimezone(ZoneInfo(zone)).date()
        expected += len(ids) * max(0, (min(end, today) - start).days + 1)
    return expected


def _sums(names) -> dict:
    found = {name: Coalesce(Sum(name), 0) for name in names}
    found["_seconds"] = Coalesce(Sum("response_seconds_sum"), 0, output_field=BigIntegerField())
    if "answered" not in names:
        found["_answered"] = Coalesce(Sum("answered"), 0)
    return found


def _summary_row(row: dict, percentiles: dict) -> dict:
    seconds = row.pop("_seconds")
    answered = row.pop("_answered") if "_answered" in row else row["answered"]
    row["response_seconds_mean"] = seconds / answered if answered else None
    row["response_seconds_median"] = percentiles.get(0.5)
    row["response_seconds_p90"] = percentiles.get(0.9)
    return _finish(row)


def _summary_figures(scope: Scope, previous_period: Period, parents: dict, roll_up: bool, kinds: dict):
    """The roll-up's figures from the daily summary: counts summed, means from the summed seconds, the median
    and the 90th percentile from the minute histogram (``_summary_percentiles``). Queries: the two periods, office,
    channel, region, topic, per date (the trend and, from the hour columns, the heatmap), the percentiles."""
    ids = scope.office_ids
    start, end = scope.period.start, scope.period.end
    base = DayFigures.objects.filter(office_id__in=ids, topic__isnull=True)
    current = base.filter(day__gte=start, day__lte=end)
    region = Case(
        *[When(office_id__in=members, then=Value(parent)) for parent, members in parents.items() if parent],
        default=Value(0),
        output_field=IntegerField(),
    )
    channel = Case(
        *[When(account_id__in=members, then=Value(kind)) for kind, members in sorted(kinds.items())],
        default=Value(""),
        output_field=CharField(),
    )
    percentiles = _summary_percentiles(scope, previous_period, parents if roll_up else {}, kinds)
    # Every grouping's counts in one statement (UNION ALL of one GROUP BY each): the two periods, office, channel,
    # region, topic; keys as text, typed back below.
    periods = Case(When(day__gte=start, then=Value(1)), default=Value(0), output_field=IntegerField())
    tagged = DayFigures.objects.filter(office_id__in=ids, topic__isnull=False, day__gte=start, day__lte=end)
    groupings = [
        ("p", base.filter(day__gte=previous_period.start, day__lte=end), periods),
        ("o", current, F("office_id")),
        ("c", current, channel),
        ("t", tagged, F("topic_id")),
    ]
    if roll_up:
        groupings.append(("r", current, region))
    parts = [
        qs.annotate(_g=Value(kind, output_field=CharField()), _key=Cast(expression, CharField()))
        .values("_g", "_key")
        .annotate(**_sums(COUNTED))
        .order_by()
        for kind, qs, expression in groupings
    ]
    rows = parts[0].union(*parts[1:], all=True)
    found_rows = defaultdict(list)
    named = _uses_percentile_cont()  # the live rows of a grouping set also carry the key under its name
    names = {"o": "office", "c": "channel", "r": "region"}
    for row in rows:
        kind, text = row.pop("_g"), row.pop("_key")
        key = text if kind == "c" else int(text)
        if kind != "p":  # a group's row has the group figures only, as the live one
            row = {name: row[name] for name in (*GROUP_COUNTED, "_seconds", "answered")}
            row["_answered"] = row.pop("answered")
        row["key"] = key
        if named and kind in names:
            row[names[kind]] = key
        found_rows[kind].append(_summary_row(row, percentiles.get((kind, text), {})))
    periods_found = {row["key"]: row for row in found_rows["p"]}
    total, previous = periods_found.get(1, _empty()), periods_found.get(0, _empty())
    found = {name: sorted(found_rows[kind], key=lambda row: row["key"]) for kind, name in names.items()}
    by_topic = found_rows["t"]
    heat, days = defaultdict(int), []
    per_day = current.values("day").annotate(
        received=Coalesce(Sum("received"), 0),
        response_met=Coalesce(Sum("response_met"), 0),
        response_breached=Coalesce(Sum("response_breached"), 0),
        **{hour: Coalesce(Sum(hour), 0) for hour in HOURS},
    )
    for row in per_day:  # at most one row a date of the period
        weekday = row["day"].isoweekday()
        for hour, name in enumerate(HOURS):
            if row[name]:
                heat[(weekday, hour)] += row[name]
        days.append(
            {name: row[name] for name in ("day", "received", "response_met", "response_breached")},
        )
    found["weekday,hour"] = [{"weekday": w, "hour": h, "received": n} for (w, h), n in heat.items()]
    found["day"] = days
    return total, previous, found, by_topic


def _summary_percentiles(scope: Scope, previous_period: Period, parents: dict, kinds: dict, fractions=(0.5, 0.9)):
    """{(grouping, key): {fraction: seconds}} from the minute histogram, in one SQL statement: the histogram of each
    group (the two periods, each office, channel, region, topic) summed per minute, a running sum over the minutes,
    and only the (at most four) rows around each percentile's rank come back; interpolated as percentile_cont
    does, over the responses rounded to the minute."""
    table = DayMinutes._meta.db_table
    ids = scope.office_ids
    start, end = scope.period.start, scope.period.end
    pg = connection.vendor == "postgresql"

    def day(value):
        return value if pg else value.isoformat()

    def members(values) -> str:
        return "(" + ", ".join(["%s"] * len(values)) + ")"

    offices_in = f"office_id IN {members(ids)}"
    current = f"{offices_in} AND day >= %s AND day <= %s"
    current_params = [*ids, day(start), day(end)]
    # This period's topic-less rows summed per office, account and minute once (the dates and the topic rows
    # folded away: a few times fewer rows); the period, office, channel and region histograms are sums of it.
    cte = (
        f"WITH cur AS {'MATERIALIZED ' if pg else ''}(SELECT office_id, account_id, minute, "  # noqa: S608
        f"SUM(responses) AS n FROM {table} WHERE topic_id IS NULL AND {current} "
        "GROUP BY office_id, account_id, minute) "
    )
    params = list(current_params)
    parts = [
        "SELECT 'p' AS g, '1' AS k, minute, n FROM cur",
        f"SELECT 'p', '0', minute, SUM(responses) FROM {table} "  # noqa: S608 - placeholders only
        f"WHERE topic_id IS NULL AND {offices_in} AND day >= %s AND day <= %s GROUP BY minute",
    ]
    params += [*ids, day(previous_period.start), day(previous_period.end)]
    parts.append("SELECT 'o', CAST(office_id AS TEXT), minute, n FROM cur")
    whens, when_params = [], []
    for kind, accounts in sorted(kinds.items()):
        whens.append(f"WHEN account_id IN {members(accounts)} THEN %s")
        when_params += [*accounts, kind]
    if whens:
        parts.append(f"SELECT 'c', CASE {' '.join(whens)} ELSE '' END, minute, n FROM cur")  # noqa: S608
        params += when_params
    whens, when_params = [], []
    for parent, offices in parents.items():
        if parent:
            whens.append(f"WHEN office_id IN {members(offices)} THEN %s")
            when_params += [*offices, str(parent)]
    if whens:
        parts.append(f"SELECT 'r', CASE {' '.join(whens)} ELSE '0' END, minute, n FROM cur")  # noqa: S608
        params += when_params
    parts.append(
        f"SELECT 't', CAST(topic_id AS TEXT), minute, SUM(responses) FROM {table} "  # noqa: S608 - placeholders only
        f"WHERE topic_id IS NOT NULL AND {current} GROUP BY topic_id, minute"
    )
    params += current_params
    histograms = (
        "SELECT g, k, minute, SUM(n) AS n FROM ("  # noqa: S608 - placeholders only
        + " UNION ALL ".join(parts)
        + ") u GROUP BY g, k, minute"
    )
    wanted = " OR ".join(f"(cum > {f!r} * (total - 1) AND cum - n <= 1 + {f!r} * (total - 1))" for f in fractions)
    sql = (
        cte + "SELECT g, k, minute, n, cum, total FROM ("  # noqa: S608 - table names and placeholders only
        "SELECT g, k, minute, n, SUM(n) OVER (PARTITION BY g, k ORDER BY minute ROWS UNBOUNDED PRECEDING) AS cum, "
        f"SUM(n) OVER (PARTITION BY g, k) AS total FROM ({histograms}) h) c WHERE {wanted}"
    )
    ranked = defaultdict(list)
    sizes = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for g, k, minute, n, cum, total in cursor.fetchall():
            ranked[(g, k)].append((int(cum) - int(n) + 1, int(cum), minute))
            sizes[(g, k)] = int(total)
    found = {}
    for key, rows in ranked.items():

        def at_rank(rank, rows=rows):
            return next((minute * 60.0 for first, last, minute in rows if first <= rank <= last), None)

        found[key] = {}
        for fraction in fractions:
            position = 1 + fraction * (sizes[key] - 1)
            low = math.floor(position + 1e-9)
            low_value = at_rank(low)
            if low_value is None:
                continue
            high_value = at_rank(low + 1)
            high_value = low_value if high_value is None else high_value
            found[key][fraction] = low_value + (position - low) * (high_value - low_value)
    return found


# --- Building the summary ------------------------------------------------------------------------------------
def summary_rebuild(offices, start, end, *, now=None) -> int:
    """Rebuild the summary of these offices' local dates ``start``..``end`` from their inquiries (in the caller's
    transaction, or its own). Aggregated by the database; Python only reshapes the aggregated rows. Returns the
    number of office-dates built."""
    offices = list(offices)
    if not offices or start > end:
        return 0
    now = now or timezone.now()
    ids = [office.pk for office in offices]
    qs = Inquiry.objects.filter(period_q(offices, Period("custom", start, end))).order_by()
    day = local_day(offices)
    figures_sums = {}
    for name in SUMMARY_COUNTS:
        q = METRICS[name][1]
        figures_sums[name] = Count("pk", filter=q) if q else Count("pk")
    figures_sums["response_seconds_sum"] = Coalesce(Sum(WORKING_SECONDS), 0, output_field=BigIntegerField())
    keys = ("office_id", "_day", "account_id")
    rows = {}
    for row in qs.annotate(_day=day).values(*keys).annotate(**figures_sums):
        rows[(row["office_id"], row["_day"], row["account_id"], None)] = row
    hours = qs.annotate(_day=day, _hour=local_hour(offices)).values(*keys, "_hour").annotate(n=Count("pk"))
    for row in hours:
        found = rows.get((row["office_id"], row["_day"], row["account_id"], None))
        if found is not None and row["_hour"] is not None:
            found[HOURS[row["_hour"]]] = row["n"]
    topic_sums = {name: figures_sums[name] for name in (*GROUP_COUNTED, "answered", "response_seconds_sum")}
    tagged = qs.filter(topics__isnull=False).annotate(_day=day, _topic=F("topics"))
    for row in tagged.values(*keys, "_topic").annotate(**topic_sums):
        rows[(row["office_id"], row["_day"], row["account_id"], row["_topic"])] = row
    answered = qs.filter(response_working_seconds__isnull=False).annotate(_day=day, _minute=_minute_expression())
    minutes = list(answered.values(*keys, "_minute").annotate(n=Count("pk")))
    tagged_answered = answered.filter(topics__isnull=False).annotate(_topic=F("topics"))
    topic_minutes = list(tagged_answered.values(*keys, "_topic", "_minute").annotate(n=Count("pk")))
    columns = {*SUMMARY_COUNTS, *HOURS, "response_seconds_sum"}
    with transaction.atomic():
        for model in (DayFigures, DayMinutes, SummaryDay):
            model.objects.filter(office_id__in=ids, day__gte=start, day__lte=end).delete()
        DayFigures.objects.bulk_create(
            (
                DayFigures(
                    office_id=office_id,
                    day=day_,
                    account_id=account_id,
                    topic_id=topic_id,
                    **{name: value for name, value in row.items() if name in columns},
                )
                for (office_id, day_, account_id, topic_id), row in rows.items()
                if day_ is not None
            ),
            batch_size=2000,
        )
        DayMinutes.objects.bulk_create(
            (
                DayMinutes(
                    office_id=row["office_id"],
                    day=row["_day"],
                    account_id=row["account_id"],
                    topic_id=row.get("_topic"),
                    minute=row["_minute"],
                    responses=row["n"],
                )
                for row in (*minutes, *topic_minutes)
                if row["_day"] is not None
            ),
            batch_size=2000,
        )
        built = [
            SummaryDay(office_id=pk, day=start + timedelta(days=n), built_at=now)
            for pk in ids
            for n in range((end - start).days + 1)
        ]
        SummaryDay.objects.bulk_create(built, batch_size=2000)
    return len(built)


def _office_list():
    return list(Office.objects.order_by("pk"))


def refresh_summary(*, now=None, chunk_days: int = REFRESH_CHUNK_DAYS, changes: int = REFRESH_CHANGES) -> dict:
    """One run of the beat task (every minute): rebuild
    1. the recent dates (yesterday to tomorrow in UTC: each office's today whatever its zone), and the dates since
       the previous run if it was longer ago (catching up, ``chunk_days`` at most a run);
    2. the dates of the inquiries changed since (the marks the triggers wrote), ``chunk_days`` dates a run;
    3. one chunk of the backfill, back to ``SUMMARY_HORIZON_DAYS`` (and again when an office has no summary).
    Runs one at a time (a lock on the state row; a second run at the same moment skips). Returns what it did."""
    now = now or timezone.now()
    today = now.astimezone(ZoneInfo("UTC")).date()
    done = {"recent": 0, "changed": 0, "backfill": 0, "marks": 0, "skipped": False}
    with transaction.atomic():
        SummaryState.objects.get_or_create(pk=1)
        state = SummaryState.objects.select_for_update(skip_locked=True).filter(pk=1).first()
        if state is None:
            done["skipped"] = True
            return done
        offices = _office_list()
        by_id = {office.pk: office for office in offices}
        # 1. recent dates, and the dates missed since the previous run
        since = state.recent_through
        if since is not None and since < today - timedelta(days=2):
            catch_up_end = min(since + timedelta(days=chunk_days), today - timedelta(days=2))
            done["recent"] += summary_rebuild(offices, since - timedelta(days=1), catch_up_end, now=now)
            state.recent_through = catch_up_end
        else:
            state.recent_through = today
        done["recent"] += summary_rebuild(offices, today - timedelta(days=1), today + timedelta(days=1), now=now)
        # 2. changed inquiries: their offices' local dates of receipt
        marks = list(SummaryChange.objects.order_by("id").values_list("id", "office_id", "received_hour")[:changes])
        dates = defaultdict(set)
        for _id, office_id, hour in marks:
            office = by_id.get(office_id)
            if office is not None:
                dates[hour.astimezone(ZoneInfo(office.timezone)).date()].add(office_id)
        handled = sorted(dates)[:chunk_days]
        for date_ in handled:
            if today - timedelta(days=1) <= date_ <= today + timedelta(days=1):
                continue  # just rebuilt
            done["changed"] += summary_rebuild([by_id[pk] for pk in sorted(dates[date_])], date_, date_, now=now)
        handled = set(handled)
        consumed = [
            pk
            for pk, office_id, hour in marks
            if office_id not in by_id or hour.astimezone(ZoneInfo(by_id[office_id].timezone)).date() in handled
        ]
        for n in range(0, len(consumed), 5000):
            SummaryChange.objects.filter(pk__in=consumed[n : n + 5000]).delete()
        done["marks"] = len(consumed)
        # 3. backfill, one chunk a run
        horizon = today - timedelta(days=SUMMARY_HORIZON_DAYS)
        first = state.backfilled_from
        if first is not None and SummaryDay.objects.filter(day=first).count() < len(offices):
            first = None  # an office was added: build its past too
        first = first or today - timedelta(days=1)
        if first > horizon:
            start = max(horizon, first - timedelta(days=chunk_days))
            done["backfill"] = summary_rebuild(offices, start, first - timedelta(days=1), now=now)
            state.backfilled_from = start
        state.refreshed_at = now
        state.save()
    return done
