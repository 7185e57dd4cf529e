"""Correctly signed deliveries whose content is hostile or broken: never a 500, never a silent loss.

Each is either filed (a NUL removed from a text) or kept for review at once, with its reason (an id longer than
the 255 characters we store, a body nested 100,000 deep, a 400-digit number, a string where an object belongs,
raw NUL bytes). The same bodies run on SQLite and, with the ``postgres`` fixture, on PostgreSQL, which refuses
NUL characters in text and JSONB and enforces the columns' lengths.
"""

import json
import logging

import pytest
from django.db import transaction

from channels_intake.models import InboundEvent
from tests import factories
from tests.channels_intake.test_webhooks import SIGNERS
from tickets.models import Message, Requester

KINDS = ("meta", "whatsapp", "telegram", "x")
LONG = "1" * 300
BIG = int("9" * 400)


def dm(kind: str, *, sender="31710001", mid="m-1", text="Status barang saya?", ts=1700000000) -> dict:
    """The smallest documented shape of one requester's text message on each platform."""
    if kind == "meta":
        return {
            "object": "page",
            "entry": [
                {
                    "id": "PAGE-1",
                    "messaging": [
                        {
                            "sender": {"id": sender},
                            "recipient": {"id": "PAGE-1"},
                            "timestamp": ts,
                            "message": {"mid": mid, "text": text},
                        }
                    ],
                }
            ],
        }
    if kind == "whatsapp":
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "WABA",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {"phone_number_id": "PNID-1"},
                                "contacts": [{"wa_id": sender, "profile": {"name": "Budi"}}],
                                "messages": [
                                    {"from": sender, "id": mid, "timestamp": ts, "type": "text", "text": {"body": text}}
                                ],
                            },
                        }
                    ],
                }
            ],
        }
    if kind == "telegram":
        update_id = mid if isinstance(mid, int) else 1000 + len(mid)
        return {
            "update_id": update_id,
            "message": {
                "message_id": 1,
                "from": {"id": sender, "is_bot": False, "first_name": "Budi"},
                "chat": {"id": sender, "type": "private"},
                "date": ts,
                "text": text,
            },
        }
    return {
        "for_user_id": "4337869213",
        "direct_message_events": [
            {
                "type": "message_create",
                "id": mid,
                "created_timestamp": ts,
                "message_create": {
                    "target": {"recipient_id": "4337869213"},
                    "sender_id": sender,
                    "message_data": {"text": text},
                },
            }
        ],
    }


def strings_for_objects(kind: str) -> dict:
    return {
        "meta": {"object": "page", "entry": ["NIK 3171234567890001"]},
        "whatsapp": {"object": "whatsapp_business_account", "entry": [{"changes": "messages"}]},
        "telegram": {"update_id": 5, "message": "text"},
        "x": {"for_user_id": "1", "direct_message_events": ["message_create"]},
    }[kind]


def encode(payload) -> bytes:
    return json.dumps(payload).encode()


def long_message_id(kind: str) -> dict:
    return dm(kind, mid=BIG) if kind == "telegram" else dm(kind, mid="m" * 300)


def raw_nul_bytes(kind: str) -> bytes:
    return encode(dm(kind, text="before-NUL-after")).replace(b"-NUL-", b"\x00\x00")


