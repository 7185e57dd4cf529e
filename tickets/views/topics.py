"""Tagging an inquiry's topics from the conversation page (htmx: the box comes back; without script: a redirect)."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..models import Topic
from ..topics import inquiry_topics_set
from .inbox import _get_inquiry


@login_required
@require_POST
def topics_set(request, pk: int):
    inquiry = _get_inquiry(request, pk)
    raw = request.POST.getlist("topics")
    error = ""
    if any(not (value.isascii() and value.isdigit() and len(value) < 10) for value in raw):
        error = _("Unknown topic.")
    else:
        ids = {int(value) for value in raw}
        chosen = list(Topic.objects.filter(pk__in=ids))
        if len(chosen) != len(ids):
            error = _("Unknown topic.")
        else:
            try:
                inquiry_topics_set(inquiry=inquiry, topics=chosen, by=request.user)
            except (ValidationError, PermissionDenied) as exc:
                error = " ".join(getattr(exc, "messages", None) or [str(exc)])
    if request.headers.get("HX-Request"):
        context = {"inquiry": inquiry, "topics_error": error, "topics_saved": not error}
        return render(request, "tickets/_topics.html", context)
    if error:
        flash.error(request, error)
    else:
        flash.success(request, _("Topics saved."))
    return redirect("tickets:conversation", pk=inquiry.pk)
