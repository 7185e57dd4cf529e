"""X direct messages: replay the Account Activity API's documented payloads, CRC and signatures, send DMs.

The fixtures and their sources are listed in fixtures/x/README.md.
"""

import base64
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

FIXTURES = Path(__file__).parent / "fixtures" / "x"
CONSUMER_SECRET = "kQ7sYJ2pDq8eYt1z0mXnB3vWc6rLfGhA9uS4oPiE5tR"
OUR_USER_ID = "4337869213"
CREDS = Credentials(external_id=OUR_USER_ID, secret=CONSUMER_SECRET, access_token="x-user-bearer-token")


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def adapter():
    return get_adapter("x")


# --- parsing ----------------------------------------------------------------------------------


def test_documented_direct_message_event(adapter):
    result = adapter.parse(fixture("dm_docs_example.json"))

    # The documented example nests the users map inside "apps" (a docs typo), so no name here.
    assert result.messages == (
        InboundMessage(
            dedupe_key="954491830116155396",
            sender_id="3001969357",
            sender_name="",
            text="Hello World!",
            sent_at=datetime(2018, 1, 19, 23, 12, 40, 557000, tzinfo=UTC),
            recipient_id=OUR_USER_ID,
            channel="x",
        ),
    )
    assert result.ignored == ()


def test_batch_names_senders_and_drops_our_own_outgoing_dm(adapter):
    result = adapter.parse(fixture("dm_batch.json"))

    assert [(m.dedupe_key, m.sender_id, m.sender_name, m.text) for m in result.messages] == [
        ("954491830116155396", "3001969357", "Jordan Brinks", "Hello World!"),
        ("954491830116155398", "3284025577", "Bogus Bogart", "Blue Bird"),
    ]
    assert result.ignored == ("own_message",)


@pytest.mark.parametrize(("name", "label"), [("typing.json", "typing"), ("mark_read.json", "read")])
def test_typing_and_read_events_are_ignored(adapter, name, label):
    result = adapter.parse(fixture(name))

    assert result.messages == ()
    assert result.ignored == (label,)


def test_media_attachment_uses_media_url_https_and_drops_the_tco_link(adapter):
    (message,) = adapter.parse(fixture("dm_media.json")).messages

    assert message.text == "Ini foto resi pengiriman saya"
    assert message.sender_name == "Jordan Brinks"
    assert message.attachments == (
        Attachment(
            kind="image",
            url="https://ton.twitter.com/1.1/ton/data/dm/1034828552951160836/1034828533812486145/oP5p359h.jpg",
            platform_id="1034828533812486145",
        ),
    )


def test_shared_location_becomes_a_location_attachment(adapter):
    (message,) = adapter.parse(fixture("dm_location.json")).messages

    assert message.text == "Here's my location"
    assert message.attachments == (Attachment(kind="location", latitude=37.771718, longitude=-122.443893),)


def test_other_account_activity_is_ignored(adapter):
    body = {"for_user_id": OUR_USER_ID, "follow_events": [{"type": "follow"}], "favorite_events": [{}]}

    result = adapter.parse(json.dumps(body).encode())

    assert result.messages == ()
    assert result.ignored == ("favorite_events", "follow_events")


def test_dm_with_no_text_and_unknown_attachment_is_kept_as_other(adapter):
    body = json.loads(fixture("dm_docs_example.json"))
    body["direct_message_events"][0]["message_create"]["message_data"] = {"text": ""}

    (message,) = adapter.parse(json.dumps(body).encode()).messages

    assert message.attachments == (Attachment(kind="other"),)


@pytest.mark.parametrize("body", [b"", b"crc_token=abc", b"\x00\x01"])
def test_body_that_is_not_json_raises_payload_error(adapter, body):
    with pytest.raises(PayloadError):
        adapter.parse(body)


