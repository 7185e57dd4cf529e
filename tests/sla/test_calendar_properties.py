"""Property tests (hypothesis) of sla.calendar and sla.policy on random calendars (no Django).

Random calendars have breaks, closed dates, special hours (some empty, some reopening a closed date) and
intervals ending at midnight, in zones with and without daylight saving: Europe/Amsterdam, America/Sao_Paulo
(DST changed at midnight until 2019), Australia/Lord_Howe (30 minute DST) and America/New_York.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sla.calendar import WorkingCalendar
from sla.policy import SlaPolicy, compute_deadlines, is_late_arrival

US = timedelta(microseconds=1)
MINUTE = timedelta(minutes=1)
ZONES = [
    "Asia/Jakarta",
    "Asia/Jayapura",
    "Europe/Amsterdam",
    "America/Sao_Paulo",
    "Australia/Lord_Howe",
    "America/New_York",
]
# A window of dates holding DST changes of every zone above (Sao Paulo still had DST in 2018).
FIRST_DAY = date(2018, 1, 1)
LAST_DAY = date(2019, 12, 31)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def minute_time(m: int) -> time:
    return time(0) if m == 1440 else time(m // 60, m % 60)


@st.composite
def day_intervals(draw, allow_empty=True):
    """Sorted, non-touching [start, end) intervals of one date, on a 5-minute grid (ends may be 00:00)."""
    cuts = draw(st.lists(st.integers(0, 288), min_size=0 if allow_empty else 2, max_size=6, unique=True))
    cuts.sort()
    if len(cuts) % 2:
        cuts = cuts[:-1]
    return [(minute_time(5 * cuts[i]), minute_time(5 * cuts[i + 1])) for i in range(0, len(cuts), 2)]


dates = st.dates(FIRST_DAY, LAST_DAY)


@st.composite
def calendars(draw):
    zone = draw(st.sampled_from(ZONES))
    weekly = {}
    for weekday in range(7):
        if draw(st.booleans()):
            intervals = draw(day_intervals())
            if intervals:
                weekly[weekday] = intervals
    if not weekly:
        weekly[draw(st.integers(0, 6))] = draw(day_intervals(allow_empty=False))
    if draw(st.booleans()):
        weekly[6] = [(time(0), time(0))]  # a weekend day open around the clock (23/25-hour days)
    closed = draw(st.sets(dates, max_size=40))
    special = draw(st.dictionaries(dates, day_intervals(), max_size=15))
    for reopened in draw(st.sets(st.sampled_from(sorted(closed)), max_size=3)) if closed else ():
        special[reopened] = draw(day_intervals(allow_empty=False))
    return WorkingCalendar(zone, weekly, closed, special), (zone, weekly, closed, special)


@st.composite
def instants(draw, tz: ZoneInfo):
    """Aware instants in the window: on the 5-minute local grid (bounds, gaps, folds) +-1 us, or anywhere."""
    if draw(st.booleans()):
        day = draw(dates)
        m = draw(st.integers(0, 287)) * 5
        local = datetime(day.year, day.month, day.day, m // 60, m % 60, fold=draw(st.integers(0, 1)), tzinfo=tz)
        return local + draw(st.sampled_from([timedelta(0), US, -US]))
    start = datetime(FIRST_DAY.year, 1, 1, tzinfo=UTC)
    offset = draw(st.integers(0, (LAST_DAY - FIRST_DAY).days * 86_400_000_000))
    return (start + timedelta(microseconds=offset)).astimezone(draw(st.sampled_from([UTC, tz])))


deltas = st.one_of(
    st.integers(0, 3 * 24 * 60).map(lambda m: timedelta(minutes=m)),
    st.integers(0, 20 * 86_400_000_000).map(lambda u: timedelta(microseconds=u)),
)


def utc(value: datetime) -> datetime:
    # Aware datetimes sharing a tzinfo compare by wall time, which is wrong in a DST fold: compare in UTC.
    return value.astimezone(UTC)


# ---------------------------------------------------------------- an independent reference


def reference_instant(tz: ZoneInfo, naive: datetime) -> datetime:
    """The first instant whose wall clock reads ``naive`` or later (the documented rule), by a minute scan."""
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        return first
    moment = first  # in a gap: walk back to the transition (every zone here changes on a whole minute)
    while (moment - MINUTE).astimezone(tz).replace(tzinfo=None) >= naive:
        moment -= MINUTE
    return moment


def reference_working_time(spec, start: datetime, end: datetime) -> timedelta:
    zone, weekly, closed, special = spec
    tz = ZoneInfo(zone)
    total = timedelta(0)
    day = utc(start).date() - timedelta(days=2)
    while day <= utc(end).date() + timedelta(days=2):
        if day in special:
            intervals = special[day]
        elif day in closed:
            intervals = []
        else:
            intervals = weekly.get(day.weekday(), [])
        midnight = datetime(day.year, day.month, day.day)
        for a, b in intervals:
            s = reference_instant(tz, datetime.combine(day, a))
            e = reference_instant(tz, midnight + timedelta(days=1) if b == time(0) else datetime.combine(day, b))
            overlap = min(e, utc(end)) - max(s, utc(start))
            if overlap > timedelta(0):
                total += overlap
        day += timedelta(days=1)
    return total


# ---------------------------------------------------------------- properties


@SETTINGS
@given(st.data())
def test_working_time_between_matches_reference(data):
    calendar, spec = data.draw(calendars())
    a = data.draw(instants(calendar.tz))
    b = a + data.draw(st.integers(0, 6 * 86_400_000_000).map(lambda u: timedelta(microseconds=u)))
    assert calendar.working_time_between(a, b) == reference_working_time(spec, a, b)


@SETTINGS
@given(st.data())
def test_add_working_time_roundtrip_and_earliest(data):
    calendar, _ = data.draw(calendars())
    a = data.draw(instants(calendar.tz))
    d = data.draw(deltas)
    t = calendar.add_working_time(a, d)
    assert t.tzinfo == calendar.tz
    assert utc(t) >= utc(a)
    assert calendar.working_time_between(a, t) == d
    if d > timedelta(0):
        # Never inside closed time: the instant just before the result is working time ...
        assert calendar.is_working(utc(t) - US)
        # ... and the result is the earliest such instant.
        assert calendar.working_time_between(a, utc(t) - US) == d - US
    else:
        assert utc(t) == utc(a)


@SETTINGS
@given(st.data())
def test_add_working_time_monotonic(data):
    calendar, _ = data.draw(calendars())
    a1, a2 = sorted([data.draw(instants(calendar.tz)), data.draw(instants(calendar.tz))], key=utc)
    d1, d2 = sorted([data.draw(deltas), data.draw(deltas)])
    assert utc(calendar.add_working_time(a1, d1)) <= utc(calendar.add_working_time(a2, d1))
    assert utc(calendar.add_working_time(a1, d1)) <= utc(calendar.add_working_time(a1, d2))


@SETTINGS
@given(st.data())
def test_working_time_between_additive(data):
    calendar, _ = data.draw(calendars())
    a, b, c = sorted((data.draw(instants(calendar.tz)) for _ in range(3)), key=utc)
    ab = calendar.working_time_between(a, b)
    bc = calendar.working_time_between(b, c)
    assert calendar.working_time_between(a, c) == ab + bc
    assert calendar.working_time_between(c, a) == timedelta(0)
    assert ab >= timedelta(0) and ab <= utc(b) - utc(a)


@SETTINGS
@given(st.data())
def test_next_working_moment(data):
    calendar, _ = data.draw(calendars())
    a = data.draw(instants(calendar.tz))
    n = calendar.next_working_moment(a)
    assert n.tzinfo == calendar.tz
    assert calendar.is_working(n)
    assert utc(n) >= utc(a)
    assert calendar.working_time_between(a, n) == timedelta(0)
    if calendar.is_working(a):
        assert utc(n) == utc(a)
    else:
        # Absolute time: `n - US` on an aware datetime is wall-clock arithmetic, wrong across a DST gap.
        assert not calendar.is_working(utc(n) - US) or utc(n) - US < utc(a)
    assert utc(calendar.add_working_time(a, US)) == utc(n) + US


@SETTINGS
@given(st.data())
def test_working_intervals_cover_the_working_time(data):
    calendar, _ = data.draw(calendars())
    a, b = sorted((data.draw(instants(calendar.tz)), data.draw(instants(calendar.tz))), key=utc)
    if utc(b) - utc(a) > timedelta(days=40):
        b = utc(a) + timedelta(days=40)
    intervals = calendar.working_intervals(a, b)
    assert sum((utc(e) - utc(s) for s, e in intervals), timedelta(0)) == calendar.working_time_between(a, b)
    previous_end = utc(a)
    for s, e in intervals:
        assert previous_end <= utc(s) < utc(e) <= utc(b)
        # Absolute time (`e - US` on an aware datetime is wall-clock arithmetic, wrong across a DST change).
        assert calendar.is_working(s) and calendar.is_working(utc(e) - US)
        assert calendar.working_date_of(s) == calendar.working_date_of(utc(e) - US)
        previous_end = utc(e)


@SETTINGS
@given(st.data())
def test_day_queries_consistent(data):
    calendar, spec = data.draw(calendars())
    day = data.draw(dates)
    end, close, opening = calendar.end_of_day(day), calendar.closing_time(day), calendar.opening_time(day)
    intervals = calendar.working_intervals(day, day)
    if not intervals:
        assert end is None and close is None and opening is None and not calendar.is_working_date(day)
        return
    assert calendar.is_working_date(day)
    assert utc(opening) == utc(intervals[0][0]) and utc(end) == utc(intervals[-1][1])
    assert calendar.working_date_of(opening) == day
    # A closing time exactly when work does not go on without a gap at the end of day.
    assert (close is None) == calendar.is_working(end)
    if close is not None:
        assert utc(close) == utc(end)
    # The n-th working date after, by brute force.
    n = data.draw(st.integers(0, 6))
    probe, count = day, 0
    while count < n:
        probe += timedelta(days=1)
        count += calendar.is_working_date(probe)
    assert calendar.nth_working_date_after(day, n) == probe


@SETTINGS
@given(st.data())
def test_compute_deadlines_invariants(data):
    calendar, _ = data.draw(calendars())
    r = data.draw(instants(calendar.tz))
    policy = SlaPolicy(
        response_minutes=data.draw(st.integers(0, 600)),
        late_window_minutes=data.draw(st.integers(0, 600)),
        resolution_working_days=data.draw(st.integers(0, 4)),
    )
    d = compute_deadlines(calendar, r, policy)
    s = d.effective_start
    assert calendar.is_working(s)
    assert utc(s) >= utc(r)
    assert utc(d.response_due) >= utc(s) and utc(d.resolution_due) >= utc(s)
    for value in (s, d.response_due, d.resolution_due):
        assert value.tzinfo == calendar.tz
    # The one-pass implementation agrees with the public primitives.
    assert utc(s) == utc(calendar.next_working_moment(r))
    assert d.late_arrival == is_late_arrival(calendar, r, policy.late_window_minutes)
    day = calendar.working_date_of(s)
    resolution = calendar.end_of_day(calendar.nth_working_date_after(day, policy.resolution_working_days))
    assert utc(d.resolution_due) == utc(resolution)
    if d.late_arrival:
        assert utc(d.response_due) == utc(resolution)
        local = calendar.localize(r)
        closing = calendar.closing_time(local.date())
        assert closing is not None
        assert utc(closing) - timedelta(minutes=policy.late_window_minutes) <= utc(r) < utc(closing)
    else:
        response = calendar.add_working_time(s, timedelta(minutes=policy.response_minutes))
        assert utc(d.response_due) == utc(response)
