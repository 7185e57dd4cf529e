"""The web chat's promise to the visitor (clauses a.3, a.4): free of charge, the response target, today's hours,
and once a question is open, when it will be answered at the latest (in the office's zone), and why.

Every sentence is built here, in the visitor's language, so the widget only shows what the server says. The
numbers come from the office's SLA policy (`sla.services.policy_for_office`) and its calendar, the same ones
the SLA engine stamps the deadlines with:

* a message in the last ``late_window_minutes`` before closing is told it is answered within
  ``resolution_working_days`` working days, and why (clause a.3.2);
* a message outside service hours is told when the clock starts (the next opening, with its zone label);
* an office whose working time never stops (24/7) never shows a closing time;
* an office whose calendar gives no deadline gets a promise without a time (the message is kept all the same).
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from offices.models import Office
from offices.selectors import office_calendar, zone_label
from sla.calendar import WorkingCalendar
from sla.policy import SlaPolicy
from sla.services import deadlines_or_none, policy_for_office
from tickets.models import Inquiry, TargetStatus


# --- Pieces of sentences --------------------------------------------------------------------------------------
def moment_label(moment: datetime, office: Office) -> str:
    """`Thursday 3 December 16:00 WIB` in the active language and the office's zone."""
    local = timezone.localtime(moment, office_zone(office))
    return f"{formats.date_format(local, 'l j F H:i')} {zone_label(office.timezone)}"


def office_zone(office: Office) -> ZoneInfo:
    return ZoneInfo(office.timezone)


def clock_label(moment: datetime, office: Office) -> str:
    """`16:00 WIB`: a time of today, in the office's zone."""
    local = timezone.localtime(moment, office_zone(office))
    return f"{local:%H:%M} {zone_label(office.timezone)}"


