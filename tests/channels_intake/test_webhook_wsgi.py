"""The usual webhook delivery answered at the WSGI level (helpdesk.webhook_wsgi.WebhookFastPath, in front of
``helpdesk.wsgi:application``): the same answers, headers, stored rows and counts as through Django's full stack,
and every other request handed to Django with its body intact.

The app is called as a WSGI server calls it (an environ and start_response); the test client would go round it.
"""

import json

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, connection
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from channels_intake import adapters
from channels_intake.accounts import webhook_account_cache_clear
from channels_intake.models import InboundDelivery, InboundEvent
from helpdesk.metrics import REQUESTS
from helpdesk.webhook_wsgi import WebhookFastPath
from helpdesk.wsgi import application
from tests.channels_intake.test_webhook_lean_path import _terminate_backend, checked_connection, slow_inserts  # noqa: F401
from tests.channels_intake.test_webhooks import SIGNERS, accounts, body_of  # noqa: F401 - a fixture

FULL_STACK = override_settings(WEBHOOK_LEAN_PATH=False)
FIXTURE = {
    "meta": "messenger_text.json",
    "whatsapp": "text.json",
    "telegram": "message_text.json",
    "x": "dm_docs_example.json",
}


@pytest.fixture
def django_calls(monkeypatch):
    """How many requests the shortcut handed to Django."""
    calls = []
    inner = application.app

    def counted(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    monkeypatch.setattr(application, "app", counted)
    return calls


def environ(kind, body, headers=None, slug=None, query="", **extra):
    headers = SIGNERS[kind](body) if headers is None else headers
    path = f"/intake/{kind}/{slug or kind + '-test'}/webhook/" + (f"?{query}" if query else "")
    return RequestFactory().post(path, data=body, content_type="application/json", **headers, **extra).environ


def call(env, app=None):
    """(status, headers, body) as a WSGI server sees them. Inside a test's transaction the database connection is
    kept open across the request's start and end, as the test client keeps it (close_old_connections would close a
    connection that is not in autocommit)."""
    if connection.in_atomic_block:
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        try:
            return _call(env, app or application)
        finally:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)
    return _call(env, app or application)


def _call(env, app):
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, headers

    result = app(env, start_response)
    try:
        body = b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    return int(seen["status"].split(" ", 1)[0]), seen["headers"], body


def _comparable(headers) -> dict:
    names = [name.lower() for name, _value in headers]
    assert len(names) == len(set(names)), f"a header given twice: {names}"
    out = {name.lower(): value for name, value in headers if name.lower() != "x-request-id"}
    if "content-security-policy" in out:  # django-csp joins its directives in no fixed order
        out["content-security-policy"] = set(out["content-security-policy"].split("; "))
    return out


def _unique(kind: str, n: int) -> bytes:
    payload = json.loads(body_of(kind, FIXTURE[kind]))
    if kind == "meta":
        payload["entry"][0]["messaging"][0]["message"]["mid"] = f"m_wsgi_{n}"
    elif kind == "whatsapp":
        payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = f"wamid.WSGI{n}"
    elif kind == "telegram":
        payload["update_id"] = 770_000_000 + n
    else:
        payload["direct_message_events"][0]["id"] = str(1_800_000_000_000_000_000 + n)
    return json.dumps(payload).encode()


@pytest.mark.parametrize("kind", ["meta", "whatsapp", "telegram", "x"])
def test_a_usual_delivery_is_answered_here_as_the_full_stack_answers_it(db, accounts, django_calls, kind):  # noqa: F811
    fast = call(environ(kind, _unique(kind, 1)))
    assert django_calls == []  # answered at the WSGI level
    with FULL_STACK:
        full = call(environ(kind, _unique(kind, 2)))
    assert len(django_calls) == 1
    assert fast[0] == full[0] == 200
    assert fast[2] == full[2]  # byte for byte: {"status": "ok", "accepted": 1, ...}
    assert json.loads(fast[2])["accepted"] == 1
    assert _comparable(fast[1]) == _comparable(full[1])
    assert dict(fast[1])["X-Request-ID"]
    assert InboundEvent.objects.filter(account=accounts[kind], status=InboundEvent.Status.PENDING).count() == 2


