"""The countdown an officer reads: working minutes, hours once past the hour, and a breach never shown as zero."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import translation

from sla.calendar import WorkingCalendar
from sla.models import TargetStatus
from sla.selectors import _badge
from tickets.models import Inquiry

WIB = ZoneInfo("Asia/Jakarta")
MON = date(2026, 12, 7)
CALENDAR = WorkingCalendar.default("Asia/Jakarta")


def at(day, hour, minute=0, second=0):
    return datetime.combine(day, time(hour, minute, second), tzinfo=WIB)


def running(due, **fields) -> Inquiry:
    return Inquiry(
        received_at=due - timedelta(minutes=55),
        effective_start=due - timedelta(minutes=55),
        response_due=due,
        response_at_risk_at=due - timedelta(minutes=11),
        response_status=TargetStatus.RUNNING,
        **fields,
    )


def label(badge) -> str:
    with translation.override("id"):
        return badge.overdue_label if badge.state == "breached" else badge.left_label


def test_seconds_past_the_due_time_show_one_minute_not_zero():
    badge = _badge(running(at(MON, 10)), CALENDAR, at(MON, 10, 0, 30))
    assert badge.state == "breached" and label(badge) == "lewat 1 menit kerja"


def test_a_long_breach_reads_in_working_hours():
    # 23 working hours after Monday 09:00: Monday 09:00-16:00 (7 h), Tuesday (8.5 h), Wednesday 07:30-15:00 (7.5 h).
    badge = _badge(running(at(MON, 9)), CALENDAR, at(MON + timedelta(days=2), 15))
    assert badge.overdue_minutes == 23 * 60 and label(badge) == "lewat 23 jam 0 menit kerja"


def test_time_left_past_the_hour_reads_in_hours_and_minutes():
    badge = _badge(running(at(MON, 12, 30)), CALENDAR, at(MON, 11))
    assert label(badge) == "sisa 1 jam 30 menit kerja"
    assert label(_badge(running(at(MON, 11, 25)), CALENDAR, at(MON, 11))) == "sisa 25 menit kerja"


def test_an_answer_delivered_late_outside_working_time_still_shows_it_was_late():
    # Due Monday 16:00, delivered at 16:04, after closing: no working time passed, but the target was breached.
    inquiry = running(at(MON, 16), response_met_at=at(MON, 16, 4))
    inquiry.response_status = TargetStatus.BREACHED
    badge = _badge(inquiry, CALENDAR, at(MON, 17))
    assert badge.state == "breached" and label(badge) == "lewat 1 menit kerja"
