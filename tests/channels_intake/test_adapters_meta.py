"""Messenger and Instagram: replay Meta's documented webhook payloads, check signatures, send replies.

The fixtures and their sources are listed in fixtures/meta/README.md.
"""

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from werkzeug import Response

from channels_intake.adapters import (
    Attachment,
    Credentials,
    InboundMessage,
    PayloadError,
    PermanentSendError,
    TransientSendError,
    get_adapter,
)

FIXTURES = Path(__file__).parent / "fixtures" / "meta"
APP_SECRET = "3f1c9a0e5b7d4c2a8e6f1b3d5c7a9e0f"
PAGE_ID = "1234567890123456"
PSID = "2468013579246801"
CREDS = Credentials(
    external_id=PAGE_ID, secret=APP_SECRET, verify_token="kanwil-bc-verify", access_token="PAGE-TOKEN-abc"
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def adapter():
    return get_adapter("meta")


# --- parsing ----------------------------------------------------------------------------------


def test_text_message_becomes_one_inbound_message(adapter):
    result = adapter.parse(fixture("messenger_text.json"))

    assert result.ignored == ()
    assert result.messages == (
        InboundMessage(
            dedupe_key="mid.1457764197618:41d102a3e1ae206a38",
            sender_id=PSID,
            sender_name="",
            text="hello, world!",
            sent_at=datetime(2016, 3, 23, 0, 25, 52, 478000, tzinfo=UTC),
            recipient_id=PAGE_ID,
            channel="messenger",
        ),
    )


def test_batch_of_entries_keeps_order_and_skips_read_receipts(adapter):
    result = adapter.parse(fixture("messenger_batch.json"))

    assert [m.dedupe_key for m in result.messages] == ["m_1457764197618:41d102a3e1ae206a38", "m_3vs..."]
    assert [m.sender_id for m in result.messages] == [PSID, "1357924680135792"]
    assert result.messages[1].text == "find flights from SFO to LAX next Thursday"
    assert result.ignored == ("read",)


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("messenger_read.json", "read"),
        ("messenger_delivery.json", "delivery"),
        ("messenger_echo.json", "echo"),
        ("messenger_reaction.json", "reaction"),
        ("instagram_deleted.json", "deleted"),
    ],
)
def test_events_that_are_not_new_requester_messages_are_ignored(adapter, name, label):
    result = adapter.parse(fixture(name))

    assert result.messages == ()
    assert result.ignored == (label,)


def test_image_attachment_without_text(adapter):
    (message,) = adapter.parse(fixture("messenger_attachment_image.json")).messages

    assert message.text == ""
    assert message.recipient_id == "682498302938465"
    assert message.attachments == (
        Attachment(kind="image", url="https://scontent.xx.fbcdn.net/v/t1.15752-9/example_n.jpg"),
    )


def test_sticker_keeps_its_sticker_id(adapter):
    (message,) = adapter.parse(fixture("messenger_sticker.json")).messages

    assert message.attachments == (
        Attachment(
            kind="sticker",
            url="https://scontent.xx.fbcdn.net/v/t39.1997-6/like_sticker.png",
            platform_id="369239263222822",
        ),
    )


def test_sticker_sent_as_image_during_meta_transition_is_still_a_sticker(adapter):
    payload = json.loads(fixture("messenger_sticker.json"))
    payload["entry"][0]["messaging"][0]["message"]["attachments"][0]["type"] = "image"

    (message,) = adapter.parse(json.dumps(payload).encode()).messages

    assert message.attachments[0].kind == "sticker"


def test_sticker_sent_twice_during_the_transition_is_one_attachment(adapter):
    payload = json.loads(fixture("messenger_sticker.json"))
    attachments = payload["entry"][0]["messaging"][0]["message"]["attachments"]
    attachments.append({**attachments[0], "type": "image"})

    (message,) = adapter.parse(json.dumps(payload).encode()).messages

    assert [a.kind for a in message.attachments] == ["sticker"]


