"""API plumbing shared by every app: pagination and the one JSON shape of errors.

Every error answers ``{"error": {"code": "...", "message": "...", "fields": {...}}}``.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def _flatten(detail):
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [str(item) if not isinstance(item, (dict, list)) else _flatten(item) for item in detail]
    return str(detail)


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def exception_handler(exc, context):
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
