from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from offices.models import StaffProfile
from offices.selectors import zone_label

from .models import Notification


@login_required
def notifications(request):
    """The user's notifications, each worded in the page's language, times in the user's office zone."""
    items = Notification.objects.filter(user=request.user).select_related("inquiry__office")
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    profile = StaffProfile.objects.filter(user=request.user).select_related("office").first()
    zone = profile.office.timezone if profile else settings.TIME_ZONE
    return render(request, "sla/notifications.html", {"page": page, "zone": zone, "zone_label": zone_label(zone)})


@login_required
@require_POST
def notifications_read(request):
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notifications")
