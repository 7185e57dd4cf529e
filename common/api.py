"""API plumbing shared by every app: pagination, the JSON parser and the one JSON shape of errors.

Every error answers ``{"error": {"code": "...", "message": "...", "fields": {...}}}``.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response


class Pagination(PageNumberPagination):
    """Pages of `page_size` (1 to 200; more is 200). A `page_size` that is no whole number is a 400, not
    silently the default; a `page` that is none, empty included (or past the end), is DRF's 404."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise exceptions.ValidationError({self.page_size_query_param: [_("A whole number, at least 1.")]})
        return min(size, self.max_page_size)

    def get_page_number(self, request, paginator):
        # DRF reads `?page=` as page 1; given empty it is no page number (the 404 of any other such `page`).
        page = request.query_params.get(self.page_query_param)
        if page is None:
            return 1
        return paginator.num_pages if page in self.last_page_strings else page

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser (which makes a ValueError, invalid JSON, a 400 parse error); a body nested deeper than
    the decoder can follow is one too, not a RecursionError and a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError(_("The body is nested too deeply to read.")) from exc


def _flatten(detail):
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [str(item) if not isinstance(item, (dict, list)) else _flatten(item) for item in detail]
    return str(detail)


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def exception_handler(exc, context):
    # Imported here: rest_framework.views reads DEFAULT_PARSER_CLASSES (this module's JSONParser) on import.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = error_body("invalid", _("The request has invalid fields."), _flatten(detail))
    else:
        code = getattr(exc, "default_code", "error")
        if isinstance(exc.detail, dict | list):
            body = error_body(code, _("The request failed."), _flatten(exc.detail))
        else:
            body = error_body(str(getattr(exc.detail, "code", code)), str(exc.detail))
    response.data = body
    return response


def error_response(code: str, message: str, http_status: int = status.HTTP_400_BAD_REQUEST, fields=None):
    return Response(error_body(code, message, fields), status=http_status)


# --- The error shape in the OpenAPI schema ------------------------------------------------------------------
class ErrorDetailOutput(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, for programs: invalid, not_found, not_authenticated, ...")
    message = serializers.CharField(help_text="For people, in the request's language")
    fields = serializers.DictField(help_text="Per field, what is wrong (empty when no field is to blame)")


class ErrorOutput(serializers.Serializer):
    error = ErrorDetailOutput()


ERROR_DESCRIPTIONS = {
    400: "The request is invalid: a field, a parameter, a body that is not JSON or a NUL character.",
    401: "Not authenticated (or an unknown web-chat token).",
    403: "Authenticated, but not allowed.",
    404: "No such object, or none the caller may see.",
    413: "The body is larger than the limit.",
    415: "The body is in a media type this operation does not read.",
    429: "Too many requests; try again later.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """The documented error answers of an operation, all in the one error shape, for `extend_schema(responses=)`."""
    return {code: OpenApiResponse(ErrorOutput, description=ERROR_DESCRIPTIONS[code]) for code in statuses}
