"""Tests of sla.policy: the worked examples and rules of SLA_RULES.md (no Django)."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import holidays
import pytest

from sla.calendar import WorkingCalendar
from sla.policy import (
    Deadlines,
    SlaPolicy,
    abandon_at,
    at_risk_at,
    compute_deadlines,
    head_escalation_at,
    is_late_arrival,
    shift_due,
)

JKT = ZoneInfo("Asia/Jakarta")
AMS = ZoneInfo("Europe/Amsterdam")

# The week of Monday 2026-12-07 has no Indonesian holiday.
MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 12, 7) + timedelta(days=i) for i in range(7))
NEXT_MON, NEXT_TUE, NEXT_WED = MON + timedelta(days=7), TUE + timedelta(days=7), WED + timedelta(days=7)


def at(day: date, hour: int, minute: int = 0, second: int = 0, micro: int = 0, tz=JKT) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, micro, tzinfo=tz)


ID_HOLIDAYS = holidays.country_holidays("ID", years=(2026, 2027), categories=("public", "government"))


@pytest.fixture
def office() -> WorkingCalendar:
    return WorkingCalendar.default("Asia/Jakarta")


def deadlines(calendar, received, policy=SlaPolicy()) -> Deadlines:
    result = compute_deadlines(calendar, received, policy)
    # The one-pass implementation must agree with the public calendar primitives.
    start = calendar.next_working_moment(received)
    late = is_late_arrival(calendar, received, policy.late_window_minutes)
    day = calendar.working_date_of(start)
    resolution = calendar.end_of_day(calendar.nth_working_date_after(day, policy.resolution_working_days))
    response = resolution if late else calendar.add_working_time(start, timedelta(minutes=policy.response_minutes))
    assert (result.effective_start, result.late_arrival, result.response_due, result.resolution_due) == (
        start,
        late,
        response,
        resolution,
    )
    return result


# ---------------------------------------------------------------- the worked examples of SLA_RULES.md


def test_example_monday_0900_normal(office):
    d = deadlines(office, at(MON, 9, 0))
    assert d == Deadlines(at(MON, 9, 0), False, at(MON, 9, 55), at(WED, 16, 0))


def test_example_monday_1550_late(office):
    d = deadlines(office, at(MON, 15, 50))
    assert d == Deadlines(at(MON, 15, 50), True, at(WED, 16, 0), at(WED, 16, 0))


def test_example_monday_1359_normal(office):
    d = deadlines(office, at(MON, 13, 59))
    assert d == Deadlines(at(MON, 13, 59), False, at(MON, 14, 54), at(WED, 16, 0))


def test_example_monday_1400_late_at_closing_minus_two_hours(office):
    d = deadlines(office, at(MON, 14, 0))
    assert d == Deadlines(at(MON, 14, 0), True, at(WED, 16, 0), at(WED, 16, 0))


def test_example_sunday_2100_outside_hours(office):
    d = deadlines(office, at(SUN - timedelta(days=7), 21, 0))
    assert d == Deadlines(at(MON, 7, 30), False, at(MON, 8, 25), at(WED, 16, 0))


def test_example_friday_1500_late_friday_closes_1630(office):
    d = deadlines(office, at(FRI, 15, 0))
    assert d == Deadlines(at(FRI, 15, 0), True, at(NEXT_TUE, 16, 0), at(NEXT_TUE, 16, 0))


def test_example_friday_1500_with_tuesday_holiday_gives_wednesday():
    calendar = WorkingCalendar.default("Asia/Jakarta", closed_dates=[NEXT_TUE])
    d = deadlines(calendar, at(FRI, 15, 0))
    assert d == Deadlines(at(FRI, 15, 0), True, at(NEXT_WED, 16, 0), at(NEXT_WED, 16, 0))


def test_example_thursday_0600_before_opening_is_not_late(office):
    d = deadlines(office, at(THU, 6, 0))
    assert d == Deadlines(at(THU, 7, 30), False, at(THU, 8, 25), at(NEXT_MON, 16, 0))


def test_monday_1000_resolution_is_wednesday_end_of_day(office):
    assert deadlines(office, at(MON, 10, 0)).resolution_due == at(WED, 16, 0)


# ---------------------------------------------------------------- the late window


def test_late_window_bounds(office):
    assert not deadlines(office, at(MON, 13, 59, 59, 999999)).late_arrival
    assert deadlines(office, at(MON, 14, 0)).late_arrival
    assert deadlines(office, at(MON, 15, 59, 59, 999999)).late_arrival
    # At the closing instant the office is closed: not late, the clock starts at the next opening.
    d = deadlines(office, at(MON, 16, 0))
    assert d == Deadlines(at(TUE, 7, 30), False, at(TUE, 8, 25), at(THU, 16, 0))
    assert not deadlines(office, at(FRI, 14, 29, 59)).late_arrival
    assert deadlines(office, at(FRI, 14, 30)).late_arrival


def test_not_late_on_a_closed_date_or_evening(office):
    assert not deadlines(office, at(SAT, 15, 0)).late_arrival
    assert not deadlines(office, at(MON, 20, 0)).late_arrival


def test_late_window_uses_policy_values(office):
    policy = SlaPolicy(response_minutes=30, late_window_minutes=60, resolution_working_days=3)
    assert deadlines(office, at(MON, 14, 59), policy) == Deadlines(
        at(MON, 14, 59), False, at(MON, 15, 29), at(THU, 16, 0)
    )
    assert deadlines(office, at(MON, 15, 0), policy) == Deadlines(at(MON, 15, 0), True, at(THU, 16, 0), at(THU, 16, 0))
    no_window = SlaPolicy(late_window_minutes=0)
    assert not deadlines(office, at(MON, 15, 59), no_window).late_arrival
    same_day = SlaPolicy(resolution_working_days=0)
    assert deadlines(office, at(MON, 15, 0), same_day).response_due == at(MON, 16, 0)


def test_break_inside_the_late_window_counts():
    # Work stops 14:30-15:00 and closes at 16:00: a receipt during that break is a late arrival.
    calendar = WorkingCalendar(
        "Asia/Jakarta", dict.fromkeys(range(5), [(time(7, 30), time(14, 30)), (time(15), time(16))])
    )
    d = deadlines(calendar, at(MON, 14, 45))
    assert d == Deadlines(at(MON, 15, 0), True, at(WED, 16, 0), at(WED, 16, 0))
    assert deadlines(calendar, at(MON, 14, 0)).late_arrival
    assert not deadlines(calendar, at(MON, 13, 59)).late_arrival


def test_break_earlier_in_the_day_is_not_a_closing():
    calendar = WorkingCalendar("Asia/Jakarta", dict.fromkeys(range(5), [(time(7, 30), time(12)), (time(13), time(16))]))
    # 11:00 is within two hours of the 12:00 break: still a normal receipt, and the response skips the break.
    d = deadlines(calendar, at(MON, 11, 30))
    assert d == Deadlines(at(MON, 11, 30), False, at(MON, 13, 25), at(WED, 16, 0))
    d = deadlines(calendar, at(MON, 12, 15))  # during the break
    assert d == Deadlines(at(MON, 13, 0), False, at(MON, 13, 55), at(WED, 16, 0))
    assert deadlines(calendar, at(MON, 14, 0)).late_arrival


def test_before_opening_within_the_window_is_late_on_a_day_shorter_than_the_window():
    # SLA_RULES.md: the window is counted back from closing whatever the opening. A short day, 08:00-09:00:
    # a message at 07:07 is before the opening but within 2 h of closing, so it is a late arrival.
    calendar = WorkingCalendar("Asia/Jakarta", dict.fromkeys(range(5), [(time(8), time(9))]))
    assert deadlines(calendar, at(MON, 7, 7)) == Deadlines(at(MON, 8), True, at(WED, 9), at(WED, 9))
    assert is_late_arrival(calendar, at(MON, 7, 7))
    # Before the window (06:59) it is not: the clock starts at the opening with 55 working minutes.
    assert deadlines(calendar, at(MON, 6, 59)) == Deadlines(at(MON, 8), False, at(MON, 8, 55), at(WED, 9))


# ---------------------------------------------------------------- holidays, joint leave, special hours


def test_holiday_dates_are_real():
    assert date(2026, 3, 19) in ID_HOLIDAYS  # Day of Silence (Nyepi)
    assert date(2026, 3, 18) in ID_HOLIDAYS  # joint leave
    assert date(2026, 3, 23) in ID_HOLIDAYS and date(2026, 3, 24) in ID_HOLIDAYS  # Eid al-Fitr joint leave
    assert date(2026, 12, 24) in ID_HOLIDAYS and date(2026, 12, 25) in ID_HOLIDAYS
    assert date(2027, 1, 1) in ID_HOLIDAYS


@pytest.fixture
def indonesia() -> WorkingCalendar:
    return WorkingCalendar.default("Asia/Jakarta", closed_dates=ID_HOLIDAYS)


def test_late_before_nyepi_and_eid_joint_leave(indonesia):
    # Tue 2026-03-17 15:00 is late; Wed 18 .. Tue 24 are holidays or joint leave (and the weekend).
    d = deadlines(indonesia, at(date(2026, 3, 17), 15, 0))
    assert d == Deadlines(at(date(2026, 3, 17), 15), True, at(date(2026, 3, 26), 16), at(date(2026, 3, 26), 16))


def test_received_on_a_holiday(indonesia):
    d = deadlines(indonesia, at(date(2026, 3, 19), 10, 0))
    assert d == Deadlines(
        at(date(2026, 3, 25), 7, 30), False, at(date(2026, 3, 25), 8, 25), at(date(2026, 3, 27), 16, 30)
    )


def test_response_runs_over_joint_leave(indonesia):
    # Wed 2026-12-23 13:30: 30 min on Wednesday, then Thu 24 (joint leave) and Fri 25 (Christmas) are closed.
    d = deadlines(indonesia, at(date(2026, 12, 23), 13, 30))
    assert not d.late_arrival
    assert d.response_due == at(date(2026, 12, 23), 14, 25)
    assert d.resolution_due == at(date(2026, 12, 29), 16)
    assert deadlines(indonesia, at(date(2026, 12, 23), 15, 40)).response_due == at(date(2026, 12, 29), 16)
    assert indonesia.add_working_time(at(date(2026, 12, 23), 15, 40), timedelta(minutes=55)) == at(
        date(2026, 12, 28), 8, 5
    )


def test_new_year_holiday(indonesia):
    # Fri 2027-01-01 (New Year) and Tue 2027-01-05 (Isra' Mi'raj) are holidays.
    assert date(2027, 1, 5) in ID_HOLIDAYS
    d = deadlines(indonesia, at(date(2026, 12, 31), 15, 0))
    assert d == Deadlines(at(date(2026, 12, 31), 15), True, at(date(2027, 1, 6), 16), at(date(2027, 1, 6), 16))


RAMADAN_WEEK = [date(2026, 2, 23) + timedelta(days=i) for i in range(5)]


@pytest.fixture
def ramadan() -> WorkingCalendar:
    hours = {d: [(time(8), time(15, 30) if d.weekday() == 4 else time(15))] for d in RAMADAN_WEEK}
    return WorkingCalendar.default("Asia/Jakarta", closed_dates=ID_HOLIDAYS, special_hours=hours)


def test_ramadan_hours(ramadan):
    mon, tue, wed, fri = RAMADAN_WEEK[0], RAMADAN_WEEK[1], RAMADAN_WEEK[2], RAMADAN_WEEK[4]
    assert deadlines(ramadan, at(mon, 7, 45)) == Deadlines(at(mon, 8), False, at(mon, 8, 55), at(wed, 15))
    assert not deadlines(ramadan, at(mon, 12, 59)).late_arrival
    assert deadlines(ramadan, at(mon, 13, 0)) == Deadlines(at(mon, 13), True, at(wed, 15), at(wed, 15))
    assert deadlines(ramadan, at(mon, 14, 30)).response_due == at(wed, 15)
    assert deadlines(ramadan, at(tue, 14, 30)).resolution_due == at(date(2026, 2, 26), 15)
    assert deadlines(ramadan, at(fri, 13, 30)).late_arrival
    # The week after Ramadan hours: back to the weekly schedule.
    assert deadlines(ramadan, at(fri, 13, 30)).resolution_due == at(date(2026, 3, 3), 16)
    assert not deadlines(ramadan, at(fri, 13, 29)).late_arrival


def test_reopened_joint_leave_date():
    # A picket office works on the joint-leave day Thu 2026-12-24, 08:00-12:00.
    calendar = WorkingCalendar.default(
        "Asia/Jakarta", closed_dates=ID_HOLIDAYS, special_hours={date(2026, 12, 24): [(time(8), time(12))]}
    )
    thu, mon, tue = date(2026, 12, 24), date(2026, 12, 28), date(2026, 12, 29)
    assert deadlines(calendar, at(date(2026, 12, 23), 15, 0)).response_due == at(mon, 16)
    assert deadlines(calendar, at(thu, 9, 0)) == Deadlines(at(thu, 9), False, at(thu, 9, 55), at(tue, 16))
    assert deadlines(calendar, at(thu, 10, 0)) == Deadlines(at(thu, 10), True, at(tue, 16), at(tue, 16))
    assert deadlines(calendar, at(date(2026, 12, 23), 15, 30)).late_arrival


def test_special_hours_empty_closes_a_date(office):
    calendar = WorkingCalendar.default("Asia/Jakarta", special_hours={TUE: []})
    assert deadlines(calendar, at(MON, 15, 0)).response_due == at(WED + timedelta(days=1), 16)


# ---------------------------------------------------------------- around the clock, zones, DST


def test_always_open_is_never_late():
    calendar = WorkingCalendar.always_open("Asia/Jakarta")
    d = deadlines(calendar, at(MON, 23, 30))
    assert d == Deadlines(at(MON, 23, 30), False, at(TUE, 0, 25), at(THU, 0, 0))
    assert not deadlines(calendar, at(MON, 22, 0)).late_arrival


def test_always_open_with_holiday_has_a_closing():
    calendar = WorkingCalendar.always_open("Asia/Jakarta", closed_dates=[TUE])
    assert calendar.closing_time(MON) == at(TUE, 0)
    assert deadlines(calendar, at(MON, 22, 0)).late_arrival
    assert not deadlines(calendar, at(MON, 21, 59)).late_arrival


@pytest.mark.parametrize(("zone", "hours"), [("Asia/Jakarta", 7), ("Asia/Makassar", 8), ("Asia/Jayapura", 9)])
@pytest.mark.parametrize(
    ("received", "local"),
    [
        (at(MON, 9, 0, tz=None), (at(MON, 9, tz=None), False, at(MON, 9, 55, tz=None), at(WED, 16, tz=None))),
        (
            at(FRI, 15, 0, tz=None),
            (at(FRI, 15, tz=None), True, at(NEXT_TUE, 16, tz=None), at(NEXT_TUE, 16, tz=None)),
        ),
        (
            at(THU, 6, 0, tz=None),
            (at(THU, 7, 30, tz=None), False, at(THU, 8, 25, tz=None), at(NEXT_MON, 16, tz=None)),
        ),
    ],
)
def test_indonesian_zones_same_local_deadlines_different_utc(zone, hours, received, local):
    tz = ZoneInfo(zone)
    calendar = WorkingCalendar.default(zone)
    d = deadlines(calendar, received.replace(tzinfo=tz))
    fields = (d.effective_start, d.late_arrival, d.response_due, d.resolution_due)
    assert (
        fields[0].replace(tzinfo=None),
        fields[1],
        fields[2].replace(tzinfo=None),
        fields[3].replace(tzinfo=None),
    ) == local
    for value, expected in zip((fields[0], fields[2], fields[3]), (local[0], local[2], local[3]), strict=True):
        assert value.tzinfo == tz
        assert value.astimezone(UTC).replace(tzinfo=None) == expected - timedelta(hours=hours)


def test_results_in_calendar_zone_when_input_is_utc(office):
    d = compute_deadlines(office, datetime(2026, 12, 7, 2, 0, tzinfo=UTC))  # 09:00 WIB
    for value in (d.effective_start, d.response_due, d.resolution_due):
        assert value.tzinfo == JKT
        assert value.utcoffset() == timedelta(hours=7)
    assert d.effective_start.hour == 9 and d.response_due.minute == 55
    d = compute_deadlines(office, datetime(2026, 12, 6, 14, 0, tzinfo=UTC))  # Sunday 21:00 WIB
    assert d.effective_start.replace(tzinfo=None) == datetime(2026, 12, 7, 7, 30)
    assert d.effective_start.tzinfo == JKT


@pytest.fixture
def amsterdam_weekend() -> WorkingCalendar:
    """A Dutch office open every day 00:00-00:00 except Saturday 08:00-20:00."""
    whole = [(time(0), time(0))]
    weekly = {**dict.fromkeys(range(7), whole), 5: [(time(8), time(20))]}
    return WorkingCalendar("Europe/Amsterdam", weekly)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_dst_spring_forward_response_over_the_gap(amsterdam_weekend):
    # Sunday 2026-03-29: 01:30 CET + 55 min of real time = 03:25 CEST (02:25 does not exist).
    d = deadlines(amsterdam_weekend, datetime(2026, 3, 29, 1, 30, tzinfo=AMS))
    assert d.response_due.astimezone(UTC) == utc(2026, 3, 29, 1, 25)
    assert d.response_due.replace(tzinfo=None) == datetime(2026, 3, 29, 3, 25)
    assert not d.late_arrival
    # The 2nd working date after Sunday is Tuesday; its end is Wednesday 00:00 CEST.
    assert d.resolution_due.astimezone(UTC) == utc(2026, 3, 31, 22, 0)
    sunday = amsterdam_weekend.working_time_between(
        datetime(2026, 3, 29, tzinfo=AMS), datetime(2026, 3, 30, tzinfo=AMS)
    )
    assert sunday == timedelta(hours=23)


def test_dst_fall_back_25_hour_day(amsterdam_weekend):
    sunday = date(2026, 10, 25)
    assert amsterdam_weekend.working_time_between(
        datetime(2026, 10, 25, tzinfo=AMS), datetime(2026, 10, 26, tzinfo=AMS)
    ) == timedelta(hours=25)
    # Saturday 2026-10-24 19:00 CEST is late (closes 20:00); resolution = end of Monday 26 (CET).
    d = deadlines(amsterdam_weekend, datetime(2026, 10, 24, 19, 0, tzinfo=AMS))
    assert d.late_arrival
    assert d.response_due.astimezone(UTC) == utc(2026, 10, 26, 23, 0)
    # 02:30 of the second pass (CET, fold=1) + 55 min: 03:25 CET.
    received = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=AMS)
    d = deadlines(amsterdam_weekend, received)
    assert d.effective_start.astimezone(UTC) == utc(2026, 10, 25, 1, 30)
    assert d.response_due.astimezone(UTC) == utc(2026, 10, 25, 2, 25)
    assert d.resolution_due.astimezone(UTC) == utc(2026, 10, 27, 23, 0)
    assert amsterdam_weekend.end_of_day(sunday).astimezone(UTC) == utc(2026, 10, 25, 23, 0)


def test_dst_late_window_is_real_time():
    # Sunday 00:00-03:30 on 2026-03-29: closing 03:30 CEST = 01:30 UTC; the window starts 2 h of real time
    # earlier, at 23:30 UTC = 00:30 CET. 01:00 CET is 1.5 h (real) before closing, though 2.5 h by the clock.
    calendar = WorkingCalendar("Europe/Amsterdam", {6: [(time(0), time(3, 30))]})
    assert deadlines(calendar, datetime(2026, 3, 29, 1, 0, tzinfo=AMS)).late_arrival
    assert deadlines(calendar, datetime(2026, 3, 29, 0, 30, tzinfo=AMS)).late_arrival
    assert not deadlines(calendar, datetime(2026, 3, 29, 0, 29, tzinfo=AMS)).late_arrival


# ---------------------------------------------------------------- errors


def test_naive_received_at_raises(office):
    with pytest.raises(ValueError, match="timezone-aware"):
        compute_deadlines(office, datetime(2026, 12, 7, 9, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        is_late_arrival(office, datetime(2026, 12, 7, 9, 0))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weekly": {0: [(time(9), time(12)), (time(11), time(13))]}}, "overlap"),
        ({"weekly": {0: [(time(12), time(9))]}}, "ends before it starts"),
        ({"weekly": {0: [(time(9), time(9))]}}, "ends before it starts"),
        ({"weekly": {7: [(time(9), time(12))]}}, "weekday"),
        ({"weekly": {-1: [(time(9), time(12))]}}, "weekday"),
        ({"weekly": {"0": [(time(9), time(12))]}}, "weekday"),
        ({"weekly": {True: [(time(9), time(12))]}}, "weekday"),
        ({"weekly": {0: [(time(9), time(12), time(13))]}}, "pair"),
        ({"weekly": {0: [("09:00", "12:00")]}}, "datetime.time"),
        ({"weekly": {0: [(time(9, tzinfo=UTC), time(12))]}}, "tzinfo"),
        ({"weekly": {}, "tz": "Mars/Olympus_Mons"}, "unknown IANA"),
        ({"weekly": {}, "tz": ""}, "IANA"),
        ({"weekly": {}, "tz": "../../etc/passwd"}, "IANA"),
        (
            {"weekly": {}, "special_hours": {date(2026, 1, 5): [(time(8), time(10)), (time(9), time(11))]}},
            "overlap",
        ),
        ({"weekly": {}, "closed_dates": ["2026-01-01"]}, "closed_dates"),
    ],
)
def test_invalid_calendars_raise(kwargs, message):
    args = {"tz": "Asia/Jakarta", **kwargs}
    with pytest.raises(ValueError, match=message):
        WorkingCalendar(args.pop("tz"), **args)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"response_minutes": -1},
        {"at_risk_ratio": 1.5},
        {"at_risk_ratio": float("nan")},
        {"resolution_working_days": 1.5},
    ],
)
def test_invalid_policies_raise(kwargs):
    with pytest.raises(ValueError):
        SlaPolicy(**kwargs)


def test_policy_accepts_decimal_ratio():
    assert SlaPolicy(at_risk_ratio=Decimal("0.75")).at_risk_ratio == 0.75


# ---------------------------------------------------------------- at risk, pause, escalation, abandon


def test_at_risk_moment(office):
    policy = SlaPolicy()
    assert policy.at_risk_moment(office, at(MON, 9), at(MON, 9, 55)) == at(MON, 9, 44)
    # Mon 09:00 -> Wed 16:00 is 7 + 8.5 + 8.5 = 24 working hours; 80 % = 19 h 12 min -> Wed 11:12.
    assert at_risk_at(office, at(MON, 9), at(WED, 16), 0.8) == at(WED, 11, 12)
    assert at_risk_at(office, at(MON, 9), at(WED, 16), 0) == at(MON, 9)
    assert at_risk_at(office, at(MON, 9), at(WED, 16), 1) == at(WED, 16)
    with pytest.raises(ValueError):
        at_risk_at(office, at(MON, 9), at(WED, 16), 1.2)


def test_shift_due_by_paused_working_time(office):
    paused = office.working_time_between(at(MON, 15, 0), at(TUE, 8, 0))  # 1 h 30 min of working time
    assert paused == timedelta(minutes=90)
    assert shift_due(office, at(TUE, 10, 0), paused) == at(TUE, 11, 30)
    assert shift_due(office, at(WED, 16, 0), paused) == at(THU, 9, 0)
    assert shift_due(office, at(WED, 16, 0), timedelta(0)) == at(WED, 16, 0)


def test_head_escalation(office):
    assert head_escalation_at(office, at(MON, 9, 55)) == at(MON, 10, 55)
    assert head_escalation_at(office, at(MON, 16, 0)) == at(TUE, 8, 30)
    assert SlaPolicy(head_escalation_minutes=30).head_escalation_moment(office, at(FRI, 16, 15)) == at(NEXT_MON, 7, 45)


def test_abandon_after_three_working_days(office):
    assert abandon_at(office, at(MON, 10, 0)) == at(THU, 16, 0)
    assert abandon_at(office, at(FRI, 18, 0)) == at(NEXT_WED + timedelta(days=1), 16, 0)
    assert SlaPolicy(abandon_after_working_days=1).abandon_moment(office, at(THU, 12)) == at(FRI, 16, 30)


def test_a_policy_copied_with_other_windows_computes_with_them(office):
    """The policy keeps its windows in microseconds for compute_deadlines: a copy made with `replace` (as the
    office's policy is derived from the default) must compute with its own windows, not the original's."""
    from dataclasses import replace

    policy = replace(SlaPolicy(), response_minutes=30, late_window_minutes=60, resolution_working_days=1)
    d = deadlines(office, at(MON, 9, 0), policy)
    assert d == Deadlines(at(MON, 9, 0), False, at(MON, 9, 30), at(TUE, 16, 0))
    assert deadlines(office, at(MON, 15, 0), policy).late_arrival is True  # 60 min before 16:00
    assert deadlines(office, at(MON, 14, 59), policy).late_arrival is False
    with pytest.raises(AttributeError):
        d.response_due = at(MON, 10, 0)  # the result is immutable
