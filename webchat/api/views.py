"""The web-chat API used by the embeddable widget. Visitors never log in: a session token identifies them."""

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle
from rest_framework.views import APIView

from channels_intake.cors import WebchatCorsMixin
from common.api import error_response, error_responses
from common.client import client_address
from tickets.promise import answer_promise, office_promise
from tickets.selectors import public_thread
from tickets.survey import survey_prompt
from webchat import services

from .serializers import (
    LanguageInput,
    LanguageOutput,
    MessageInput,
    PublicMessageOutput,
    SessionInput,
    SessionOutput,
)

TOKEN_HEADER = "HTTP_X_WEBCHAT_TOKEN"


class ClientAddressIdent:
    """Throttles key on the client's address as the trusted proxies saw it (`common.client`), never on what
    the client wrote into X-Forwarded-For itself."""

    def get_ident(self, request):
        return client_address(request)


class SessionStartThrottle(ClientAddressIdent, AnonRateThrottle):
    scope = "webchat_session"


class AddressThrottle(ClientAddressIdent, AnonRateThrottle):
    scope = "webchat_address"


class SessionMessageThrottle(ClientAddressIdent, SimpleRateThrottle):
    """Per web-chat session (the token), so one visitor cannot flood an office."""

    scope = "webchat_message"

    def get_cache_key(self, request, view):
        if request.method != "POST":
            return None
        token = request.META.get(TOKEN_HEADER, "")
        return self.cache_format % {"scope": self.scope, "ident": token[:16] or self.get_ident(request)}


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
            language=data.validated_data.get("language") or services.webchat_language(translation.get_language()),
            ip_address=client_address(request) or None,
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
        messages = list(thread.filter(id__gt=after).prefetch_related("files")[:200])
        last = thread.aggregate(last=Max("id"))["last"] or 0
        return Response(
            {
                "messages": PublicMessageOutput(messages, many=True).data,
                "last_id": last,
                **answer_promise(session),
                # The satisfaction survey's buttons while the visitor has one to answer (tickets.survey).
                **survey_prompt(requester_id=session.requester_id, language=session.language),
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
        if data.validated_data.get("language"):  # the widget's language: the acknowledgement follows it
            services.webchat_session_language_set(session=session, language=data.validated_data["language"])
        message = services.webchat_message_post(
            session=session, text=data.validated_data["text"], client_id=data.validated_data["client_id"]
        )
        if message is None:  # logged durably, filed by the re-drive: the widget shows it on its next poll
            return Response({"status": "queued", **answer_promise(session)}, status=status.HTTP_202_ACCEPTED)
        body = {**PublicMessageOutput(message).data, **answer_promise(session)}
        return Response(body, status=status.HTTP_201_CREATED)


class WebchatLanguageView(WebchatCorsMixin, APIView):
    """The visitor switched the widget's language: the session and the requester follow (the promise, the
    acknowledgement and the messages we send, such as the ticket number, are then in that language)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [SessionMessageThrottle, AddressThrottle]

    @extend_schema(
        parameters=[OpenApiParameter("X-Webchat-Token", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True)],
        request=LanguageInput,
        responses={200: LanguageOutput, **error_responses(400, 401, 429)},
        auth=[],
    )
    def post(self, request):
        session = services.webchat_session_for_token(request.META.get(TOKEN_HEADER, ""))
        if session is None:
            return error_response("invalid_token", _("Unknown or expired chat session."), status.HTTP_401_UNAUTHORIZED)
        data = LanguageInput(data=request.data)
        data.is_valid(raise_exception=True)
        session = services.webchat_session_language_set(session=session, language=data.validated_data["language"])
        return Response({"language": session.language})
