"""Working-time calendar of an office (pure Python, stdlib only).

A :class:`WorkingCalendar` knows an office's IANA time zone, its weekly schedule (zero or more local
``[start, end)`` intervals per weekday), its closed dates and its special hours, and answers the questions
the SLA engine asks: is this instant working time, when does working time next begin, what instant lies N
working minutes later, how much working time lies between two instants, when does a working date end.

Semantics
---------
* Working time is real elapsed time: every local interval bound is turned into a UTC instant, so a date
  with a daylight-saving change has 23 or 25 hours of ``00:00-00:00`` working time.
* A local bound that is ambiguous or does not exist is resolved deterministically to **the first instant at
  which the office's wall clock reads that time or later**:

  - an ambiguous time (the repeated hour of an autumn fold) is its *first* occurrence (``fold=0``);
  - a time that does not exist (the skipped hour of a spring gap) is the instant of the transition, i.e. the
    moment the clocks jump past it (so ``02:30`` on a day that jumps from ``02:00`` to ``03:00`` is the
    instant the clocks show ``03:00``).

  This mapping never goes backwards, so the intervals of a date keep their order; an interval that falls
  entirely inside a gap has no working time and is ignored.
* An interval ending at ``time(0)`` runs to the end of its date (the next date's midnight).
  ``time(0)-time(0)`` is the whole date.
* Per date, precedence: ``special_hours`` (an empty sequence closes the date) > ``closed_dates`` > ``weekly``.
* A *working date* is a date with some working time. Its *end of day* is the end of its last interval; its
  *closing time* is its end of day unless working time goes on without a gap into the next date.
* Every instant accepted must be timezone-aware (a naive datetime raises ``ValueError``); every instant
  returned is in the calendar's zone. Instants are handled internally as integer microseconds since the
  epoch, so all arithmetic is exact to the microsecond. Beware: Python compares and subtracts two datetimes
  sharing a tzinfo by their wall times; on a DST day convert results to UTC before comparing or subtracting.

Speed: the calendar lazily builds, per local year, a table of its working intervals as UTC instants with
cumulative working time, and answers every query by bisection in that table (whole years are skipped using
their cached totals). No query loops over minutes or days. ``_deadline_instants`` (the SLA computation) also
keeps the deadlines of a receipt outside working time per interval waited for, and resolution due times per
date, and instants become datetimes with one ``fromtimestamp`` call: every result is unchanged.

Thread-safety: the tables are built lazily and stored with single assignments; two threads may build the
same year twice, which is harmless. A calendar is immutable once constructed.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["WorkingCalendar", "Interval"]

Interval = tuple[time, time]

_US = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_DAY_US = 86_400_000_000
# Below 2**31 seconds a double holds an instant in seconds to better than a quarter of a microsecond.
_FLOAT_EXACT_US = 2**31 * 1_000_000
# Years for which tables can be built (a year's table needs the next year's first midnight).
_MIN_YEAR = 2
_MAX_YEAR = 9998


def _to_us(value: datetime, name: str) -> int:
    """An aware datetime as integer microseconds since the Unix epoch."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got the naive datetime {value!r}")
    # Different tzinfo objects: Python converts both to UTC before subtracting.
    return (value - _EPOCH) // _US


