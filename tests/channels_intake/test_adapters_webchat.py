"""Our web-chat widget: parse its messages; no handshake, no signature, sending is a no-op.

The fixtures and their contract are described in fixtures/webchat/README.md.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from channels_intake.adapters import (
    Attachment,
    Credentials,
    InboundMessage,
    PayloadError,
    SendResult,
    get_adapter,
)

FIXTURES = Path(__file__).parent / "fixtures" / "webchat"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def adapter():
    return get_adapter("webchat")


def test_widget_message_becomes_an_inbound_message(adapter):
    result = adapter.parse(fixture("text.json"))

    assert result.ignored == ()
    assert result.messages == (
        InboundMessage(
            dedupe_key="9b2f6c1e-2a4d-4c1b-9f0e-3f7d7c2b5a10",
            sender_id="wc_5f3a9d2e7b8c4e1f",
            sender_name="Rina",
            text="Selamat pagi, berapa bea masuk untuk laptop yang dibeli di luar negeri?",
            sent_at=datetime(2026, 3, 2, 1, 15, 30, tzinfo=UTC),
            recipient_id="",
            channel="webchat",
        ),
    )


def test_anonymous_visitor_without_timestamp(adapter):
    (message,) = adapter.parse(fixture("anonymous.json")).messages

    assert message.sender_name == ""
    assert message.sent_at is None
    assert message.text == "Halo?"


def test_local_time_is_converted_to_utc(adapter):
    body = json.loads(fixture("anonymous.json"))
    body["sent_at"] = "2026-03-02T08:15:30+07:00"

    (message,) = adapter.parse(json.dumps(body).encode()).messages

    assert message.sent_at == datetime(2026, 3, 2, 1, 15, 30, tzinfo=UTC)


def test_blank_text_is_kept_as_other(adapter):
    body = json.loads(fixture("anonymous.json"))
    body["text"] = "  "

    (message,) = adapter.parse(json.dumps(body).encode()).messages

    assert message.attachments == (Attachment(kind="other"),)


@pytest.mark.parametrize("body", [b"", b"text=hello", b"\xff"])
def test_body_that_is_not_json_raises_payload_error(adapter, body):
    with pytest.raises(PayloadError):
        adapter.parse(body)


@pytest.mark.parametrize(
    "payload",
    [
        ["id", "session"],
        {"session": "s", "text": "no id"},
        {"id": "", "session": "s", "text": "x"},
        {"id": "1", "text": "no session"},
        {"id": 1, "session": "s", "text": "x"},
        {"id": "1", "session": "s", "text": ["x"]},
        {"id": "1", "session": "s", "text": "x", "name": 5},
        {"id": "1", "session": "s", "text": "x", "sent_at": "yesterday"},
    ],
)
def test_wrong_shape_raises_payload_error(adapter, payload):
    with pytest.raises(PayloadError):
        adapter.parse(json.dumps(payload).encode())


def test_no_handshake_and_every_body_is_authentic(adapter):
    assert adapter.handshake(Credentials(), {"hub.challenge": "1"}) is None
    assert adapter.verify_signature(Credentials(), {}, b"anything") is True


def test_sending_is_a_no_op_that_succeeds(adapter):
    # No server is listening at base_url: any HTTP call would fail the test.
    result = adapter.send_text(
        Credentials(),
        "wc_5f3a9d2e7b8c4e1f",
        "Halo Rina",
        base_url="http://127.0.0.1:9",
    )

    assert result == SendResult(platform_ids=())