def test_shared_link_keeps_text_and_a_fallback_attachment(adapter):
    (message,) = adapter.parse(fixture("messenger_fallback.json")).messages

    assert message.text == "This is where I want to go: https://youtu.be/bbo_fZAjIhg"
    assert message.attachments == (
        Attachment(kind="other", url="https://youtu.be/bbo_fZAjIhg", name="TAHITI - Heaven on Earth"),
    )


def test_postback_becomes_a_message_with_the_button_title(adapter):
    (message,) = adapter.parse(fixture("messenger_postback.json")).messages

    assert message.dedupe_key == "m_MESSAGE-ID"
    assert message.text == "TITLE-FOR-THE-CTA"
    assert message.sent_at == datetime(2018, 5, 27, 22, 23, 44, tzinfo=UTC)  # seconds, as a string


def test_instagram_object_gives_instagram_channel(adapter):
    (message,) = adapter.parse(fixture("instagram_text.json")).messages

    assert message.channel == "instagram"
    assert message.sender_id == "6543210987654321"
    assert message.recipient_id == "17841400000000000"
    assert message.text.startswith("Selamat siang")
    assert InboundMessage.from_dict(json.loads(json.dumps(message.to_dict()))) == message


def test_message_without_text_or_known_attachment_is_kept_as_other(adapter):
    payload = json.loads(fixture("instagram_text.json"))
    payload["entry"][0]["messaging"][0]["message"] = {"mid": "m_unsupported", "is_unsupported": True}

    (message,) = adapter.parse(json.dumps(payload).encode()).messages

    assert message.text == ""
    assert message.attachments == (Attachment(kind="other"),)


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"\xff\xfe", b'{"object": "page", "entry": [', "😀".encode("utf-16")],
)
def test_body_that_is_not_json_raises_payload_error(adapter, body):
    with pytest.raises(PayloadError):
        adapter.parse(body)


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {"object": "whatsapp_business_account", "entry": []},
        {"entry": []},
        {"object": "page", "entry": {"id": "1"}},
        {"object": "page", "entry": ["x"]},
        {"object": "page", "entry": [{"id": "1", "messaging": {"message": {}}}]},
        {"object": "page", "entry": [{"id": "1", "messaging": [{"sender": {"id": "2"}, "message": "hi"}]}]},
        {
            "object": "page",
            "entry": [{"id": "1", "messaging": [{"message": {"mid": "m_1", "text": "no sender"}}]}],
        },
        {"object": ["page"], "entry": []},
        {
            "object": "page",
            "entry": [{"id": "1", "messaging": [{"sender": {"id": "2"}, "message": {"text": "hi"}}]}],
        },
    ],
)
def test_wrong_shape_raises_payload_error(adapter, payload):
    with pytest.raises(PayloadError):
        adapter.parse(json.dumps(payload).encode())


# --- authenticity -----------------------------------------------------------------------------


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_valid_signature_is_accepted(adapter):
    body = fixture("messenger_text.json")

    assert adapter.verify_signature(CREDS, {"X-Hub-Signature-256": sign(body)}, body) is True


def test_signature_header_lookup_ignores_case(adapter):
    body = fixture("messenger_text.json")

    assert adapter.verify_signature(CREDS, {"x-hub-signature-256": sign(body).upper()}, body) is True


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature-256": ""},
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        {"X-Hub-Signature-256": sign(b"{}")},
        {"X-Hub-Signature-256": sign(b"x", secret="another-app-secret")},
        {"X-Hub-Signature": "sha1=0123"},
    ],
)
def test_missing_or_wrong_signature_is_refused(adapter, headers):
    assert adapter.verify_signature(CREDS, headers, fixture("messenger_text.json")) is False


def test_tampered_body_is_refused(adapter):
    body = fixture("messenger_text.json")

    assert adapter.verify_signature(CREDS, {"X-Hub-Signature-256": sign(body)}, body + b" ") is False


