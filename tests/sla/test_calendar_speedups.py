"""The calendar's speed-ups change no result: deadlines served from its caches equal those of a fresh calendar
(also across daylight-saving changes, where a datetime's fold matters), and instants become the same datetimes
on the fast path as on the exact one."""

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from sla.calendar import _FLOAT_EXACT_US, WorkingCalendar
from sla.policy import SlaPolicy, compute_deadlines

ZONES = ["Asia/Jakarta", "Asia/Makassar", "Europe/Berlin", "America/Sao_Paulo", "Australia/Lord_Howe"]
SPLIT_DAY = {0: ((time(8), time(12)), (time(13), time(17))), 4: ((time(22), time(0)),), 5: ((time(0), time(2)),)}
POLICIES = [
    SlaPolicy(),
    SlaPolicy(response_minutes=0),
    SlaPolicy(resolution_working_days=0),
    SlaPolicy(response_minutes=600, late_window_minutes=30, resolution_working_days=5),
]


def calendar(zone: str, kind: int) -> WorkingCalendar:
    closed = [date(2026, 3, 29), date(2026, 10, 26), date(2027, 1, 1)]
    if kind == 0:
        return WorkingCalendar.default(zone, closed)
    if kind == 1:
        return WorkingCalendar(zone, SPLIT_DAY, closed, {date(2026, 10, 25): ((time(1), time(3)),)})
    return WorkingCalendar.always_open(zone, closed)


def same(a: datetime, b: datetime) -> bool:
    """Equal instants, shown the same way: zone, wall time and fold."""
    return a == b and a.tzinfo is b.tzinfo and a.replace(tzinfo=None) == b.replace(tzinfo=None) and a.fold == b.fold


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    kind=st.integers(0, 2),
    policy=st.sampled_from(POLICIES),
    instants=st.lists(
        st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 1), timezones=st.just(UTC)),
        min_size=1,
        max_size=20,
    ),
)
def test_cached_deadlines_equal_those_of_a_fresh_calendar(zone, kind, policy, instants):
    warm = calendar(zone, kind)
    # Neighbours share a waited-for interval or a date: the second and later ones come from the caches.
    received = [moment + timedelta(minutes=shift) for moment in instants for shift in (0, 1, 90)]
    for moment in received + received:
        cached = compute_deadlines(warm, moment, policy)
        fresh = compute_deadlines(calendar(zone, kind), moment, policy)
        assert cached.late_arrival == fresh.late_arrival
        for name in ("effective_start", "response_due", "resolution_due"):
            assert same(getattr(cached, name), getattr(fresh, name)), (name, moment)


@settings(max_examples=500, deadline=None)
@given(zone=st.sampled_from(ZONES), u=st.integers(-(10**16), _FLOAT_EXACT_US + 10**14))
def test_the_fast_instant_conversion_is_exact_to_the_microsecond(zone, u):
    cal = WorkingCalendar.default(zone)
    seconds, micro = divmod(u, 1_000_000)
    exact = datetime.fromtimestamp(seconds, cal.tz).replace(microsecond=micro)
    assert same(cal._dt(u), exact)
    assert (cal._dt(u) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1) == u


def test_receipts_with_and_without_microseconds_on_a_dst_fold():
    cal = WorkingCalendar.always_open("Europe/Berlin")
    # 2026-10-25 00:30 and 01:30 UTC are both 02:30 in Berlin (the repeated hour), folds 0 and 1.
    for moment in (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, 0, 7, tzinfo=UTC)):
        d = compute_deadlines(cal, moment)
        # (An instant of a repeated hour never compares equal across zones, PEP 495: compare in UTC.)
        assert d.effective_start.astimezone(UTC) == moment and d.effective_start.fold == (moment.hour == 1)
        assert d.response_due.astimezone(UTC) == moment + timedelta(minutes=55)
