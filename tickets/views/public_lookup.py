"""The public ticket lookup at /tiket/: no login, the requester types the number and the code sent with it."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from common.client import client_address

from ..forms import LookupForm
from ..lookup import due_label, ticket_lookup_attempt


def public_lookup(request):
    """No login: the requester types the number and the code printed with it. Limits: `tickets.lookup`."""
    form = LookupForm(request.POST or None)
    ticket, error, status, retry_after = None, "", 200, 0
    if request.method == "POST" and form.is_valid():
        result = ticket_lookup_attempt(
            address=client_address(request), number=form.cleaned_data["number"], code=form.cleaned_data["code"]
        )
        ticket = result.ticket
        if result.refused:
            error, status, retry_after = _("Too many attempts. Try again later."), 429, result.retry_after
        elif ticket is None:
            error, status = _("No ticket with this number and code."), 404
    context = {"form": form, "ticket": ticket, "error": error, "due": due_label(ticket) if ticket else ""}
    response = render(request, "tickets/lookup.html", context, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response
