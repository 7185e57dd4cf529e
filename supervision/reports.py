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
  - ``unassigned``: nobody was assigned (no officer on duty took it, none was assigned);
  - ``answered_late``: an officer was assigned and nothing was sent before the due time;
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
    Case,
    CharField,
    Count,
    DateField,
    DateTimeField,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate, TruncHour
from django.utils.translation import gettext_lazy as _

from offices.models import Office
from sla.models import TargetStatus
from tickets.models import Inquiry, Message, Ticket, Topic

from .filters import Period, Scope

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
    "response_unassigned": (
        _("Response: nobody assigned (no officer on duty took it)"),
        _response_breached & ~Q(_sent_in_time) & Q(assigned_to__isnull=True),
    ),
    "response_answered_late": (
        _("Response: assigned, answered late or not yet"),
        _response_breached & ~Q(_sent_in_time) & Q(assigned_to__isnull=False),
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
    channel account (the index holds both)."""
    from channels_intake.models import ChannelAccount

    qs = scoped_inquiries(scope)
    offices_by_id = {office.pk: office for office in scope.offices}
    previous_period = scope.period.previous()
    both = _periods_inquiries(scope, previous_period)
    current = Case(When(period_q(scope.offices, scope.period), then=Value(1)), default=Value(0))
    periods = {row["key"]: row for row in _grouped(both, "period", current, full=True)}
    empty = _finish({"key": None, **dict.fromkeys(COUNTED, 0)})
    total, previous = periods.get(1, dict(empty)), periods.get(0, dict(empty))
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
    kinds = defaultdict(list)
    for pk, kind in ChannelAccount.objects.filter(office_id__in=scope.office_ids).values_list("pk", "kind"):
        kinds[kind].append(pk)
    channel = Case(
        *[When(account_id__in=ids, then=Value(kind)) for kind, ids in sorted(kinds.items())],
        # Never true, always there: with no account in scope the CASE would otherwise compile to a constant,
        # which Django leaves out of GROUP BY (and _grouping_sets relies on one position per key).
        When(account_id=-1, then=Value("")),
        default=Value(""),
        output_field=CharField(),
    )
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
    by_officer = []
    if scope.office is not None or len(scope.offices) == 1:  # per officer within one office, not a roll-up
        by_officer = _grouped(qs.filter(response_met_by__isnull=False), "officer", F("response_met_by_id"))
        names = _officer_names([row["key"] for row in by_officer])
        for row in by_officer:
            row["label"] = names.get(row["key"], row["key"])
        by_officer.sort(key=lambda row: str(row["label"]).lower())
    topics = {topic.pk: topic for topic in Topic.objects.all()}
    by_topic = [row for row in _grouped(qs.filter(topics__isnull=False), "topic", F("topics")) if row["key"]]
    for row in by_topic:
        topic = topics.get(row["key"])
        row["key"] = topic.slug if topic else row["key"]
        row["label"] = topic.label(language) if topic else row["key"]
    by_topic.sort(key=lambda row: (topics_position(topics, row["key"]), str(row["label"])))
    heat = _heatmap(found["weekday,hour"])
    trend = _trend(found["day"], scope)
    return {
        "scope": scope,
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
