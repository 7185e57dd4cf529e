"""The audited reveal of a message's identifiers (clause a.1.2): the thread shows them masked; an officer of the
inquiry's office asks for one message in full (htmx POST), and the reveal is written to the audit log."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import masking
from ..models import Inquiry, Message
from ..permissions import visible_inquiries
from ..selectors import MAX_DB_ID


@login_required
@require_POST
def message_reveal(request, pk: int, message_id: int):
    """The message's text in full, as the thread's fragment. 404 when the inquiry is not of the user's office
    (or the message not of the inquiry); 403 for a role of the office that does not work inquiries."""
    if pk > MAX_DB_ID or message_id > MAX_DB_ID:
        raise Http404
    inquiry = visible_inquiries(request.user, Inquiry.objects.select_related("office")).filter(pk=pk).first()
    visible = Message.objects.exclude(withheld_from=request.user)
    message = visible.filter(pk=message_id, inquiry_id=pk).first() if inquiry is not None else None
    if message is None:
        raise Http404(_("No such inquiry in your office."))
    message.inquiry = inquiry
    message.text = masking.message_reveal(message=message, actor=request.user)  # PermissionDenied: 403
    response = render(request, "tickets/_message_text.html", {"message": message, "inquiry": inquiry, "revealed": True})
    response["Cache-Control"] = "no-store"
    return response
