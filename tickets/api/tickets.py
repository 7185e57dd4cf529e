"""Units, escalation and tickets in the API (staff only)."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import Pagination, error_response
from tickets import escalation, selectors
from tickets.models import Ticket, Unit

from .serializers import (
    EscalateInput,
    EscalateOutput,
    TextInput,
    TicketDetailOutput,
    TicketEventOutput,
    TicketOutput,
    UnitOutput,
)


class UnitListView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("office", OpenApiTypes.STR, required=True, description="Office code")],
        responses={200: UnitOutput(many=True)},
    )
    def get(self, request):
        office = request.query_params.get("office", "")
        if not office.isdigit() or len(office) != 6:
            return error_response("invalid", _("Give the office code."), fields={"office": [_("6 digits")]})
        return Response(UnitOutput(selectors.units_for_office(office_code=office), many=True).data)


class EscalateView(APIView):
    @extend_schema(request=EscalateInput, responses={201: EscalateOutput})
    def post(self, request, pk: int):
        inquiry = get_object_or_404(selectors.inquiry_list(user=request.user), pk=pk)
        data = EscalateInput(data=request.data)
        data.is_valid(raise_exception=True)
        unit = Unit.objects.filter(pk=data.validated_data["unit"]).first()
        if unit is None:
            return error_response("invalid", _("Unknown unit."), fields={"unit": [_("Unknown unit.")]})
        ticket, code = escalation.inquiry_escalate(
            inquiry=inquiry,
            unit=unit,
            summary=data.validated_data["summary"],
            needed=data.validated_data["needed"],
            actor=request.user,
        )
        return Response(EscalateOutput(ticket, context={"code": code}).data, status=status.HTTP_201_CREATED)


class TicketListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("unit", OpenApiTypes.INT),
            OpenApiParameter("status", OpenApiTypes.STR, enum=Ticket.Status.values),
            OpenApiParameter("office", OpenApiTypes.STR),
            OpenApiParameter("q", OpenApiTypes.STR),
        ],
        responses={200: TicketOutput(many=True)},
    )
    def get(self, request):
        params = request.query_params
        status_filter = params.get("status", "")
        if status_filter and status_filter not in Ticket.Status.values:
            return error_response("invalid", _("Unknown status."), fields={"status": [_("Unknown status.")]})
        unit = params.get("unit", "")
        if unit and not unit.isdigit():
            return error_response("invalid", _("`unit` is a number."), fields={"unit": [_("Not a number.")]})
        qs = selectors.ticket_list(
            user=request.user,
            unit=int(unit) if unit else None,
            status=status_filter,
            office=params.get("office", ""),
            q=params.get("q", ""),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(TicketOutput(page, many=True).data)


def _ticket(request, number: str) -> Ticket:
    return get_object_or_404(selectors.visible_tickets(request.user).prefetch_related("events__author"), number=number)


class TicketDetailView(APIView):
    @extend_schema(responses={200: TicketDetailOutput})
    def get(self, request, number: str):
        return Response(TicketDetailOutput(_ticket(request, number)).data)


class TicketCommentView(APIView):
    @extend_schema(request=TextInput, responses={201: TicketEventOutput})
    def post(self, request, number: str):
        ticket = _ticket(request, number)
        data = TextInput(data=request.data)
        data.is_valid(raise_exception=True)
        event = escalation.ticket_comment(ticket=ticket, actor=request.user, text=data.validated_data["text"])
        return Response(TicketEventOutput(event).data, status=status.HTTP_201_CREATED)


class TicketAnswerView(APIView):
    @extend_schema(request=TextInput, responses={200: TicketDetailOutput})
    def post(self, request, number: str):
        ticket = _ticket(request, number)
        data = TextInput(data=request.data)
        data.is_valid(raise_exception=True)
        escalation.ticket_answer(ticket=ticket, actor=request.user, text=data.validated_data["text"])
        return Response(TicketDetailOutput(_ticket(request, number)).data)
