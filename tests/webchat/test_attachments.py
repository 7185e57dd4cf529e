"""A web-chat visitor sends a photo or PDF and downloads the files of their own thread; nobody else does."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AuditEvent
from common.storage import private_storage
from tests.attachment_samples import EXE, HTML, JPEG, PDF, PNG, big_pdf
from tickets.models import Attachment, Inquiry, Message
from tickets.replies import reply_send

UPLOAD = "/api/v1/webchat/attachments/"


def visitor(office_code: str, **extra) -> APIClient:
    client = APIClient()
    response = client.post("/api/v1/webchat/sessions/", {"office": office_code, **extra}, format="json")
    assert response.status_code == 201, response.content
    client.credentials(HTTP_X_WEBCHAT_TOKEN=response.json()["token"])
    return client


def upload(client, name: str, content: bytes, **fields):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, content), **fields}, format="multipart")


def files_on_disk() -> set[str]:
    storage, found = private_storage(), set()

    def walk(path):
        if not storage.exists(path):
            return
        folders, names = storage.listdir(path)
        found.update(f"{path}/{name}" for name in names)
        for folder in folders:
            walk(f"{path}/{folder}")

    walk("attachments")
    return found


@pytest.fixture
def chat(office, webchat_account):
    return visitor(office.code, name="Sari")


# --- Sending ------------------------------------------------------------------------------------------------------
def test_a_visitor_sends_a_pdf_and_the_officer_downloads_it(chat, client, officer):
    response = upload(chat, "Boarding pass.pdf", PDF, text="Ini boarding pass saya", client_id="c1")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["from"] == "you" and body["text"] == "Ini boarding pass saya"
    (file,) = body["files"]
    assert file["name"] == "Boarding_pass.pdf" and file["mime_type"] == "application/pdf" and file["size"] == len(PDF)
    assert "answer_by" in body  # the promise comes back as for a text message

    stored = Attachment.objects.get(pk=file["id"])
    assert stored.status == "stored" and stored.message.direction == Message.Direction.INBOUND
    inquiry = Inquiry.objects.get()
    assert stored.message.inquiry == inquiry and inquiry.preview == "Ini boarding pass saya"
    assert AuditEvent.objects.filter(action="inquiry.receive", object_id=str(inquiry.pk)).exists()

    client.force_login(officer)
    page = client.get(reverse("tickets:conversation", args=[inquiry.pk])).content.decode()
    assert "Boarding_pass.pdf" in page
    download = client.get(reverse("tickets:attachment", args=[inquiry.pk, stored.pk]))
    assert download["Content-Type"] == "application/pdf" and b"".join(download.streaming_content) == PDF


def test_a_photo_without_a_caption_opens_an_inquiry_too(chat):
    response = upload(chat, "struk.jpg", JPEG)

    assert response.status_code == 201
    assert response.json()["files"][0]["mime_type"] == "image/jpeg"
    assert Inquiry.objects.get().preview == "[image]"


def test_the_visitor_reads_and_downloads_their_own_files(chat):
    file_id = upload(chat, "foto.png", PNG).json()["files"][0]["id"]

    thread = chat.get("/api/v1/webchat/messages/").json()["messages"]
    assert [m["files"][0]["id"] for m in thread] == [file_id]
    response = chat.get(f"{UPLOAD}{file_id}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'attachment; filename="foto.png"'


def test_another_visitor_cannot_read_the_file(chat, office):
    file_id = upload(chat, "foto.png", PNG).json()["files"][0]["id"]
    stranger = visitor(office.code)

    response = stranger.get(f"{UPLOAD}{file_id}/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert APIClient().get(f"{UPLOAD}{file_id}/").status_code == 401
    assert stranger.get(f"{UPLOAD}{10**30}/").status_code == 404


# --- Refusals -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "content"), [("invoice.pdf", EXE), ("image.png", HTML), ("resi.txt", b"AWB 123")])
def test_what_is_no_photo_or_pdf_is_refused_and_nothing_is_kept(chat, name, content):
    before = files_on_disk()

    response = chat.post(
        UPLOAD, {"file": SimpleUploadedFile(name, content)}, format="multipart", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 415
    error = response.json()["error"]
    assert error["code"] == "unsupported_type"
    assert error["message"] == "Only photos (JPEG, PNG, WebP, GIF) and PDF files are accepted."
    assert error["fields"] == {"file": [error["message"]]}
    assert not Message.objects.exists() and not Attachment.objects.exists() and files_on_disk() == before


def test_a_file_over_the_limit_is_a_413(chat, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000

    response = upload(chat, "big.pdf", big_pdf(1001))

    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
    assert not Message.objects.exists()


def test_a_body_announced_over_the_limit_is_refused_before_it_is_read(chat, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    response = chat.generic(
        "POST",
        UPLOAD,
        b"x" * 10,
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(200 * 1024),
    )
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"


def test_an_upload_of_the_allowed_size_passes_the_api_body_limit(chat, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096  # the JSON limit is far below a file's
    settings.ATTACHMENT_MAX_BYTES = 20_000
    assert upload(chat, "scan.pdf", big_pdf(15_000)).status_code == 201


def test_a_missing_file_an_unknown_token_and_a_too_long_caption(chat, office):
    response = chat.post(UPLOAD, {"text": "halo"}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["error"]["fields"]
    anonymous = APIClient(headers={"X-Webchat-Token": "nope"})
    assert upload(anonymous, "a.pdf", PDF).status_code == 401
    long = upload(chat, "a.pdf", PDF, text="x" * 5000)
    assert long.status_code == 400 and "text" in long.json()["error"]["fields"]
    assert not Attachment.objects.exists()


def test_the_same_upload_twice_is_filed_once(chat):
    before = files_on_disk()
    first = upload(chat, "a.pdf", PDF, client_id="same")
    second = upload(chat, "a.pdf", PDF, client_id="same")

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert Attachment.objects.count() == 1 and len(files_on_disk() - before) == 1


def test_uploads_share_the_message_rate_limit(chat, monkeypatch, settings):
    from rest_framework.settings import api_settings

    # A cache of this process only: other test runs on the machine clear the shared Redis test cache.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "d2-rate"}}

    from webchat.api.views import SessionMessageThrottle

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "webchat_message": "2/minute"}
    monkeypatch.setattr(SessionMessageThrottle, "THROTTLE_RATES", rates)
    assert chat.post("/api/v1/webchat/messages/", {"text": "halo"}, format="json").status_code == 201
    assert upload(chat, "a.pdf", PDF).status_code == 201
    assert upload(chat, "b.pdf", PDF).status_code == 429


# --- The officer's file reaches the visitor --------------------------------------------------------------------------
def test_an_officers_file_reaches_the_visitor_once_delivered(chat, officer, django_capture_on_commit_callbacks):
    chat.post("/api/v1/webchat/messages/", {"text": "Formulirnya mana?"}, format="json")
    inquiry = Inquiry.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        reply = reply_send(
            inquiry=inquiry, author=officer, text="Ini formulirnya.", file=SimpleUploadedFile("Formulir.pdf", PDF)
        )

    thread = chat.get("/api/v1/webchat/messages/").json()["messages"]
    office_message = thread[-1]
    assert office_message["from"] == "office" and office_message["text"] == "Ini formulirnya."
    (file,) = office_message["files"]
    assert file["id"] == reply.files.get().pk and file["name"] == "Formulir.pdf"
    response = chat.get(f"{UPLOAD}{file['id']}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF


def test_an_officers_file_is_not_readable_before_delivery(chat, officer):
    chat.post("/api/v1/webchat/messages/", {"text": "Halo"}, format="json")
    reply = reply_send(
        inquiry=Inquiry.objects.get(), author=officer, text="x", file=SimpleUploadedFile("a.pdf", PDF)
    )  # on_commit never runs: still queued
    assert chat.get(f"{UPLOAD}{reply.files.get().pk}/").status_code == 404


def test_an_internal_notes_file_is_never_the_visitors(chat, officer):
    chat.post("/api/v1/webchat/messages/", {"text": "Halo"}, format="json")
    note = Message.objects.create(inquiry=Inquiry.objects.get(), direction=Message.Direction.INTERNAL, text="n")
    secret = Attachment.objects.create(message=note, status="stored", storage_name="attachments/x.pdf", name="x.pdf")
    assert chat.get(f"{UPLOAD}{secret.pk}/").status_code == 404


# --- Queries ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("count", [1, 10])
def test_polling_a_thread_with_files_takes_a_fixed_number_of_queries(chat, count, django_assert_max_num_queries):
    for n in range(count):
        assert upload(chat, f"foto{n}.png", PNG, client_id=f"c{n}").status_code == 201

    with django_assert_max_num_queries(12):
        response = chat.get("/api/v1/webchat/messages/")
    assert sum(len(m["files"]) for m in response.json()["messages"]) == count
