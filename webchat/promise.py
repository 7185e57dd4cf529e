"""The web chat's promise to the visitor (clauses a.3, a.4): free of charge, the response target, today's hours,
and once a question is open, when it will be answered at the latest (in the office's zone)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from offices.models import Office
from offices.selectors import office_calendar, zone_label
from sla.services import policy_for_office
from tickets.models import Inquiry, TargetStatus


def office_promise(office: Office, *, now: datetime | None = None) -> dict:
    """What the web chat promises before the first message: free, 55 working minutes, today's hours."""
    now = now or timezone.now()
    calendar = office_calendar(office)
    local_now = now.astimezone(calendar.tz)
    today = local_now.date()
    hours = [
        (s.strftime("%H:%M"), e.strftime("%H:%M") if e.time() != time(0) else "24:00")
        for s, e in calendar.working_intervals(
            datetime.combine(today, time(0), tzinfo=calendar.tz),
            datetime.combine(today + timedelta(days=1), time(0), tzinfo=calendar.tz),
        )
    ]
    open_now = calendar.is_working(now)
    try:
        starts = calendar.next_working_moment(now)
    except ValueError:  # no working time ahead (an office without hours): promise an answer, without a time
        starts = None
    label = zone_label(office.timezone)
    return {
        "office": office.code,
        "name": office.name,
        "timezone": office.timezone,
        "timezone_label": label,
        "free_of_charge": True,
        "response_minutes": policy_for_office(office).response_minutes,
        "open_now": open_now,
        "today_hours": hours,
        "clock_starts_at": starts.isoformat() if starts else None,
        "clock_starts_at_label": (
            "" if open_now or starts is None else f"{formats.date_format(starts, 'l j F H:i')} {label}"
        ),
    }


def answer_promise(session) -> dict:
    """When the visitor's open question will be answered at the latest (its response due time)."""
    inquiry = (
        Inquiry.objects.filter(requester_id=session.requester_id, response_status=TargetStatus.RUNNING)
        .exclude(status=Inquiry.Status.CLOSED)
        .select_related("office")
        .order_by("-received_at")
        .first()
    )
    if inquiry is None or inquiry.paused_at is not None:
        return {"answer_by": None, "answer_by_label": ""}
    if inquiry.response_due is None:  # the office's calendar gives no deadline: a promise without a time
        return {"answer_by": None, "answer_by_label": _("An officer will answer your question as soon as possible.")}
    local = timezone.localtime(inquiry.response_due, ZoneInfo(inquiry.office.timezone))
    label = f"{formats.date_format(local, 'l j F H:i')} {zone_label(inquiry.office.timezone)}"
    return {"answer_by": local.isoformat(), "answer_by_label": label}
