"""Unit tests of sla.calendar.WorkingCalendar (no Django)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla.calendar import WorkingCalendar

JKT = ZoneInfo("Asia/Jakarta")
AMS = ZoneInfo("Europe/Amsterdam")
US = timedelta(microseconds=1)

# The week of Monday 2026-12-07 has no Indonesian holiday.
MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 12, 7) + timedelta(days=i) for i in range(7))


def at(day: date, hour: int, minute: int = 0, second: int = 0, micro: int = 0, tz=JKT) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, micro, tzinfo=tz)


@pytest.fixture
def office() -> WorkingCalendar:
    return WorkingCalendar.default("Asia/Jakarta")


@pytest.fixture
def with_break() -> WorkingCalendar:
    """Mon-Fri 08:00-12:00 and 13:00-16:00."""
    day = [(time(8), time(12)), (time(13), time(16))]
    return WorkingCalendar("Asia/Jakarta", dict.fromkeys(range(5), day))


# ---------------------------------------------------------------- is_working


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(MON, 7, 29, 59, 999999), False),
        (at(MON, 7, 30), True),
        (at(MON, 12, 0), True),
        (at(MON, 15, 59, 59, 999999), True),
        (at(MON, 16, 0), False),
        (at(FRI, 16, 0), True),
        (at(FRI, 16, 29, 59, 999999), True),
        (at(FRI, 16, 30), False),
        (at(SAT, 10, 0), False),
        (at(SUN, 10, 0), False),
        (at(MON, 0, 0), False),
    ],
)
def test_is_working_half_open_intervals(office, moment, expected):
    assert office.is_working(moment) is expected


def test_is_working_accepts_other_zones(office):
    # 02:00 UTC is 09:00 in Jakarta.
    assert office.is_working(datetime(2026, 12, 7, 2, 0, tzinfo=UTC))
    assert not office.is_working(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))  # 16:00 WIB


def test_is_working_breaks(with_break):
    assert with_break.is_working(at(MON, 11, 59, 59, 999999))
    assert not with_break.is_working(at(MON, 12, 0))
    assert not with_break.is_working(at(MON, 12, 59, 59, 999999))
    assert with_break.is_working(at(MON, 13, 0))


def test_is_working_closed_dates_and_special_hours():
    calendar = WorkingCalendar.default(
        "Asia/Jakarta",
        closed_dates=[TUE, WED],
        special_hours={WED: [(time(9), time(10))], SAT: [(time(8), time(9))]},
    )
    assert not calendar.is_working(at(TUE, 10))
    assert calendar.is_working(at(WED, 9, 30))  # special hours override the closure
    assert not calendar.is_working(at(WED, 10, 30))
    assert calendar.is_working(at(SAT, 8, 30))
    assert calendar.hours_on(WED) == ((time(9), time(10)),)
    assert calendar.hours_on(TUE) == ()
    assert calendar.hours_on(THU) == ((time(7, 30), time(16)),)


def test_naive_datetime_rejected(office):
    with pytest.raises(ValueError, match="timezone-aware"):
        office.is_working(datetime(2026, 12, 7, 9))
    with pytest.raises(ValueError, match="timezone-aware"):
        office.working_time_between(at(MON, 9), datetime(2026, 12, 7, 10))
    with pytest.raises(ValueError, match="timezone-aware"):
        office.add_working_time(datetime(2026, 12, 7, 9), timedelta(minutes=5))


# ---------------------------------------------------------------- next_working_moment


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(MON, 9, 15, 1, 7), at(MON, 9, 15, 1, 7)),
        (at(MON, 7, 30), at(MON, 7, 30)),
        (at(MON, 6, 0), at(MON, 7, 30)),
        (at(MON, 16, 0), at(TUE, 7, 30)),
        (at(THU, 23, 59), at(FRI, 7, 30)),
        (at(FRI, 16, 30), at(MON + timedelta(days=7), 7, 30)),
        (at(SAT, 12, 0), at(MON + timedelta(days=7), 7, 30)),
    ],
)
def test_next_working_moment(office, moment, expected):
    result = office.next_working_moment(moment)
    assert result == expected
    assert result.tzinfo == JKT


def test_next_working_moment_break_and_holiday(with_break):
    assert with_break.next_working_moment(at(MON, 12, 30)) == at(MON, 13)
    calendar = WorkingCalendar.default("Asia/Jakarta", closed_dates=[TUE, WED])
    assert calendar.next_working_moment(at(MON, 16, 0)) == at(THU, 7, 30)


def test_next_working_moment_converts_to_calendar_zone(office):
    result = office.next_working_moment(datetime(2026, 12, 7, 2, 0, tzinfo=UTC))
    assert result.tzinfo == JKT
    assert (result.hour, result.minute) == (9, 0)
    nxt = office.next_working_moment(datetime(2026, 12, 7, 12, 0, tzinfo=UTC))  # 19:00 WIB
    assert nxt.tzinfo == JKT and nxt.replace(tzinfo=None) == datetime(2026, 12, 8, 7, 30)


def test_next_working_moment_across_new_year():
    calendar = WorkingCalendar.default("Asia/Jakarta", closed_dates=[date(2027, 1, 1)])
    assert calendar.next_working_moment(at(date(2026, 12, 31), 16, 0)) == at(date(2027, 1, 4), 7, 30)


def test_calendar_without_future_work_raises():
    only_once = WorkingCalendar("Asia/Jakarta", {}, special_hours={MON: [(time(8), time(9))]})
    assert only_once.next_working_moment(at(MON, 7)) == at(MON, 8)
    assert only_once.add_working_time(at(MON, 7), timedelta(minutes=60)) == at(MON, 9)
    with pytest.raises(ValueError, match="no working time"):
        only_once.next_working_moment(at(MON, 10))
    with pytest.raises(ValueError, match="no working time"):
        only_once.add_working_time(at(MON, 7), timedelta(minutes=61))
    assert only_once.working_intervals(at(MON, 0), at(MON + timedelta(days=800), 0)) == [(at(MON, 8), at(MON, 9))]


# ---------------------------------------------------------------- add_working_time


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        (at(MON, 9), 55, at(MON, 9, 55)),
        (at(MON, 15, 30), 30, at(MON, 16)),  # the earliest instant: the closing, not the next opening
        (at(MON, 15, 30), 31, at(TUE, 7, 31)),  # across the night
        (at(FRI, 16, 0), 55, at(MON + timedelta(days=7), 7, 55)),  # across the weekend (Fri closes 16:30)
        (at(FRI, 16, 30), 55, at(MON + timedelta(days=7), 8, 25)),
        (at(SAT, 10, 0), 55, at(MON + timedelta(days=7), 8, 25)),  # from closed time
        (at(MON, 7, 30), 8 * 60 + 30, at(MON, 16)),  # a whole day
        (at(MON, 7, 30), 4 * 510 + 540, at(FRI, 16, 30)),  # a whole week (43 h): ends at Friday's closing
        (at(MON, 7, 30), 4 * 510 + 541, at(MON + timedelta(days=7), 7, 31)),
    ],
)
def test_add_working_time(office, start, minutes, expected):
    result = office.add_working_time(start, timedelta(minutes=minutes))
    assert result == expected
    assert result.tzinfo == JKT


def test_add_working_time_zero_delta_is_start(office):
    assert office.add_working_time(at(MON, 9, 1, 2, 3), timedelta(0)) == at(MON, 9, 1, 2, 3)
    # Also from closed time: the earliest t >= start with no working time in between is start itself.
    assert office.add_working_time(at(SAT, 3), timedelta(0)) == at(SAT, 3)


def test_add_working_time_microseconds(office):
    assert office.add_working_time(at(MON, 15, 59, 59, 999999), US) == at(MON, 16)
    assert office.add_working_time(at(MON, 15, 59, 59, 999999), 2 * US) == at(TUE, 7, 30, 0, 1)


def test_add_working_time_across_break(with_break):
    assert with_break.add_working_time(at(MON, 11, 30), timedelta(minutes=55)) == at(MON, 13, 25)
    assert with_break.add_working_time(at(MON, 11, 30), timedelta(minutes=30)) == at(MON, 12)


def test_add_working_time_across_holidays():
    calendar = WorkingCalendar.default("Asia/Jakarta", closed_dates=[TUE, WED])
    assert calendar.add_working_time(at(MON, 15, 30), timedelta(minutes=55)) == at(THU, 7, 55)


def test_add_working_time_across_years():
    calendar = WorkingCalendar.default("Asia/Jakarta", closed_dates=[date(2027, 1, 1)])
    start = at(date(2026, 12, 31), 15, 0)  # Thursday
    assert calendar.add_working_time(start, timedelta(hours=2)) == at(date(2027, 1, 4), 8, 30)
    # 52 weeks of 43 h from Monday 2027-01-04 07:30 end at Friday 2027-12-31 16:30.
    monday = at(date(2027, 1, 4), 7, 30)
    assert calendar.add_working_time(monday, timedelta(hours=52 * 43)) == at(date(2027, 12, 31), 16, 30)
    assert calendar.add_working_time(monday, timedelta(hours=52 * 43, minutes=1)) == at(date(2028, 1, 3), 7, 31)


def test_add_working_time_long_span_always_open():
    calendar = WorkingCalendar.always_open("Europe/Amsterdam")
    start = datetime(2026, 3, 1, 12, tzinfo=AMS)
    result = calendar.add_working_time(start, timedelta(days=3650, microseconds=5))
    assert result.astimezone(UTC) == start.astimezone(UTC) + timedelta(days=3650, microseconds=5)


def test_add_working_time_rejects_negative(office):
    with pytest.raises(ValueError, match="negative"):
        office.add_working_time(at(MON, 9), timedelta(minutes=-1))


# ---------------------------------------------------------------- working_time_between


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (at(MON, 9), at(MON, 9, 55), timedelta(minutes=55)),
        (at(MON, 6), at(MON, 8), timedelta(minutes=30)),
        (at(MON, 15), at(TUE, 8), timedelta(minutes=90)),
        (at(FRI, 16), at(MON + timedelta(days=7), 8), timedelta(minutes=60)),
        (at(SAT, 1), at(SUN, 23), timedelta(0)),
        (at(MON, 0), at(MON + timedelta(days=7), 0), timedelta(hours=43)),
        (at(MON, 10), at(MON, 10), timedelta(0)),
        (at(MON, 11), at(MON, 10), timedelta(0)),  # end before start
    ],
)
def test_working_time_between(office, start, end, expected):
    assert office.working_time_between(start, end) == expected


def test_working_time_between_breaks_and_holidays(with_break):
    assert with_break.working_time_between(at(MON, 11), at(MON, 14)) == timedelta(hours=2)
    calendar = WorkingCalendar.default("Asia/Jakarta", closed_dates=[TUE])
    assert calendar.working_time_between(at(MON, 15), at(WED, 8)) == timedelta(minutes=90)


def test_working_time_between_many_years():
    calendar = WorkingCalendar.always_open("Asia/Jayapura", closed_dates=[date(2027, 6, 1)])
    start = datetime(2026, 5, 5, 5, 5, tzinfo=UTC)
    end = datetime(2030, 1, 2, 3, 4, tzinfo=UTC)
    assert calendar.working_time_between(start, end) == end - start - timedelta(days=1)


# ---------------------------------------------------------------- end_of_day / closing_time / opening_time


def test_end_of_day_and_closing_time_default(office):
    assert office.end_of_day(MON) == at(MON, 16)
    assert office.closing_time(MON) == at(MON, 16)
    assert office.end_of_day(FRI) == at(FRI, 16, 30)
    assert office.closing_time(FRI) == at(FRI, 16, 30)
    assert office.opening_time(FRI) == at(FRI, 7, 30)
    assert office.end_of_day(SAT) is None
    assert office.closing_time(SAT) is None
    assert office.opening_time(SUN) is None
    assert office.end_of_day(MON).tzinfo == JKT


def test_end_of_day_holiday():
    calendar = WorkingCalendar.default("Asia/Jakarta", closed_dates=[TUE])
    assert calendar.end_of_day(TUE) is None
    assert calendar.closing_time(TUE) is None
    assert not calendar.is_working_date(TUE)
    assert calendar.is_working_date(WED)


def test_end_of_day_with_break_is_last_interval(with_break):
    assert with_break.end_of_day(MON) == at(MON, 16)
    assert with_break.closing_time(MON) == at(MON, 16)


def test_always_open_has_no_closing_time():
    calendar = WorkingCalendar.always_open("Asia/Jakarta")
    assert calendar.end_of_day(MON) == at(TUE, 0)
    assert calendar.closing_time(MON) is None
    assert calendar.closing_time(SUN) is None


def test_closing_time_when_work_runs_on_past_midnight():
    # A night shift: Monday 22:00-24:00 runs on into Tuesday 00:00-06:00; Wednesday is closed.
    calendar = WorkingCalendar(
        "Asia/Jakarta",
        {0: [(time(8), time(12)), (time(22), time(0))], 1: [(time(0), time(6)), (time(20), time(0))]},
    )
    assert calendar.end_of_day(MON) == at(TUE, 0)
    assert calendar.closing_time(MON) is None
    assert calendar.end_of_day(TUE) == at(WED, 0)
    assert calendar.closing_time(TUE) == at(WED, 0)  # Wednesday closed: midnight is a real closing
    assert calendar.opening_time(TUE) == at(TUE, 0)
    assert calendar.is_working(at(MON, 23, 59)) and calendar.is_working(at(TUE, 0))
    assert calendar.add_working_time(at(MON, 23, 30), timedelta(hours=1)) == at(TUE, 0, 30)


def test_closing_time_across_new_year():
    calendar = WorkingCalendar.always_open("Asia/Jakarta", closed_dates=[date(2027, 1, 1)])
    assert calendar.closing_time(date(2026, 12, 31)) == at(date(2027, 1, 1), 0)
    assert calendar.closing_time(date(2026, 12, 30)) is None


def test_day_methods_reject_datetimes(office):
    with pytest.raises(TypeError):
        office.end_of_day(at(MON, 9))


# ---------------------------------------------------------------- nth_working_date_after


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (MON, 1, TUE),
        (MON, 2, WED),
        (THU, 2, MON + timedelta(days=7)),
        (FRI, 2, TUE + timedelta(days=7)),
        (SAT, 1, MON + timedelta(days=7)),
        (SUN, 2, TUE + timedelta(days=7)),
        (MON, 0, MON),
        (SAT, 0, SAT),
        (MON, 5, MON + timedelta(days=7)),
    ],
)
def test_nth_working_date_after(office, day, n, expected):
    assert office.nth_working_date_after(day, n) == expected


def test_nth_working_date_after_skips_holidays():
    calendar = WorkingCalendar.default("Asia/Jakarta", closed_dates=[TUE + timedelta(days=7)])
    assert calendar.nth_working_date_after(FRI, 2) == WED + timedelta(days=7)


def test_nth_working_date_after_far_and_across_years():
    closed = {date(2027, 1, 1), date(2026, 12, 25)}
    calendar = WorkingCalendar.default("Asia/Jakarta", closed_dates=closed)
    # Brute force count with is_working_date.
    day, count, expected = date(2026, 11, 20), 0, None
    probe = day
    while count < 300:
        probe += timedelta(days=1)
        if calendar.is_working_date(probe):
            count += 1
    expected = probe
    assert calendar.nth_working_date_after(day, 300) == expected
    assert calendar.nth_working_date_after(date(2026, 12, 24), 2) == date(2026, 12, 29)
    assert calendar.nth_working_date_after(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_nth_working_date_after_rejects_negative(office):
    with pytest.raises(ValueError):
        office.nth_working_date_after(MON, -1)


# ---------------------------------------------------------------- working_intervals / working_date_of


def test_working_intervals_clipped(with_break):
    result = with_break.working_intervals(at(MON, 9), at(TUE, 12, 30))
    assert result == [
        (at(MON, 9), at(MON, 12)),
        (at(MON, 13), at(MON, 16)),
        (at(TUE, 8), at(TUE, 12)),
    ]
    assert all(a.tzinfo == JKT and b.tzinfo == JKT for a, b in result)


def test_working_intervals_by_dates_inclusive(office):
    result = office.working_intervals(THU, MON + timedelta(days=7))
    assert result == [
        (at(THU, 7, 30), at(THU, 16)),
        (at(FRI, 7, 30), at(FRI, 16, 30)),
        (at(MON + timedelta(days=7), 7, 30), at(MON + timedelta(days=7), 16)),
    ]


def test_working_intervals_edge_cases(office):
    assert office.working_intervals(at(MON, 10), at(MON, 10)) == []
    assert office.working_intervals(at(MON, 16), at(TUE, 7, 30)) == []
    assert office.working_intervals(datetime(2026, 12, 7, 2, tzinfo=UTC), at(MON, 9, 30)) == [
        (at(MON, 9), at(MON, 9, 30))
    ]


def test_working_intervals_always_open_are_per_date():
    calendar = WorkingCalendar.always_open("Asia/Jakarta")
    result = calendar.working_intervals(at(MON, 12), at(WED, 12))
    assert result == [(at(MON, 12), at(TUE, 0)), (at(TUE, 0), at(WED, 0)), (at(WED, 0), at(WED, 12))]


def test_working_intervals_across_years():
    calendar = WorkingCalendar.default("Asia/Jakarta")
    result = calendar.working_intervals(at(date(2026, 12, 31), 12), at(date(2027, 1, 1), 12))
    assert result == [
        (at(date(2026, 12, 31), 12), at(date(2026, 12, 31), 16)),
        (at(date(2027, 1, 1), 7, 30), at(date(2027, 1, 1), 12)),
    ]


def test_working_date_of():
    calendar = WorkingCalendar("Asia/Jakarta", {0: [(time(20), time(0))], 1: [(time(0), time(4))]})
    assert calendar.working_date_of(at(MON, 23)) == MON
    assert calendar.working_date_of(at(TUE, 0)) == TUE
    assert calendar.working_date_of(at(TUE, 5)) is None


# ---------------------------------------------------------------- construction


def test_normalized_schedule_merges_touching_intervals():
    calendar = WorkingCalendar("Asia/Jakarta", {2: [(time(13), time(16)), (time(8), time(13))]})
    assert calendar.weekly == {2: ((time(8), time(16)),)}
    assert calendar.tz_name == "Asia/Jakarta"


def test_default_and_always_open_constructors():
    calendar = WorkingCalendar.default("Asia/Makassar", closed_dates=[MON])
    assert calendar.weekly[0] == ((time(7, 30), time(16)),)
    assert calendar.weekly[4] == ((time(7, 30), time(16, 30)),)
    assert 5 not in calendar.weekly and 6 not in calendar.weekly
    assert calendar.closed_dates == frozenset({MON})
    assert WorkingCalendar.always_open("UTC").weekly == dict.fromkeys(range(7), ((time(0), time(0)),))


def test_dst_day_lengths():
    calendar = WorkingCalendar.always_open("Europe/Amsterdam")
    spring, autumn = date(2026, 3, 29), date(2026, 10, 25)
    assert calendar.working_time_between(
        datetime(2026, 3, 29, tzinfo=AMS), datetime(2026, 3, 30, tzinfo=AMS)
    ) == timedelta(hours=23)
    assert calendar.working_time_between(
        datetime(2026, 10, 25, tzinfo=AMS), datetime(2026, 10, 26, tzinfo=AMS)
    ) == timedelta(hours=25)
    assert calendar.end_of_day(spring).astimezone(UTC) == datetime(2026, 3, 29, 22, tzinfo=UTC)
    assert calendar.end_of_day(autumn).astimezone(UTC) == datetime(2026, 10, 25, 23, tzinfo=UTC)


def test_dst_nonexistent_and_ambiguous_bounds():
    # Sunday 02:30-06:00: on 29 March 02:30 does not exist (the clocks jump 02:00 -> 03:00): work starts at
    # the jump; on 25 October 02:30 happens twice: the first occurrence (summer time) counts.
    calendar = WorkingCalendar("Europe/Amsterdam", {6: [(time(2, 30), time(6))]})
    spring, autumn = date(2026, 3, 29), date(2026, 10, 25)
    assert calendar.opening_time(spring).astimezone(UTC) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert calendar.working_intervals(spring, spring)[0][1].astimezone(UTC) == datetime(2026, 3, 29, 4, tzinfo=UTC)
    assert calendar.opening_time(autumn).astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert calendar.end_of_day(autumn).astimezone(UTC) == datetime(2026, 10, 25, 5, 0, tzinfo=UTC)
    week = timedelta(days=7)
    day_spring = calendar.working_time_between(at(spring - week, 0, tz=AMS), at(spring + week, 0, tz=AMS))
    assert day_spring == timedelta(hours=3) + timedelta(hours=3, minutes=30)  # 03:00-06:00 CEST + a normal Sunday
    day_autumn = calendar.working_time_between(at(autumn, 0, tz=AMS), at(autumn + timedelta(days=1), 0, tz=AMS))
    assert day_autumn == timedelta(hours=4, minutes=30)


def test_interval_entirely_in_a_gap_has_no_working_time():
    calendar = WorkingCalendar("Europe/Amsterdam", {6: [(time(2, 10), time(2, 50))]})
    spring = date(2026, 3, 29)
    assert not calendar.is_working_date(spring)
    assert calendar.end_of_day(spring) is None
    assert calendar.nth_working_date_after(date(2026, 3, 28), 1) == date(2026, 4, 5)
