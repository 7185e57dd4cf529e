"""The platforms' webhook POSTs answered at the WSGI level, before Django builds a request (``WebhookFastPath``).

A burst (a scam message going viral) is thousands of webhook POSTs a minute, each one signed delivery to log.
Through Django's handler a webhook already skipped most of the middleware (``helpdesk.early.LeanWebhookMiddleware``),
but the request object, the middleware chain, the response object and its headers still cost more web CPU than
the webhook's own work (verify, parse, one INSERT). Here the usual delivery, and only that, is answered from the
WSGI environ:

- a POST to an active account's ``/intake/<kind>/<slug>/webhook/`` without a query string, cookie or NUL
  character, on the configured scheme, with a body within ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (a chunked one too:
  read to its end, its length then given to Django as well, which reads a body without a Content-Length as
  empty);
- at most ``USUAL_BODY_BYTES`` (64 kB), correctly signed, readable, every message storable, no more than a large
  delivery's threshold.

It runs what the full stack runs for it, in the same order: ``request_started`` and ``request_finished`` (the
database connections' start and end of request), the request id (``X-Request-ID`` honoured or made, on the log
lines and the events), the view's own steps (``channels_intake.webhooks``: the account, the adapter's signature
check and parser, ``inbound_delivery_store``, the log line) with the kept connection's lazy health check, and the
request metrics under the webhook's route. Its headers are the full stack's: computed once per path, scheme and
language by the same response-side code (the lean path's ``finish``, Django's ``SecurityMiddleware``) and kept
until the settings change, with the request's own ``Content-Length`` and ``X-Request-ID``.

Everything else (a handshake, a bad signature, an unknown account, an unreadable or unstorable body, a large
delivery, an oversized body, a setting the shortcut does not model) goes to Django unchanged, the body it read
handed back as the request's input, and is answered there. A failure while the delivery is being stored is not
run again through Django (a statement may have been sent): it is answered as the full stack answers it
(``response_for_exception``: 503 while the database is unavailable, else 500), with the same headers.
tests/channels_intake/test_webhook_wsgi.py compares every answer with the full stack's.
``WEBHOOK_WSGI_PATH = False`` (or ``WEBHOOK_LEAN_PATH = False``, which also turns the lean middleware off) in the
settings sends every webhook through Django.
"""

import io
import json
import re
import time
from types import SimpleNamespace

from django.conf import settings
from django.core import signals
from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import setting_changed
from django.http import HttpHeaders, JsonResponse
from django.middleware.security import SecurityMiddleware
from django.utils import translation

from channels_intake import services
from channels_intake.accounts import account_credentials, webhook_account
from channels_intake.adapters import PayloadError, get_adapter, webhook_kinds
from channels_intake.webhooks import delivery_answer, log_delivery
from common.logging import new_request_id, request_id_var

from .early import WEBHOOK_VIEW, finish, route_match, with_lazy_health_check
from .metrics import LATENCY, REQUESTS

# The URL's two parts as the route's converters read them (str: no slash; slug: letters, digits, - and _); the
# resolver is asked too (``route_match``), so a path the URLconf does not route here is never answered here.
_PATH = re.compile(r"/intake/([^/]+)/([-a-zA-Z0-9_]+)/webhook/")
# A delivery of one message or a few is a few kilobytes; a larger body is most likely a batch above the large
# delivery threshold (100 messages are about 26 kB from Meta), which the view stores whole: handed to Django before
# it is parsed here, so it is parsed once.
USUAL_BODY_BYTES = 64 * 1024


