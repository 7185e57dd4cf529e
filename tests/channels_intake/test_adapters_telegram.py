"""Telegram: replay the updates from Telegram's webhook guide, check the secret token, send replies.

The fixtures and their sources are listed in fixtures/telegram/README.md.
"""

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

FIXTURES = Path(__file__).parent / "fixtures" / "telegram"
BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
CREDS = Credentials(
    external_id="beacukai_helpdesk_bot",
    secret="s3cr3t-T0ken_for-webhook",
    access_token=BOT_TOKEN,
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def adapter():
    return get_adapter("telegram")


# --- parsing ----------------------------------------------------------------------------------


def test_text_message_from_a_private_chat(adapter):
    result = adapter.parse(fixture("message_text.json"))

    assert result.ignored == ()
    assert result.messages == (
        InboundMessage(
            dedupe_key="10000",
            sender_id="1111111",
            sender_name="Test Firstname Test Lastname",
            text="/start",
            sent_at=datetime(2015, 9, 7, 17, 5, 32, tzinfo=UTC),
            recipient_id="",
            channel="telegram",
            reply_to_id="",
        ),
    )
    assert result.messages[0].reply_target == "1111111"


def test_group_message_is_answered_in_the_group(adapter):
    (message,) = adapter.parse(fixture("group_message.json")).messages

    assert message.sender_id == "1111111"
    assert message.sender_name == "Test Firstname"
    assert message.reply_to_id == "-1001234567890"
    assert message.reply_target == "-1001234567890"


def test_photo_takes_the_largest_size_and_the_caption_as_text(adapter):
    (message,) = adapter.parse(fixture("message_photo.json")).messages

    assert message.text == "Foto invoice barang kiriman saya"
    assert message.attachments == (
        Attachment(
            kind="image",
            platform_id="AgACAgQAAxkBAAMFZlarge",
            caption="Foto invoice barang kiriman saya",
        ),
    )


def test_document_keeps_file_id_and_name(adapter):
    (message,) = adapter.parse(fixture("message_document.json")).messages

    assert message.text == ""
    assert message.attachments == (
        Attachment(kind="file", platform_id="AwADBAADbXXXXXXXXXXXGBdhD2l6_XX", name="Testfile.pdf"),
    )


def test_voice_note_is_audio(adapter):
    (message,) = adapter.parse(fixture("message_voice.json")).messages

    assert message.attachments == (Attachment(kind="audio", platform_id="AwADBAADbXXXXXXXXXXXGBdhD2l6_XX"),)


def test_location_message(adapter):
    update = json.loads(fixture("message_text.json"))
    del update["message"]["text"]
    update["message"]["location"] = {"latitude": 1.1301, "longitude": 104.0529}

    (message,) = adapter.parse(json.dumps(update).encode()).messages

    assert message.attachments == (Attachment(kind="location", latitude=1.1301, longitude=104.0529),)


def test_message_with_nothing_we_understand_is_kept_as_other(adapter):
    update = json.loads(fixture("message_text.json"))
    del update["message"]["text"]
    update["message"]["checklist"] = {"title": "future feature", "tasks": []}

    (message,) = adapter.parse(json.dumps(update).encode()).messages

    assert message.attachments == (Attachment(kind="other"),)


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("edited_message.json", "edited_message"),
        ("callback_query.json", "callback_query"),
        ("my_chat_member.json", "my_chat_member"),
    ],
)
def test_updates_that_are_not_new_messages_are_ignored(adapter, name, label):
    result = adapter.parse(fixture(name))

    assert result.messages == ()
    assert result.ignored == (label,)


def test_service_messages_and_bots_are_ignored(adapter):
    update = json.loads(fixture("group_message.json"))
    del update["message"]["text"]
    update["message"]["new_chat_members"] = [{"id": 5, "is_bot": False, "first_name": "Budi"}]
    assert adapter.parse(json.dumps(update).encode()).ignored == ("service",)

    update = json.loads(fixture("group_message.json"))
    update["message"]["from"]["is_bot"] = True
    assert adapter.parse(json.dumps(update).encode()).ignored == ("bot",)


@pytest.mark.parametrize("body", [b"", b"update_id=1", b"{'update_id': 1}"])
def test_body_that_is_not_json_raises_payload_error(adapter, body):
    with pytest.raises(PayloadError):
        adapter.parse(body)


@pytest.mark.parametrize(
    "payload",
    [
        [{"update_id": 1}],
        {"message": {"text": "no update id"}},
        {"update_id": "10000", "message": {}},
        {"update_id": True, "message": {}},
        {"update_id": 1, "message": "hello"},
        {"update_id": 1, "message": {"from": {"id": 1}, "chat": [1], "text": "x"}},
        {"update_id": 1, "message": {"from": {"first_name": "no id"}, "chat": {"id": 1}, "text": "x"}},
    ],
)
def test_wrong_shape_raises_payload_error(adapter, payload):
    with pytest.raises(PayloadError):
        adapter.parse(json.dumps(payload).encode())


# --- authenticity -----------------------------------------------------------------------------


def test_matching_secret_token_is_accepted(adapter):
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cr3t-T0ken_for-webhook"}

    assert adapter.verify_signature(CREDS, headers, fixture("message_text.json")) is True


