"""The files requesters send on the platforms: each adapter finds the bytes of a real-shaped payload's media, and
``channels_intake.media`` streams them from a local stand-in of the platform with the size cap; Telegram takes an
officer's file as multipart.

The payloads are the documented ones in fixtures/<platform>/ (Meta: messenger_attachment_image.json; WhatsApp:
image.json with its media id; Telegram: message_document.json with its file_id; X: dm_media.json), with the
media URLs pointed at the stand-in server. The media lookups follow the platforms' references: WhatsApp Cloud API
``GET /{media-id}`` answers ``{"url", "mime_type", "sha256", "file_size", "id"}`` and the URL opens with the same
bearer token; Telegram's ``getFile`` answers ``{"ok": true, "result": {"file_path": ...}}`` and the file is at
``/file/bot<token>/<file_path>``.
"""

import json
from pathlib import Path

import pytest
from werkzeug import Response

from channels_intake.adapters import Credentials, get_adapter
from channels_intake.adapters.base import MediaFetchError, MediaTooLarge
from channels_intake.media import fetches_media, media_fetch, sends_files
from tests import factories
from tests.attachment_samples import JPEG, PDF, PNG

FIXTURES = Path(__file__).parent / "fixtures"
BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def payload(kind: str, name: str) -> dict:
    return json.loads((FIXTURES / kind / name).read_text())


def parse(kind: str, body: dict):
    (message,) = get_adapter(kind).parse(json.dumps(body).encode()).messages
    return message


@pytest.fixture
def stand_in(httpserver, settings):
    """Every platform's API base URL points at the local server."""
    base = httpserver.url_for("").rstrip("/")
    settings.META_GRAPH_URL = base
    settings.TELEGRAM_API_URL = base
    settings.X_API_URL = base
    settings.CHANNEL_HTTP_TIMEOUT = 3
    return httpserver


def account(office, kind, **extra):
    return factories.ChannelAccountFactory(office=office, kind=kind, **extra)


# --- Each platform's media reaches us -----------------------------------------------------------------------
def test_a_messenger_image_is_read_from_the_attachment_payload_url(stand_in, office):
    body = payload("meta", "messenger_attachment_image.json")
    url = stand_in.url_for("/v/t1.15752-9/example_n.jpg")
    body["entry"][0]["messaging"][0]["message"]["attachments"][0]["payload"]["url"] = url
    message = parse("meta", body)
    stand_in.expect_oneshot_request("/v/t1.15752-9/example_n.jpg", method="GET").respond_with_data(
        JPEG, content_type="image/jpeg"
    )

    media = media_fetch(account=account(office, "meta"), attachment=message.attachments[0], max_bytes=1000)

    assert media.content == JPEG
    stand_in.check_assertions()


def test_a_whatsapp_image_is_looked_up_by_its_media_id_then_downloaded_with_the_token(stand_in, office):
    message = parse("whatsapp", payload("whatsapp", "image.json"))
    assert message.attachments[0].platform_id == "2754859441498128"
    download = stand_in.url_for("/whatsapp_business/attachments/mid-2754859441498128")
    bearer = {"Authorization": "Bearer wa-access-token"}
    stand_in.expect_oneshot_request("/2754859441498128", method="GET", headers=bearer).respond_with_json(
        {
            "messaging_product": "whatsapp",
            "url": download,
            "mime_type": "image/jpeg",
            "sha256": "81d3bd8a8db4868c9520ed47186e8b7c5789e61ff79f7f834be6950b808a90d3",
            "file_size": str(len(JPEG)),
            "id": "2754859441498128",
        }
    )
    stand_in.expect_oneshot_request(
        "/whatsapp_business/attachments/mid-2754859441498128", method="GET", headers=bearer
    ).respond_with_data(JPEG, content_type="image/jpeg")

    media = media_fetch(
        account=account(office, "whatsapp", access_token="wa-access-token"),
        attachment=message.attachments[0],
        max_bytes=1000,
    )

    assert media.content == JPEG
    stand_in.check_assertions()