def test_a_redelivery_is_a_duplicate_and_adds_nothing(db, accounts, django_calls):  # noqa: F811
    body = _unique("meta", 3)
    first, again = call(environ("meta", body)), call(environ("meta", body))
    assert json.loads(first[2])["accepted"] == 1
    assert json.loads(again[2]) == {"status": "ok", "accepted": 0, "duplicates": 1, "ignored": 0}
    assert InboundEvent.objects.count() == 1
    assert django_calls == []


def test_the_request_id_is_honoured_stored_with_the_event_and_returned(db, accounts):  # noqa: F811
    status, headers, _body = call(environ("meta", _unique("meta", 4), **{"HTTP_X_REQUEST_ID": "platform-req-0042"}))
    assert status == 200 and dict(headers)["X-Request-ID"] == "platform-req-0042"
    assert InboundEvent.objects.get().request_id == "platform-req-0042"
    _status, headers, _body = call(environ("meta", _unique("meta", 5), **{"HTTP_X_REQUEST_ID": "bad id!"}))
    made = dict(headers)["X-Request-ID"]
    assert made != "bad id!" and len(made) == 32
    assert InboundEvent.objects.filter(request_id=made).count() == 1


def test_one_query_per_delivery_and_the_start_and_end_of_request_once_each(db, accounts):  # noqa: F811
    call(environ("meta", _unique("meta", 6)))  # the account cached
    sent = []
    receivers = [lambda **kw: sent.append("started"), lambda **kw: sent.append("finished")]
    signals.request_started.connect(receivers[0], weak=False)
    signals.request_finished.connect(receivers[1], weak=False)
    try:
        with CaptureQueriesContext(connection) as queries:
            assert call(environ("meta", _unique("meta", 7)))[0] == 200
    finally:
        signals.request_started.disconnect(receivers[0])
        signals.request_finished.disconnect(receivers[1])
    assert sent == ["started", "finished"]
    inserts = [q["sql"] for q in queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1 and len(queries) <= 3  # the INSERT (and the test transaction's savepoints)


def test_answers_are_counted_under_the_webhook_route(db, accounts):  # noqa: F811
    counter = REQUESTS.labels(route="intake/<str:kind>/<slug:slug>/webhook/", method="POST", status="200")
    before = counter._value.get()
    assert call(environ("telegram", _unique("telegram", 8)))[0] == 200
    assert counter._value.get() == before + 1


# --- Everything else goes to Django, with its body ----------------------------------------------------------------
def _both(make):
    fast = call(make())
    with FULL_STACK:
        full = call(make())
    return fast, full


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("forged", 403),
        ("unknown account", 404),
        ("unknown kind", 404),
        ("unreadable", 200),
        ("query string", 200),
        ("nul in a header", 400),
    ],
)
def test_what_it_does_not_model_is_answered_by_django_as_before(db, accounts, django_calls, case, status):  # noqa: F811
    body = _unique("meta", 9)

    def make():
        if case == "forged":
            return environ("meta", body, headers={"HTTP_X_HUB_SIGNATURE_256": "sha256=" + "0" * 64})
        if case == "unknown account":
            return environ("meta", body, slug="nobody")
        if case == "unknown kind":
            path = "/intake/fax/fax-test/webhook/"
            return RequestFactory().post(path, data=body, content_type="application/json").environ
        if case == "unreadable":
            return environ("meta", b"not json at all")
        if case == "query string":
            return environ("meta", body, query="source=meta")
        return environ("meta", body, **{"HTTP_X_TRACE": "a\x00b"})

    fast, full = _both(make)
    assert django_calls, "handed to Django"
    assert fast[0] == full[0] == status
    assert _comparable(fast[1]) == _comparable(full[1])
    if case != "query string":
        assert fast[2] == full[2]
    if case == "unreadable":
        assert json.loads(fast[2]) == {"status": "kept_for_review"}
    if case == "query string":  # Django read the body the shortcut had read: the message is in
        assert json.loads(fast[2])["accepted"] == 1 and InboundEvent.objects.filter(dedupe_key="m_wsgi_9").exists()


