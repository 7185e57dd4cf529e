"""Webhook POSTs go straight to their view (helpdesk.early.LeanWebhookMiddleware): the same answers, headers and
queries as through the full middleware stack, whatever the outcome."""

import json
from contextlib import closing, contextmanager

import psycopg2
import pytest
from django.db import connection
from django.test import override_settings

from channels_intake import adapters
from channels_intake.models import InboundEvent
from helpdesk.metrics import REQUESTS
from tests.channels_intake.test_webhooks import accounts, body_of, post  # noqa: F401 - a fixture
from tests.conftest import need_service

FULL_STACK = override_settings(WEBHOOK_LEAN_PATH=False)


def _headers(response) -> dict:
    headers = {name.lower(): value for name, value in response.headers.items() if name.lower() != "x-request-id"}
    if "content-security-policy" in headers:  # django-csp joins its directives in no fixed order
        headers["content-security-policy"] = set(headers["content-security-policy"].split("; "))
    return headers


def _both(client, send):
    """The lean answer, then the full stack's to the same request (sent again: a duplicate by then)."""
    lean = send()
    with FULL_STACK:
        full = send()
    return lean, full


@pytest.mark.parametrize(
    ("kind", "name"),
    [("meta", "messenger_text.json"), ("whatsapp", "text.json"), ("telegram", "message_text.json")],
)
def test_an_accepted_webhook_has_the_answer_and_headers_of_the_full_stack(client, accounts, kind, name):  # noqa: F811
    body = body_of(kind, name)
    lean, full = _both(client, lambda: post(client, kind, body))
    assert lean.status_code == full.status_code == 200
    assert lean.json()["accepted"] == 1 and full.json()["duplicates"] == 1
    assert _headers(lean) == _headers(full)
    assert lean.headers["X-Frame-Options"] == "DENY"
    assert lean.headers["X-Content-Type-Options"] == "nosniff"
    assert lean.headers["X-Request-ID"]
    assert InboundEvent.objects.count() == 1


def test_the_lean_path_asks_the_same_queries(client, accounts):  # noqa: F811
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert post(client, "meta", body_of("meta", "messenger_batch.json")).status_code == 200  # the account cached
    with CaptureQueriesContext(connection) as lean:
        assert post(client, "meta", body_of("meta", "messenger_text.json")).json()["accepted"] == 1
    with FULL_STACK, CaptureQueriesContext(connection) as full:
        assert post(client, "meta", body_of("meta", "instagram_text.json")).json()["accepted"] == 1
    assert len(lean) == len(full)  # the savepoints of the two atomic blocks and the one INSERT


def test_refusals_are_the_same(client, accounts):  # noqa: F811
    body = body_of("meta", "messenger_text.json")
    forged = {"HTTP_X_HUB_SIGNATURE_256": "sha256=" + "0" * 64}
    lean, full = _both(client, lambda: post(client, "meta", body, headers=forged))
    assert lean.status_code == full.status_code == 403
    assert lean.json() == full.json()
    assert _headers(lean) == _headers(full)

    lean, full = _both(client, lambda: post(client, "meta", body, slug="nobody"))
    assert lean.status_code == full.status_code == 404
    assert _headers(lean) == _headers(full)

    big = b"{" + b" " * (3 * 1024 * 1024) + b"}"
    lean, full = _both(client, lambda: post(client, "meta", big))
    assert lean.status_code == full.status_code == 413
    assert _headers(lean) == _headers(full)
    assert InboundEvent.objects.count() == 0


def test_a_signed_body_kept_for_review_is_the_same(client, accounts):  # noqa: F811
    lean, full = _both(client, lambda: post(client, "meta", b"not json at all"))
    assert lean.status_code == full.status_code == 200
    assert lean.json() == full.json() == {"status": "kept_for_review"}
    assert _headers(lean) == _headers(full)


def test_a_failure_in_the_view_is_the_full_stacks_500(client, accounts, monkeypatch):  # noqa: F811
    def broken(_body):
        raise RuntimeError("parser bug")

    monkeypatch.setattr(adapters.get_adapter("meta"), "parse", broken)
    client.raise_request_exception = False
    lean, full = _both(client, lambda: post(client, "meta", body_of("meta", "messenger_text.json")))
    assert lean.status_code == full.status_code == 500
    assert _headers(lean) == _headers(full)


def test_handshakes_and_other_methods_take_the_full_stack(client, accounts):  # noqa: F811
    answer = client.get(
        "/intake/meta/meta-test/webhook/",
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "42"},
    )
    assert answer.status_code in (403, 200)
    assert client.put("/intake/meta/meta-test/webhook/").status_code == 405


def test_lean_answers_are_counted_under_the_webhook_route(client, accounts):  # noqa: F811
    counter = REQUESTS.labels(route="intake/<str:kind>/<slug:slug>/webhook/", method="POST", status="200")
    before = counter._value.get()
    assert post(client, "meta", body_of("meta", "messenger_text.json")).status_code == 200
    assert counter._value.get() == before + 1


