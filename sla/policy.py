"""SLA policy: deadlines of an inquiry from its receipt instant and its office's working calendar.

Implements ``/shared/SLA_RULES.md`` (pure Python, no Django):

* effective start ``s`` = the receipt ``r`` when it is working time, else the next moment working time begins;
* late arrival: ``r`` lies on a working date that has a closing time ``C``, with
  ``C - late_window <= r < C`` (a break inside the window counts, a break earlier in the day is not a
  closing). The window is real elapsed time counted back from ``C`` whatever the opening: on a day whose
  working time is shorter than the window, a receipt before the opening but within the window is late;
* response due: ``s`` + ``response_minutes`` working minutes, or for a late arrival the end of day of the
  ``resolution_working_days``-th working date after the date of ``s`` (clause a.3.2 gives the same deadline
  as the resolution target; the policy has no separate setting for it);
* resolution due: the end of day of the ``resolution_working_days``-th working date after the date of ``s``
  (working dates counted strictly after it).

All returned datetimes are in the calendar's zone; naive datetimes raise ``ValueError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from sla.calendar import WorkingCalendar

_MINUTE_US = 60_000_000

__all__ = [
    "SlaPolicy",
    "Deadlines",
    "compute_deadlines",
    "is_late_arrival",
    "at_risk_at",
    "shift_due",
    "head_escalation_at",
    "abandon_at",
]


def _ratio(value: float, name: str) -> float:
    try:
        ratio = float(value) if not isinstance(value, (bool, str)) else None
    except (TypeError, ValueError):
        ratio = None
    if ratio is None or not 0 <= ratio <= 1:
        raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}")
    return ratio


@dataclass(frozen=True)
class SlaPolicy:
    response_minutes: int = 55
    late_window_minutes: int = 120
    resolution_working_days: int = 2
    at_risk_ratio: float = 0.8
    abandon_after_working_days: int = 3
    head_escalation_minutes: int = 60

    def __post_init__(self) -> None:
        for name in (
            "response_minutes",
            "late_window_minutes",
            "resolution_working_days",
            "abandon_after_working_days",
            "head_escalation_minutes",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"SlaPolicy.{name} must be a non-negative integer, got {value!r}")
        # Accept any real number (e.g. a Decimal from a database field) and store it as a float.
        object.__setattr__(self, "at_risk_ratio", _ratio(self.at_risk_ratio, "SlaPolicy.at_risk_ratio"))
        # compute_deadlines' arguments in microseconds, once (the policy is immutable).
        object.__setattr__(
            self,
            "_instants_args",
            (self.late_window_minutes * _MINUTE_US, self.response_minutes * _MINUTE_US, self.resolution_working_days),
        )

    def deadlines(self, calendar: WorkingCalendar, received_at: datetime) -> Deadlines:
        return compute_deadlines(calendar, received_at, self)

    def at_risk_moment(self, calendar: WorkingCalendar, start: datetime, due: datetime) -> datetime:
        """When ``at_risk_ratio`` of the working time from ``start`` to ``due`` has elapsed."""
        return at_risk_at(calendar, start, due, self.at_risk_ratio)

    def head_escalation_moment(self, calendar: WorkingCalendar, breached_at: datetime) -> datetime:
        return head_escalation_at(calendar, breached_at, self)

    def abandon_moment(self, calendar: WorkingCalendar, waiting_since: datetime) -> datetime:
        return abandon_at(calendar, waiting_since, self)


class Deadlines(NamedTuple):
    """What compute_deadlines returns (immutable; a named tuple: built in half the time of a frozen dataclass,
    and built once for every inquiry filed)."""

    effective_start: datetime
    late_arrival: bool
    response_due: datetime
    resolution_due: datetime


def is_late_arrival(calendar: WorkingCalendar, received_at: datetime, late_window_minutes: int = 120) -> bool:
    """Whether ``received_at`` is a late arrival (see the module docstring)."""
    local = calendar.localize(received_at)
    day = local.date()
    closing = calendar.closing_time(day)
    if closing is None:
        return False
    # Compare in UTC: datetimes sharing a tzinfo compare by wall time, which is wrong across a DST fold.
    r = local.astimezone(UTC)
    c = closing.astimezone(UTC)
    return c - timedelta(minutes=late_window_minutes) <= r < c


def _end_of_nth_working_date(calendar: WorkingCalendar, day: date, n: int) -> datetime:
    end = calendar.end_of_day(calendar.nth_working_date_after(day, n))
    if end is None:  # only for n == 0 on a date that is not a working date
        raise ValueError(f"{day.isoformat()} is not a working date")
    return end


def compute_deadlines(calendar: WorkingCalendar, received_at: datetime, policy: SlaPolicy = SlaPolicy()) -> Deadlines:
    """The effective start, late-arrival flag and due times of an inquiry received at ``received_at``.

    Computed in one pass over the calendar's tables; equivalent to combining ``next_working_moment``,
    :func:`is_late_arrival`, ``working_date_of``, ``nth_working_date_after``, ``end_of_day`` and
    ``add_working_time`` (the tests check both ways agree).
    """
    return Deadlines._make(calendar._deadline_instants(received_at, *policy._instants_args))


def at_risk_at(calendar: WorkingCalendar, effective_start: datetime, due: datetime, ratio: float) -> datetime:
    """The earliest moment when ``ratio`` of the working time from ``effective_start`` to ``due`` has elapsed.

    For a target whose due time was moved by a pause, pass the original due time and move the result by the
    same paused working time (see :func:`shift_due`) when the pause began before it.
    """
    ratio = _ratio(ratio, "ratio")
    total = calendar.working_time_between(effective_start, due)
    return calendar.add_working_time(effective_start, total * ratio)


def shift_due(calendar: WorkingCalendar, due: datetime, paused_working_time: timedelta) -> datetime:
    """``due`` moved later by ``paused_working_time`` of working time (the working time spent paused).

    Get that working time with ``calendar.working_time_between(paused_at, resumed_at)``.
    """
    return calendar.add_working_time(due, paused_working_time)


def head_escalation_at(calendar: WorkingCalendar, breached_at: datetime, policy: SlaPolicy = SlaPolicy()) -> datetime:
    """When the head of office is notified about a target still open after its breach."""
    return calendar.add_working_time(breached_at, timedelta(minutes=policy.head_escalation_minutes))


def abandon_at(calendar: WorkingCalendar, waiting_since: datetime, policy: SlaPolicy = SlaPolicy()) -> datetime:
    """When an inquiry waiting for the requester closes as *no reply from requester*.

    "Within N working days" is read like the targets: the end of day of the N-th working date after the date
    on which the wait's working time starts (the date of ``next_working_moment(waiting_since)``).
    """
    start = calendar.next_working_moment(waiting_since)
    day = calendar.working_date_of(start) or start.date()
    return _end_of_nth_working_date(calendar, day, policy.abandon_after_working_days)