def test_a_too_large_body_is_django_s_413_and_is_not_read_here(db, accounts, django_calls):  # noqa: F811
    big = b"{" + b" " * (3 * 1024 * 1024) + b"}"
    fast, full = _both(lambda: environ("meta", big))
    assert fast[0] == full[0] == 413 and django_calls
    assert _comparable(fast[1]) == _comparable(full[1])


def test_a_language_cookie_goes_to_django_which_answers_in_it(db, accounts, django_calls):  # noqa: F811
    status, headers, _body = call(environ("meta", _unique("meta", 10), HTTP_COOKIE="django_language=en"))
    assert status == 200 and django_calls
    assert dict(headers)["Content-Language"] == "en"
    status, headers, _body = call(environ("meta", _unique("meta", 11)))
    assert dict(headers)["Content-Language"] == "id"


def test_a_large_delivery_and_an_unstorable_message_go_to_django(db, accounts, django_calls, settings):  # noqa: F811
    settings.INTAKE_LARGE_DELIVERY_MESSAGES = 1
    status, _headers, body = call(environ("meta", body_of("meta", "messenger_batch.json")))
    assert status == 200 and json.loads(body)["queued"] >= 2 and django_calls
    assert InboundDelivery.objects.count() == 1
    settings.INTAKE_LARGE_DELIVERY_MESSAGES = 1000
    payload = json.loads(body_of("meta", "messenger_text.json"))
    payload["entry"][0]["messaging"][0]["message"]["mid"] = "m" * 500  # longer than its column
    status, _headers, body = call(environ("meta", json.dumps(payload).encode()))
    assert status == 200 and json.loads(body)["status"] == "kept_for_review"
    assert len(django_calls) == 2


def test_a_parser_bug_is_django_s_500(db, accounts, django_calls, monkeypatch):  # noqa: F811
    def broken(_body):
        raise RuntimeError("parser bug")

    monkeypatch.setattr(adapters.get_adapter("meta"), "parse", broken)
    fast, full = _both(lambda: environ("meta", _unique("meta", 12)))
    assert fast[0] == full[0] == 500 and django_calls
    assert _comparable(fast[1]) == _comparable(full[1])


def test_https_behind_a_proxy_gets_the_full_stack_s_security_headers(db, accounts, django_calls, settings):  # noqa: F811
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_SSL_REDIRECT = True
    forwarded = {"HTTP_X_FORWARDED_PROTO": "https"}
    fast = call(environ("meta", _unique("meta", 13), **forwarded))
    assert django_calls == []
    with FULL_STACK:  # a handler made now: the one loaded at import read the security settings before the change
        full = call(environ("meta", _unique("meta", 14), **forwarded), WSGIHandler())
    assert fast[0] == full[0] == 200
    assert dict(fast[1])["Strict-Transport-Security"].startswith("max-age=3600")
    assert _comparable(fast[1]) == _comparable(full[1])
    call(environ("meta", _unique("meta", 15)))  # http: handed to Django, for SecurityMiddleware's redirect
    assert len(django_calls) == 1
    assert call(environ("meta", _unique("meta", 15)), WebhookFastPath(WSGIHandler()))[0] == 301


