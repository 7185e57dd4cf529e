from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .models import Notification


@login_required
def notifications(request):
    items = Notification.objects.filter(user=request.user).select_related("inquiry__office")
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(request, "sla/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request):
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notifications")


@login_required
def dashboard(request):
    """SLA figures for supervisors: the user's office (all offices for a superuser), by office and officer."""
    from datetime import date, datetime, time, timedelta

    from tickets.models import Inquiry
    from tickets.permissions import staff_profile, visible_inquiries

    from .selectors import sla_report

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
    zone = timezone.get_current_timezone()
    report = sla_report(
        inquiries=visible_inquiries(request.user, Inquiry.objects.all()),
        start=datetime.combine(start, time(0), tzinfo=zone),
        end=datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone),
    )
    return render(request, "sla/dashboard.html", {"report": report, "start": start, "end": end})
