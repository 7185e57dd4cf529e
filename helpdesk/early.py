"""Two hot requests answered before most of the middleware, with the answer and headers the full stack gives.

- ``LivePollMiddleware``: the inbox's 4-second refresh that finds nothing new (hundreds of officers, nearly every
  poll a 304);
- ``LeanWebhookMiddleware``: the platforms' webhook POSTs (thousands a minute at peak), which use no session,
  user, CSRF token, message or template. Under the production server the usual delivery does not get this far: it
  is answered at the WSGI level (``helpdesk.webhook_wsgi``), with this module's ``finish`` and lazy health check;
  what that shortcut hands to Django (a refusal, a body kept for review, a large delivery) comes here.

Both sit in ``MIDDLEWARE`` right after the request guard: what is before them (request metrics, the request id,
the security headers, the NUL and body-size guard) applies to them as to any request; what is after them
(sessions, language, CommonMiddleware, CSRF, auth, messages, X-Frame-Options, CSP, axes) is skipped, and the
headers those would add to such an answer are added here (``finish``). tests/tickets/test_live_poll.py and
tests/channels_intake/test_webhook_lean_path.py compare both answers header by header with the full stack's
(``LIVE_POLL_EARLY`` / ``WEBHOOK_LEAN_PATH`` set to False turn them off).
"""

from functools import lru_cache
from importlib import import_module
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.handlers.exception import response_for_exception
from django.core.signals import setting_changed
from django.urls import Resolver404, get_urlconf, resolve
from django.utils import translation
from django.utils.cache import patch_vary_headers

from tickets.live import poll_state

from .middleware import request_language

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
WEBHOOK_VIEW = "intake-webhook"  # the URL name of channels_intake.webhooks.webhook
# AbstractBaseUser.get_session_auth_hash's salt: the check is the one django.contrib.auth.get_user makes.
SESSION_HASH_SALT = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"


class LivePollMiddleware:
    """The inbox refresh that finds nothing new, as a 304 in one cache read and one query.

    Through the whole stack (session, the user loaded through the ORM, CSRF, messages, CSP, axes, the view) such
    a poll cost about a millisecond of CPU. Here a GET of the inbox list (``?partial=1``) carrying an
    If-None-Match is checked with what the view itself would check:

    - the session, loaded through the configured engine (cached_db: one cache read), must hold a user logged in
      with ``ModelBackend``;
    - one query (``tickets.live.poll_state``) reads that user's active flag and password hash and the office
      counters: an inactive user, a password changed since the login (the session's auth hash no longer
      matches, as ``django.contrib.auth.get_user`` checks it) or a user gone fall through to the full stack,
      which logs the session out; a logout flushes the session, so the next poll finds no user in it;
    - the ETag state is computed by the view's own function (``tickets.views.inbox._view_state``) from the same
      user, counters, language and parameters, and must be one the browser sent, unexpired.

    Anything else (no session or another one, another path, a change, an expired or garbled ETag, a user model
    or backend of its own) goes on to the full stack, which answers as before.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method == "GET"
            and "HTTP_IF_NONE_MATCH" in request.META
            and request.GET.get("partial")
            and getattr(settings, "LIVE_POLL_EARLY", True)
        ):
            response = self.early_answer(request)
            if response is not None:
                return response
        return self.get_response(request)

    def early_answer(self, request):
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
        from django.contrib.auth.base_user import AbstractBaseUser
        from django.http import HttpResponseNotModified
        from django.utils import timezone
        from django.utils.crypto import constant_time_compare, salted_hmac

        from tickets.views.inbox import _unchanged, _view_state

        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if not session_key or settings.SESSION_SAVE_EVERY_REQUEST:  # the full stack would save the session
            return None
        match = route_match(request.path_info, "tickets:inbox")
        if match is None:
            return None
        data = _session_store()(session_key).load()
        user_id, backend, session_hash = (data.get(k) for k in (SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY))
        if not user_id or not session_hash or backend != MODEL_BACKEND:
            return None
        if backend not in settings.AUTHENTICATION_BACKENDS:
            return None
        user_model = get_user_model()
        if user_model.get_session_auth_hash is not AbstractBaseUser.get_session_auth_hash:
            return None  # a user model with its own session hash: the full stack checks it
        try:
            user_pk = user_model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        state = poll_state(user_pk)
        if state is None:
            return None
        is_active, password, _superuser, live = state
        expected = salted_hmac(SESSION_HASH_SALT, password, algorithm="sha256").hexdigest()
        if not is_active or not constant_time_compare(session_hash, expected):
            return None
        language = request_language(request)
        shim = SimpleNamespace(user=SimpleNamespace(pk=user_pk), GET=request.GET)
        with translation.override(language):
            view_state = _view_state(shim, live)
        if not _unchanged(request, view_state, timezone.now()):
            return None
        request.resolver_match = match  # for the request metrics: the route, as for any answer
        response = HttpResponseNotModified()
        response.headers["Cache-Control"] = "private, no-store"  # what the view sets on its 304
        return finish(request, response, language, session_accessed=True)


class LeanWebhookMiddleware:
    """A webhook POST goes straight to its view (``channels_intake.webhooks.webhook``), past the middleware it
    does not use: it reads no session, user, CSRF token (the view is csrf_exempt), message or template; its
    security is its own (signature, body size, rate limits), all in the view and the request guard, which run as
    before. Its errors become the answers the full stack would give (``response_for_exception``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method == "POST"
            and request.path_info.startswith("/intake/")
            and request.path_info.endswith("/webhook/")
            and getattr(settings, "WEBHOOK_LEAN_PATH", True)
            and not settings.DISALLOWED_USER_AGENTS  # CommonMiddleware's checks, skipped here, would refuse some
            and not settings.PREPEND_WWW
        ):
            match = route_match(request.path_info, WEBHOOK_VIEW)
            if match is not None:
                return self.answer(request, match)
        return self.get_response(request)

    def answer(self, request, match):
        request.resolver_match = match
        language = request_language(request)
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            try:
                response = with_lazy_health_check(lambda: match.func(request, *match.args, **match.kwargs))
            except Exception as exc:  # noqa: BLE001 - as the handler around each middleware would
                response = response_for_exception(request, exc)
        return finish(request, response, language, session_accessed=False)