class WebhookFastPath:
    """WSGI middleware around Django's application: the usual webhook delivery answered here, anything else by
    ``app``."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO", "").startswith("/intake/"):
            answer = _answer(environ)
            if answer is not None:
                status, headers, body = answer
                start_response(status, headers)
                return [body]
        return self.app(environ, start_response)


def _enabled() -> bool:
    return (
        getattr(settings, "WEBHOOK_LEAN_PATH", True)
        and getattr(settings, "WEBHOOK_WSGI_PATH", True)
        and not settings.DISALLOWED_USER_AGENTS  # CommonMiddleware's checks, skipped on the lean path too
        and not settings.PREPEND_WWW
        and settings.DATA_UPLOAD_MAX_MEMORY_SIZE is not None
    )


def _is_secure(environ) -> bool:
    """``HttpRequest.is_secure`` from the environ (SECURE_PROXY_SSL_HEADER, else the WSGI scheme)."""
    if settings.SECURE_PROXY_SSL_HEADER:
        header, secure_value = settings.SECURE_PROXY_SSL_HEADER
        value = environ.get(header)
        if value is not None:
            return value.split(",", 1)[0].strip() == secure_value
    return environ.get("wsgi.url_scheme") == "https"


def _plain(environ) -> bool:
    """What the shortcut models: nothing a middleware it skips or runs would answer or change."""
    if environ.get("QUERY_STRING") or environ.get("SCRIPT_NAME") or environ.get("HTTP_COOKIE"):
        return False  # a query string may carry NUL (%00); a cookie may choose the language
    for key, value in environ.items():
        if key.startswith("HTTP_") and isinstance(value, str) and "\x00" in value:
            return False  # the request guard's 400
    return True


def _read_body(environ) -> bytes | None:
    """The body, handed back as the request's input for Django should it go on there; None when Django must
    answer (a garbled or too large Content-Length: the request guard's 413).

    A chunked body (no Content-Length) is read to its end where the server says the input ends there
    (``wsgi.input_terminated``, as Granian does), and its length set as the Content-Length: Django reads a request
    without one as empty, which would keep a signed delivery for review instead of logging it."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    declared = environ.get("CONTENT_LENGTH") or ""
    if not declared and environ.get("wsgi.input_terminated"):
        body = environ["wsgi.input"].read(limit + 1)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["wsgi.input"] = io.BytesIO(body)
        return body if len(body) <= limit else None
    if not declared.isdigit() or int(declared) > limit:
        return None
    body = environ["wsgi.input"].read(int(declared))
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _answer(environ) -> tuple[str, list[tuple[str, str]], bytes] | None:
    """The answer to a usual delivery, or None (after handing back what was read) for Django to answer."""
    path = environ["PATH_INFO"]
    found = _PATH.fullmatch(path)
    if found is None or not path.isascii() or not _enabled() or not _plain(environ):
        return None
    secure = _is_secure(environ)
    if settings.SECURE_SSL_REDIRECT and not secure:
        return None  # SecurityMiddleware's redirect
    match = route_match(path, WEBHOOK_VIEW)
    if match is None:
        return None
    kind, slug = found.groups()
    if kind not in webhook_kinds():
        return None
    started = time.perf_counter()
    signals.request_started.send(sender=WSGIHandler, environ=environ)
    token = request_id_var.set(new_request_id(environ.get("HTTP_X_REQUEST_ID", "")))
    try:
        answer = _deliver(environ, match, kind, slug, path, secure)
    finally:
        request_id_var.reset(token)
        signals.request_finished.send(sender=WSGIHandler)
    if answer is not None:  # else Django answers it, with its own request id, signals and count
        _count(match, answer[0].split(" ", 1)[0], started)
    return answer


def _deliver(environ, match, kind, slug, path, secure):
    account = webhook_account(kind, slug)
    if account is None:
        return None
    body = _read_body(environ)
    if body is None or len(body) > USUAL_BODY_BYTES:
        return None
    adapter = get_adapter(kind)
    creds = account_credentials(account)
    try:
        if not adapter.verify_signature(creds, HttpHeaders(environ), body):
            return None
        parsed = adapter.parse(body)
    except PayloadError:
        return None  # kept for review by the view
    except Exception:  # noqa: BLE001 - a bug in the parser: nothing was written, the full stack answers it
        return None
    messages = list(parsed.messages)
    if len(messages) > services.large_delivery_messages() or any(message.problems() for message in messages):
        return None  # stored whole, or kept for review, by the view
    language = settings.LANGUAGE_CODE  # request_language without a cookie, outside /api/
    try:
        intake = with_lazy_health_check(
            lambda: services.inbound_delivery_store(account=account, body=body, messages=messages)
        )
    except Exception as exc:  # noqa: BLE001 - answered as the full stack answers it, not run again
        return _failure(environ, match, exc, language)
    log_delivery(kind, slug, intake, parsed)
    payload = _json(delivery_answer(intake, parsed))
    headers = [*_headers(path, secure, language), ("Content-Length", str(len(payload)))]
    headers.append(("X-Request-ID", request_id_var.get()))
    return "200 OK", headers, payload


def _json(data: dict) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder).encode()  # JsonResponse's bytes


def _failure(environ, match, exc, language):
    """The full stack's answer to ``exc`` raised by the view: Django's exception response under the view's language,
    then the response side of the middleware the request went through."""
    request = WSGIRequest(environ)
    request.resolver_match = match
    with translation.override(language):
        request.LANGUAGE_CODE = translation.get_language()
        response = response_for_exception(request, exc)
        response = finish(request, response, language, session_accessed=False)
    response = _security(request, response)
    response["X-Request-ID"] = request_id_var.get()
    status = f"{response.status_code} {response.reason_phrase}"
    headers = [*response.items(), *(("Set-Cookie", c.output(header="")) for c in response.cookies.values())]
    return status, headers, response.content


def _security(request, response):
    return SecurityMiddleware(lambda _request: response).process_response(request, response)


_HEADERS: dict[tuple[str, bool, str], list[tuple[str, str]]] = {}


def _headers(path: str, secure: bool, language: str) -> list[tuple[str, str]]:
    """The headers the full stack gives a webhook's 200 on this path, scheme and language, but its Content-Length
    and X-Request-ID: made once by the same code on a JsonResponse, kept until the settings change."""
    key = (path, secure, language)
    headers = _HEADERS.get(key)  # one read: another thread may clear the table between two
    if headers is None:
        request = SimpleNamespace(path_info=path, path=path, is_secure=lambda: secure)
        response = finish(request, JsonResponse({}), language, session_accessed=False)
        response = _security(request, response)
        headers = [(name, value) for name, value in response.items() if name not in ("Content-Length", "X-Request-ID")]
        if len(_HEADERS) >= 512:  # one per account's webhook path: keep the memory bounded
            _HEADERS.clear()
        _HEADERS[key] = headers
    return headers


_COUNTERS: dict[tuple[str, str], tuple] = {}


def _count(match, status: str, started: float) -> None:
    """``RequestMetricsMiddleware``'s count and latency, under the webhook's route."""
    route = match.route or match.view_name
    key = (route, status)
    pair = _COUNTERS.get(key)
    if pair is None:
        pair = (REQUESTS.labels(route=route, method="POST", status=status), LATENCY.labels(route=route))
        _COUNTERS[key] = pair
    counter, latency = pair
    counter.inc()
    latency.observe(time.perf_counter() - started)


def _settings_changed(**kwargs) -> None:
    _HEADERS.clear()


setting_changed.connect(_settings_changed)