def test_a_telegram_document_is_found_with_getfile_and_downloaded_from_the_file_url(stand_in, office):
    message = parse("telegram", payload("telegram", "message_document.json"))
    file_id = message.attachments[0].platform_id
    stand_in.expect_oneshot_request(
        f"/bot{BOT_TOKEN}/getFile", method="GET", query_string={"file_id": file_id}
    ).respond_with_json(
        {
            "ok": True,
            "result": {
                "file_id": file_id,
                "file_unique_id": "AgAD",
                "file_size": len(PDF),
                "file_path": "documents/file_7.pdf",
            },
        }
    )
    stand_in.expect_oneshot_request(f"/file/bot{BOT_TOKEN}/documents/file_7.pdf", method="GET").respond_with_data(
        PDF, content_type="application/octet-stream"
    )

    media = media_fetch(
        account=account(office, "telegram", access_token=BOT_TOKEN), attachment=message.attachments[0], max_bytes=10_000
    )

    assert media.content == PDF
    assert media.name == "Testfile.pdf"  # the message's own file name wins over the path's
    stand_in.check_assertions()


def test_an_x_dm_photo_is_downloaded_with_the_accounts_authorisation(stand_in, office):
    body = payload("x", "dm_media.json")
    media_block = body["direct_message_events"][0]["message_create"]["message_data"]["attachment"]["media"]
    media_block["media_url_https"] = stand_in.url_for("/1.1/ton/data/dm/1034828552951160836/oP5p359h.jpg")
    message = parse("x", body)
    stand_in.expect_oneshot_request(
        "/1.1/ton/data/dm/1034828552951160836/oP5p359h.jpg", headers={"Authorization": "Bearer x-user-token"}
    ).respond_with_data(PNG, content_type="image/png")

    media = media_fetch(
        account=account(office, "x", access_token="x-user-token"), attachment=message.attachments[0], max_bytes=1000
    )

    assert media.content == PNG
    stand_in.check_assertions()


# --- The cap, and failures ------------------------------------------------------------------------------------
def test_an_announced_size_over_the_cap_is_refused_before_reading(stand_in, office):
    body = payload("meta", "messenger_attachment_image.json")
    body["entry"][0]["messaging"][0]["message"]["attachments"][0]["payload"]["url"] = stand_in.url_for("/big.jpg")
    stand_in.expect_request("/big.jpg").respond_with_data(JPEG + b"\x00" * 5000, content_type="image/jpeg")

    with pytest.raises(MediaTooLarge):
        media_fetch(account=account(office, "meta"), attachment=parse("meta", body).attachments[0], max_bytes=1000)


def test_a_stream_without_a_length_stops_at_the_cap(stand_in, office):
    body = payload("meta", "messenger_attachment_image.json")
    body["entry"][0]["messaging"][0]["message"]["attachments"][0]["payload"]["url"] = stand_in.url_for("/endless")
    sent = []

    def endless(request):
        def chunks():
            for _ in range(10_000):  # 640 MB if nobody stopped reading
                sent.append(1)
                yield b"\x00" * 65536

        return Response(chunks(), content_type="image/jpeg")  # chunked: no Content-Length

    stand_in.expect_request("/endless").respond_with_handler(endless)

    with pytest.raises(MediaTooLarge):
        media_fetch(account=account(office, "meta"), attachment=parse("meta", body).attachments[0], max_bytes=200_000)
    assert len(sent) < 100


@pytest.mark.parametrize(("status", "transient"), [(503, True), (429, True), (404, False), (403, False)])
def test_failures_say_whether_a_retry_may_help(stand_in, office, status, transient):
    body = payload("meta", "messenger_attachment_image.json")
    body["entry"][0]["messaging"][0]["message"]["attachments"][0]["payload"]["url"] = stand_in.url_for("/gone.jpg")
    stand_in.expect_request("/gone.jpg").respond_with_data("no", status=status)

    with pytest.raises(MediaFetchError) as caught:
        media_fetch(account=account(office, "meta"), attachment=parse("meta", body).attachments[0], max_bytes=1000)
    assert caught.value.transient is transient and not isinstance(caught.value, MediaTooLarge)


def test_a_telegram_lookup_failure_never_shows_the_bot_token(stand_in, office):
    message = parse("telegram", payload("telegram", "message_document.json"))
    stand_in.expect_request(f"/bot{BOT_TOKEN}/getFile").respond_with_json(
        {"ok": False, "error_code": 400, "description": f"Bad Request: file is too big (bot{BOT_TOKEN})"}, status=400
    )

    with pytest.raises(MediaFetchError) as caught:
        media_fetch(
            account=account(office, "telegram", access_token=BOT_TOKEN), attachment=message.attachments[0], max_bytes=10
        )
    assert BOT_TOKEN not in caught.value.reason and "file is too big" in caught.value.reason
    assert caught.value.transient is False


