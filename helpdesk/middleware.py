"""Language, and the requests no view is asked to handle.

Pages ignore the browser's Accept-Language (an office PC set up in English still shows Indonesian) and
follow only the language the user picked (the cookie set by /i18n/setlang/). The API and the web chat follow
Accept-Language, which API clients and the widget set on purpose.

`RequestGuardMiddleware` answers, before any view runs, what no view can use: a NUL character in the path, the
query string or a header (PostgreSQL refuses NUL in a query, so it would otherwise reach the database as a
500), and an API body over `DATA_UPLOAD_MAX_MEMORY_SIZE`. Under /api/ and /intake/ the answer is the API's one
error shape; pages get the plain 400 page.
"""

from urllib.parse import unquote_plus

from django.conf import settings
from django.http import JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.defaults import bad_request

from common.api import error_body
from common.logging import new_request_id, request_id_var

JSON_PREFIXES = ("/api/", "/intake/")


def request_language(request) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in {code for code, _name in settings.LANGUAGES}:
        return chosen
    if request.path.startswith("/api/"):
        return translation.get_language_from_request(request)
    return settings.LANGUAGE_CODE


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        response.headers.setdefault("Content-Language", language)
        return response


def _nul_fields(request) -> dict[str, list[str]] | None:
    """None when the request carries no NUL; else the query parameters that do (possibly none: path, header)."""
    query = unquote_plus(request.META.get("QUERY_STRING", ""), errors="replace")
    in_headers = any("\x00" in str(value) for key, value in request.META.items() if key.startswith("HTTP_"))
    if "\x00" not in request.path and "\x00" not in query and not in_headers:
        return None
    message = _("NUL characters are not allowed.")
    fields: dict[str, list[str]] = {}
    for pair in query.split("&"):
        if "\x00" in pair:
            fields[pair.partition("=")[0].replace("\x00", "") or "query"] = [message]
    return fields


def _declared_length(request) -> int:
    """The Content-Length, read as Django reads it (anything but a number is 0)."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


# The multipart envelope around an uploaded file (boundaries, headers, a short caption field).
UPLOAD_OVERHEAD = 64 * 1024


def _body_limit(request) -> tuple[int, int]:
    """The largest API body accepted, and the size the refusal names: a file upload (multipart, to an
    ``.../attachments/`` endpoint) may carry one file of ``ATTACHMENT_MAX_BYTES``; anything else
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if request.path.endswith("/attachments/") and request.META.get("CONTENT_TYPE", "").startswith("multipart/"):
        if settings.ATTACHMENT_MAX_BYTES + UPLOAD_OVERHEAD > limit:
            return settings.ATTACHMENT_MAX_BYTES + UPLOAD_OVERHEAD, settings.ATTACHMENT_MAX_BYTES
    return limit, limit


def _too_large(limit: int) -> JsonResponse:
    message = _("The body is larger than %(size)s MB.") % {"size": f"{limit / (1024 * 1024):g}"}
    return JsonResponse(error_body("too_large", message), status=413)


class RequestGuardMiddleware:
    """Before any view: a NUL anywhere is a 400; an API body declared over the limit is a 413 (see above)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        fields = _nul_fields(request)
        if fields is not None:
            with translation.override(request_language(request)):
                if request.path.startswith(JSON_PREFIXES):
                    body = error_body("invalid", _("The request contains a NUL character."), fields)
                    return JsonResponse(body, status=400)
                return bad_request(request, exception=None)
        limit, shown = _body_limit(request)
        if request.path.startswith(JSON_PREFIXES) and _declared_length(request) > limit:
            with translation.override(request_language(request)):
                return _too_large(shown)
        return self.get_response(request)


class RequestIdMiddleware:
    """Gives each request an id (a valid incoming X-Request-ID, else a new one): on every log line of the request
    and of the tasks it queues (common.logging), and returned in the X-Request-ID response header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = new_request_id(request.headers.get("X-Request-ID", ""))
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response
