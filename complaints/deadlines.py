"""Due dates of the complaint workflow, in working days on the handling office's calendar.

A stage of N working days that starts at ``s`` is due at the end of the N-th working date after the date on
which working time next begins from ``s`` (the reading of "within N working days" of ``sla.policy``); its
reminder comes at the end of the (N - R)-th working date (R = ``reminder_working_days``).

Stages: received → review started (``review_working_days`` of receipt); under review or in follow-up →
concluded (``conclude_working_days`` of receipt); concluded → complainant informed
(``inform_working_days`` of the conclusion). Numbers come from ``ComplaintPolicy`` (the office's own row, else
the global one, else the model's defaults).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from offices.models import Office
from offices.selectors import office_calendar
from sla.calendar import WorkingCalendar

from .models import Complaint, ComplaintPolicy


@dataclass(frozen=True)
class Policy:
    review_working_days: int = 3
    conclude_working_days: int = 14
    inform_working_days: int = 3
    reminder_working_days: int = 1


POLICY_FIELDS = ("review_working_days", "conclude_working_days", "inform_working_days", "reminder_working_days")


def policy_for(office: Office) -> Policy:
    rows = {row.office_id: row for row in ComplaintPolicy.objects.filter(Q(office=office) | Q(office__isnull=True))}
    row = rows.get(office.pk) or rows.get(None)
    if row is None:
        return Policy()
    return Policy(**{name: getattr(row, name) for name in POLICY_FIELDS})


def _end_of_working_days(calendar: WorkingCalendar, start: datetime, days: int) -> datetime:
    first = calendar.working_date_of(calendar.next_working_moment(start))
    return calendar.end_of_day(calendar.nth_working_date_after(first, days))


def stage_moments(calendar: WorkingCalendar, start: datetime, days: int, remind_before: int):
    """(due, remind_at) of a stage of ``days`` working days from ``start``; (None, None) when the calendar has
    no working time ahead (an office whose hours were never set: the complaint is kept without a due date)."""
    try:
        due = _end_of_working_days(calendar, start, days)
        remind = _end_of_working_days(calendar, start, max(days - remind_before, 0)) if remind_before else None
    except (ValueError, TypeError):
        return None, None
    if remind is not None and remind >= due:
        remind = None
    return due, remind


def moments_for(complaint: Complaint, *, status: str, at: datetime) -> tuple[datetime | None, datetime | None]:
    """The due time and reminder of the stage ``status`` begins (``at``: now; receipt is the complaint's)."""
    office = complaint.handling_office
    policy = policy_for(office)
    calendar = office_calendar(office)
    received = complaint.created_at or at
    if status == Complaint.Status.RECEIVED:
        return stage_moments(calendar, received, policy.review_working_days, policy.reminder_working_days)
    if status in (Complaint.Status.IN_REVIEW, Complaint.Status.FOLLOW_UP):
        return stage_moments(calendar, received, policy.conclude_working_days, policy.reminder_working_days)
    if status == Complaint.Status.CONCLUDED:
        return stage_moments(calendar, at, policy.inform_working_days, policy.reminder_working_days)
    return None, None
