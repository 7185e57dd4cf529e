"""Cross-check of sla.calendar against the businesstimedelta package (test-only dependency, no Django).

The default Jakarta schedule (Mon-Thu 07:30-16:00, Fri 07:30-16:30, no breaks) is expressed as one
businesstimedelta WorkDayRule per distinct day, plus a HolidayRule with the Indonesian 2026-2027 public
holidays and joint-leave days. businesstimedelta works on aware datetimes (pytz zones; a naive one is
taken as UTC), so both sides get the same aware instants. ``Rules.difference`` keeps whole seconds only.
"""

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import businesstimedelta as btd
import holidays
import pytest
import pytz

from sla.calendar import WorkingCalendar

ZONE = "Asia/Jakarta"
SAMPLES = 3000
CLOSED = frozenset(holidays.country_holidays("ID", years=(2026, 2027), categories=("public", "government")).keys())
PYTZ_ZONE = pytz.timezone(ZONE)
RULES = btd.Rules(
    [
        btd.WorkDayRule(start_time=time(7, 30), end_time=time(16, 0), working_days=[0, 1, 2, 3], tz=PYTZ_ZONE),
        btd.WorkDayRule(start_time=time(7, 30), end_time=time(16, 30), working_days=[4], tz=PYTZ_ZONE),
        btd.HolidayRule(CLOSED, tz=PYTZ_ZONE),
    ]
)
BOUNDARIES = [time(0), time(7, 30), time(16), time(16, 30), time(12)]


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return WorkingCalendar.default(ZONE, closed_dates=CLOSED)


def random_instants(seed: int, whole_seconds: bool = False) -> list[datetime]:
    """Instants over 2026: a third exactly on (or a microsecond around) interval bounds, the rest anywhere."""
    rng = random.Random(seed)
    tz = ZoneInfo(ZONE)
    start = datetime(2026, 1, 1, tzinfo=tz)
    result = []
    for i in range(SAMPLES):
        if i % 3 == 0:
            day = start + timedelta(days=rng.randrange(365))
            bound = rng.choice(BOUNDARIES)
            moment = day.replace(hour=bound.hour, minute=bound.minute)
            if not whole_seconds:
                moment += timedelta(microseconds=rng.choice([-1, 0, 1]))
        else:
            moment = start + timedelta(seconds=rng.randrange(365 * 86400))
            if not whole_seconds:
                moment += timedelta(microseconds=rng.randrange(1_000_000))
        result.append(moment.astimezone(rng.choice([UTC, tz])))
    return result


def test_response_deadline_matches_businesstimedelta(calendar):
    delta = timedelta(minutes=55)
    theirs_delta = btd.BusinessTimeDelta(RULES, timedelta=delta)
    mismatches = []
    for received in random_instants(1):
        ours = calendar.add_working_time(calendar.next_working_moment(received), delta)
        theirs = received + theirs_delta
        if ours != theirs:
            mismatches.append((received, ours, theirs))
    assert mismatches == []


def test_random_additions_match_businesstimedelta(calendar):
    rng = random.Random(2)
    mismatches = []
    for start in random_instants(3):
        delta = timedelta(microseconds=rng.randrange(1, 40 * 3600 * 1_000_000))
        ours = calendar.add_working_time(start, delta)
        theirs = start + btd.BusinessTimeDelta(RULES, timedelta=delta)
        if ours != theirs:
            mismatches.append((start, delta, ours, theirs))
    assert mismatches == []


def test_working_time_between_matches_businesstimedelta(calendar):
    rng = random.Random(4)
    mismatches = []
    for start in random_instants(5, whole_seconds=True):
        end = start + timedelta(seconds=rng.randrange(0, 10 * 86400))
        ours = calendar.working_time_between(start, end)
        theirs = RULES.difference(start, end).timedelta
        if ours != theirs:
            mismatches.append((start, end, ours, theirs))
    assert mismatches == []


def test_crosscheck_covers_holidays_and_weekends(calendar):
    # The sample really exercises closed time: some receipts fall on holidays and weekends.
    instants = random_instants(1)
    local_dates = [calendar.localize(moment).date() for moment in instants]
    assert sum(day in CLOSED for day in local_dates) > 50
    assert sum(day.weekday() >= 5 for day in local_dates) > 300
