"""Attachments in the officers' thread: a platform's photo or PDF travels from the signed webhook to the thread
(fetched from a local stand-in of the platform), what is not a photo or PDF or is too large is refused and still
shown, only the inquiry's office downloads it, with safe headers; an officer's file goes out where the channel
takes files (Telegram as multipart) and is refused where it does not."""

import hashlib
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from werkzeug import Response

from audit.models import AuditEvent
from channels_intake.models import OutboundMessage
from common.storage import private_storage
from tests import factories
from tests.attachment_samples import EXE, HTML, JPEG, PDF, PNG, big_pdf
from tests.channels_intake.test_webhooks import SIGNERS
from tickets.attachments import clean_name
from tickets.models import Attachment, Inquiry, Message
from tickets.replies import reply_send

FIXTURES = Path(__file__).parent.parent / "channels_intake" / "fixtures"
BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture
def stand_in(httpserver, settings):
    base = httpserver.url_for("").rstrip("/")
    settings.META_GRAPH_URL = base
    settings.TELEGRAM_API_URL = base
    settings.X_API_URL = base
    settings.CHANNEL_HTTP_TIMEOUT = 3
    return httpserver


@pytest.fixture
def accounts(office):
    return {
        kind: factories.ChannelAccountFactory(
            office=office, kind=kind, slug=f"{kind}-test", access_token=BOT_TOKEN if kind == "telegram" else "tok"
        )
        for kind in ("meta", "whatsapp", "telegram", "x")
    }


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def fixture(kind: str, name: str) -> dict:
    return json.loads((FIXTURES / kind / name).read_text())


def deliver(client, kind: str, body: dict, capture):
    raw = json.dumps(body).encode()
    with capture(execute=True):
        response = client.post(
            f"/intake/{kind}/{kind}-test/webhook/", data=raw, content_type="application/json", **SIGNERS[kind](raw)
        )
    assert response.status_code == 200, response.content
    return Message.objects.get(direction=Message.Direction.INBOUND)


def meta_image(stand_in, path="/cdn/photo.jpg") -> dict:
    body = fixture("meta", "messenger_attachment_image.json")
    body["entry"][0]["messaging"][0]["message"]["attachments"][0]["payload"]["url"] = stand_in.url_for(path)
    return body


def telegram_document(stand_in, content: bytes, *, file_name: str = "Testfile.pdf") -> dict:
    body = fixture("telegram", "message_document.json")
    body["message"]["document"]["file_name"] = file_name
    file_id = body["message"]["document"]["file_id"]
    stand_in.expect_request(f"/bot{BOT_TOKEN}/getFile", query_string={"file_id": file_id}).respond_with_json(
        {"ok": True, "result": {"file_id": file_id, "file_path": "documents/file_7.pdf"}}
    )
    stand_in.expect_request(f"/file/bot{BOT_TOKEN}/documents/file_7.pdf").respond_with_data(content)
    return body


def platform_payload(kind: str, stand_in) -> tuple[dict, bytes, str]:
    """A real-shaped payload of ``kind`` carrying one file, and the stand-in serving its bytes."""
    if kind == "meta":
        stand_in.expect_request("/cdn/photo.jpg").respond_with_data(JPEG, content_type="image/jpeg")
        return meta_image(stand_in), JPEG, "image/jpeg"
    if kind == "whatsapp":
        stand_in.expect_request("/2754859441498128").respond_with_json({"url": stand_in.url_for("/wa/media")})
        stand_in.expect_request("/wa/media").respond_with_data(PNG, content_type="image/png")
        return fixture("whatsapp", "image.json"), PNG, "image/png"
    if kind == "telegram":
        return telegram_document(stand_in, PDF), PDF, "application/pdf"
    body = fixture("x", "dm_media.json")
    media = body["direct_message_events"][0]["message_create"]["message_data"]["attachment"]["media"]
    media["media_url_https"] = stand_in.url_for("/ton/photo.jpg")
    stand_in.expect_request("/ton/photo.jpg").respond_with_data(JPEG, content_type="image/jpeg")
    return body, JPEG, "image/jpeg"