# name -> (body builder, expected outcome, what the stored error must say)
UNSTORABLE = {
    "sender id over 255 characters": (lambda kind: encode(dm(kind, sender=LONG)), "sender_id is longer than 255"),
    "message id over 255 characters": (lambda kind: encode(long_message_id(kind)), "dedupe_key is longer than 255"),
    "a 400-digit sender id": (lambda kind: encode(dm(kind, sender=BIG)), "sender_id is longer than 255"),
}
UNREADABLE = {
    "raw NUL bytes in the body": (raw_nul_bytes, "not JSON"),
    "JSON nested 100,000 deep": (lambda kind: b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "objects nested 100,000 deep": (lambda kind: b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nested too deeply"),
    "a string where an object belongs": (lambda kind: encode(strings_for_objects(kind)), "must be"),
    "a bare 400-digit number": (lambda kind: b"9" * 400, "must be an object"),
}


@pytest.fixture
def accounts(office):
    return {
        kind: factories.ChannelAccountFactory(office=office, kind=kind, slug=f"{kind}-test", external_id="PAGE-1")
        for kind in KINDS
    }


def post(client, kind, body: bytes, headers=None):
    headers = SIGNERS[kind](body) if headers is None else headers
    return client.post(f"/intake/{kind}/{kind}-test/webhook/", data=body, content_type="application/json", **headers)


def deliver(client, kind, body, capture):
    """Post a signed body and run what its commit queues (the processing task)."""
    with capture(execute=True):
        response = post(client, kind, body)
    assert response.status_code == 200, response.content
    return response


def assert_kept_for_review(response, reason: str) -> InboundEvent:
    assert response.json()["status"] == "kept_for_review"
    event = InboundEvent.objects.get(status=InboundEvent.Status.INVALID)
    assert reason in event.error
    assert "\x00" not in event.raw_body and "\x00" not in event.error
    # Nothing waits in the log to fail in the worker, nothing half-filed.
    assert not InboundEvent.objects.exclude(status=InboundEvent.Status.INVALID).exists()
    assert Requester.objects.count() == 0 and Message.objects.count() == 0
    return event


def check_unstorable(client, kind, name, capture):
    build, reason = UNSTORABLE[name]
    response = deliver(client, kind, build(kind), capture)
    assert_kept_for_review(response, reason)
    assert response.json()["accepted"] == 0


def check_unreadable(client, kind, name, capture):
    build, reason = UNREADABLE[name]
    body = build(kind)
    response = deliver(client, kind, body, capture)
    assert response.json() == {"status": "kept_for_review"}
    event = assert_kept_for_review(response, reason)
    assert len(event.raw_body) == len(body.decode("utf-8", errors="replace"))
    if b"\x00" in body:
        assert "before\ufffd\ufffdafter" in event.raw_body  # NUL bytes made safe, the rest as received


def check_nul_in_text_is_filed_without_it(client, kind, capture):
    body = encode(dm(kind, text="Nomor aju\u0000 saya\u0000"))
    assert b"\\u0000" in body
    response = deliver(client, kind, body, capture)
    assert response.json()["status"] == "ok" and response.json()["accepted"] == 1
    assert InboundEvent.objects.get().status == InboundEvent.Status.PROCESSED
    assert Message.objects.get().text == "Nomor aju saya"


def check_lone_surrogate_in_text_is_filed_replaced(client, kind, capture):
    response = deliver(client, kind, encode(dm(kind, text="emoji \ud83d cut")), capture)
    assert response.json()["accepted"] == 1
    assert Message.objects.get().text == "emoji \ufffd cut"


def check_400_digit_timestamp_is_filed_without_a_time(client, kind, capture):
    response = deliver(client, kind, encode(dm(kind, ts=BIG)), capture)
    assert response.json()["accepted"] == 1
    message = Message.objects.get()
    assert message.platform_sent_at is None and message.text == "Status barang saya?"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", sorted(UNSTORABLE))
def test_an_unstorable_message_is_kept_for_review_at_once(
    client, accounts, kind, name, django_capture_on_commit_callbacks
):
    check_unstorable(client, kind, name, django_capture_on_commit_callbacks)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_an_unreadable_body_is_kept_for_review(client, accounts, kind, name, django_capture_on_commit_callbacks):
    check_unreadable(client, kind, name, django_capture_on_commit_callbacks)


@pytest.mark.parametrize("kind", KINDS)
def test_a_nul_in_a_text_is_removed_and_the_message_filed(client, accounts, kind, django_capture_on_commit_callbacks):
    check_nul_in_text_is_filed_without_it(client, kind, django_capture_on_commit_callbacks)


@pytest.mark.parametrize("kind", KINDS)
def test_a_lone_surrogate_in_a_text_is_replaced_and_the_message_filed(
    client, accounts, kind, django_capture_on_commit_callbacks
):
    check_lone_surrogate_in_text_is_filed_replaced(client, kind, django_capture_on_commit_callbacks)


@pytest.mark.parametrize("kind", KINDS)
def test_a_400_digit_timestamp_is_filed_without_a_time(client, accounts, kind, django_capture_on_commit_callbacks):
    check_400_digit_timestamp_is_filed_without_a_time(client, kind, django_capture_on_commit_callbacks)


@pytest.mark.parametrize("kind", KINDS)
def test_postgresql_takes_every_hostile_body(postgres, client, accounts, kind, django_capture_on_commit_callbacks):
    """The same bodies where they used to fail: PostgreSQL refuses NUL and enforces varchar(255)."""
    capture = django_capture_on_commit_callbacks
    checks = [(check_unstorable, (name,)) for name in sorted(UNSTORABLE)]
    checks += [(check_unreadable, (name,)) for name in sorted(UNREADABLE)]
    checks += [
        (check_nul_in_text_is_filed_without_it, ()),
        (check_lone_surrogate_in_text_is_filed_replaced, ()),
        (check_400_digit_timestamp_is_filed_without_a_time, ()),
    ]
    for check, args in checks:
        with transaction.atomic():  # each check starts from an empty log
            check(client, kind, *args, capture)
            transaction.set_rollback(True)


def test_a_batch_files_what_it_can_and_keeps_the_body_for_review(client, accounts, django_capture_on_commit_callbacks):
    payload = dm("meta", mid="m-good")
    bad = dm("meta", mid="m-bad", sender=LONG)["entry"][0]["messaging"][0]
    payload["entry"][0]["messaging"].append(bad)
    response = deliver(client, "meta", encode(payload), django_capture_on_commit_callbacks)

    assert response.json() == {"status": "kept_for_review", "accepted": 1, "duplicates": 0, "ignored": 0}
    assert Message.objects.get().platform_id == "m-good"
    kept = InboundEvent.objects.get(status=InboundEvent.Status.INVALID)
    assert "message 2: sender_id is longer than 255 characters" in kept.error
    assert LONG not in kept.error  # the reason names the field, not its content

    again = deliver(client, "meta", encode(payload), django_capture_on_commit_callbacks)  # the platform's retry
    assert again.json()["accepted"] == 0 and InboundEvent.objects.count() == 2 and Message.objects.count() == 1


@pytest.mark.parametrize("kind", KINDS)
def test_a_hostile_body_with_a_bad_signature_is_still_403(client, accounts, kind):
    for body in (b"[" * 100_000 + b"]" * 100_000, raw_nul_bytes(kind), encode(dm(kind, sender=LONG))):
        headers = SIGNERS[kind](body, secret="not-the-secret")
        assert post(client, kind, body, headers=headers).status_code == 403
    assert InboundEvent.objects.count() == 0


def test_the_log_line_names_kind_account_event_and_class_never_the_content(client, accounts, caplog):
    body = encode({"object": "NIK-3171234567890001", "entry": []})
    with caplog.at_level(logging.WARNING, logger="channels_intake.webhooks"):
        response = post(client, "meta", body)
    assert response.json() == {"status": "kept_for_review"}
    event = InboundEvent.objects.get()
    (record,) = [r for r in caplog.records if r.name == "channels_intake.webhooks"]
    assert record.getMessage() == f"meta webhook of account meta-test kept for review as event {event.pk} (bad_shape)"
    assert "NIK" in event.error  # the admin sees why (the body is kept beside it anyway)
