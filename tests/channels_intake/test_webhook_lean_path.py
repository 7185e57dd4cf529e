"""Webhook POSTs go straight to their view (helpdesk.early.LeanWebhookMiddleware): the same answers, headers and
queries as through the full middleware stack, whatever the outcome."""

import pytest
from django.test import override_settings

from channels_intake import adapters
from channels_intake.models import InboundEvent
from helpdesk.metrics import REQUESTS
from tests.channels_intake.test_webhooks import accounts, body_of, post  # noqa: F401 - a fixture

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
