"""Webhook endpoints replaying the platforms' documented payloads: signatures, durability, dedupe, batches."""

import base64
import hashlib
import hmac
import json
from pathlib import Path

import pytest

from channels_intake.inbound import inbound_redrive
from channels_intake.models import InboundEvent
from tests import factories
from tickets.models import Inquiry, Message, Requester

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "s3cret-app-secret"


def body_of(kind: str, name: str) -> bytes:
    return (FIXTURES / kind / name).read_bytes()


def meta_headers(body: bytes, secret: str = SECRET) -> dict:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"HTTP_X_HUB_SIGNATURE_256": f"sha256={digest}"}


def x_headers(body: bytes, secret: str = SECRET) -> dict:
    digest = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return {"HTTP_X_TWITTER_WEBHOOKS_SIGNATURE": f"sha256={digest}"}


def telegram_headers(body: bytes, secret: str = SECRET) -> dict:
    return {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret}


SIGNERS = {"meta": meta_headers, "whatsapp": meta_headers, "x": x_headers, "telegram": telegram_headers}


@pytest.fixture
def accounts(office):
    return {
        kind: factories.ChannelAccountFactory(office=office, kind=kind, slug=f"{kind}-test")
        for kind in ("meta", "whatsapp", "telegram", "x")
    }


def post(client, kind, body, headers=None, slug=None):
    headers = SIGNERS[kind](body) if headers is None else headers
    return client.post(
        f"/intake/{kind}/{slug or kind + '-test'}/webhook/", data=body, content_type="application/json", **headers
    )


TEXT_FIXTURES = [
    ("meta", "messenger_text.json", 1),
    ("meta", "instagram_text.json", 1),
    ("meta", "messenger_batch.json", None),
    ("whatsapp", "text.json", 1),
    ("whatsapp", "batch.json", None),
    ("whatsapp", "hidden_number.json", 1),
    ("whatsapp", "image.json", 1),
    ("telegram", "message_text.json", 1),
    ("telegram", "message_photo.json", 1),
    ("x", "dm_docs_example.json", 1),
    ("x", "dm_batch.json", None),
    ("x", "dm_media.json", 1),
]


@pytest.mark.parametrize(("kind", "name", "expected"), TEXT_FIXTURES)
def test_a_signed_message_is_logged_before_the_200_then_filed(
    client, accounts, kind, name, expected, django_capture_on_commit_callbacks
):
    from channels_intake.adapters import get_adapter

    body = body_of(kind, name)
    messages = get_adapter(kind).parse(body).messages
    expected = expected or len(messages)
    assert len(messages) == expected and expected >= 1

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(client, kind, body)
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == expected
    # Durable before the answer, and nothing else done in the request.
    assert InboundEvent.objects.filter(status="pending").count() == expected
    assert Message.objects.count() == 0
    for callback in callbacks:
        callback()  # what the commit would trigger: the processing task (eager in tests)
    assert InboundEvent.objects.filter(status="processed").count() == expected
    assert Message.objects.filter(direction="in").count() == expected
    stored = Message.objects.first()
    assert stored.text or stored.attachments


@pytest.mark.parametrize(("kind", "name", "_n"), TEXT_FIXTURES)
def test_a_duplicate_delivery_is_a_no_op(client, accounts, kind, name, _n, django_capture_on_commit_callbacks):
    body = body_of(kind, name)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, kind, body)
    counts = (InboundEvent.objects.count(), Message.objects.count(), Inquiry.objects.count())
    with django_capture_on_commit_callbacks(execute=True):
        again = post(client, kind, body)
    assert again.status_code == 200 and again.json()["accepted"] == 0
    assert (InboundEvent.objects.count(), Message.objects.count(), Inquiry.objects.count()) == counts


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("meta", "messenger_read.json"),
        ("meta", "messenger_delivery.json"),
        ("meta", "messenger_echo.json"),
        ("meta", "messenger_reaction.json"),
        ("whatsapp", "status_sent.json"),
        ("whatsapp", "status_failed.json"),
        ("telegram", "edited_message.json"),
        ("telegram", "my_chat_member.json"),
        ("x", "typing.json"),
        ("x", "mark_read.json"),
    ],
)
def test_events_that_are_not_new_messages_answer_200_and_open_nothing(
    client, accounts, kind, name, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, kind, body_of(kind, name))
    assert response.status_code == 200
    assert response.json()["ignored"] >= 1
    assert Inquiry.objects.count() == 0 and InboundEvent.objects.count() == 0


