"""Benchmark: SLA deadlines with sla.calendar against businesstimedelta and pandas CustomBusinessHour.

Run from the repository root: ``python bench/sla_calendar.py [--n 100000] [--seed 2026]``.
Needs the test-only packages holidays, businesstimedelta (with pytz) and pandas.

Receipt instants: ``--n`` random instants (microsecond resolution) spread over 2026 in Asia/Jakarta;
closed dates: ``holidays.country_holidays("ID", categories=("public", "government"))`` for 2026 and 2027
(deadlines of late December receipts fall in January 2027).

What each row covers:
* ``sla compute_deadlines``: the full SLA computation (effective start, late arrival, response due, resolution
  due) on the default schedule (Mon-Thu 07:30-16:00, Fri 07:30-16:30) with the holidays.
* ``sla +55 min`` / ``businesstimedelta +55 min``: the same 55-working-minute addition,
  ``add_working_time(next_working_moment(r), 55 min)`` against ``r + BusinessTimeDelta(55 min)`` with one
  WorkDayRule per distinct day length (Mon-Thu, Fri) and a HolidayRule; agreement compares the two instants.
* ``pandas CBH +60 min`` / ``sla +60 min``: pandas' CustomBusinessHour cannot add minutes (its n counts
  whole business hours) nor give Friday other hours, so that column adds one working hour on a
  Mon-Fri 07:30-16:00 schedule (weekmask and holidays), vectorised over a naive local DatetimeIndex, and is
  compared with our calendar configured the same way. pandas rolls a result that lands exactly on a closing
  time on to the next opening, so agreement compares it with ``next_working_moment`` of our result.
"""

from __future__ import annotations

import argparse
import random
import sys
import time as _time
import warnings
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sla.calendar import WorkingCalendar  # noqa: E402
from sla.policy import SlaPolicy, compute_deadlines  # noqa: E402

ZONE = "Asia/Jakarta"
TARGET_RATIO = 50.0


def _timed(func):
    started = _time.perf_counter()
    result = func()
    return result, _time.perf_counter() - started