# --- Each platform's file reaches the thread -------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["meta", "whatsapp", "telegram", "x"])
def test_a_platforms_file_is_fetched_stored_privately_and_shown_in_the_thread(
    kind, stand_in, accounts, client, officer, django_capture_on_commit_callbacks
):
    body, content, mime_type = platform_payload(kind, stand_in)

    message = deliver(client, kind, body, django_capture_on_commit_callbacks)

    (file,) = message.files.all()
    assert file.status == Attachment.Status.STORED and file.mime_type == mime_type
    assert file.size == len(content) and file.sha256 == hashlib.sha256(content).hexdigest()
    assert file.storage_name.startswith("attachments/") and file.name  # a random name; the sender's is kept apart
    assert str(file.name) not in file.storage_name
    with private_storage().open(file.storage_name, "rb") as handle:
        assert handle.read() == content
    with pytest.raises(ValueError):  # the private storage has no URL at all
        private_storage().url(file.storage_name)
    assert message.attachments[0]["file"] == file.pk  # the raw mention is now this file
    assert AuditEvent.objects.filter(action="attachment.stored", object_id=str(message.inquiry_id)).exists()

    client.force_login(officer)
    page = client.get(reverse("tickets:conversation", args=[message.inquiry_id])).content.decode()
    download = reverse("tickets:attachment", args=[message.inquiry_id, file.pk])
    assert f'href="{download}"' in page and file.name in page
    assert (f'src="{download}?inline=1"' in page) is mime_type.startswith("image/")
    response = client.get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content) == content


def test_a_program_renamed_pdf_is_refused_and_the_officer_sees_why(
    stand_in, accounts, client, officer, django_capture_on_commit_callbacks
):
    body = telegram_document(stand_in, EXE, file_name="invoice.pdf")

    message = deliver(client, "telegram", body, django_capture_on_commit_callbacks)

    (file,) = message.files.all()
    assert file.status == Attachment.Status.REFUSED and file.reason == "type" and not file.storage_name
    client.force_login(officer)
    page = client.get(reverse("tickets:conversation", args=[message.inquiry_id])).content.decode()
    assert "invoice.pdf" in page and "attachment refused: not a photo or a PDF" in _english(client, message)
    assert AuditEvent.objects.filter(action="attachment.refused").exists()


def _english(client, message) -> str:
    client.cookies["django_language"] = "en"
    return client.get(reverse("tickets:thread", args=[message.inquiry_id])).content.decode()


def test_a_web_page_called_image_png_is_refused(stand_in, accounts, client, django_capture_on_commit_callbacks):
    stand_in.expect_request("/cdn/image.png").respond_with_data(HTML, content_type="image/png")

    message = deliver(client, "meta", meta_image(stand_in, "/cdn/image.png"), django_capture_on_commit_callbacks)

    assert [(f.status, f.reason) for f in message.files.all()] == [("refused", "type")]


def test_a_file_over_the_limit_is_refused_without_being_kept(
    stand_in, accounts, client, settings, django_capture_on_commit_callbacks
):
    settings.ATTACHMENT_MAX_BYTES = 1000
    body = telegram_document(stand_in, big_pdf(5000))

    message = deliver(client, "telegram", body, django_capture_on_commit_callbacks)

    assert [(f.status, f.reason, f.storage_name) for f in message.files.all()] == [("refused", "size", "")]
    assert message.text == "" and Inquiry.objects.count() == 1  # the message itself is filed: nothing lost


def test_a_transient_failure_is_retried_then_the_file_is_stored(
    stand_in, accounts, client, django_capture_on_commit_callbacks
):
    answers = iter([Response("busy", status=503), Response(JPEG, content_type="image/jpeg")])
    stand_in.expect_request("/cdn/photo.jpg").respond_with_handler(lambda request: next(answers))

    message = deliver(client, "meta", meta_image(stand_in), django_capture_on_commit_callbacks)

    (file,) = message.files.all()
    assert file.status == "stored" and file.attempts == 2