@pytest.mark.parametrize("kind", ["meta", "whatsapp", "telegram", "x"])
@pytest.mark.parametrize("variant", ["wrong", "missing"])
def test_a_bad_or_missing_signature_is_403_and_stores_nothing(client, accounts, kind, variant):
    body = body_of(
        kind,
        {
            "meta": "messenger_text.json",
            "whatsapp": "text.json",
            "telegram": "message_text.json",
            "x": "dm_docs_example.json",
        }[kind],
    )
    headers = {} if variant == "missing" else SIGNERS[kind](body, secret="not-the-secret")
    response = post(client, kind, body, headers=headers)
    assert response.status_code == 403
    assert InboundEvent.objects.count() == 0


def test_a_signature_over_other_bytes_is_refused(client, accounts):
    body = body_of("meta", "messenger_text.json")
    reformatted = json.dumps(json.loads(body)).encode()  # same JSON, other bytes
    assert reformatted != body
    assert post(client, "meta", reformatted, headers=meta_headers(body)).status_code == 403


@pytest.mark.parametrize("kind", ["meta", "whatsapp", "telegram", "x"])
def test_a_signed_body_that_is_not_json_is_kept_for_review(client, accounts, kind):
    body = b"this is not json {"
    response = post(client, kind, body)
    assert response.status_code == 200 and response.json()["status"] == "kept_for_review"
    event = InboundEvent.objects.get()
    assert event.status == "invalid" and event.raw_body == body.decode() and "JSON" in event.error
    assert post(client, kind, body).status_code == 200
    assert InboundEvent.objects.count() == 1


def test_invalid_events_are_visible_to_admins(client, accounts):
    post(client, "telegram", b"<xml/>")
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get("/admin/channels_intake/inboundevent/?status__exact=invalid")
    assert page.status_code == 200 and "invalid:" in page.content.decode()


def test_bodies_up_to_3_mb_are_accepted_and_larger_ones_get_413(client, accounts):
    limit = 3 * 1024 * 1024
    padding = json.loads(body_of("telegram", "message_text.json"))
    padding["message"]["text"] = "x" * 10
    base = json.dumps(padding).encode()
    fits = base[:-1] + b', "pad": "' + b"y" * (limit - len(base) - 11) + b'"}'
    assert len(fits) == limit
    assert post(client, "telegram", fits).status_code == 200
    too_big = fits[:-2] + b'y"}'
    assert len(too_big) == limit + 1
    assert post(client, "telegram", too_big).status_code == 413


def test_unknown_account_or_kind_is_404(client, accounts):
    body = body_of("telegram", "message_text.json")
    assert post(client, "telegram", body, slug="nope").status_code == 404
    assert client.post("/intake/pigeon/x/webhook/", data=body, content_type="application/json").status_code == 404


def test_meta_and_whatsapp_handshake(client, accounts):
    for kind in ("meta", "whatsapp"):
        url = f"/intake/{kind}/{kind}-test/webhook/"
        ok = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"})
        assert ok.status_code == 200 and ok.content == b"1158201444" and ok["Content-Type"].startswith("text/plain")
        bad = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"})
        assert bad.status_code == 403


def test_x_crc_handshake(client, accounts):
    response = client.get("/intake/x/x-test/webhook/", {"crc_token": "challenge-123"})
    expected = base64.b64encode(hmac.new(SECRET.encode(), b"challenge-123", hashlib.sha256).digest()).decode()
    assert response.status_code == 200 and response.json() == {"response_token": f"sha256={expected}"}