@pytest.mark.parametrize(
    "payload",
    [
        ["direct_message_events"],
        {"for_user_id": OUR_USER_ID, "direct_message_events": {"id": "1"}},
        {"for_user_id": OUR_USER_ID, "direct_message_events": ["x"]},
        {
            "for_user_id": OUR_USER_ID,
            "direct_message_events": [{"type": "message_create", "message_create": {}}],
        },
        {
            "for_user_id": OUR_USER_ID,
            "direct_message_events": [{"type": "message_create", "id": "1", "message_create": "x"}],
        },
        {
            "for_user_id": OUR_USER_ID,
            "direct_message_events": [
                {"type": "message_create", "id": "1", "message_create": {"target": {}}},
            ],
        },
    ],
)
def test_wrong_shape_raises_payload_error(adapter, payload):
    with pytest.raises(PayloadError):
        adapter.parse(json.dumps(payload).encode())


# --- CRC and signatures -----------------------------------------------------------------------


def test_crc_matches_a_known_vector(adapter):
    # Computed independently: printf %s TOKEN | openssl dgst -sha256 -hmac SECRET -binary | base64
    response = adapter.handshake(CREDS, {"crc_token": "crc-token-from-x-1523357932"})

    assert response.status == 200
    assert response.content_type == "application/json"
    assert json.loads(response.body) == {
        "response_token": "sha256=3fasGqnYoLXmqRDfJmEPPN0W2xEFBKcdZO3eIDG+978=",
    }


def test_crc_matches_an_hmac_computed_here(adapter):
    token = "another-crc-token"
    expected = base64.b64encode(hmac.new(CONSUMER_SECRET.encode(), token.encode(), hashlib.sha256).digest())

    response = adapter.handshake(CREDS, {"crc_token": token})

    assert json.loads(response.body)["response_token"] == "sha256=" + expected.decode()


@pytest.mark.parametrize("query", [{}, {"crc_token": ""}, {"hub.challenge": "1"}])
def test_crc_without_a_token_is_forbidden(adapter, query):
    assert adapter.handshake(CREDS, query).status == 403


def test_crc_without_a_consumer_secret_is_forbidden(adapter):
    assert adapter.handshake(Credentials(), {"crc_token": "abc"}).status == 403


def test_signature_known_vector(adapter):
    body = b'{"for_user_id": "1"}'
    headers = {"x-twitter-webhooks-signature": "sha256=J5Xw3KcUcE+CkFnBQ1ayee9DGr1AKnidIU7tYUdEoC0="}

    assert adapter.verify_signature(CREDS, headers, body) is True


def test_signature_of_a_fixture_is_accepted_whatever_the_header_case(adapter):
    body = fixture("dm_batch.json")
    digest = base64.b64encode(hmac.new(CONSUMER_SECRET.encode(), body, hashlib.sha256).digest()).decode()

    assert adapter.verify_signature(CREDS, {"X-Twitter-Webhooks-Signature": f"sha256={digest}"}, body) is True


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-twitter-webhooks-signature": ""},
        {"x-twitter-webhooks-signature": "sha256=J5Xw3KcUcE+CkFnBQ1ayee9DGr1AKnidIU7tYUdEoC0="},
        {"x-twitter-webhooks-signature": "sha256=" + hashlib.sha256(b"x").hexdigest()},
    ],
)
def test_missing_or_wrong_signature_is_refused(adapter, headers):
    assert adapter.verify_signature(CREDS, headers, fixture("dm_batch.json")) is False


# --- sending ----------------------------------------------------------------------------------

RECIPIENT = "3001969357"
SEND_PATH = f"/2/dm_conversations/with/{RECIPIENT}/messages"


def test_send_dm_to_a_participant(adapter, httpserver):
    httpserver.expect_request(
        SEND_PATH,
        method="POST",
        headers={"Authorization": "Bearer x-user-bearer-token"},
        json={"text": "Terima kasih, laporan Anda kami teruskan ke KPPBC."},
    ).respond_with_json(
        {"data": {"dm_conversation_id": "3001969357-4337869213", "dm_event_id": "1582838499377840128"}},
        status=201,
    )

    result = adapter.send_text(
        CREDS,
        RECIPIENT,
        "Terima kasih, laporan Anda kami teruskan ke KPPBC.",
        base_url=httpserver.url_for(""),
    )

    assert result.platform_ids == ("1582838499377840128",)
    httpserver.check_assertions()


