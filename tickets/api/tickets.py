"""Units, escalation and tickets in the API (staff only)."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import Pagination, error_response, error_responses
from tickets import escalation, selectors
from tickets.models import Ticket, Unit

from .serializers import (
    EscalateInput,
    EscalateOutput,
    TextInput,
    TicketDetailOutput,
    TicketEventOutput,
    TicketFilterInput,
    TicketOutput,
    UnitFilterInput,
    UnitOutput,
)


class UnitListView(APIView):
    @extend_schema(
        parameters=[UnitFilterInput],
        responses={200: UnitOutput(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request):
        """The units the user may escalate to: their own office's (a superuser: any office's)."""
        query = UnitFilterInput(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        units = selectors.units_to_escalate(user=request.user, office_code=query.validated_data["office"])
        return Response(UnitOutput(units, many=True).data)


class EscalateView(APIView):
    @extend_schema(
        request=EscalateInput, responses={201: EscalateOutput, **error_responses(400, 401, 403, 404, 413, 415)}
    )
    def post(self, request, pk: int):
        if pk > selectors.MAX_DB_ID:
            raise Http404
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


class TicketListView(ListAPIView):
    """Tickets the user may read: their units' and their own office's, due first."""

    serializer_class = TicketOutput
    pagination_class = Pagination

    @extend_schema(
        parameters=[TicketFilterInput], responses={200: TicketOutput(many=True), **error_responses(400, 401, 403, 404)}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = TicketFilterInput(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        return selectors.ticket_list(
            user=self.request.user,
            unit=filters.get("unit"),
            status=filters.get("status", ""),
            office=filters.get("office", ""),
            q=filters.get("q", ""),
        )


def _ticket(request, number: str) -> Ticket:
    return get_object_or_404(selectors.visible_tickets(request.user).prefetch_related("events__author"), number=number)


class TicketDetailView(APIView):
    @extend_schema(responses={200: TicketDetailOutput, **error_responses(400, 401, 403, 404)})
    def get(self, request, number: str):
        return Response(TicketDetailOutput(_ticket(request, number)).data)


class TicketCommentView(APIView):
    @extend_schema(
        request=TextInput, responses={201: TicketEventOutput, **error_responses(400, 401, 403, 404, 413, 415)}
    )
    def post(self, request, number: str):
        ticket = _ticket(request, number)
        data = TextInput(data=request.data)
        data.is_valid(raise_exception=True)
        event = escalation.ticket_comment(ticket=ticket, actor=request.user, text=data.validated_data["text"])
        return Response(TicketEventOutput(event).data, status=status.HTTP_201_CREATED)


class TicketAnswerView(APIView):
    @extend_schema(
        request=TextInput, responses={200: TicketDetailOutput, **error_responses(400, 401, 403, 404, 413, 415)}
    )
    def post(self, request, number: str):
        ticket = _ticket(request, number)
        data = TextInput(data=request.data)
        data.is_valid(raise_exception=True)
        escalation.ticket_answer(ticket=ticket, actor=request.user, text=data.validated_data["text"])
        return Response(TicketDetailOutput(_ticket(request, number)).data)