def _check_date(value: date, name: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a date (not a datetime), got {type(value).__name__}")
    return value


def _time_us(value: time, what: str) -> int:
    if not isinstance(value, time):
        raise ValueError(f"{what}: expected a datetime.time, got {value!r}")
    if value.tzinfo is not None:
        raise ValueError(f"{what}: interval bounds are local wall times and must not carry a tzinfo")
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


def _normalize_intervals(intervals: Sequence[Interval], what: str) -> tuple[tuple[int, int], ...]:
    """Validate one date's intervals; return them sorted as (start_us, end_us) of the day, touching merged.

    An end of ``time(0)`` means the end of the date (24:00).
    """
    if isinstance(intervals, (str, bytes)) or not isinstance(intervals, Iterable):
        raise ValueError(f"{what}: expected a sequence of (start, end) time pairs, got {intervals!r}")
    spans = []
    for item in intervals:
        try:
            start, end = item
        except (TypeError, ValueError):
            raise ValueError(f"{what}: expected a (start, end) pair of times, got {item!r}") from None
        s = _time_us(start, what)
        e = _time_us(end, what)
        if e == 0:
            e = _DAY_US
        if e <= s:
            raise ValueError(
                f"{what}: interval {start.isoformat()}-{end.isoformat()} ends before it starts "
                "(only an end of 00:00 means midnight at the end of the date)"
            )
        spans.append((s, e))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s < merged[-1][1]:
            raise ValueError(f"{what}: intervals overlap ({_fmt_span(merged[-1])} and {_fmt_span((s, e))})")
        if merged and s == merged[-1][1]:
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return tuple(merged)


def _fmt_span(span: tuple[int, int]) -> str:
    def fmt(us: int) -> str:
        if us == _DAY_US:
            return "24:00"
        return (datetime.min + timedelta(microseconds=us)).time().isoformat()

    return f"{fmt(span[0])}-{fmt(span[1])}"


def _spans_to_times(spans: tuple[tuple[int, int], ...]) -> tuple[Interval, ...]:
    def to_time(us: int) -> time:
        return time(0) if us == _DAY_US else (datetime.min + timedelta(microseconds=us)).time()

    return tuple((to_time(s), to_time(e)) for s, e in spans)


class _Year:
    """The working intervals of the dates of one local year, as UTC microsecond instants.

    Intervals (non-empty only, in time order): ``starts[i]``, ``ends[i]``, ``cum_end[i]`` (working time from
    the start of the year to ``ends[i]``) and ``iv_day[i]`` (the index of its date in the year).
    Dates (k = 0 for 1 January): ``day_mid[k]`` is the instant of the date's local midnight (``day_mid[n]`` is
    the next year's first midnight, so the table covers the instants ``[day_mid[0], day_mid[n])``),
    ``day_lo[k]:day_lo[k + 1]`` the indexes of its intervals, ``day_close[k]`` its closing instant (None when
    it is not a working date or has no closing time) and ``wcount[k]`` the number of working dates up to and
    including it. Working dates: ``working_ords[j]`` (ordinals) and ``working_end[j]`` (end-of-day instants).
    """

    __slots__ = (
        "year",
        "start",
        "end",
        "first_ord",
        "starts",
        "ends",
        "cum_end",
        "iv_day",
        "total",
        "day_mid",
        "day_lo",
        "day_close",
        "wcount",
        "working_ords",
        "working_end",
    )

    def __init__(self, year: int, first_ord: int) -> None:
        self.year = year
        self.first_ord = first_ord
        self.start = self.end = 0
        self.total = 0
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.cum_end: list[int] = []
        self.iv_day: list[int] = []
        self.day_mid: list[int] = []
        self.day_lo: list[int] = []
        self.day_close: list[int | None] = []
        self.wcount: list[int] = []
        self.working_ords: list[int] = []
        self.working_end: list[int] = []

    def worked_before(self, u: int) -> int:
        """Working time from the start of the year to instant ``u``."""
        i = bisect_right(self.starts, u) - 1
        if i < 0:
            return 0
        end = self.ends[i]
        if u >= end:
            return self.cum_end[i]
        return self.cum_end[i] - (end - u)

    def instant_at(self, w: int, lo: int = 0) -> int:
        """The earliest instant with ``w`` (0 < w <= total) working time since the start of the year."""
        i = bisect_left(self.cum_end, w, lo)
        return self.ends[i] - (self.cum_end[i] - w)


class WorkingCalendar:
    """The working time of one office; see the module docstring for the exact semantics."""

    def __init__(
        self,
        tz: str,
        weekly: Mapping[int, Sequence[tuple[time, time]]],
        closed_dates: Iterable[date] = (),
        special_hours: Mapping[date, Sequence[tuple[time, time]]] | None = None,
    ) -> None:
        self._tz = _zone(tz)
        self.tz_name: str = self._tz.key

        if not isinstance(weekly, Mapping):
            raise ValueError(f"weekly must be a mapping of weekday (0=Monday..6=Sunday) to intervals, got {weekly!r}")
        table: list[tuple[tuple[int, int], ...]] = [()] * 7
        for key, intervals in weekly.items():
            if isinstance(key, bool) or not isinstance(key, int) or not 0 <= key <= 6:
                raise ValueError(f"weekly: weekday keys must be integers 0 (Monday) to 6 (Sunday), got {key!r}")
            table[key] = _normalize_intervals(intervals, f"weekly[{key}]")
        self._weekly = tuple(table)

        closed: set[date] = set()
        for day in closed_dates:
            if isinstance(day, datetime):
                raise ValueError(f"closed_dates must hold dates, not datetimes: {day!r}")
            if not isinstance(day, date):
                raise ValueError(f"closed_dates must hold dates, got {day!r}")
            closed.add(day)
        self._closed = frozenset(closed)

        special: dict[date, tuple[tuple[int, int], ...]] = {}
        if special_hours is not None:
            if not isinstance(special_hours, Mapping):
                raise ValueError(f"special_hours must be a mapping of date to intervals, got {special_hours!r}")
            for day, intervals in special_hours.items():
                if isinstance(day, datetime) or not isinstance(day, date):
                    raise ValueError(f"special_hours keys must be dates, got {day!r}")
                special[day] = _normalize_intervals(intervals, f"special_hours[{day.isoformat()}]")
        self._special = special

        self._has_weekly = any(self._weekly)
        open_specials = [d for d, spans in special.items() if spans]
        self._last_special_year = max(open_specials).year if open_specials else None
        self._years: dict[int, _Year] = {}
        # Deadlines already computed (see _deadline_instants): datetimes are immutable, so they are shared.
        self._waiting_cache: dict[tuple[int, int, int, int], tuple[datetime, datetime, datetime]] = {}
        self._resolution_cache: dict[tuple[int, int, int], datetime] = {}
        self._last = _Year(0, 0)  # fast path: the table used last (empty range until the first query)

    # ------------------------------------------------------------------ constructors and description

    @classmethod
    def default(
        cls,
        tz: str,
        closed_dates: Iterable[date] = (),
        special_hours: Mapping[date, Sequence[tuple[time, time]]] | None = None,
    ) -> WorkingCalendar:
        """The default schedule of a new office: Mon-Thu 07:30-16:00, Fri 07:30-16:30, weekend closed."""
        mon_thu = ((time(7, 30), time(16, 0)),)
        friday = ((time(7, 30), time(16, 30)),)
        weekly = {0: mon_thu, 1: mon_thu, 2: mon_thu, 3: mon_thu, 4: friday}
        return cls(tz, weekly, closed_dates, special_hours)

    @classmethod
    def always_open(
        cls,
        tz: str,
        closed_dates: Iterable[date] = (),
        special_hours: Mapping[date, Sequence[tuple[time, time]]] | None = None,
    ) -> WorkingCalendar:
        """An office open around the clock (00:00-00:00 every day)."""
        whole_day = ((time(0), time(0)),)
        return cls(tz, dict.fromkeys(range(7), whole_day), closed_dates, special_hours)

    @property
    def tz(self) -> ZoneInfo:
        return self._tz

    @property
    def weekly(self) -> dict[int, tuple[Interval, ...]]:
        """The normalized weekly schedule (sorted, touching intervals merged; closed weekdays omitted)."""
        return {k: _spans_to_times(spans) for k, spans in enumerate(self._weekly) if spans}

    @property
    def closed_dates(self) -> frozenset[date]:
        return self._closed

    @property
    def special_hours(self) -> dict[date, tuple[Interval, ...]]:
        return {d: _spans_to_times(spans) for d, spans in self._special.items()}

    def hours_on(self, day: date) -> tuple[Interval, ...]:
        """The local intervals in force on ``day`` after precedence (empty when the date is closed)."""
        return _spans_to_times(self._local_spans(_check_date(day, "day")))

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar({self.tz_name!r}, weekly={self.weekly!r}, "
            f"closed_dates={len(self._closed)} dates, special_hours={len(self._special)} dates)"
        )

    # ------------------------------------------------------------------ public queries

    def localize(self, at: datetime) -> datetime:
        """``at`` (aware) as a datetime in the calendar's zone."""
        return self._dt(_to_us(at, "at"))

    def is_working(self, at: datetime) -> bool:
        """Whether ``at`` lies in working time (intervals are ``[start, end)``)."""
        u = _to_us(at, "at")
        t = self._year_of(u)
        i = bisect_right(t.starts, u) - 1
        return i >= 0 and u < t.ends[i]

    def next_working_moment(self, at: datetime) -> datetime:
        """``at`` itself (in the calendar's zone) when it is working time, else when work next begins."""
        return self._dt(self._next_working_us(_to_us(at, "at")))

    def add_working_time(self, start: datetime, delta: timedelta) -> datetime:
        """The earliest instant ``t >= start`` with ``working_time_between(start, t) == delta``.

        With a zero ``delta`` this is ``start`` itself; otherwise the result is always inside or at the end
        of a working interval. A negative ``delta`` raises ``ValueError``.
        """
        u = _to_us(start, "start")
        d = _delta_us(delta)
        if d == 0:
            return self._dt(u)
        t = self._year_of(u)
        w = t.worked_before(u) + d
        while w > t.total:
            w -= t.total
            t = self._following_year(t)
        return self._dt(t.instant_at(w))

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """The working time in ``[start, end)``; zero when ``end <= start``."""
        a = _to_us(start, "start")
        b = _to_us(end, "end")
        if b <= a:
            return timedelta(0)
        ta = self._year_of(a)
        tb = self._year_of(b)
        if ta is tb:
            return timedelta(microseconds=tb.worked_before(b) - ta.worked_before(a))
        total = ta.total - ta.worked_before(a)
        for year in range(ta.year + 1, tb.year):
            total += self._year(year).total
        return timedelta(microseconds=total + tb.worked_before(b))

    def working_date_of(self, at: datetime) -> date | None:
        """The date whose working interval contains ``at``, or None when ``at`` is not working time."""
        u = _to_us(at, "at")
        t = self._year_of(u)
        i = bisect_right(t.starts, u) - 1
        if i < 0 or u >= t.ends[i]:
            return None
        return date.fromordinal(t.first_ord + t.iv_day[i])

    def is_working_date(self, day: date) -> bool:
        t, k = self._day(_check_date(day, "day"))
        return t.day_lo[k] < t.day_lo[k + 1]

    def opening_time(self, day: date) -> datetime | None:
        """The start of the first working interval of ``day``; None when ``day`` is not a working date."""
        t, k = self._day(_check_date(day, "day"))
        lo, hi = t.day_lo[k], t.day_lo[k + 1]
        return self._dt(t.starts[lo]) if lo < hi else None

    def end_of_day(self, day: date) -> datetime | None:
        """The end of the last working interval of ``day``; None when ``day`` is not a working date."""
        last = self._day_end_us(_check_date(day, "day"))
        return None if last is None else self._dt(last)

    def closing_time(self, day: date) -> datetime | None:
        """The end of day of ``day``, or None when it is not a working date or work runs on past midnight.

        Work "runs on" when the last interval of ``day`` ends exactly where the next date's first one begins.
        """
        t, k = self._day(_check_date(day, "day"))
        close = t.day_close[k]
        return None if close is None else self._dt(close)

    def nth_working_date_after(self, day: date, n: int) -> date:
        """The n-th working date strictly after ``day`` (n >= 1); ``day`` itself for n == 0."""
        day = _check_date(day, "day")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"n must be a non-negative integer, got {n!r}")
        if n == 0:
            return day
        t, k = self._day(day)
        t, j = self._nth_working_index(t, t.wcount[k] + n - 1)
        return date.fromordinal(t.working_ords[j])

    def working_intervals(self, start: datetime | date, end: datetime | date) -> list[tuple[datetime, datetime]]:
        """The working intervals overlapping ``[start, end)``, clipped to it, in time order.

        Each returned interval lies within one date (intervals of consecutive dates that touch at midnight are
        not merged). ``start`` and ``end`` may also both be plain dates: then the dates ``start`` to ``end``
        *inclusive* are listed, each interval whole.
        """
        if isinstance(start, date) and not isinstance(start, datetime):
            if isinstance(end, datetime) or not isinstance(end, date):
                raise TypeError("start and end must both be dates or both be datetimes")
            result = []
            for ordinal in range(start.toordinal(), end.toordinal() + 1):
                t, k = self._day(date.fromordinal(ordinal))
                for i in range(t.day_lo[k], t.day_lo[k + 1]):
                    result.append((self._dt(t.starts[i]), self._dt(t.ends[i])))
            return result
        a = _to_us(start, "start")
        b = _to_us(end, "end")
        result = []
        if b <= a:
            return result
        t = self._year_of(a)
        i = max(bisect_right(t.starts, a) - 1, 0)
        while True:
            while i < len(t.starts):
                s, e = t.starts[i], t.ends[i]
                if s >= b:
                    return result
                if e > a:
                    result.append((self._dt(max(s, a)), self._dt(min(e, b))))
                i += 1
            if t.end >= b:
                return result
            t = self._year(t.year + 1)  # bounded by end: no endless search
            i = 0

    def _deadline_instants(
        self, received_at: datetime, late_window_us: int, response_us: int, working_days: int
    ) -> tuple[datetime, bool, datetime, datetime]:
        """The SLA rules in one pass (used by ``sla.policy.compute_deadlines``; see its docstring).

        Returns the effective start ``s``, the late-arrival flag, the response due time and the end of day of
        the ``working_days``-th working date after the date of ``s``.

        Two caches make the common cases cheap without changing a result: a receipt outside working time
        has the start, response due and resolution due of the interval it waits for (only its late flag
        depends on the receipt itself), so those are kept per (year, interval, policy); and the resolution
        due of a working receipt is kept per (year, date, working days).
        """
        if not isinstance(received_at, datetime):
            _to_us(received_at, "received_at")  # raises the TypeError
        try:
            u = (received_at - _EPOCH) // _US
        except TypeError:  # a naive datetime: _to_us raises the ValueError naming it
            u = _to_us(received_at, "received_at")
        t = self._last
        if not t.start <= u < t.end:
            t = self._year_of(u)
        i = bisect_right(t.starts, u) - 1
        # Late arrival, judged on the receipt and its local date k.
        close = t.day_close[bisect_right(t.day_mid, u) - 1]
        # Counted back from closing whatever the opening: on a day shorter than the window, a receipt before
        # the opening but within the window is late too (SLA_RULES.md, Moments).
        late = close is not None and close - late_window_us <= u < close
        if i >= 0 and u < t.ends[i]:  # working time: the start is the receipt itself
            start = received_at.astimezone(self._tz)
            key = (t.year, t.iv_day[i], working_days)
            resolution = self._resolution_cache.get(key)
            if resolution is None:
                resolution = self._dt(self._resolution_us(t, i, working_days))
                self._resolution_cache[key] = resolution
            if late:
                return start, True, resolution, resolution
            if response_us == 0:
                return start, False, start, resolution
            w = t.cum_end[i] - (t.ends[i] - u) + response_us
            if w <= t.total:
                due = t.instant_at(w, i)
            else:
                while w > t.total:
                    w -= t.total
                    t = self._following_year(t)
                due = t.instant_at(w)
            return start, False, self._dt(due), resolution
        key = (t.year, i + 1, response_us, working_days)
        waiting = self._waiting_cache.get(key)
        if waiting is None:
            waiting = self._waiting_deadlines(t, i + 1, response_us, working_days)
            self._waiting_cache[key] = waiting
        start, due, resolution = waiting
        if late:
            return start, True, resolution, resolution
        return start, False, due, resolution

    def _waiting_deadlines(
        self, t: _Year, i: int, response_us: int, working_days: int
    ) -> tuple[datetime, datetime, datetime]:
        """Start, response due and resolution due of a receipt waiting for interval ``i`` of ``t`` (which may
        be one past the year's last: then the first interval of a following year)."""
        while i >= len(t.starts):
            t = self._following_year(t)
            i = 0
        s = t.starts[i]
        start = self._dt(s)
        resolution = self._dt(self._resolution_us(t, i, working_days))
        if response_us == 0:
            return start, start, resolution
        w = t.cum_end[i] - (t.ends[i] - s) + response_us
        if w <= t.total:
            due = t.instant_at(w, i)
        else:
            while w > t.total:
                w -= t.total
                t = self._following_year(t)
            due = t.instant_at(w)
        return start, self._dt(due), resolution

    def _resolution_us(self, t: _Year, i: int, working_days: int) -> int:
        """The end of day of the ``working_days``-th working date after the date of interval ``i`` of ``t``."""
        kd = t.iv_day[i]
        if working_days == 0:
            return t.ends[t.day_lo[kd + 1] - 1]
        tr, j = self._nth_working_index(t, t.wcount[kd] + working_days - 1)
        return tr.working_end[j]

    # ------------------------------------------------------------------ internals

    def _dt(self, u: int) -> datetime:
        """Instant ``u`` as a datetime in the calendar's zone (whole seconds via the fast fromtimestamp)."""
        if 0 <= u < _FLOAT_EXACT_US:
            # One call: the nearest double to u / 10**6 is within 0.24 us of it here, and fromtimestamp
            # rounds to the nearest microsecond, so this is exactly u.
            return datetime.fromtimestamp(u / 1_000_000, self._tz)
        seconds, micro = divmod(u, 1_000_000)
        moment = datetime.fromtimestamp(seconds, self._tz)
        return moment.replace(microsecond=micro) if micro else moment

    def _local_spans(self, day: date) -> tuple[tuple[int, int], ...]:
        spans = self._special.get(day)
        if spans is not None:
            return spans
        if day in self._closed:
            return ()
        return self._weekly[day.weekday()]

    def _local_us(self, naive: datetime) -> int:
        """The first instant at which the wall clock reads ``naive`` (local) or later (see the module doc)."""
        tz = self._tz
        aware = naive.replace(tzinfo=tz, fold=0)
        offset = aware.utcoffset()
        if offset == aware.replace(fold=1).utcoffset():
            return (naive - _NAIVE_EPOCH - offset) // _US  # the usual case: one offset, no fold, no gap
        u = (aware - _EPOCH) // _US
        if (_EPOCH + timedelta(microseconds=u)).astimezone(tz).replace(tzinfo=None) == naive:
            return u  # an ambiguous time: fold=0 is its first occurrence
        # ``naive`` lies in a gap: fold=0 read it with the offset before the gap (an instant after the
        # transition), fold=1 with the offset after it (an instant before). Bisect for the transition.
        lo = (naive.replace(tzinfo=tz, fold=1) - _EPOCH) // _US
        hi = u
        if lo > hi:
            lo, hi = hi, lo
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if (_EPOCH + timedelta(microseconds=mid)).astimezone(tz).replace(tzinfo=None) >= naive:
                hi = mid
            else:
                lo = mid
        return hi

    def _year(self, year: int) -> _Year:
        table = self._years.get(year)
        if table is None:
            table = self._build_year(year)
            self._years[year] = table
        return table

    def _build_year(self, year: int) -> _Year:
        if not _MIN_YEAR <= year <= _MAX_YEAR:
            raise ValueError(f"instant or date outside the supported years {_MIN_YEAR}..{_MAX_YEAR}")
        first_ord = date(year, 1, 1).toordinal()
        n_days = date(year + 1, 1, 1).toordinal() - first_ord
        t = _Year(year, first_ord)
        starts, ends, cum_end, iv_day = t.starts, t.ends, t.cum_end, t.iv_day
        day_mid, day_lo, day_close, wcount = t.day_mid, t.day_lo, t.day_close, t.wcount
        working_ords, working_end = t.working_ords, t.working_end
        local_us = self._local_us
        total = 0
        for k in range(n_days + 1):
            day = date.fromordinal(first_ord + k)
            day_mid.append(local_us(datetime(day.year, day.month, day.day)))
        for k in range(n_days):
            lo = len(starts)
            day_lo.append(lo)
            day = date.fromordinal(first_ord + k)
            mid = day_mid[k]
            # A date of exactly 24 hours has no offset change: its bounds are plain offsets from midnight.
            plain = day_mid[k + 1] - mid == _DAY_US
            midnight = datetime(day.year, day.month, day.day)
            for s, e in self._local_spans(day):
                if plain:
                    us, ue = mid + s, mid + e
                else:
                    us = local_us(midnight + timedelta(microseconds=s))
                    ue = local_us(midnight + timedelta(microseconds=e))
                    if ue <= us:
                        continue  # entirely inside a daylight-saving gap
                starts.append(us)
                ends.append(ue)
                iv_day.append(k)
                total += ue - us
                cum_end.append(total)
            if len(starts) > lo:
                working_ords.append(first_ord + k)
                working_end.append(ends[-1])
            wcount.append(len(working_ords))
        day_lo.append(len(starts))
        t.total = total
        t.start = day_mid[0]
        t.end = day_mid[n_days]
        # Closing times: a date's end of day, unless the next date's work starts at that very instant.
        next_first = [starts[day_lo[k]] if day_lo[k] < day_lo[k + 1] else None for k in range(1, n_days)]
        next_first.append(self._first_start_us(date.fromordinal(first_ord + n_days)))
        for k in range(n_days):
            if day_lo[k] == day_lo[k + 1]:
                day_close.append(None)
            else:
                end = ends[day_lo[k + 1] - 1]
                day_close.append(None if next_first[k] == end else end)
        return t

    def _first_start_us(self, day: date) -> int | None:
        """The first working instant of ``day`` computed without its year's table."""
        midnight = datetime(day.year, day.month, day.day)
        for s, e in self._local_spans(day):
            us = self._local_us(midnight + timedelta(microseconds=s))
            if self._local_us(midnight + timedelta(microseconds=e)) > us:
                return us
        return None

    def _year_of(self, u: int) -> _Year:
        """The table whose range ``[start, end)`` holds instant ``u``."""
        t = self._last
        if t.start <= u < t.end:
            return t
        try:
            year = (_EPOCH + timedelta(microseconds=u)).year
        except OverflowError:
            raise ValueError(f"instant outside the supported years {_MIN_YEAR}..{_MAX_YEAR}") from None
        t = self._year(year)
        while u < t.start:  # local year behind the UTC year (at most one step for real zones)
            t = self._year(t.year - 1)
        while u >= t.end:
            t = self._year(t.year + 1)
        self._last = t
        return t

    def _following_year(self, t: _Year) -> _Year:
        """The next year's table, refusing to search forever on a calendar without future working time."""
        if not self._has_weekly and (self._last_special_year is None or t.year >= self._last_special_year):
            raise ValueError(f"the calendar has no working time after {t.year}")
        return self._year(t.year + 1)

    def _nth_working_index(self, t: _Year, j: int) -> tuple[_Year, int]:
        """The table and index of working date ``j`` of ``t``'s list, going on into later years."""
        while j >= len(t.working_ords):
            j -= len(t.working_ords)
            t = self._following_year(t)
        return t, j

    def _next_working_us(self, u: int) -> int:
        t = self._year_of(u)
        i = bisect_right(t.starts, u) - 1
        if i >= 0 and u < t.ends[i]:
            return u
        i += 1
        while i >= len(t.starts):
            t = self._following_year(t)
            i = 0
        return t.starts[i]

    def _day(self, day: date) -> tuple[_Year, int]:
        t = self._year(day.year)
        return t, day.toordinal() - t.first_ord

    def _day_end_us(self, day: date) -> int | None:
        t, k = self._day(day)
        lo, hi = t.day_lo[k], t.day_lo[k + 1]
        return t.ends[hi - 1] if lo < hi else None


def _zone(tz: str) -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        return tz
    if not isinstance(tz, str) or not tz:
        raise ValueError(f"tz must be an IANA time zone name such as 'Asia/Jakarta', got {tz!r}")
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown IANA time zone {tz!r}") from exc


def _delta_us(delta: timedelta) -> int:
    if not isinstance(delta, timedelta):
        raise TypeError(f"delta must be a timedelta, got {type(delta).__name__}")
    if delta < timedelta(0):
        raise ValueError(f"delta must not be negative, got {delta!r}")
    return delta // _US
