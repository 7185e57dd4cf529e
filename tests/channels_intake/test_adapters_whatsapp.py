"""WhatsApp Cloud API: replay Meta's documented webhook payloads, check signatures, send replies.

The fixtures and their sources are listed in fixtures/whatsapp/README.md.
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

FIXTURES = Path(__file__).parent / "fixtures" / "whatsapp"
APP_SECRET = "9e107d9d372bb6826bd81d3542a419d6"
PHONE_NUMBER_ID = "106540352242922"
CREDS = Credentials(
    external_id=PHONE_NUMBER_ID, secret=APP_SECRET, verify_token="wa-verify-77", access_token="EAAG-wa-token"
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def adapter():
    return get_adapter("whatsapp")


# --- parsing ----------------------------------------------------------------------------------


def test_text_message_with_profile_name(adapter):
    result = adapter.parse(fixture("text.json"))

    assert result.ignored == ()
    assert result.messages == (
        InboundMessage(
            dedupe_key="wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
            sender_id="16505551234",
            sender_name="Sheena Nelson",
            text="Does it come in another color?",
            sent_at=datetime(2025, 6, 8, 20, 59, 43, tzinfo=UTC),
            recipient_id=PHONE_NUMBER_ID,
            channel="whatsapp",
        ),
    )


def test_batch_across_entries_and_messages_keeps_order(adapter):
    result = adapter.parse(fixture("batch.json"))

    assert [(m.dedupe_key, m.text, m.sender_name, m.recipient_id) for m in result.messages] == [
        (
            "wamid.ABGGFlCGg0cvAgo-sJQh43L5Pe4W",
            "Hello this is an answer",
            "Kerry Fisher",
            "27681414235104944",
        ),
        ("wamid.ABGGFlCGg0cvAgo-sHWxBA2VFD_S", "No", "Kerry Fisher", "27681414235104944"),
        (
            "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
            "Does it come in another color?",
            "Sheena Nelson",
            PHONE_NUMBER_ID,
        ),
    ]


def test_user_who_hides_their_number_is_identified_by_bsuid(adapter):
    (message,) = adapter.parse(fixture("hidden_number.json")).messages

    assert message.sender_id == "US.13491208655302741918"
    assert message.sender_name == "Sheena Nelson"
    assert message.text == "Does it come in another color?"


def test_image_keeps_media_id_and_caption(adapter):
    (message,) = adapter.parse(fixture("image.json")).messages

    assert message.dedupe_key == "wamid.id"
    assert message.text == "This is a caption"
    assert message.attachments == (
        Attachment(kind="image", platform_id="2754859441498128", caption="This is a caption"),
    )


def test_document_keeps_its_filename(adapter):
    payload = json.loads(fixture("image.json"))
    payload["entry"][0]["changes"][0]["value"]["messages"][0] = {
        "from": "16315551234",
        "id": "wamid.doc",
        "timestamp": "1603059201",
        "type": "document",
        "document": {"filename": "invoice.pdf", "mime_type": "application/pdf", "sha256": "abc", "id": "555"},
    }

    (message,) = adapter.parse(json.dumps(payload).encode()).messages

    assert message.attachments == (Attachment(kind="file", platform_id="555", name="invoice.pdf"),)


def test_location_without_type_field_is_still_understood(adapter):
    (message,) = adapter.parse(fixture("location_without_type.json")).messages

    (location,) = message.attachments
    assert location.kind == "location"
    assert (location.latitude, location.longitude) == (-6.1275, 106.6537)
    assert location.name.startswith("Kantor Pelayanan Utama")


def test_unsupported_message_type_is_kept_as_other(adapter):
    (message,) = adapter.parse(fixture("unknown_type.json")).messages

    assert message.dedupe_key == "wamid.ABGGFlA5FpafAgo6tHcNmNjXmuSf"
    assert message.text == ""
    assert message.attachments == (Attachment(kind="other", name="unknown"),)


def test_interactive_list_reply_becomes_its_title(adapter):
    payload = json.loads(fixture("text.json"))
    payload["entry"][0]["changes"][0]["value"]["messages"][0] = {
        "from": "16505551234",
        "id": "wamid.list",
        "timestamp": "1749416383",
        "type": "interactive",
        "interactive": {
            "type": "list_reply",
            "list_reply": {
                "id": "priority_express",
                "title": "Priority Mail Express",
                "description": "Next Day",
            },
        },
    }

    (message,) = adapter.parse(json.dumps(payload).encode()).messages

    assert message.text == "Priority Mail Express"


@pytest.mark.parametrize(
    ("name", "labels"),
    [
        ("status_sent.json", ("statuses",)),
        ("status_failed.json", ("statuses",)),
        ("reaction.json", ("reaction",)),
    ],
)
def test_statuses_and_reactions_are_ignored(adapter, name, labels):
    result = adapter.parse(fixture(name))

    assert result.messages == ()
    assert result.ignored == labels


def test_other_webhook_fields_are_ignored(adapter):
    body = {
        "object": "whatsapp_business_account",
        "entry": [
            {"id": "1", "changes": [{"field": "account_update", "value": {"event": "VERIFIED_ACCOUNT"}}]},
        ],
    }

    assert adapter.parse(json.dumps(body).encode()).ignored == ("field:account_update",)


def test_value_level_errors_are_ignored(adapter):
    body = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "1",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"phone_number_id": PHONE_NUMBER_ID},
                            "errors": [{"code": 131000, "title": "Something went wrong"}],
                        },
                    }
                ],
            }
        ],
    }

    assert adapter.parse(json.dumps(body).encode()).ignored == ("errors",)


@pytest.mark.parametrize("body", [b"", b"<xml/>", b'{"object": "whatsapp_business_account",'])
def test_body_that_is_not_json_raises_payload_error(adapter, body):
    with pytest.raises(PayloadError):
        adapter.parse(body)


@pytest.mark.parametrize(
    "payload",
    [
        "whatsapp_business_account",
        {"object": "page", "entry": []},
        {"object": "whatsapp_business_account", "entry": [{"changes": {"value": {}}}]},
        {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": []}]}]},
        {
            "object": "whatsapp_business_account",
            "entry": [{"changes": [{"field": "messages", "value": {"messages": {"id": "wamid.1"}}}]}],
        },
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "changes": [
                        {"field": "messages", "value": {"messages": [{"id": "wamid.1", "type": "text"}]}},
                    ],
                },
            ],
        },
        {
            "object": "whatsapp_business_account",
            "entry": [
                {"changes": [{"field": "messages", "value": {"messages": [{"from": "1", "type": "text"}]}}]},
            ],
        },
    ],
)
def test_wrong_shape_raises_payload_error(adapter, payload):
    with pytest.raises(PayloadError):
        adapter.parse(json.dumps(payload).encode())


def test_parsed_messages_round_trip_through_dicts(adapter):
    for name in ("batch.json", "image.json", "location_without_type.json", "hidden_number.json"):
        for message in adapter.parse(fixture(name)).messages:
            assert InboundMessage.from_dict(json.loads(json.dumps(message.to_dict()))) == message


# --- authenticity -----------------------------------------------------------------------------


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_valid_signature_is_accepted(adapter):
    body = fixture("text.json")

    assert adapter.verify_signature(CREDS, {"X-Hub-Signature-256": sign(body)}, body) is True


@pytest.mark.parametrize(
    "headers", [{}, {"X-Hub-Signature-256": sign(b"other body")}, {"X-Hub-Signature-256": "sha256=zz"}]
)
def test_missing_or_invalid_signature_is_refused(adapter, headers):
    assert adapter.verify_signature(CREDS, headers, fixture("text.json")) is False


def test_handshake_good_token(adapter):
    query = {"hub.mode": "subscribe", "hub.verify_token": "wa-verify-77", "hub.challenge": "987654321"}

    response = adapter.handshake(CREDS, query)

    assert (response.status, response.content_type, response.body) == (200, "text/plain", b"987654321")


def test_handshake_bad_token(adapter):
    query = {"hub.mode": "subscribe", "hub.verify_token": "wa-verify-78", "hub.challenge": "987654321"}

    assert adapter.handshake(CREDS, query).status == 403


# --- sending ----------------------------------------------------------------------------------


def base_url(httpserver) -> str:
    return httpserver.url_for("/v25.0")


def sent_response(message_id: str, recipient: str = "16505551234") -> dict:
    return {
        "messaging_product": "whatsapp",
        "contacts": [{"input": recipient, "wa_id": recipient}],
        "messages": [{"id": message_id}],
    }


def test_send_text_to_a_phone_number(adapter, httpserver):
    httpserver.expect_request(
        f"/v25.0/{PHONE_NUMBER_ID}/messages",
        method="POST",
        headers={"Authorization": "Bearer EAAG-wa-token", "Content-Type": "application/json"},
        json={
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "16505551234",
            "type": "text",
            "text": {"body": "Selamat siang, silakan kirim nomor resi Anda."},
        },
    ).respond_with_json(sent_response("wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA"))

    result = adapter.send_text(
        CREDS, "16505551234", "Selamat siang, silakan kirim nomor resi Anda.", base_url=base_url(httpserver)
    )

    assert result.platform_ids == ("wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA",)
    httpserver.check_assertions()


def test_send_text_to_a_bsuid_uses_recipient_not_to(adapter, httpserver):
    httpserver.expect_request(
        f"/v25.0/{PHONE_NUMBER_ID}/messages",
        method="POST",
        json={
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "recipient": "US.13491208655302741918",
            "type": "text",
            "text": {"body": "Halo"},
        },
    ).respond_with_json(
        {
            "messaging_product": "whatsapp",
            "contacts": [{"input": "US.13491208655302741918", "user_id": "US.13491208655302741918"}],
            "messages": [{"id": "wamid.bsuid"}],
        }
    )

    result = adapter.send_text(CREDS, "US.13491208655302741918", "Halo", base_url=base_url(httpserver))

    assert result.platform_ids == ("wamid.bsuid",)


def test_long_text_is_split_at_4096(adapter, httpserver):
    httpserver.expect_request(f"/v25.0/{PHONE_NUMBER_ID}/messages", method="POST").respond_with_json(
        sent_response("wamid.chunk")
    )
    paragraph = "Barang kiriman dengan nilai pabean di atas batas dikenakan bea masuk. " * 40  # 2800 chars
    text = paragraph + "\n\n" + paragraph + "\n\n" + paragraph

    result = adapter.send_text(CREDS, "16505551234", text, base_url=base_url(httpserver))

    bodies = [json.loads(request.get_data())["text"]["body"] for request, _ in httpserver.log]
    assert len(bodies) == len(result.platform_ids) == 3
    assert all(len(body) <= 4096 for body in bodies)
    assert [body.strip() for body in bodies] == [paragraph.strip()] * 3  # cut at the paragraph breaks


def test_server_error_is_transient(adapter, httpserver):
    httpserver.expect_request(f"/v25.0/{PHONE_NUMBER_ID}/messages").respond_with_data(
        "Bad gateway",
        status=502,
    )

    with pytest.raises(TransientSendError) as caught:
        adapter.send_text(CREDS, "16505551234", "x", base_url=base_url(httpserver))

    assert caught.value.status == 502


def test_too_many_requests_honours_retry_after(adapter, httpserver):
    httpserver.expect_request(f"/v25.0/{PHONE_NUMBER_ID}/messages").respond_with_json(
        {"error": {"message": "(#130429) Rate limit hit", "type": "OAuthException", "code": 130429}},
        status=429,
        headers={"Retry-After": "30"},
    )

    with pytest.raises(TransientSendError) as caught:
        adapter.send_text(CREDS, "16505551234", "x", base_url=base_url(httpserver))

    assert caught.value.retry_after == 30.0


def test_client_error_is_permanent_with_the_graph_message(adapter, httpserver):
    httpserver.expect_request(f"/v25.0/{PHONE_NUMBER_ID}/messages").respond_with_json(
        {
            "error": {
                "message": "(#131047) Re-engagement message",
                "type": "OAuthException",
                "code": 131047,
                "error_data": {
                    "messaging_product": "whatsapp",
                    "details": (
                        "Message failed to send because more than 24 hours have passed since the "
                        "customer last replied to this number."
                    ),
                },
                "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam",
            }
        },
        status=400,
    )

    with pytest.raises(PermanentSendError) as caught:
        adapter.send_text(CREDS, "16505551234", "x", base_url=base_url(httpserver))

    assert caught.value.reason.startswith("(#131047) Re-engagement message (Message failed to send because")
    assert caught.value.code == "131047"


def test_timeout_is_transient(adapter, httpserver):
    def slow(request):
        time.sleep(0.6)
        return Response(json.dumps(sent_response("late")), content_type="application/json")

    httpserver.expect_request(f"/v25.0/{PHONE_NUMBER_ID}/messages").respond_with_handler(slow)

    with pytest.raises(TransientSendError):
        adapter.send_text(CREDS, "16505551234", "x", base_url=base_url(httpserver), timeout=0.2)


def test_error_reasons_never_contain_the_token(adapter, httpserver):
    httpserver.expect_request(f"/v25.0/{PHONE_NUMBER_ID}/messages").respond_with_json(
        {
            "error": {
                "message": "Invalid OAuth access token - Cannot parse access token EAAG-wa-token",
                "code": 190,
            }
        },
        status=401,
    )

    with pytest.raises(PermanentSendError) as caught:
        adapter.send_text(CREDS, "16505551234", "x", base_url=base_url(httpserver))

    assert "EAAG-wa-token" not in str(caught.value)
    assert "***" in caught.value.reason