class _FirstStatement:
    """An execute wrapper that notes whether the request's first statement failed."""

    __slots__ = ("count", "first_failed")

    def __init__(self):
        self.count = 0
        self.first_failed = False

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        try:
            return execute(sql, params, many, context)
        except Exception:
            if self.count == 1:
                self.first_failed = True
            raise


def with_lazy_health_check(run):
    """Call ``run`` (the webhook view, or the WSGI-level shortcut's store) without the ``SELECT 1`` that
    CONN_HEALTH_CHECKS sends before a request's first statement on a kept connection (one round trip of the two a
    webhook costs): the first statement is the check. If it fails because the kept connection is dead (PostgreSQL
    restarted since), nothing was done yet: the connection is closed and ``run`` is called once more on a new
    one, as Django's check would have had it. Any other failure, or one after the first statement, goes up as
    before."""
    from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

    connection = connections[DEFAULT_DB_ALIAS]
    if connection.connection is None or not connection.health_check_enabled or connection.health_check_done:
        return run()  # a new connection, or no check to spare: as Django would
    connection.health_check_done = True
    first = _FirstStatement()
    try:
        with connection.execute_wrapper(first):
            return run()
    except (OperationalError, InterfaceError):
        # Retried only when nothing can have been written: no statement ran (a cursor refused on a connection
        # psycopg2 knows is closed) or the first one failed; and only when the connection is in fact dead.
        if first.count > 1 or (first.count == 1 and not first.first_failed) or connection.is_usable():
            raise
    connection.close()
    return run()


_MATCHES: dict[tuple, object] = {}
_UNKNOWN = object()


def route_match(path_info: str, view_name: str):
    """The path's resolver match when it is ``view_name``'s, else None; remembered per path (both callers'
    paths are few: one webhook per channel account, one inbox), in a bounded table dropped when settings change."""
    key = (get_urlconf(), path_info, view_name)
    known = _MATCHES.get(key, _UNKNOWN)  # one read: another thread may clear the table between two
    if known is not _UNKNOWN:
        return known
    try:
        match = resolve(path_info)
    except Resolver404:
        match = None
    if match is not None and match.view_name != view_name:
        match = None
    if len(_MATCHES) >= 512:  # paths a client made up: keep the memory bounded
        _MATCHES.clear()
    _MATCHES[key] = match
    return match


@lru_cache(maxsize=4)
def _session_store_of(engine: str):
    return import_module(engine).SessionStore


def _session_store():
    return _session_store_of(settings.SESSION_ENGINE)


def finish(request, response, language: str, *, session_accessed: bool):
    """The headers the middleware after these ones adds to an answer like this (no nonce, no cookie, no
    per-view policy), in their order: CSP, X-Frame-Options, CommonMiddleware's Content-Length, the language's
    Vary and Content-Language, the session's Vary."""
    if any(hasattr(response, f"_csp_{part}{ro}") for part in ("config", "update", "replace") for ro in ("", "_ro")):
        from csp.middleware import CSPMiddleware  # a policy of the view's own: django-csp builds it

        CSPMiddleware(lambda _request: response).process_response(request, response)
    elif not (settings.DEBUG and response.status_code in (404, 500)):  # django-csp leaves Django's debug pages be
        for name, value in _csp_headers(request.path_info):
            exempt = getattr(response, "_csp_exempt_ro" if name.endswith("Report-Only") else "_csp_exempt", False)
            if name not in response and exempt is False:
                response.headers[name] = value
    if response.get("X-Frame-Options") is None and not getattr(response, "xframe_options_exempt", False):
        response.headers["X-Frame-Options"] = getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()
    if not response.streaming and not response.has_header("Content-Length"):
        response.headers["Content-Length"] = str(len(response.content))
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
    response.headers.setdefault("Content-Language", language)
    if session_accessed:
        patch_vary_headers(response, ("Cookie",))
    return response


_CSP: dict[str, list[tuple[str, str]]] = {}


def _csp_headers(path: str) -> list[tuple[str, str]]:
    """django-csp's headers for an answer without a nonce or a per-view policy: the same for every such answer
    of a path, so built once (again when the settings change, in tests)."""
    known = _CSP.get(path)  # one read: another thread may clear the table between two
    if known is not None:
        return known
    from csp.constants import HEADER, HEADER_REPORT_ONLY
    from csp.utils import build_policy

    headers = []
    for header, setting, report_only in (
        (HEADER, "CONTENT_SECURITY_POLICY", False),
        (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
    ):
        policy = build_policy(report_only=report_only)
        prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ()
        if policy and not path.startswith(tuple(prefixes)):
            headers.append((header, policy))
    if len(_CSP) > 64:  # paths with ids in them: keep the memory bounded
        _CSP.clear()
    _CSP[path] = headers
    return headers


def _settings_changed(**kwargs) -> None:
    _CSP.clear()
    _MATCHES.clear()
    _session_store_of.cache_clear()


setting_changed.connect(_settings_changed)