def test_no_app_secret_configured_refuses_everything(adapter):
    body = b"{}"
    unsigned_creds = Credentials(external_id=PAGE_ID)

    headers = {"X-Hub-Signature-256": sign(body, secret="")}

    assert adapter.verify_signature(unsigned_creds, headers, body) is False


def test_handshake_echoes_the_challenge_when_the_token_matches(adapter):
    response = adapter.handshake(
        CREDS,
        {"hub.mode": "subscribe", "hub.verify_token": "kanwil-bc-verify", "hub.challenge": "1158201444"},
    )

    assert (response.status, response.content_type, response.body) == (200, "text/plain", b"1158201444")


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1158201444"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "kanwil-bc-verify", "hub.challenge": "1158201444"},
        {"hub.mode": "subscribe", "hub.challenge": "1158201444"},
        {"hub.mode": "subscribe", "hub.verify_token": "kanwil-bc-verify"},
        {},
    ],
)
def test_handshake_refuses_a_bad_request(adapter, query):
    assert adapter.handshake(CREDS, query).status == 403


def test_handshake_refuses_when_no_verify_token_is_configured(adapter):
    query = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}

    assert adapter.handshake(Credentials(), query).status == 403


def test_credentials_repr_does_not_leak_secrets():
    assert "PAGE-TOKEN-abc" not in repr(CREDS)
    assert APP_SECRET not in repr(CREDS)


# --- sending ----------------------------------------------------------------------------------


SENT_MID = "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P"


def base_url(httpserver) -> str:
    return httpserver.url_for("/v25.0")


def test_send_posts_a_response_message_to_the_page(adapter, httpserver):
    httpserver.expect_request(
        f"/v25.0/{PAGE_ID}/messages",
        method="POST",
        headers={"Authorization": "Bearer PAGE-TOKEN-abc"},
        json={
            "recipient": {"id": PSID},
            "messaging_type": "RESPONSE",
            "message": {"text": "Halo, ada yang bisa dibantu?"},
        },
    ).respond_with_json(
        {
            "recipient_id": PSID,
            "message_id": SENT_MID,
        }
    )

    result = adapter.send_text(CREDS, PSID, "Halo, ada yang bisa dibantu?", base_url=base_url(httpserver))

    assert result.platform_ids == (SENT_MID,)
    httpserver.check_assertions()
    assert len(httpserver.log) == 1


def test_send_with_a_tag_uses_message_tag(adapter, httpserver):
    httpserver.expect_request(
        f"/v25.0/{PAGE_ID}/messages",
        method="POST",
        json={
            "recipient": {"id": PSID},
            "messaging_type": "MESSAGE_TAG",
            "tag": "HUMAN_AGENT",
            "message": {"text": "Maaf menunggu."},
        },
    ).respond_with_json({"recipient_id": PSID, "message_id": "m_1"})

    result = adapter.send_text(
        CREDS,
        PSID,
        "Maaf menunggu.",
        base_url=base_url(httpserver),
        tag="HUMAN_AGENT",
    )

    assert result.platform_ids == ("m_1",)


def test_long_text_is_split_into_several_calls(adapter, httpserver):
    httpserver.expect_request(f"/v25.0/{PAGE_ID}/messages", method="POST").respond_with_json(
        {"recipient_id": PSID, "message_id": "m_chunk"}
    )
    text = " ".join(f"kata{i:04d}" for i in range(500))  # 4499 characters

    result = adapter.send_text(CREDS, PSID, text, base_url=base_url(httpserver))

    sent = [json.loads(request.get_data())["message"]["text"] for request, _ in httpserver.log]
    assert len(sent) == len(result.platform_ids) == 3
    assert all(len(chunk) <= 2000 for chunk in sent)
    assert " ".join(sent) == text