def test_a_changed_setting_reaches_the_next_answer(db, accounts, settings):  # noqa: F811
    assert dict(call(environ("meta", _unique("meta", 16)))[1])["X-Frame-Options"] == "DENY"
    settings.X_FRAME_OPTIONS = "SAMEORIGIN"
    assert dict(call(environ("meta", _unique("meta", 17)))[1])["X-Frame-Options"] == "SAMEORIGIN"


def test_an_account_switched_off_is_answered_404_by_django(db, accounts, django_calls):  # noqa: F811
    accounts["meta"].is_active = False
    accounts["meta"].save()
    webhook_account_cache_clear()
    assert call(environ("meta", _unique("meta", 18)))[0] == 404
    assert django_calls and not InboundEvent.objects.exists()


# --- The database going away while a delivery is stored ---------------------------------------------------------
def test_a_delivery_on_a_dead_kept_connection_is_stored_on_a_new_one(accounts, checked_connection, django_calls):  # noqa: F811
    assert call(environ("meta", _unique("meta", 20)))[0] == 200  # the account cached, the connection kept
    _terminate_backend()
    status, _headers, body = call(environ("meta", _unique("meta", 21)))
    assert status == 200 and json.loads(body)["accepted"] == 1
    assert InboundEvent.objects.filter(dedupe_key="m_wsgi_21").count() == 1
    assert django_calls == []


def test_a_statement_failing_while_stored_is_the_full_stack_s_503_and_is_not_run_again(
    accounts,  # noqa: F811
    checked_connection,  # noqa: F811
    django_calls,
):
    assert call(environ("meta", _unique("meta", 22)))[0] == 200
    with slow_inserts() as runs:
        status, headers, body = call(environ("meta", _unique("meta", 23), **{"HTTP_X_REQUEST_ID": "timeout-req-1"}))
        assert status == 503 and json.loads(body)["error"]["code"] == "unavailable"
        headers = dict(headers)
        assert headers["Retry-After"] == "30" and headers["X-Request-ID"] == "timeout-req-1"
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["Content-Type"] == "application/json"
        assert django_calls == []  # answered here, not sent through Django a second time
        assert runs() == 1
    assert not InboundEvent.objects.filter(dedupe_key="m_wsgi_23").exists()


def _chunked(env: dict, body: bytes) -> dict:
    """The environ of a chunked body as Granian hands it over: no Content-Length, the input ending with the body."""
    import io

    env.pop("CONTENT_LENGTH", None)
    env["wsgi.input"], env["wsgi.input_terminated"] = io.BytesIO(body), True
    return env


def test_a_chunked_delivery_is_read_to_its_end_and_logged(db, accounts, django_calls):  # noqa: F811
    body = _unique("telegram", 30)
    status, _headers, answer = call(_chunked(environ("telegram", body), body))
    assert status == 200 and json.loads(answer)["accepted"] == 1 and django_calls == []
    forged = _unique("telegram", 31)  # handed to Django, which now reads the whole body too
    env = _chunked(environ("telegram", forged, headers={"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": "forged"}), forged)
    assert call(env)[0] == 403 and len(django_calls) == 1
    big = b"{" + b" " * (3 * 1024 * 1024) + b"}"
    assert call(_chunked(environ("telegram", big), big))[0] == 413
    assert InboundEvent.objects.count() == 1


def test_a_body_above_the_usual_size_is_parsed_once_by_django(db, accounts, django_calls, monkeypatch):  # noqa: F811
    from helpdesk import webhook_wsgi

    adapter = adapters.get_adapter("meta")
    parsed = []
    real = adapter.parse
    monkeypatch.setattr(adapter, "parse", lambda body: parsed.append(len(body)) or real(body))
    payload = json.loads(_unique("meta", 40))
    payload["padding"] = "x" * webhook_wsgi.USUAL_BODY_BYTES
    status, _headers, body = call(environ("meta", json.dumps(payload).encode()))
    assert status == 200 and json.loads(body)["accepted"] == 1
    assert len(parsed) == 1 and django_calls
