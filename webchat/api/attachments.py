"""The widget's files: a visitor uploads a photo or PDF into their thread, and downloads the files of their own
thread (theirs and the office's), authorised by the session token like the messages; nobody else reads them."""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_intake.cors import WebchatCorsMixin
from common.api import error_response, error_responses
from common.storage import ALLOWED_TYPES
from tickets.promise import answer_promise
from tickets.selectors import MAX_DB_ID
from tickets.views.attachments import file_response
from webchat import services
from webchat.attachments import UploadRefused, webchat_attachment_for, webchat_attachment_post

from .serializers import PublicMessageOutput
from .views import TOKEN_HEADER, AddressThrottle, SessionMessageThrottle

TOKEN_PARAMETER = OpenApiParameter("X-Webchat-Token", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True)
STATUS_BY_CODE = {
    "too_large": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    "unsupported_type": status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
}


def _session(request):
    return services.webchat_session_for_token(request.META.get(TOKEN_HEADER, ""))


def _unknown_session():
    return error_response("invalid_token", _("Unknown or expired chat session."), status.HTTP_401_UNAUTHORIZED)


def _too_large():
    size = f"{settings.ATTACHMENT_MAX_BYTES / (1024 * 1024):g}"
    message = _("The file is larger than %(size)s MB.") % {"size": size}
    return error_response("too_large", message, status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, fields={"file": [message]})


class WebchatAttachmentsView(WebchatCorsMixin, APIView):
    """POST multipart: ``file`` (a photo or PDF), optional ``text`` (a caption) and ``client_id``."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [SessionMessageThrottle, AddressThrottle]
    parser_classes = [MultiPartParser]

    @extend_schema(
        parameters=[TOKEN_PARAMETER],
        request={
            "multipart/form-data": inline_serializer(
                "WebchatAttachmentInput",
                {
                    "file": serializers.FileField(),
                    "text": serializers.CharField(required=False),
                    "client_id": serializers.CharField(required=False),
                },
            )
        },
        responses={
            201: OpenApiResponse(
                OpenApiTypes.OBJECT, description="The visitor's message with its file, and the promise"
            ),
            202: OpenApiResponse(OpenApiTypes.OBJECT, description="Logged, filed shortly (shown on the next poll)"),
            **error_responses(400, 401, 403, 413, 415, 429),
        },
        auth=[],
    )
    def post(self, request):
        session = _session(request)
        if session is None:
            return _unknown_session()
        try:  # refused before the body is read, when the browser announces more than a file may be
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.ATTACHMENT_MAX_BYTES + 64 * 1024:
            return _too_large()
        upload = request.FILES.get("file")
        if upload is None:
            message = _("Choose a photo or a PDF file.")
            return error_response("invalid", message, fields={"file": [message]})
        text, client_id = request.data.get("text", ""), request.data.get("client_id", "")
        if not isinstance(text, str) or not isinstance(client_id, str):
            return error_response("invalid", _("`text` and `client_id` are text."))
        try:
            message = webchat_attachment_post(session=session, file=upload, text=text, client_id=client_id[:100])
        except UploadRefused as exc:
            return error_response(
                exc.code,
                exc.message,
                STATUS_BY_CODE.get(exc.code, status.HTTP_400_BAD_REQUEST),
                {exc.field: [exc.message]},
            )
        if message is None:
            return Response({"status": "queued", **answer_promise(session)}, status=status.HTTP_202_ACCEPTED)
        body = {**PublicMessageOutput(message).data, **answer_promise(session)}
        return Response(body, status=status.HTTP_201_CREATED)


class WebchatAttachmentView(WebchatCorsMixin, APIView):
    """GET: the bytes of one file of the session's own thread (always as a download)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AddressThrottle]

    @extend_schema(
        parameters=[TOKEN_PARAMETER],
        responses={
            **{(200, mime_type): OpenApiTypes.BINARY for mime_type in ALLOWED_TYPES},
            **error_responses(400, 401, 404, 429),
        },
        auth=[],
    )
    def get(self, request, attachment_id: int):
        session = _session(request)
        if session is None:
            return _unknown_session()
        attachment = (
            webchat_attachment_for(session=session, attachment_id=attachment_id) if attachment_id <= MAX_DB_ID else None
        )
        if attachment is None:
            return error_response("not_found", _("No such file in this chat."), status.HTTP_404_NOT_FOUND)
        return file_response(attachment, inline=False)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if "Access-Control-Allow-Origin" in response:  # the widget names the download after the file
            response["Access-Control-Expose-Headers"] = "Content-Disposition"
        return response
