"""The public ticket lookup in the API: no login, CORS for the websites that embed the web chat."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_intake.cors import WebchatCorsMixin
from common.api import error_response
from common.client import client_address
from tickets.lookup import due_label, ticket_lookup_attempt
from tickets.models import Ticket

from .serializers import LookupInput


class TicketLookupView(WebchatCorsMixin, APIView):
    """Public: a requester's ticket by its number and code. Limited as `tickets.lookup` says; reveals nothing else."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=LookupInput, auth=[], responses={200: OpenApiTypes.OBJECT})
    def post(self, request):
        data = LookupInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = ticket_lookup_attempt(
            address=client_address(request),
            number=data.validated_data["number"],
            code=data.validated_data["code"],
        )
        if result.refused:
            response = error_response(
                "throttled", _("Too many attempts. Try again later."), status.HTTP_429_TOO_MANY_REQUESTS
            )
            response["Retry-After"] = str(result.retry_after)
            return response
        ticket = result.ticket
        if ticket is None:
            return error_response("not_found", _("No ticket with this number and code."), status.HTTP_404_NOT_FOUND)
        return Response(public_ticket(ticket))


def public_ticket(ticket: Ticket) -> dict:
    """What the requester may see: the number, the status, the due time and, once given, the answer."""
    answered = ticket.status == Ticket.Status.ANSWERED
    return {
        "ticket_number": ticket.number,
        "status": "answered" if answered else "in_progress",
        "status_label": str(_("Answered") if answered else _("In progress")),
        "office": ticket.office.name,
        "created_at": ticket.created_at.isoformat(),
        "resolution_due": ticket.inquiry.resolution_due.isoformat() if ticket.inquiry.resolution_due else None,
        "resolution_due_label": due_label(ticket),
        "answer": ticket.final_answer if answered else None,
        "answered_at": ticket.answered_at.isoformat() if answered and ticket.answered_at else None,
    }
