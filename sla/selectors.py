"""What the officer sees of the SLA on each inquiry: the countdown in working minutes, and why."""

import math
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Avg, Count, Q
from django.utils.translation import gettext_lazy as _

from offices.selectors import office_calendars

from .models import Notification, SlaTracked, TargetStatus

REASONS = {
    "normal": _("normal: 55 working minutes"),
    "late": _("late arrival: 2 working days"),
    "escalated": _("escalated: 2 working days"),
    "paused": _("paused: waiting for the requester"),
}


@dataclass(frozen=True)
class SlaBadge:
    target: str  # "response" or "resolution"
    state: str  # running, at_risk, breached, met, paused, cancelled, none
    minutes_left: int | None  # working minutes until due; negative once overdue
    due: datetime | None
    reason: str  # key of REASONS

    @property
    def reason_label(self) -> str:
        return str(REASONS[self.reason])

    @property
    def overdue_minutes(self) -> int:
        return -self.minutes_left if self.minutes_left is not None and self.minutes_left < 0 else 0

    @property
    def left_label(self) -> str:
        """Working time left, as a person reads it: minutes, then hours and minutes once past the hour."""
        return _duration(self.minutes_left or 0, overdue=False)

    @property
    def overdue_label(self) -> str:
        return _duration(self.overdue_minutes, overdue=True)


def _duration(minutes: int, *, overdue: bool) -> str:
    if minutes < 60:
        text = _("%(n)s working min overdue") if overdue else _("%(n)s working min left")
        return str(text) % {"n": minutes}
    hours, rest = divmod(minutes, 60)
    text = _("%(h)s working h %(m)s min overdue") if overdue else _("%(h)s working h %(m)s min left")
    return str(text) % {"h": hours, "m": rest}


def _minutes_late(seconds: float) -> int:
    """Whole working minutes past the due time, rounded up: a breach is never shown as zero."""
    return max(1, math.ceil(seconds / 60))


def _badge(inquiry: SlaTracked, calendar, now: datetime) -> SlaBadge:
    escalated = inquiry.resolution_status != TargetStatus.NONE
    target = "resolution" if escalated and inquiry.response_status != TargetStatus.RUNNING else "response"
    state = inquiry.target(target)
    status, due = state.status, state.due
    reason = "escalated" if target == "resolution" else ("late" if inquiry.late_arrival else "normal")
    if inquiry.paused_at is not None and status == TargetStatus.RUNNING:
        left = calendar.working_time_between(inquiry.paused_at, due) if due else None
        minutes = int(left.total_seconds() // 60) if left is not None else None
        return SlaBadge(target, "paused", minutes, due, "paused")
    if status in (TargetStatus.MET, TargetStatus.CANCELLED, TargetStatus.NONE) or due is None:
        return SlaBadge(target, status or "none", None, due, reason)
    if state.met_at:
        if status == TargetStatus.BREACHED:  # delivered late: by how much, in working time
            late = _minutes_late(calendar.working_time_between(due, state.met_at).total_seconds())
            return SlaBadge(target, status, -late, due, reason)
        return SlaBadge(target, status, None, due, reason)
    if now <= due:
        seconds = calendar.working_time_between(now, due).total_seconds()
        minutes = int(seconds // 60)
        at_risk = state.at_risk_at
        state_label = "at_risk" if at_risk is not None and now >= at_risk else "running"
    else:
        minutes = -_minutes_late(calendar.working_time_between(due, now).total_seconds())
        state_label = "breached"
    return SlaBadge(target, state_label, minutes, due, reason)


def sla_badges(inquiries, *, now: datetime, calendars=None) -> dict[int, SlaBadge]:
    """Badges for a page of inquiries; the calendars of their offices in four queries (none when the caller
    passes them, e.g. from a cache: office id -> WorkingCalendar)."""
    inquiries = list(inquiries)
    offices = {inquiry.office_id: inquiry.office for inquiry in inquiries}
    if calendars is None or not offices.keys() <= calendars.keys():
        calendars = office_calendars(offices.values())
    return {inquiry.pk: _badge(inquiry, calendars[inquiry.office_id], now) for inquiry in inquiries}


def unread_notifications(user, limit: int = 20):
    return Notification.objects.filter(user=user, read_at__isnull=True).select_related("inquiry")[:limit]


def sla_report(*, inquiries, start, end) -> dict:
    """The SLA figures of the inquiries (a queryset of the tracked model) received in [start, end): one aggregate
    per grouping.

    Met rate counts only decided targets (met + breached); "not counted" (spam, no reply) stays out, as the
    standard asks.
    """
    scoped = inquiries.filter(received_at__gte=start, received_at__lt=end)

    def figures(**group):
        return dict(
            received=Count("pk"),
            response_met=Count("pk", filter=Q(response_status=TargetStatus.MET)),
            response_breached=Count("pk", filter=Q(response_status=TargetStatus.BREACHED)),
            response_running=Count("pk", filter=Q(response_status=TargetStatus.RUNNING)),
            not_counted=Count("pk", filter=Q(response_status=TargetStatus.CANCELLED)),
            late_arrivals=Count("pk", filter=Q(late_arrival=True)),
            escalated=Count("pk", filter=~Q(resolution_status="")),
            resolution_met=Count("pk", filter=Q(resolution_status=TargetStatus.MET)),
            resolution_breached=Count("pk", filter=Q(resolution_status=TargetStatus.BREACHED)),
            avg_response_seconds=Avg("response_working_seconds"),
            **group,
        )

    def with_rates(row: dict) -> dict:
        decided = row["response_met"] + row["response_breached"]
        row["response_rate"] = round(100 * row["response_met"] / decided, 1) if decided else None
        decided = row["resolution_met"] + row["resolution_breached"]
        row["resolution_rate"] = round(100 * row["resolution_met"] / decided, 1) if decided else None
        seconds = row["avg_response_seconds"]
        row["avg_response_minutes"] = round(seconds / 60, 1) if seconds is not None else None
        return row

    total = with_rates(scoped.aggregate(**figures()))
    by_office = [
        with_rates(row)
        for row in scoped.values("office__code", "office__name").annotate(**figures()).order_by("office__code")
    ]
    by_officer = [
        with_rates(row)
        for row in scoped.exclude(response_met_by__isnull=True)
        .values("office__code", "response_met_by__username")
        .annotate(**figures())
        .order_by("office__code", "response_met_by__username")
    ]
    return {"total": total, "by_office": by_office, "by_officer": by_officer}