def test_secret_token_header_lookup_ignores_case(adapter):
    headers = {"x-telegram-bot-api-secret-token": "s3cr3t-T0ken_for-webhook"}

    assert adapter.verify_signature(CREDS, headers, b"{}") is True


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Telegram-Bot-Api-Secret-Token": ""},
        {"X-Telegram-Bot-Api-Secret-Token": "s3cr3t-T0ken_for-webhooK"},
        {"X-Telegram-Bot-Api-Secret-Token": "s3cr3t"},
    ],
)
def test_missing_or_wrong_secret_token_is_refused(adapter, headers):
    assert adapter.verify_signature(CREDS, headers, fixture("message_text.json")) is False


def test_no_secret_configured_refuses_even_an_empty_header(adapter):
    assert adapter.verify_signature(Credentials(), {"X-Telegram-Bot-Api-Secret-Token": ""}, b"{}") is False


def test_telegram_has_no_get_handshake(adapter):
    assert adapter.handshake(CREDS, {"hub.challenge": "1"}) is None


# --- sending ----------------------------------------------------------------------------------

SEND_PATH = f"/bot{BOT_TOKEN}/sendMessage"


def test_send_message_posts_chat_id_and_text(adapter, httpserver):
    httpserver.expect_request(
        SEND_PATH,
        method="POST",
        json={"chat_id": "1111111", "text": "Halo, silakan sebutkan nomor resi Anda."},
    ).respond_with_json(
        {
            "ok": True,
            "result": {
                "message_id": 1366,
                "from": {"id": 123456789, "is_bot": True, "first_name": "Bea Cukai Bot"},
                "chat": {"id": 1111111, "type": "private"},
                "date": 1441645600,
                "text": "Halo, silakan sebutkan nomor resi Anda.",
            },
        }
    )

    result = adapter.send_text(
        CREDS, "1111111", "Halo, silakan sebutkan nomor resi Anda.", base_url=httpserver.url_for("")
    )

    assert result.platform_ids == ("1366",)
    httpserver.check_assertions()


def test_long_text_is_split_by_utf16_length(adapter, httpserver):
    httpserver.expect_request(SEND_PATH, method="POST").respond_with_json(
        {"ok": True, "result": {"message_id": 1}},
    )
    text = " ".join(["📦"] * 3000)  # 3000 emoji of 2 UTF-16 units each, plus 2999 spaces: 8999 units

    adapter.send_text(CREDS, "1111111", text, base_url=httpserver.url_for(""))

    chunks = [json.loads(request.get_data())["text"] for request, _ in httpserver.log]
    assert len(chunks) == 3
    assert all(len(chunk.encode("utf-16-le")) // 2 <= 4096 for chunk in chunks)
    assert " ".join(chunks) == text


def test_server_error_is_transient(adapter, httpserver):
    httpserver.expect_request(SEND_PATH).respond_with_json(
        {"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502
    )

    with pytest.raises(TransientSendError):
        adapter.send_text(CREDS, "1111111", "x", base_url=httpserver.url_for(""))


def test_flood_wait_honours_retry_after_from_parameters(adapter, httpserver):
    httpserver.expect_request(SEND_PATH).respond_with_json(
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 5",
            "parameters": {"retry_after": 5},
        },
        status=429,
    )

    with pytest.raises(TransientSendError) as caught:
        adapter.send_text(CREDS, "1111111", "x", base_url=httpserver.url_for(""))

    assert caught.value.retry_after == 5.0
    assert caught.value.reason == "Too Many Requests: retry after 5"


def test_bad_request_is_permanent_with_the_description(adapter, httpserver):
    httpserver.expect_request(SEND_PATH).respond_with_json(
        {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}, status=400
    )

    with pytest.raises(PermanentSendError) as caught:
        adapter.send_text(CREDS, "1111111", "x", base_url=httpserver.url_for(""))

    assert caught.value.reason == "Bad Request: chat not found"
    assert caught.value.code == "400"


def test_blocked_bot_is_permanent(adapter, httpserver):
    httpserver.expect_request(SEND_PATH).respond_with_json(
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}, status=403
    )

    with pytest.raises(PermanentSendError, match="bot was blocked"):
        adapter.send_text(CREDS, "1111111", "x", base_url=httpserver.url_for(""))


def test_ok_false_in_a_200_is_still_an_error(adapter, httpserver):
    httpserver.expect_request(SEND_PATH).respond_with_json(
        {"ok": False, "error_code": 429, "description": "Too Many Requests", "parameters": {"retry_after": 3}}
    )

    with pytest.raises(TransientSendError) as caught:
        adapter.send_text(CREDS, "1111111", "x", base_url=httpserver.url_for(""))

    assert caught.value.retry_after == 3.0


def test_timeout_is_transient_and_does_not_leak_the_token(adapter, httpserver):
    def slow(request):
        time.sleep(0.6)
        return Response('{"ok": true, "result": {"message_id": 1}}', content_type="application/json")

    httpserver.expect_request(SEND_PATH).respond_with_handler(slow)

    with pytest.raises(TransientSendError) as caught:
        adapter.send_text(CREDS, "1111111", "x", base_url=httpserver.url_for(""), timeout=0.2)

    assert BOT_TOKEN not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_connection_error_does_not_leak_the_token(adapter):
    with pytest.raises(TransientSendError) as caught:
        adapter.send_text(CREDS, "1111111", "x", base_url="http://127.0.0.1:9", timeout=1)

    assert BOT_TOKEN not in caught.value.reason
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in repr(caught.value)