# --- The kept connection's health check -------------------------------------------------------------------------
def _meta_body(n: int) -> bytes:
    payload = json.loads(body_of("meta", "messenger_text.json"))
    payload["entry"][0]["messaging"][0]["message"]["mid"] = f"m_lazy_check_{n}"
    return json.dumps(payload).encode()


@pytest.fixture
def checked_connection(transactional_db):
    """PostgreSQL with CONN_HEALTH_CHECKS on, as in production; each request starts with the check not yet done
    (the test client does not send request_started to close_old_connections, so it is reset by hand)."""
    need_service(connection.vendor == "postgresql", "DATABASE_URL is not PostgreSQL")
    enabled = connection.health_check_enabled
    connection.health_check_enabled = True
    try:
        yield connection
    finally:
        connection.health_check_enabled = enabled
        # A test that failed with its backend killed must not hand a dead connection to the flush and the tests
        # after it.
        if connection.connection is not None and not connection.is_usable():
            connection.close()


def _spy_is_usable(monkeypatch) -> list:
    calls = []
    real = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: calls.append(1) or real())
    return calls


def _terminate_backend() -> None:
    """Kill the backend of the test's kept connection from another session, as a PostgreSQL restart would."""
    pid = connection.connection.get_backend_pid()
    with closing(psycopg2.connect(**connection.get_connection_params())) as other, other.cursor() as cursor:
        # With a timeout (PostgreSQL 14+) it returns true only once the backend has exited.
        cursor.execute("SELECT pg_terminate_backend(%s, 10000)", [pid])
        assert cursor.fetchone()[0], "the backend did not go away"


def test_a_webhook_on_a_kept_connection_sends_no_select_1(client, accounts, checked_connection, monkeypatch):  # noqa: F811
    assert post(client, "meta", _meta_body(0)).status_code == 200  # the account cached, the connection kept
    calls = _spy_is_usable(monkeypatch)
    connection.health_check_done = False
    answer = post(client, "meta", _meta_body(1))
    assert answer.status_code == 200 and answer.json()["accepted"] == 1
    assert calls == []  # its first statement was the check
    with FULL_STACK:
        connection.health_check_done = False
        assert post(client, "meta", _meta_body(2)).json()["accepted"] == 1
    assert calls == [1]  # the full stack checks first, as Django does


@pytest.mark.parametrize("lean", [True, False])
def test_a_webhook_on_a_dead_kept_connection_is_stored_on_a_new_one(client, accounts, checked_connection, lean):  # noqa: F811
    assert post(client, "meta", _meta_body(0)).status_code == 200
    _terminate_backend()
    connection.health_check_done = False
    with override_settings(WEBHOOK_LEAN_PATH=lean):
        answer = post(client, "meta", _meta_body(1))
    assert answer.status_code == 200, answer.content
    assert answer.json()["accepted"] == 1
    assert InboundEvent.objects.filter(dedupe_key="m_lazy_check_1").count() == 1


def test_a_first_statement_failing_on_a_live_connection_is_not_run_again(client, accounts, checked_connection):  # noqa: F811
    """A statement cancelled by its timeout (an OperationalError) on a connection that works: the webhook answers
    503 (the platform retries) and the view ran once."""
    assert post(client, "meta", _meta_body(0)).status_code == 200
    with slow_inserts() as runs:
        connection.health_check_done = False
        client.raise_request_exception = False
        answer = post(client, "meta", _meta_body(1))
        assert answer.status_code == 503 and answer.json()["error"]["code"] == "unavailable"
        assert runs() == 1
    assert not InboundEvent.objects.filter(dedupe_key="m_lazy_check_1").exists()


@contextmanager
def slow_inserts():
    """Every INSERT into the inbound log outlasts this session's statement timeout (200 ms); yields how many
    were tried."""

    def runs() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
            cursor.execute("SELECT last_value FROM lazy_check_runs")
            return cursor.fetchone()[0]

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE SEQUENCE lazy_check_runs;"
            "CREATE FUNCTION lazy_check_slow() RETURNS trigger AS $$ BEGIN PERFORM nextval('lazy_check_runs'); "
            "PERFORM pg_sleep(2); RETURN NEW; END; $$ LANGUAGE plpgsql;"
            "CREATE TRIGGER lazy_check_slow BEFORE INSERT ON channels_intake_inboundevent "
            "FOR EACH ROW EXECUTE FUNCTION lazy_check_slow();"
            "SET statement_timeout = '200ms'"
        )
    try:
        yield runs
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "SET statement_timeout = 0; DROP TRIGGER lazy_check_slow ON channels_intake_inboundevent; "
                "DROP FUNCTION lazy_check_slow(); DROP SEQUENCE lazy_check_runs"
            )
