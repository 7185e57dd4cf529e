"""Supervisors' pages: the SLA figures of the offices they see (clauses b.4, b.6 of the service standard).

Above tickets and sla: it reads inquiries (tickets) and the SLA figures over them (``sla.selectors``).
"""

from datetime import date, datetime, time, timedelta

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from sla.selectors import sla_report
from tickets.models import Inquiry
from tickets.permissions import staff_profile, visible_inquiries

# The report covers this century at most: a date at the edge of Python's range (0001-01-01, 9999-12-31) would
# overflow once it becomes a time of day in the office's zone.
FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2099, 12, 31)


@login_required
def dashboard(request):
    """SLA figures for supervisors: the user's office (all offices for a superuser), by office and officer."""
    profile = staff_profile(request.user)
    if profile:
        timezone.activate(profile.office.timezone)
    today = timezone.localdate()

    def parse(name, default):
        try:
            return date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return default

    start = parse("from", today.replace(day=1))
    end = parse("to", today)
    if end < start:
        start, end = end, start
    clamped = min(max(start, FIRST_DATE), LAST_DATE), min(max(end, FIRST_DATE), LAST_DATE)
    if clamped != (start, end):
        start, end = clamped
        flash.warning(
            request,
            _("The figures cover %(first)s to %(last)s at most: showing %(start)s to %(end)s.")
            % {"first": FIRST_DATE, "last": LAST_DATE, "start": start, "end": end},
        )
    zone = timezone.get_current_timezone()
    report = sla_report(
        inquiries=visible_inquiries(request.user, Inquiry.objects.all()),
        start=datetime.combine(start, time(0), tzinfo=zone),
        end=datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone),
    )
    return render(request, "sla/dashboard.html", {"report": report, "start": start, "end": end})