def test_a_file_the_platform_keeps_refusing_ends_failed_with_the_reason(
    stand_in, accounts, client, officer, django_capture_on_commit_callbacks
):
    stand_in.expect_request("/cdn/photo.jpg").respond_with_data("gone", status=404)

    message = deliver(client, "meta", meta_image(stand_in), django_capture_on_commit_callbacks)

    (file,) = message.files.all()
    assert file.status == "failed" and file.reason == "HTTP 404" and file.attempts == 1
    client.force_login(officer)
    assert "HTTP 404" in _english(client, message)


def test_a_file_that_stays_unreachable_is_given_up_after_five_attempts(
    stand_in, accounts, client, django_capture_on_commit_callbacks
):
    stand_in.expect_request("/cdn/photo.jpg").respond_with_data("busy", status=503)

    message = deliver(client, "meta", meta_image(stand_in), django_capture_on_commit_callbacks)

    (file,) = message.files.all()
    assert (file.status, file.attempts, file.reason) == ("failed", 5, "HTTP 503")


def test_videos_and_locations_stay_mentions_without_a_fetch(accounts, client, django_capture_on_commit_callbacks):
    body = fixture("meta", "messenger_attachment_image.json")
    body["entry"][0]["messaging"][0]["message"]["attachments"] = [
        {"type": "video", "payload": {"url": "https://video.example/v.mp4"}},
        {"type": "location", "payload": {"coordinates": {"lat": -6.2, "long": 106.8}}},
    ]

    message = deliver(client, "meta", body, django_capture_on_commit_callbacks)

    assert not message.files.exists()
    assert [a["kind"] for a in message.attachments] == ["video", "location"]


# --- Who downloads, and how ------------------------------------------------------------------------------------
@pytest.fixture
def stored_pdf(accounts, stand_in, django_capture_on_commit_callbacks):
    body = telegram_document(stand_in, PDF, file_name="../../etc/Bukti bayar<script>.pdf")
    message = deliver(Client(), "telegram", body, django_capture_on_commit_callbacks)
    return message.files.get()


