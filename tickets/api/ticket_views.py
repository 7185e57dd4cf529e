"""Units, escalation and tickets in the API."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_intake.api.cors import WebchatCorsMixin
from helpdesk.api import error_response
from tickets import escalation, selectors
from tickets.lookup import lookup_allowed
from tickets.models import Ticket, TicketEvent, Unit


class UnitOutput(serializers.ModelSerializer):
    home_office = serializers.CharField(source="home_office.code")
    coordinator = serializers.CharField(source="coordinator.get_username", default=None)

    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "home_office", "coordinator", "requires_approval"]


class TicketEventOutput(serializers.ModelSerializer):
    author = serializers.CharField(source="author.get_username", default=None)

    class Meta:
        model = TicketEvent
        fields = ["kind", "author", "text", "created_at"]


class TicketOutput(serializers.ModelSerializer):
    ticket_number = serializers.CharField(source="number")
    unit = UnitOutput()
    office = serializers.CharField(source="office.code")
    inquiry = serializers.IntegerField(source="inquiry_id")
    assigned_to = serializers.CharField(source="assigned_to.get_username", default=None)
    resolution_due = serializers.DateTimeField(source="inquiry.resolution_due")
    resolution_status = serializers.CharField(source="inquiry.resolution_status")
    channel = serializers.CharField(source="inquiry.account.kind")
    requester = serializers.CharField(source="inquiry.requester.__str__")

    class Meta:
        model = Ticket
        fields = [
            "ticket_number",
            "status",
            "unit",
            "office",
            "inquiry",
            "channel",
            "requester",
            "summary",
            "needed",
            "assigned_to",
            "created_at",
            "resolution_due",
            "resolution_status",
            "final_answer",
            "answered_at",
            "delivery_note",
        ]


class TicketDetailOutput(TicketOutput):  # noqa: DJ006
    events = TicketEventOutput(many=True)
    draft_answer = serializers.CharField()

    class Meta(TicketOutput.Meta):
        fields = TicketOutput.Meta.fields + ["draft_answer", "events"]


class EscalateInput(serializers.Serializer):
    unit = serializers.IntegerField()
    summary = serializers.CharField(max_length=5000)
    needed = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class EscalateOutput(TicketOutput):  # noqa: DJ006
    verification_code = serializers.SerializerMethodField()

    class Meta(TicketOutput.Meta):
        fields = TicketOutput.Meta.fields + ["verification_code"]

    def get_verification_code(self, obj) -> str:
        return self.context["code"]


class TextInput(serializers.Serializer):
    text = serializers.CharField(max_length=10_000)


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
        from helpdesk.api import Pagination

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


class LookupInput(serializers.Serializer):
    number = serializers.CharField(max_length=40)
    code = serializers.CharField(max_length=20)


class TicketLookupView(WebchatCorsMixin, APIView):
    """Public: a requester's ticket by its number and verification code. Rate limited; reveals nothing else."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=LookupInput, auth=[], responses={200: OpenApiTypes.OBJECT})
    def post(self, request):
        data = LookupInput(data=request.data)
        data.is_valid(raise_exception=True)
        if not lookup_allowed(address=request.META.get("REMOTE_ADDR", ""), number=data.validated_data["number"]):
            return error_response(
                "throttled", _("Too many attempts. Try again later."), status.HTTP_429_TOO_MANY_REQUESTS
            )
        ticket = escalation.ticket_lookup(number=data.validated_data["number"], code=data.validated_data["code"])
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
        "answer": ticket.final_answer if answered else None,
        "answered_at": ticket.answered_at.isoformat() if answered and ticket.answered_at else None,
    }
