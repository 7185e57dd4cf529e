"""Pages of escalation tickets: the units' queue, a ticket and its actions, and escalating from a conversation."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import escalation, selectors
from ..forms import EscalateForm, TicketActionForm, TicketQueueFilter, form_errors
from ..models import Inquiry, Ticket, Unit
from ..permissions import can_work_ticket, is_coordinator
from ..selectors import MAX_DB_ID


@login_required
def ticket_queue(request):
    filters = TicketQueueFilter(request.GET)
    filters.is_valid()  # an unknown status or unit is left out, like an absent one
    status = filters.cleaned_data.get("status") or ""
    unit_id = filters.cleaned_data.get("unit")
    q = filters.cleaned_data.get("q") or ""
    tickets = selectors.ticket_list(user=request.user, unit=unit_id, status=status, q=q)
    page = Paginator(tickets, 25).get_page(request.GET.get("page"))
    units = Unit.objects.filter(is_active=True)
    if not request.user.is_superuser:
        units = units.filter(members=request.user) | units.filter(coordinator=request.user)
    return render(
        request,
        "tickets/ticket_queue.html",
        {
            "page": page,
            "status": status,
            "unit": unit_id,
            "units": units.distinct(),
            "statuses": Ticket.Status.choices,
            "q": q,
        },
    )


def _ticket(request, number: str) -> Ticket:
    ticket = selectors.visible_tickets(request.user).filter(number=number).prefetch_related("events__author").first()
    if ticket is None:
        raise Http404(_("No such ticket for you."))
    return ticket


@login_required
def ticket_detail(request, number: str):
    ticket = _ticket(request, number)
    timezone.activate(ticket.office.timezone)
    other_units = Unit.objects.filter(is_active=True).exclude(pk=ticket.unit_id)
    return render(
        request,
        "tickets/ticket_detail.html",
        {
            "ticket": ticket,
            "events": list(ticket.events.all()),
            "can_work": can_work_ticket(request.user, ticket),
            "is_coordinator": is_coordinator(request.user, ticket.unit),
            "other_units": other_units,
        },
    )


ACTIONS = {"take", "comment", "request_info", "reassign", "answer", "approve", "reject", "delivered"}


@login_required
@require_POST
def ticket_action(request, number: str, action: str):
    if action not in ACTIONS:
        raise Http404
    ticket = _ticket(request, number)
    form = TicketActionForm(request.POST)
    if not form.is_valid():
        flash.error(request, form_errors(form))
        return redirect("tickets:ticket", number=ticket.number)
    data = form.cleaned_data
    try:
        if action == "take":
            escalation.ticket_take(ticket=ticket, actor=request.user)
        elif action == "comment":
            escalation.ticket_comment(ticket=ticket, actor=request.user, text=data["text"])
        elif action == "request_info":
            escalation.ticket_request_info(
                ticket=ticket, actor=request.user, text=data["text"], ask=data["ask"] or "officer"
            )
        elif action == "reassign":
            unit = Unit.objects.filter(pk=data["unit"]).first() if data["unit"] else None
            if unit is None:
                raise ValidationError({"unit": _("Choose a unit.")})
            escalation.ticket_reassign(ticket=ticket, actor=request.user, unit=unit, reason=data["reason"])
        elif action == "answer":
            escalation.ticket_answer(ticket=ticket, actor=request.user, text=data["text"])
        elif action in ("approve", "reject"):
            escalation.ticket_approve(
                ticket=ticket, actor=request.user, approve=action == "approve", reason=data["reason"]
            )
        elif action == "delivered":
            escalation.ticket_mark_delivered(ticket=ticket, actor=request.user, how=data["how"])
    except PermissionDenied as exc:
        flash.error(request, str(exc) or _("Not allowed."))
    except ValidationError as exc:
        flash.error(request, " ".join(exc.messages))
    else:
        flash.success(request, _("Done."))
    return redirect("tickets:ticket", number=ticket.number)


@login_required
@require_POST
def inquiry_escalate(request, pk: int):
    try:
        if pk > MAX_DB_ID:
            raise Inquiry.DoesNotExist
        inquiry = selectors.inquiry_detail(user=request.user, pk=pk)
    except Inquiry.DoesNotExist as exc:
        raise Http404 from exc
    form = EscalateForm(request.POST, office_code=inquiry.office.code)
    if not form.is_valid():
        flash.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("tickets:conversation", pk=pk)
    try:
        ticket, _code = escalation.inquiry_escalate(
            inquiry=inquiry,
            unit=form.cleaned_data["unit"],
            summary=form.cleaned_data["summary"],
            needed=form.cleaned_data["needed"],
            actor=request.user,
        )
    except (ValidationError, PermissionDenied) as exc:
        flash.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("tickets:conversation", pk=pk)
    flash.success(
        request,
        _("Escalated: ticket %(number)s. The number is on its way to the requester.") % {"number": ticket.number},
    )
    return redirect("tickets:conversation", pk=pk)
