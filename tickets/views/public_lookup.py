"""The public ticket lookup at /tiket/: no login, the requester types the number and the code sent with it."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from ..forms import LookupForm
from ..lookup import lookup_allowed, ticket_lookup


def public_lookup(request):
    """No login: the requester types the number and the code printed with it."""
    form = LookupForm(request.POST or None)
    ticket, error, status = None, "", 200
    if request.method == "POST" and form.is_valid():
        if not lookup_allowed(address=request.META.get("REMOTE_ADDR", ""), number=form.cleaned_data["number"]):
            error, status = _("Too many attempts. Try again later."), 429
        else:
            ticket = ticket_lookup(number=form.cleaned_data["number"], code=form.cleaned_data["code"])
            if ticket is None:
                error, status = _("No ticket with this number and code."), 404
    return render(request, "tickets/lookup.html", {"form": form, "ticket": ticket, "error": error}, status=status)
