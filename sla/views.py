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