def window_text(minutes: int) -> str:
    """The late window in words: whole hours as hours (`2 hours`), else minutes (`90 minutes`)."""
    if minutes and minutes % 60 == 0:
        return ngettext("%(n)d hour", "%(n)d hours", minutes // 60) % {"n": minutes // 60}
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def working_days_text(days: int) -> str:
    return ngettext("%(n)d working day", "%(n)d working days", days) % {"n": days}


def free_and_target_text(policy: SlaPolicy) -> str:
    return ngettext(
        "This service is free of charge. We answer within %(minutes)d working minute.",
        "This service is free of charge. We answer within %(minutes)d working minutes.",
        policy.response_minutes,
    ) % {"minutes": policy.response_minutes}


def no_deadline_text() -> str:
    return _("An officer will answer your question as soon as possible.")


def _closing_of(calendar: WorkingCalendar, moment: datetime) -> datetime | None:
    try:
        return calendar.closing_time(calendar.localize(moment).date())
    except ValueError:
        return None


# --- Before the first message ---------------------------------------------------------------------------------
def _today_hours(calendar: WorkingCalendar, today) -> list[tuple[str, str]]:
    return [
        (s.strftime("%H:%M"), e.strftime("%H:%M") if e.time() != time(0) else "24:00")
        for s, e in calendar.working_intervals(
            datetime.combine(today, time(0), tzinfo=calendar.tz),
            datetime.combine(today + timedelta(days=1), time(0), tzinfo=calendar.tz),
        )
    ]


def _hours_text(office: Office, hours: list[tuple[str, str]], closes_today: bool) -> str:
    if not hours:
        return _("The office is closed today.")
    if hours == [("00:00", "24:00")] and not closes_today:  # working time runs on: no closing to show
        return _("Open 24 hours, every day.") if office.always_open else _("Open 24 hours today.")
    spans = ", ".join(f"{start}–{end}" for start, end in hours)
    return _("Today's service hours: %(hours)s (%(zone)s).") % {"hours": spans, "zone": zone_label(office.timezone)}


def _if_you_write_now(office: Office, calendar: WorkingCalendar, policy: SlaPolicy, now: datetime) -> str:
    """What a message sent now is promised, when it is not the plain response target."""
    deadlines = deadlines_or_none(calendar, now, policy)
    if deadlines is None:
        return no_deadline_text()
    if deadlines.late_arrival:
        closing = _closing_of(calendar, now)
        if closing is not None:
            return _(
                "The office closes at %(closing)s. A message that arrives in the last %(window)s before closing "
                "is answered within %(days)s: a message sent now is answered by %(due)s at the latest."
            ) % {
                "closing": clock_label(closing, office),
                "window": window_text(policy.late_window_minutes),
                "days": working_days_text(policy.resolution_working_days),
                "due": moment_label(deadlines.response_due, office),
            }
    if deadlines.effective_start > now:
        return _(
            "The office is closed now: the answer time starts when it opens, on %(start)s. A message sent now is "
            "answered by %(due)s at the latest."
        ) % {
            "start": moment_label(deadlines.effective_start, office),
            "due": moment_label(deadlines.response_due, office),
        }
    return ""


def office_promise(office: Office, *, now: datetime | None = None) -> dict:
    """What the web chat promises before the first message, in the active language: free of charge, the response
    target of the office's policy, today's hours, and for a message sent now outside hours or just before
    closing, when the clock starts or why the answer takes longer."""
    now = now or timezone.now()
    calendar = office_calendar(office)
    policy = policy_for_office(office)
    today = now.astimezone(calendar.tz).date()
    hours = _today_hours(calendar, today)
    open_now = calendar.is_working(now)
    try:
        starts = calendar.next_working_moment(now)
    except ValueError:  # no working time ahead (an office without hours): promise an answer, without a time
        starts = None
    closes_today = _closing_of(calendar, now) is not None
    return {
        "office": office.code,
        "name": office.name,
        "timezone": office.timezone,
        "timezone_label": zone_label(office.timezone),
        "free_of_charge": True,
        "response_minutes": policy.response_minutes,
        "open_now": open_now,
        "today_hours": [list(pair) for pair in hours],
        "clock_starts_at": starts.isoformat() if starts else None,
        "clock_starts_at_label": "" if open_now or starts is None else moment_label(starts, office),
        "promise_text": free_and_target_text(policy),
        "hours_text": _hours_text(office, hours, closes_today),
        "now_text": _if_you_write_now(office, calendar, policy, now),
    }


# --- Once a question is open ----------------------------------------------------------------------------------
NO_PROMISE = {"answer_by": None, "answer_by_label": "", "answer_kind": "", "acknowledgement": ""}


def _open_inquiry(requester_id: int) -> Inquiry | None:
    return (
        Inquiry.objects.filter(requester_id=requester_id, response_status=TargetStatus.RUNNING)
        .exclude(status=Inquiry.Status.CLOSED)
        .select_related("office")
        .order_by("-received_at")
        .first()
    )


def inquiry_promise(
    inquiry: Inquiry | None, *, calendar: WorkingCalendar | None = None, policy: SlaPolicy | None = None
) -> dict:
    """When the open question will be answered at the latest (its response due time) and why, as a sentence in
    the active language: `acknowledgement`; `answer_kind` is `normal`, `late`, `outside_hours` or `no_deadline`.

    Nothing is promised for a question that waits for the requester's data (its clock is paused). ``calendar``
    and ``policy``: the office's, when the caller has them loaded already (a batch of one office)."""
    if inquiry is None or inquiry.paused_at is not None:
        return dict(NO_PROMISE)
    received = _("We have received your message.")
    office = inquiry.office
    if inquiry.response_due is None:  # the office's calendar gives no deadline: a promise without a time
        return {
            "answer_by": None,
            "answer_by_label": no_deadline_text(),
            "answer_kind": "no_deadline",
            "acknowledgement": f"{received} {no_deadline_text()}",
        }
    due = moment_label(inquiry.response_due, office)
    body = {"answer_by": timezone.localtime(inquiry.response_due, office_zone(office)).isoformat()}
    body["answer_by_label"] = due
    policy = policy or policy_for_office(office)
    if inquiry.late_arrival:
        closing = _closing_of(calendar or office_calendar(office), inquiry.received_at)
    else:
        closing = None
    if closing is not None:
        kind = "late"
        why = _(
            "It arrived in the last %(window)s before the office closes (%(closing)s), so it is answered within "
            "%(days)s: by %(due)s at the latest."
        ) % {
            "window": window_text(policy.late_window_minutes),
            "closing": clock_label(closing, office),
            "days": working_days_text(policy.resolution_working_days),
            "due": due,
        }
    elif inquiry.effective_start and inquiry.effective_start > inquiry.received_at:
        kind = "outside_hours"
        why = _(
            "It arrived outside service hours: the answer time starts when the office opens, on %(start)s. "
            "The answer will reach you by %(due)s at the latest."
        ) % {"start": moment_label(inquiry.effective_start, office), "due": due}
    else:
        kind = "normal"
        why = ngettext(
            "The answer will reach you by %(due)s at the latest (within %(minutes)d working minute).",
            "The answer will reach you by %(due)s at the latest (within %(minutes)d working minutes).",
            policy.response_minutes,
        ) % {"due": due, "minutes": policy.response_minutes}
    return {**body, "answer_kind": kind, "acknowledgement": f"{received} {why}"}


def answer_promise(session) -> dict:
    """The promise of the visitor's open question, in the language the visitor chose (the session's)."""
    with translation.override(session.language or "id"):
        return inquiry_promise(_open_inquiry(session.requester_id))
