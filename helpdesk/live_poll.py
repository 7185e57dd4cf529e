"""The inbox's 4-second refresh that finds nothing new, answered before most of the middleware
(``LivePollMiddleware``, placed in ``MIDDLEWARE`` right after the request guard)."""

from functools import lru_cache
from importlib import import_module
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.signals import setting_changed

from tickets.live import poll_state

from .middleware import request_language

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class LivePollMiddleware:
    """The inbox's 4-second refresh that finds nothing new, answered before the rest of the middleware.

    Hundreds of officers poll every 4 seconds, and nearly every poll is a 304; through the whole stack (session
    and user loaded through the ORM, CSRF, messages, CSP, axes, URL resolution, the view) each cost about a
    millisecond of CPU. Here a GET of the inbox list (``?partial=1``) carrying an If-None-Match is checked with
    what the view itself would check, at a fraction of the cost:

    - the session, loaded through the configured engine (cached_db: one cache read), must hold a user logged in
      with ``ModelBackend``;
    - one query (``poll_state``) reads that user's active flag and password hash, and the office counters: an
      inactive user, a password changed since the login (the session's auth hash no longer matches, as
      ``django.contrib.auth.get_user`` checks it), a user gone, all fall through to the full stack, which logs the
      session out; a logout flushes the session, so the next poll finds no user in it;
    - the ETag state is computed by the view's own function (``tickets.views.inbox._view_state``) from the same
      user, counters, language and parameters, and must be one the browser sent, unexpired.

    Anything else (no or another session, another path, a change, an expired ETag, a superuser's or a form's
    parameters the view would refuse...) goes on to the full stack unchanged, which gives the same answer as
    before. The 304 carries the headers the rest of the stack would have added (Vary, Content-Language,
    X-Frame-Options, Content-Security-Policy, Content-Length); the ones of the middleware before this one
    (security headers, the request id, metrics) it gets from them as any answer does.

    ``LIVE_POLL_EARLY = False`` in the settings turns it off.
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
        from django.urls import Resolver404, resolve
        from django.utils import timezone, translation
        from django.utils.crypto import constant_time_compare, salted_hmac

        from tickets.views.inbox import _unchanged, _view_state

        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if not session_key:
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        if match.view_name != "tickets:inbox":
            return None
        data = _session_store()(session_key).load()
        user_id, backend, session_hash = (data.get(k) for k in (SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY))
        if (
            not user_id
            or not session_hash
            or backend != MODEL_BACKEND
            or backend not in settings.AUTHENTICATION_BACKENDS
        ):
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
        return _not_modified(request, language)


# AbstractBaseUser.get_session_auth_hash's salt (Django 5): the check is the one django.contrib.auth.get_user makes.
SESSION_HASH_SALT = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"


@lru_cache(maxsize=4)
def _session_store_of(engine: str):
    return import_module(engine).SessionStore


def _session_store():
    return _session_store_of(settings.SESSION_ENGINE)


def _not_modified(request, language: str):
    """The 304 the view gives, with the headers the middleware after this one would have added to it."""
    from django.http import HttpResponseNotModified

    response = HttpResponseNotModified()
    response.headers["Cache-Control"] = "private, no-store"
    for name, value in _csp_headers(request.path_info):
        response.headers[name] = value
    response.headers["X-Frame-Options"] = getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()
    response.headers["Content-Length"] = "0"
    response.headers["Vary"] = "Cookie, Accept-Language"  # the session's, then the language's
    response.headers["Content-Language"] = language
    return response


_CSP: dict[str, list[tuple[str, str]]] = {}


def _csp_headers(path: str) -> list[tuple[str, str]]:
    """django-csp's headers for an answer without a nonce or a per-view policy: the same for every such answer,
    so built once (again when the settings change, in tests)."""
    key = path
    if key not in _CSP:
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
        _CSP.clear() if len(_CSP) > 16 else None
        _CSP[key] = headers
    return _CSP[key]


def _settings_changed(**kwargs) -> None:
    _CSP.clear()
    _session_store_of.cache_clear()


setting_changed.connect(_settings_changed)