def test_telegram_has_no_get_handshake(client, accounts):
    assert client.get("/intake/telegram/telegram-test/webhook/").status_code == 405


def test_requesters_get_the_platform_profile_name(client, accounts, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "whatsapp", body_of("whatsapp", "text.json"))
        post(client, "telegram", body_of("telegram", "message_text.json"))
    names = dict(Requester.objects.values_list("account__kind", "display_name"))
    assert names["whatsapp"] and names["telegram"]


def test_hidden_whatsapp_numbers_become_requesters_by_user_id(client, accounts, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "whatsapp", body_of("whatsapp", "hidden_number.json"))
    requester = Requester.objects.get()
    assert requester.external_id and not requester.external_id.isdigit()


def test_attachments_are_recorded_and_shown_to_the_officer(
    client, accounts, office, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "telegram", body_of("telegram", "message_photo.json"))
    message = Message.objects.get()
    assert message.attachments and message.attachments[0]["kind"] == "image"
    officer = factories.StaffFactory(office=office).user
    client.force_login(officer)
    page = client.get(f"/inbox/{message.inquiry_id}/").content.decode()
    assert "image" in page


def test_events_left_pending_are_redriven(client, accounts):
    from datetime import timedelta

    from django.utils import timezone

    post(client, "telegram", body_of("telegram", "message_text.json"))  # on_commit never runs in this test
    event = InboundEvent.objects.get()
    assert event.status == "pending"
    assert inbound_redrive() == 0  # too recent: the normal path still has its chance
    InboundEvent.objects.filter(pk=event.pk).update(received_at=timezone.now() - timedelta(minutes=2))
    assert inbound_redrive() == 1
    assert inbound_redrive() == 0
    event.refresh_from_db()
    assert event.status == "processed" and Message.objects.count() == 1


def test_processing_twice_is_idempotent(client, accounts):
    from channels_intake.inbound import inbound_event_process

    post(client, "telegram", body_of("telegram", "message_text.json"))
    event = InboundEvent.objects.get()
    assert inbound_event_process(event_id=event.pk) is True
    assert inbound_event_process(event_id=event.pk) is False
    assert Message.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_events_of_one_account_are_processed_concurrently(postgres, monkeypatch):
    """While a worker files one event, another worker files the next event of the same account (it must not
    skip it as locked: only the event row is locked, not the account it joins)."""
    import threading

    from django.db import connection

    import tickets.transport
    from channels_intake.inbound import inbound_event_process

    office = factories.OfficeFactory()
    account = factories.ChannelAccountFactory(office=office, kind="telegram", slug="tg-c")
    first = InboundEvent.objects.create(
        account=account,
        dedupe_key="1",
        message={
            "dedupe_key": "1",
            "sender_id": "u1",
            "sender_name": "",
            "text": "a",
            "sent_at": None,
            "recipient_id": "",
            "channel": "telegram",
        },
    )
    second = InboundEvent.objects.create(
        account=account,
        dedupe_key="2",
        message={
            "dedupe_key": "2",
            "sender_id": "u2",
            "sender_name": "",
            "text": "b",
            "sent_at": None,
            "recipient_id": "",
            "channel": "telegram",
        },
    )
    original = tickets.transport.inbound_message_receive
    inside, release = threading.Event(), threading.Event()

    def slow_first(**kwargs):  # holds the first event's transaction open (test synchronisation only)
        if kwargs["message"].dedupe_key == "1":
            inside.set()
            release.wait(10)
        return original(**kwargs)

    monkeypatch.setattr(tickets.transport, "inbound_message_receive", slow_first)
    results = {}

    def work(event_id, name):
        try:
            results[name] = inbound_event_process(event_id=event_id)
        finally:
            connection.close()

    a = threading.Thread(target=work, args=(first.pk, "first"))
    a.start()
    assert inside.wait(10)
    b = threading.Thread(target=work, args=(second.pk, "second"))
    b.start()
    b.join(10)
    release.set()
    a.join(10)
    assert results == {"first": True, "second": True}
    assert set(InboundEvent.objects.values_list("status", flat=True)) == {"processed"}