def run(n: int, seed: int) -> list[dict]:
    import businesstimedelta as btd
    import holidays
    import pandas as pd
    import pytz

    closed = frozenset(holidays.country_holidays("ID", years=(2026, 2027), categories=("public", "government")).keys())
    calendar = WorkingCalendar.default(ZONE, closed_dates=closed)
    mon_fri = ((time(7, 30), time(16, 0)),)
    calendar_mon_fri = WorkingCalendar(ZONE, dict.fromkeys(range(5), mon_fri), closed_dates=closed)

    rng = random.Random(seed)
    year_start = datetime(2026, 1, 1, tzinfo=calendar.tz)
    span_us = (datetime(2027, 1, 1, tzinfo=calendar.tz) - year_start) // timedelta(microseconds=1)
    received = [year_start + timedelta(microseconds=rng.randrange(span_us)) for _ in range(n)]
    received_utc = [r.astimezone(UTC) for r in received]
    policy = SlaPolicy()
    minutes55 = timedelta(minutes=55)
    hour = timedelta(hours=1)
    rows = []

    # Warm the lazily built year tables (as a long-running process would have them).
    compute_deadlines(calendar, received_utc[0], policy)
    calendar_mon_fri.add_working_time(received_utc[0], hour)

    deadlines, secs = _timed(lambda: [compute_deadlines(calendar, r, policy) for r in received_utc])
    rows.append({"engine": "sla compute_deadlines", "covers": "full deadlines, default hours", "secs": secs})

    def ours55():
        nwm, add = calendar.next_working_moment, calendar.add_working_time
        return [add(nwm(r), minutes55) for r in received_utc]

    ours, secs = _timed(ours55)
    rows.append({"engine": "sla +55 min", "covers": "55 working min, default hours", "secs": secs})

    ptz = pytz.timezone(ZONE)
    rules = btd.Rules(
        [
            btd.WorkDayRule(start_time=time(7, 30), end_time=time(16, 0), working_days=[0, 1, 2, 3], tz=ptz),
            btd.WorkDayRule(start_time=time(7, 30), end_time=time(16, 30), working_days=[4], tz=ptz),
            btd.HolidayRule(closed, tz=ptz),
        ]
    )
    delta = btd.BusinessTimeDelta(rules, seconds=55 * 60)
    theirs, secs = _timed(lambda: [r + delta for r in received_utc])
    agree = sum(a == b for a, b in zip(ours, theirs, strict=True))
    rows.append(
        {
            "engine": "businesstimedelta +55 min",
            "covers": "55 working min, default hours",
            "secs": secs,
            "agree": agree,
        }
    )
    # The same instants through compute_deadlines: its response due is the 55-minute addition except for a
    # late arrival (then it is the resolution due, which businesstimedelta has no notion of).
    on_time = [(d.response_due, b) for d, b in zip(deadlines, theirs, strict=True) if not d.late_arrival]
    rows.append(
        {
            "engine": "  compute_deadlines' due",
            "covers": f"= btd +55 min, {len(on_time)} not late",
            "secs": rows[0]["secs"],
            "agree": sum(a == b for a, b in on_time),
            "of": len(on_time),
        }
    )

    def ours60():
        nwm, add = calendar_mon_fri.next_working_moment, calendar_mon_fri.add_working_time
        return [add(nwm(r), hour) for r in received_utc]

    ours_hour, secs = _timed(ours60)
    rows.append({"engine": "sla +60 min", "covers": "60 working min, Mon-Fri 07:30-16:00", "secs": secs})

    cbh = pd.offsets.CustomBusinessHour(
        n=1, start="07:30", end="16:00", weekmask="Mon Tue Wed Thu Fri", holidays=sorted(closed)
    )
    local_naive = pd.DatetimeIndex([r.replace(tzinfo=None) for r in received])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Non-vectorized DateOffset being applied": that is the point
        theirs_hour, secs = _timed(lambda: local_naive + cbh)
    expected = [calendar_mon_fri.next_working_moment(t).replace(tzinfo=None) for t in ours_hour]
    agree = sum(a == b.to_pydatetime() for a, b in zip(expected, theirs_hour, strict=True))
    rows.append(
        {
            "engine": "pandas CBH +60 min",
            "covers": "60 working min, Mon-Fri 07:30-16:00",
            "secs": secs,
            "agree": agree,
        }
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of random receipt instants")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    n = args.n
    rows = run(n, args.seed)
    btd_rate = n / next(r["secs"] for r in rows if r["engine"].startswith("businesstimedelta"))
    pandas_rate = n / next(r["secs"] for r in rows if r["engine"].startswith("pandas"))
    print(f"{n} receipts over 2026 in {ZONE}, Indonesian public holidays and joint-leave days")
    header = f"{'engine':<27} {'covers':<37} {'seconds':>8} {'per second':>11} {'vs btd':>7} {'agreement':>17}"
    print(header)
    print("-" * len(header))
    for row in rows:
        rate = n / row["secs"]
        of = row.get("of", n)
        agreement = f"{row['agree']}/{of} {100 * row['agree'] / of:.1f}%" if "agree" in row else ""
        print(
            f"{row['engine']:<27} {row['covers']:<37} {row['secs']:>8.2f} {rate:>11,.0f} "
            f"{rate / btd_rate:>6.1f}x {agreement:>17}"
        )
    ours = n / rows[0]["secs"]
    sla60 = n / next(r["secs"] for r in rows if r["engine"] == "sla +60 min")
    print(
        f"compute_deadlines vs businesstimedelta: {ours / btd_rate:.1f}x (target >= {TARGET_RATIO:.0f}x; "
        "same instants, one run; peer before the speed-up: 32x)"
    )
    print(f"sla +60 min vs pandas CustomBusinessHour: {sla60 / pandas_rate:.1f}x")
    disagreements = sum(r.get("of", n) - r["agree"] for r in rows if "agree" in r)
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