def test_a_connection_refused_is_transient(settings, office):
    body = payload("meta", "messenger_attachment_image.json")
    body["entry"][0]["messaging"][0]["message"]["attachments"][0]["payload"]["url"] = "http://127.0.0.1:9/x.jpg"
    with pytest.raises(MediaFetchError) as caught:
        media_fetch(account=account(office, "meta"), attachment=parse("meta", body).attachments[0], max_bytes=10)
    assert caught.value.transient is True


def test_a_url_that_is_not_http_is_never_fetched(office):
    body = payload("meta", "messenger_attachment_image.json")
    body["entry"][0]["messaging"][0]["message"]["attachments"][0]["payload"]["url"] = "file:///etc/passwd"
    with pytest.raises(MediaFetchError):
        media_fetch(account=account(office, "meta"), attachment=parse("meta", body).attachments[0], max_bytes=10_000)


def test_which_platforms_fetch_and_send_files():
    assert all(fetches_media(kind) for kind in ("meta", "whatsapp", "telegram", "x"))
    assert not fetches_media("webchat")  # its files are uploaded to us, never fetched
    assert sends_files("telegram") and sends_files("webchat") and sends_files("whatsapp")
    # Meta (Instagram takes files by URL only) and X (chunked media upload) take no files from us yet.
    assert not any(sends_files(kind) for kind in ("meta", "x"))


# --- An officer's file to Telegram --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mime_type", "content", "method", "field"),
    [("application/pdf", PDF, "sendDocument", "document"), ("image/png", PNG, "sendPhoto", "photo")],
    ids=["pdf", "png"],
)
def test_telegram_takes_a_file_as_multipart(httpserver, mime_type, content, method, field):
    seen = {}

    def handler(request):
        seen["form"] = dict(request.form)
        upload = request.files[field]
        seen["file"] = (upload.filename, upload.read(), upload.mimetype)
        return Response(json.dumps({"ok": True, "result": {"message_id": 4242}}), content_type="application/json")

    httpserver.expect_oneshot_request(f"/bot{BOT_TOKEN}/{method}", method="POST").respond_with_handler(handler)
    creds = Credentials(external_id="bot", secret="s", access_token=BOT_TOKEN)

    platform_id = get_adapter("telegram").send_file(
        creds, "1111111", content=content, mime_type=mime_type, name="surat.pdf", base_url=httpserver.url_for("")
    )

    assert platform_id == "4242"
    assert seen["form"] == {"chat_id": "1111111"}
    assert seen["file"] == ("surat.pdf", content, mime_type)


# --- An officer's file to WhatsApp ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mime_type", "content", "kind"),
    [("application/pdf", PDF, "document"), ("image/jpeg", JPEG, "image")],
    ids=["pdf", "jpeg"],
)
def test_whatsapp_uploads_the_file_then_sends_it_by_its_media_id(httpserver, mime_type, content, kind):
    seen = {}
    bearer = {"Authorization": "Bearer wa-token"}

    def upload(request):
        upload = request.files["file"]
        seen["upload"] = (dict(request.form), upload.filename, upload.read(), upload.mimetype)
        return Response(json.dumps({"id": "media-77"}), content_type="application/json")

    def send(request):
        seen["message"] = request.json
        return Response(json.dumps({"messages": [{"id": "wamid.out"}]}), content_type="application/json")

    httpserver.expect_oneshot_request("/27681414235104944/media", method="POST", headers=bearer).respond_with_handler(
        upload
    )
    httpserver.expect_oneshot_request(
        "/27681414235104944/messages", method="POST", headers=bearer
    ).respond_with_handler(send)
    creds = Credentials(external_id="27681414235104944", secret="s", access_token="wa-token")

    message_id = get_adapter("whatsapp").send_file(
        creds, "16315551234", content=content, mime_type=mime_type, name="Formulir.pdf", base_url=httpserver.url_for("")
    )

    assert message_id == "wamid.out"
    assert seen["upload"] == ({"messaging_product": "whatsapp", "type": mime_type}, "Formulir.pdf", content, mime_type)
    expected = {"id": "media-77", "filename": "Formulir.pdf"} if kind == "document" else {"id": "media-77"}
    assert seen["message"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "16315551234",
        "type": kind,
        kind: expected,
    }