def test_the_download_carries_the_sniffed_type_and_safe_headers(officer_client, stored_pdf):
    response = officer_client.get(reverse("tickets:attachment", args=[stored_pdf.message.inquiry_id, stored_pdf.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="Bukti_bayarscript.pdf"' in response["Content-Disposition"]
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Cache-Control"].startswith("private")


def test_a_pdf_is_a_download_even_when_asked_inline(officer_client, stored_pdf):
    url = reverse("tickets:attachment", args=[stored_pdf.message.inquiry_id, stored_pdf.pk])
    assert officer_client.get(url + "?inline=1")["Content-Disposition"].startswith("attachment;")


def test_a_photo_is_inline_only_when_the_thread_asks_for_its_thumbnail(
    stand_in, accounts, officer_client, django_capture_on_commit_callbacks
):
    stand_in.expect_request("/cdn/photo.jpg").respond_with_data(JPEG)
    message = deliver(officer_client, "meta", meta_image(stand_in), django_capture_on_commit_callbacks)
    url = reverse("tickets:attachment", args=[message.inquiry_id, message.files.get().pk])

    assert officer_client.get(url + "?inline=1")["Content-Disposition"].startswith("inline;")
    assert officer_client.get(url)["Content-Disposition"].startswith("attachment;")
    assert officer_client.get(url)["Content-Type"] == "image/jpeg"


def test_an_officer_of_another_office_gets_a_404(client, other_office, stored_pdf):
    client.force_login(factories.StaffFactory(office=other_office).user)
    url = reverse("tickets:attachment", args=[stored_pdf.message.inquiry_id, stored_pdf.pk])
    assert client.get(url).status_code == 404


def test_nobody_logged_out_downloads(client, stored_pdf):
    url = reverse("tickets:attachment", args=[stored_pdf.message.inquiry_id, stored_pdf.pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_file_is_reached_only_through_its_own_inquiry(officer_client, office, stored_pdf):
    other = factories.InquiryFactory(account=stored_pdf.message.inquiry.account, office=office)
    assert officer_client.get(reverse("tickets:attachment", args=[other.pk, stored_pdf.pk])).status_code == 404
    assert officer_client.get(reverse("tickets:attachment", args=[other.pk, 10**30])).status_code == 404


def test_a_refused_file_has_nothing_to_download(stand_in, accounts, officer_client, django_capture_on_commit_callbacks):
    stand_in.expect_request("/cdn/image.png").respond_with_data(HTML)
    message = deliver(
        officer_client, "meta", meta_image(stand_in, "/cdn/image.png"), django_capture_on_commit_callbacks
    )
    url = reverse("tickets:attachment", args=[message.inquiry_id, message.files.get().pk])
    assert officer_client.get(url).status_code == 404


# --- An officer's file ---------------------------------------------------------------------------------------------
def test_an_officers_file_goes_to_telegram_as_multipart_before_the_text(
    stand_in, accounts, officer, django_capture_on_commit_callbacks, client
):
    inquiry = deliver(client, "telegram", telegram_document(stand_in, PDF), django_capture_on_commit_callbacks).inquiry
    seen = []

    def document(request):
        upload = request.files["document"]
        seen.append(("document", request.form["chat_id"], upload.filename, upload.read()))
        return Response(json.dumps({"ok": True, "result": {"message_id": 501}}), content_type="application/json")

    def text(request):
        seen.append(("text", request.json["chat_id"], request.json["text"]))
        return Response(json.dumps({"ok": True, "result": {"message_id": 502}}), content_type="application/json")

    stand_in.expect_request(f"/bot{BOT_TOKEN}/sendDocument", method="POST").respond_with_handler(document)
    stand_in.expect_request(f"/bot{BOT_TOKEN}/sendMessage", method="POST").respond_with_handler(text)
    client.force_login(officer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("tickets:conversation", args=[inquiry.pk]),
            {
                "text": "Ini formulir yang perlu diisi.",
                "kind": "answer",
                "file": SimpleUploadedFile("Formulir BC.pdf", PDF),
            },
        )

    assert response.status_code == 302
    assert seen == [
        ("document", "1111111", "Formulir_BC.pdf", PDF),
        ("text", "1111111", "Ini formulir yang perlu diisi."),
    ]
    reply = Message.objects.get(direction=Message.Direction.OUTBOUND)
    assert reply.outbound.status == OutboundMessage.Status.SENT and reply.outbound.platform_ids == ["501", "502"]
    assert [(f.status, f.mime_type, f.name) for f in reply.files.all()] == [
        ("stored", "application/pdf", "Formulir_BC.pdf")
    ]
    page = client.get(reverse("tickets:conversation", args=[inquiry.pk])).content.decode()
    assert reverse("tickets:attachment", args=[inquiry.pk, reply.files.get().pk]) in page


def test_a_failed_text_after_the_file_sends_the_file_once(
    stand_in, accounts, officer, django_capture_on_commit_callbacks, client
):
    inquiry = deliver(client, "telegram", telegram_document(stand_in, PDF), django_capture_on_commit_callbacks).inquiry
    documents = []
    texts = iter([Response("down", status=502), Response(json.dumps({"ok": True, "result": {"message_id": 9}}))])

    def document(request):
        documents.append(request.files["document"].read())
        return Response(json.dumps({"ok": True, "result": {"message_id": 8}}), content_type="application/json")

    stand_in.expect_request(f"/bot{BOT_TOKEN}/sendDocument").respond_with_handler(document)
    stand_in.expect_request(f"/bot{BOT_TOKEN}/sendMessage").respond_with_handler(lambda request: next(texts))
    reply = reply_send(inquiry=inquiry, author=officer, text="Terlampir.", file=SimpleUploadedFile("a.pdf", PDF))

    from channels_intake.outbox import outbox_deliver

    assert outbox_deliver(outbound_id=reply.outbound_id).status == "retry"
    OutboundMessage.objects.filter(pk=reply.outbound_id).update(next_attempt_at=None)
    assert outbox_deliver(outbound_id=reply.outbound_id).status == "sent"
    assert documents == [PDF]
    assert OutboundMessage.objects.get(pk=reply.outbound_id).platform_ids == ["8", "9"]


def test_a_file_only_reply_goes_out_without_text(
    stand_in, accounts, officer, django_capture_on_commit_callbacks, client
):
    inquiry = deliver(client, "telegram", telegram_document(stand_in, PDF), django_capture_on_commit_callbacks).inquiry
    stand_in.expect_oneshot_request(f"/bot{BOT_TOKEN}/sendPhoto").respond_with_json(
        {"ok": True, "result": {"message_id": 7}}
    )

    with django_capture_on_commit_callbacks(execute=True):
        reply = reply_send(
            inquiry=inquiry, author=officer, text="", kind="message", file=SimpleUploadedFile("p.png", PNG)
        )

    reply.outbound.refresh_from_db()
    assert reply.outbound.status == "sent" and reply.outbound.platform_ids == ["7"]
    stand_in.check_assertions()


@pytest.mark.parametrize(("name", "content"), [("virus.pdf", EXE), ("image.png", HTML)])
def test_an_officers_file_that_is_no_photo_or_pdf_is_a_form_error(
    name, content, stand_in, accounts, officer, client, django_capture_on_commit_callbacks
):
    inquiry = deliver(client, "telegram", telegram_document(stand_in, PDF), django_capture_on_commit_callbacks).inquiry
    client.force_login(officer)
    client.cookies["django_language"] = "en"

    response = client.post(
        reverse("tickets:conversation", args=[inquiry.pk]),
        {"text": "Terlampir", "kind": "answer", "file": SimpleUploadedFile(name, content)},
    )

    assert response.status_code == 200
    assert "Only photos (JPEG, PNG, WebP, GIF) and PDF files are accepted." in response.content.decode()
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND).exists()
    assert not OutboundMessage.objects.exists()


def test_a_channel_that_takes_no_files_from_us_refuses_cleanly(
    stand_in, accounts, officer, client, django_capture_on_commit_callbacks
):
    stand_in.expect_request("/cdn/photo.jpg").respond_with_data(JPEG)
    inquiry = deliver(client, "meta", meta_image(stand_in), django_capture_on_commit_callbacks).inquiry
    client.force_login(officer)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("tickets:conversation", args=[inquiry.pk])).content.decode()
    assert "This channel does not take files from us" in page and 'type="file"' not in page

    response = client.post(
        reverse("tickets:conversation", args=[inquiry.pk]),
        {"text": "Terlampir", "kind": "answer", "file": SimpleUploadedFile("a.pdf", PDF)},
    )

    assert response.status_code == 200 and "This channel does not take files from us" in response.content.decode()
    assert not OutboundMessage.objects.exists()


def test_an_oversized_officer_file_is_refused(
    stand_in, accounts, officer, settings, django_capture_on_commit_callbacks, client
):
    inquiry = deliver(client, "telegram", telegram_document(stand_in, PDF), django_capture_on_commit_callbacks).inquiry
    settings.ATTACHMENT_MAX_BYTES = 1000
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        reply_send(inquiry=inquiry, author=officer, text="x", file=SimpleUploadedFile("a.pdf", big_pdf(2000)))
    assert "file" in caught.value.message_dict


# --- The thread page's queries -------------------------------------------------------------------------------------
def thread_with_files(inquiry, count: int) -> None:
    for n in range(count):
        message = factories.MessageFactory(inquiry=inquiry, text=f"foto {n}")
        for mime_type in ("image/png", "application/pdf"):
            Attachment.objects.create(
                message=message,
                status="stored",
                storage_name=f"attachments/x{n}",
                mime_type=mime_type,
                name="f",
                size=9,
            )
        Attachment.objects.create(message=message, status="refused", reason="type", name="virus.pdf")


@pytest.mark.parametrize("count", [2, 12])
def test_the_thread_with_attachments_takes_a_fixed_number_of_queries(
    count, officer_client, office, webchat_account, django_assert_max_num_queries
):
    inquiry = factories.InquiryFactory(account=webchat_account, office=office)
    thread_with_files(inquiry, count)

    with django_assert_max_num_queries(12):
        response = officer_client.get(reverse("tickets:thread", args=[inquiry.pk]))
    assert response.content.decode().count('class="attachment attachment-file"') == 2 * count
    with django_assert_max_num_queries(40):
        assert officer_client.get(reverse("tickets:conversation", args=[inquiry.pk])).status_code == 200


def test_the_conversation_page_does_not_grow_with_the_files(officer_client, office, webchat_account):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for count in (1, 8):
        inquiry = factories.InquiryFactory(account=webchat_account, office=office)
        thread_with_files(inquiry, count)
        officer_client.get(reverse("tickets:conversation", args=[inquiry.pk]))  # warm: the calendar is cached
        with CaptureQueriesContext(connection) as queries:
            officer_client.get(reverse("tickets:conversation", args=[inquiry.pk]))
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- Names -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "mime_type", "shown"),
    [
        ("Invoice 2026.PDF", "application/pdf", "Invoice_2026.PDF"),
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("invoice.exe", "application/pdf", "invoice.exe.pdf"),
        ("", "image/jpeg", "attachment.jpg"),
        ("foto.jpeg", "image/jpeg", "foto.jpeg"),
        ("C:\\Users\\budi\\struk.png", "image/png", "struk.png"),
        (".htaccess", "image/png", "htaccess.png"),
        ("a" * 300 + ".pdf", "application/pdf", "a" * 116 + ".pdf"),
    ],
)
def test_file_names_are_made_safe_with_the_extension_of_their_content(given, mime_type, shown):
    assert clean_name(given, mime_type) == shown


# --- Kept with the inquiry -------------------------------------------------------------------------------------
def test_a_merged_duplicates_files_move_with_its_messages(
    stand_in, accounts, client, officer, office, django_capture_on_commit_callbacks
):
    from tickets.inquiries import inquiry_resolve

    message = deliver(client, "telegram", telegram_document(stand_in, PDF), django_capture_on_commit_callbacks)
    kept = factories.InquiryFactory(account=message.inquiry.account, office=office)

    inquiry_resolve(inquiry=message.inquiry, actor=officer, outcome="duplicate", duplicate_of=kept)

    file = Attachment.objects.get()
    assert file.message.inquiry_id == kept.pk
    client.force_login(officer)
    assert client.get(reverse("tickets:attachment", args=[kept.pk, file.pk])).status_code == 200
    assert client.get(reverse("tickets:attachment", args=[message.inquiry_id, file.pk])).status_code == 404


def test_a_platform_cannot_pass_off_a_reference_as_a_web_chat_upload(
    stand_in, accounts, client, django_capture_on_commit_callbacks
):
    """Only the web chat's own (server-built) messages name stored uploads; a platform's file id that looks like
    one is a platform reference like any other, asked of the platform."""
    body = fixture("telegram", "message_document.json")
    body["message"]["document"]["file_id"] = "upload:attachments/2026/12/someone-elses.pdf"
    stand_in.expect_request(
        f"/bot{BOT_TOKEN}/getFile", query_string={"file_id": "upload:attachments/2026/12/someone-elses.pdf"}
    ).respond_with_json({"ok": False, "description": "Bad Request: wrong file_id"})

    message = deliver(client, "telegram", body, django_capture_on_commit_callbacks)

    (file,) = message.files.all()
    assert (file.status, file.storage_name, file.reason) == ("failed", "", "Bad Request: wrong file_id")


def test_a_file_left_pending_is_fetched_by_the_redrive(stand_in, accounts, client, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from tickets.attachments import redrive_attachments

    stand_in.expect_request("/cdn/photo.jpg").respond_with_data(JPEG)
    raw = json.dumps(meta_image(stand_in)).encode()
    with django_capture_on_commit_callbacks(execute=False):  # the broker was down: the fetch was never queued
        client.post(
            "/intake/meta/meta-test/webhook/", data=raw, content_type="application/json", **SIGNERS["meta"](raw)
        )
    from channels_intake.inbound import inbound_redrive
    from channels_intake.models import InboundEvent

    InboundEvent.objects.update(received_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=False):
        inbound_redrive()
    file = Attachment.objects.get()
    assert file.status == "pending"
    assert redrive_attachments() == 0  # not yet: a worker may still be at it

    Attachment.objects.update(created_at=timezone.now() - timedelta(minutes=11))
    assert redrive_attachments() == 1
    file.refresh_from_db()
    assert file.status == "stored"