def test_server_error_is_transient(adapter, httpserver):
    httpserver.expect_request(f"/v25.0/{PAGE_ID}/messages").respond_with_json(
        {"error": {"message": "An unexpected error has occurred.", "type": "OAuthException", "code": 2}},
        status=500,
    )

    with pytest.raises(TransientSendError) as caught:
        adapter.send_text(CREDS, PSID, "x", base_url=base_url(httpserver))

    assert caught.value.status == 500
    assert caught.value.retry_after is None


def test_too_many_requests_honours_retry_after(adapter, httpserver):
    httpserver.expect_request(f"/v25.0/{PAGE_ID}/messages").respond_with_json(
        {"error": {"message": "Calls to this api have exceeded the rate limit.", "code": 613}},
        status=429,
        headers={"Retry-After": "7"},
    )

    with pytest.raises(TransientSendError) as caught:
        adapter.send_text(CREDS, PSID, "x", base_url=base_url(httpserver))

    assert caught.value.retry_after == 7.0
    assert caught.value.reason == "Calls to this api have exceeded the rate limit."


def test_rate_limit_code_on_a_400_is_still_transient(adapter, httpserver):
    httpserver.expect_request(f"/v25.0/{PAGE_ID}/messages").respond_with_json(
        {
            "error": {
                "message": "Calls to this api have exceeded the rate limit.",
                "type": "OAuthException",
                "code": 613,
            }
        },
        status=400,
    )

    with pytest.raises(TransientSendError):
        adapter.send_text(CREDS, PSID, "x", base_url=base_url(httpserver))


def test_client_error_is_permanent_with_metas_message(adapter, httpserver):
    httpserver.expect_request(f"/v25.0/{PAGE_ID}/messages").respond_with_json(
        {
            "error": {
                "message": "(#100) No matching user found",
                "type": "OAuthException",
                "code": 100,
                "error_subcode": 2018001,
                "fbtrace_id": "AbCdEfGhIjK",
            }
        },
        status=400,
    )

    with pytest.raises(PermanentSendError) as caught:
        adapter.send_text(CREDS, PSID, "x", base_url=base_url(httpserver))

    assert caught.value.reason == "(#100) No matching user found"
    assert caught.value.code == "100"
    assert caught.value.status == 400


def test_timeout_is_transient(adapter, httpserver):
    def slow(request):
        time.sleep(0.6)
        return Response("{}", content_type="application/json")

    httpserver.expect_request(f"/v25.0/{PAGE_ID}/messages").respond_with_handler(slow)

    started = time.monotonic()
    with pytest.raises(TransientSendError) as caught:
        adapter.send_text(CREDS, PSID, "x", base_url=base_url(httpserver), timeout=0.2)

    assert time.monotonic() - started < 0.55
    assert "timeout" in caught.value.reason


def test_connection_refused_is_transient(adapter):
    with pytest.raises(TransientSendError):
        adapter.send_text(CREDS, PSID, "x", base_url="http://127.0.0.1:9", timeout=1)


def test_failure_after_a_first_chunk_reports_what_was_sent(adapter, httpserver):
    httpserver.expect_ordered_request(f"/v25.0/{PAGE_ID}/messages").respond_with_json(
        {"recipient_id": PSID, "message_id": "m_first"}
    )
    httpserver.expect_ordered_request(f"/v25.0/{PAGE_ID}/messages").respond_with_json(
        {"error": {"message": "boom", "code": 1}}, status=503
    )
    text = "a " * 1500  # two chunks

    with pytest.raises(TransientSendError) as caught:
        adapter.send_text(CREDS, PSID, text, base_url=base_url(httpserver))

    assert caught.value.sent_platform_ids == ("m_first",)


def test_empty_text_is_refused_without_calling_meta(adapter, httpserver):
    with pytest.raises(PermanentSendError):
        adapter.send_text(CREDS, PSID, "   ", base_url=base_url(httpserver))

    assert httpserver.log == []
