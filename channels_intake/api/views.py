"""The web-chat API used by the embeddable widget. Visitors never log in: a session token identifies them."""

from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle
from rest_framework.views import APIView

from channels_intake import services
from helpdesk.api import error_response
from tickets.selectors import public_thread

from .cors import WebchatCorsMixin
from .serializers import MessageInput, PublicMessageOutput, SessionInput, SessionOutput

TOKEN_HEADER = "HTTP_X_WEBCHAT_TOKEN"


class SessionStartThrottle(AnonRateThrottle):
    scope = "webchat_session"


class AddressThrottle(AnonRateThrottle):
    scope = "webchat_address"


class SessionMessageThrottle(SimpleRateThrottle):
    """Per web-chat session (the token), so one visitor cannot flood an office."""

    scope = "webchat_message"

    def get_cache_key(self, request, view):
        if request.method != "POST":
            return None
        token = request.META.get(TOKEN_HEADER, "")
        return self.cache_format % {"scope": self.scope, "ident": token[:16] or self.get_ident(request)}


def answer_promise(session) -> dict:
    """When the visitor's open question will be answered at the latest (its response due time)."""
    from offices.selectors import zone_label
    from tickets.models import Inquiry, TargetStatus

    inquiry = (
        Inquiry.objects.filter(requester_id=session.requester_id, response_status=TargetStatus.RUNNING)
        .exclude(status=Inquiry.Status.CLOSED)
        .select_related("office")
        .order_by("-received_at")
        .first()
    )
    if inquiry is None or inquiry.response_due is None or inquiry.paused_at is not None:
        return {"answer_by": None, "answer_by_label": ""}
    local = timezone.localtime(inquiry.response_due, ZoneInfo(inquiry.office.timezone))
    label = f"{formats.date_format(local, 'l j F H:i')} {zone_label(inquiry.office.timezone)}"
    return {"answer_by": local.isoformat(), "answer_by_label": label}


class WebchatSessionView(WebchatCorsMixin, APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [SessionStartThrottle]

    @extend_schema(request=SessionInput, responses={201: SessionOutput}, auth=[])
    def post(self, request):
        data = SessionInput(data=request.data)
        data.is_valid(raise_exception=True)
        account = services.webchat_account_for_office(data.validated_data["office"])
        session, token = services.webchat_session_start(
            account=account,
            name=data.validated_data["name"],
            email=data.validated_data["email"],
            phone=data.validated_data["phone"],
            language=data.validated_data["language"],
            ip_address=request.META.get("REMOTE_ADDR"),
        )
        body = {"token": token, "office": account.office.code, "office_name": account.office.name}
        return Response(body, status=status.HTTP_201_CREATED)


class WebchatOfficeView(WebchatCorsMixin, APIView):
    """The promise the widget shows before the first message: free, the response target, today's hours."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AddressThrottle]

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, auth=[])
    def get(self, request, code: str):
        from offices.api.views import office_promise

        try:
            account = services.webchat_account_for_office(code)
        except ValidationError:
            return error_response("not_found", _("This office has no web chat."), status.HTTP_404_NOT_FOUND)
        return Response(office_promise(account.office))


class WebchatMessagesView(WebchatCorsMixin, APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [SessionMessageThrottle, AddressThrottle]

    def _session(self, request):
        return services.webchat_session_for_token(request.META.get(TOKEN_HEADER, ""))

    @extend_schema(
        parameters=[
            OpenApiParameter("X-Webchat-Token", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("after", OpenApiTypes.INT, description="Only messages with a greater id"),
        ],
        responses={200: PublicMessageOutput(many=True)},
        auth=[],
    )
    def get(self, request):
        session = self._session(request)
        if session is None:
            return error_response("invalid_token", _("Unknown or expired chat session."), status.HTTP_401_UNAUTHORIZED)
        try:
            after = int(request.query_params.get("after", "0") or 0)
        except ValueError:
            return error_response("invalid", _("`after` must be a number."), fields={"after": ["not a number"]})
        thread = public_thread(requester_id=session.requester_id)
        messages = list(thread.filter(id__gt=after)[:200])
        last = thread.aggregate(last=Max("id"))["last"] or 0
        return Response(
            {
                "messages": PublicMessageOutput(messages, many=True).data,
                "last_id": last,
                **answer_promise(session),
            }
        )

    @extend_schema(
        parameters=[OpenApiParameter("X-Webchat-Token", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True)],
        request=MessageInput,
        responses={201: PublicMessageOutput},
        auth=[],
    )
    def post(self, request):
        session = self._session(request)
        if session is None:
            return error_response("invalid_token", _("Unknown or expired chat session."), status.HTTP_401_UNAUTHORIZED)
        data = MessageInput(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.webchat_message_post(
            session=session, text=data.validated_data["text"], client_id=data.validated_data["client_id"]
        )
        body = {**PublicMessageOutput(message).data, **answer_promise(session)}
        return Response(body, status=status.HTTP_201_CREATED)