def test_text_over_ten_thousand_characters_is_split(adapter, httpserver):
    httpserver.expect_request(SEND_PATH, method="POST").respond_with_json(
        {"data": {"dm_conversation_id": "c", "dm_event_id": "e"}}, status=201
    )
    text = ("Mohon lengkapi dokumen. " * 500).strip()  # 11999 characters

    result = adapter.send_text(CREDS, RECIPIENT, text, base_url=httpserver.url_for(""))

    chunks = [json.loads(request.get_data())["text"] for request, _ in httpserver.log]
    assert result.platform_ids == ("e", "e")
    assert all(len(chunk) <= 10000 for chunk in chunks)
    assert " ".join(chunks) == text


def test_server_error_is_transient(adapter, httpserver):
    httpserver.expect_request(SEND_PATH).respond_with_json(
        {"title": "Service Unavailable", "detail": "Service Unavailable", "status": 503}, status=503
    )

    with pytest.raises(TransientSendError):
        adapter.send_text(CREDS, RECIPIENT, "x", base_url=httpserver.url_for(""))


def test_too_many_requests_honours_retry_after(adapter, httpserver):
    httpserver.expect_request(SEND_PATH).respond_with_json(
        {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
        status=429,
        headers={"Retry-After": "42", "x-rate-limit-reset": str(int(time.time()) + 900)},
    )

    with pytest.raises(TransientSendError) as caught:
        adapter.send_text(CREDS, RECIPIENT, "x", base_url=httpserver.url_for(""))

    assert caught.value.retry_after == 42.0


def test_too_many_requests_falls_back_to_rate_limit_reset(adapter, httpserver):
    httpserver.expect_request(SEND_PATH).respond_with_json(
        {"title": "Too Many Requests", "status": 429},
        status=429,
        headers={"x-rate-limit-reset": str(int(time.time()) + 60)},
    )

    with pytest.raises(TransientSendError) as caught:
        adapter.send_text(CREDS, RECIPIENT, "x", base_url=httpserver.url_for(""))

    assert 55 <= caught.value.retry_after <= 61


def test_forbidden_is_permanent_with_the_detail(adapter, httpserver):
    httpserver.expect_request(SEND_PATH).respond_with_json(
        {
            "detail": "You are not permitted to send a message to this user.",
            "type": "https://api.twitter.com/2/problems/not-authorized-for-resource",
            "title": "Forbidden",
            "status": 403,
        },
        status=403,
    )

    with pytest.raises(PermanentSendError) as caught:
        adapter.send_text(CREDS, RECIPIENT, "x", base_url=httpserver.url_for(""))

    assert caught.value.reason == "You are not permitted to send a message to this user."


def test_bad_request_uses_the_errors_array(adapter, httpserver):
    httpserver.expect_request(SEND_PATH).respond_with_json(
        {"errors": [{"parameters": {"text": [""]}, "message": "text must not be blank"}], "title": ""},
        status=400,
    )

    with pytest.raises(PermanentSendError) as caught:
        adapter.send_text(CREDS, RECIPIENT, "x", base_url=httpserver.url_for(""))

    assert caught.value.reason == "text must not be blank"


def test_timeout_is_transient(adapter, httpserver):
    def slow(request):
        time.sleep(0.6)
        return Response('{"data": {"dm_event_id": "late"}}', status=201, content_type="application/json")

    httpserver.expect_request(SEND_PATH).respond_with_handler(slow)

    with pytest.raises(TransientSendError):
        adapter.send_text(CREDS, RECIPIENT, "x", base_url=httpserver.url_for(""), timeout=0.2)
