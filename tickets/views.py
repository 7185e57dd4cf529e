"""The officer's pages: the inbox and the conversation."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from channels_intake.services import inquiry_reply_window
from sla.selectors import sla_badges

from . import selectors, services
from .forms import InboxFilterForm, ReplyForm
from .models import Inquiry
from .permissions import staff_profile

PAGE_SIZE = 25


def _activate_zone(user, office=None) -> None:
    profile = staff_profile(user)
    zone = office.timezone if office is not None else (profile.office.timezone if profile else None)
    if zone:
        timezone.activate(zone)


@login_required
def inbox(request):
    _activate_zone(request.user)
    form = InboxFilterForm(request.GET or None)
    queue, q = "open", ""
    if form.is_valid():
        queue = form.cleaned_data["queue"] or "open"
        q = form.cleaned_data["q"]
    inquiries = selectors.inquiry_list(user=request.user, queue=queue, q=q)
    page = Paginator(inquiries, PAGE_SIZE).get_page(request.GET.get("page"))
    profile = staff_profile(request.user)
    now = timezone.now()
    badges = sla_badges(page.object_list, now=now)
    rows = [(inquiry, badges[inquiry.pk]) for inquiry in page.object_list]
    return render(
        request,
        "tickets/inbox.html",
        {"page": page, "rows": rows, "form": form, "queue": queue, "q": q, "profile": profile, "now": now},
    )


def _get_inquiry(request, pk: int) -> Inquiry:
    try:
        return selectors.inquiry_detail(user=request.user, pk=pk)
    except Inquiry.DoesNotExist as exc:
        raise Http404(_("No such inquiry in your office.")) from exc


@login_required
def conversation(request, pk: int):
    inquiry = _get_inquiry(request, pk)
    _activate_zone(request.user, inquiry.office)
    form = ReplyForm()
    if request.method == "POST":
        form = ReplyForm(request.POST)
        if form.is_valid():
            try:
                services.reply_send(
                    inquiry=inquiry, author=request.user, text=form.cleaned_data["text"], kind=form.cleaned_data["kind"]
                )
            except PermissionDenied as exc:
                raise exc
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                flash.success(request, _("Reply queued for delivery."))
                return redirect("tickets:conversation", pk=inquiry.pk)
    now = timezone.now()
    return render(
        request,
        "tickets/conversation.html",
        {
            "inquiry": inquiry,
            "thread": list(inquiry.messages.all()),
            "form": form,
            "now": now,
            "badge": sla_badges([inquiry], now=now)[inquiry.pk],
            "window": inquiry_reply_window(inquiry, now=now),
        },
    )


@login_required
@require_POST
def claim(request, pk: int):
    inquiry = _get_inquiry(request, pk)
    try:
        services.inquiry_claim(inquiry=inquiry, user=request.user)
    except ValidationError as exc:
        flash.error(request, " ".join(exc.messages))
    else:
        flash.success(request, _("The inquiry is yours."))
    return redirect("tickets:conversation", pk=inquiry.pk)
