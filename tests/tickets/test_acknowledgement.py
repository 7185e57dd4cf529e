"""The social channels' automatic acknowledgement (issue: privacy notice; clauses a.3, a.4): a new inquiry from
Messenger, WhatsApp, Telegram or X is acknowledged at once on its channel, through the outbox to a local stand-in
of the platform, with the office's promise, and the first acknowledgement a requester gets carries the link to the
privacy notice. It is not an answer: the response target keeps running. The web chat is not acknowledged this way
(its widget shows the promise and the notice)."""

import json
import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from werkzeug import Request, Response

from channels_intake.models import OutboundMessage
from sla.models import Notification
from tests import factories
from tests.channels_intake.test_webhooks import SIGNERS
from tickets import lifecycle
from tickets.models import Inquiry, Message, Requester

from .test_attachments import BOT_TOKEN, fixture

WIB = ZoneInfo("Asia/Jakarta")
MON = date(2026, 12, 7)
WORKING = datetime.combine(MON, time(10, 0), tzinfo=WIB)
EVENING = datetime.combine(MON, time(19, 0), tzinfo=WIB)


@pytest.fixture(autouse=True)
def acknowledging(settings):
    settings.SOCIAL_ACKNOWLEDGEMENT = True
    settings.SITE_URL = "https://layanan.example.go.id"


class Platform:
    """A stand-in for the four platforms' send endpoints, answering in each one's documented success shape and
    recording what was sent (path and text)."""

    def __init__(self, httpserver):
        self.sent: list[tuple[str, str]] = []
        self.fail = False
        httpserver.expect_request(re.compile(".*"), method="POST").respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        text = body.get("text") or (body.get("message") or {}).get("text") or ""
        if isinstance(text, dict):  # WhatsApp: {"text": {"body": ...}}
            text = text.get("body", "")
        self.sent.append((request.path, text))
        if self.fail:
            return Response(json.dumps({"error": {"message": "bad request", "code": 100}}), status=400)
        if request.path.endswith("/sendMessage"):
            return Response(json.dumps({"ok": True, "result": {"message_id": len(self.sent)}}))
        if request.path.startswith("/2/dm_conversations"):
            return Response(json.dumps({"data": {"dm_conversation_id": "c", "dm_event_id": "e"}}), status=201)
        return Response(
            json.dumps({"message_id": f"m{len(self.sent)}", "messages": [{"id": f"wamid.{len(self.sent)}"}]})
        )

    def texts(self) -> list[str]:
        return [text for _, text in self.sent]


@pytest.fixture
def platform(httpserver, settings):
    base = httpserver.url_for("").rstrip("/")
    settings.META_GRAPH_URL = base
    settings.TELEGRAM_API_URL = base
    settings.X_API_URL = base
    settings.CHANNEL_HTTP_TIMEOUT = 3
    return Platform(httpserver)


@pytest.fixture
def accounts(office):
    return {
        kind: factories.ChannelAccountFactory(
            office=office, kind=kind, slug=f"{kind}-test", access_token=BOT_TOKEN if kind == "telegram" else "tok"
        )
        for kind in ("meta", "whatsapp", "telegram", "x")
    }


BODIES = {
    "meta": lambda: fixture("meta", "messenger_text.json"),
    "whatsapp": lambda: fixture("whatsapp", "text.json"),
    "x": lambda: fixture("x", "dm_docs_example.json"),
}


def telegram_text(n: int, text: str = "Berapa bea masuk untuk ponsel dari luar negeri?") -> dict:
    sender = {"id": 1111111, "first_name": "Test", "username": "Testusername"}
    return {
        "update_id": 20000 + n,
        "message": {
            "message_id": 3000 + n,
            "date": 1441645532,
            "chat": {"id": 1111111, "type": "private", "first_name": "Test"},
            "from": sender,
            "text": text,
        },
    }


def post(client, kind: str, body: dict, capture) -> None:
    raw = json.dumps(body).encode()
    with capture(execute=True):
        response = client.post(
            f"/intake/{kind}/{kind}-test/webhook/", data=raw, content_type="application/json", **SIGNERS[kind](raw)
        )
    assert response.status_code == 200, response.content


def acknowledgements():
    return Message.objects.filter(kind=Message.Kind.SYSTEM, direction=Message.Direction.OUTBOUND)


@pytest.mark.parametrize("kind", ["meta", "whatsapp", "telegram", "x"])
def test_a_new_inquiry_is_acknowledged_on_its_channel_with_the_promise_and_the_privacy_link(
    kind, platform, accounts, client, django_capture_on_commit_callbacks
):
    body = telegram_text(1) if kind == "telegram" else BODIES[kind]()
    with time_machine.travel(WORKING, tick=False):
        post(client, kind, body, django_capture_on_commit_callbacks)

    inquiry = Inquiry.objects.get()
    ack = acknowledgements().get()
    assert ack.inquiry == inquiry and ack.author is None
    assert ack.outbound.status == OutboundMessage.Status.SENT
    assert len(platform.sent) == 1
    sent = platform.texts()[0]
    assert sent == ack.text
    assert "Pesan Anda sudah kami terima." in sent
    assert "Senin 7 Desember 10:55 WIB" in sent  # 55 working minutes after 10:00 WIB, in the office's zone
    assert "https://layanan.example.go.id/privasi/" in sent
    assert "gratis" in sent
    # An acknowledgement is not an answer: the response target is still running, nothing is met.
    inquiry.refresh_from_db()
    assert inquiry.response_status == "running" and inquiry.response_met_at is None
    assert inquiry.requester.privacy_notice_at is not None


def test_the_privacy_link_comes_once_and_a_follow_up_message_is_not_acknowledged(
    platform, accounts, client, django_capture_on_commit_callbacks
):
    with time_machine.travel(WORKING, tick=False):
        post(client, "telegram", telegram_text(1), django_capture_on_commit_callbacks)
        post(client, "telegram", telegram_text(2, "Maaf, ponselnya satu saja."), django_capture_on_commit_callbacks)
    assert acknowledgements().count() == 1  # the second message joined the open inquiry
    first = Inquiry.objects.get()
    with time_machine.travel(WORKING, tick=False):
        lifecycle.inquiry_close(inquiry=first, outcome=Inquiry.Outcome.NOT_REQUEST, at=timezone.now())
        first.save()
    with time_machine.travel(datetime.combine(MON, time(13, 0), tzinfo=WIB), tick=False):
        post(client, "telegram", telegram_text(3, "Pertanyaan baru: cukai rokok?"), django_capture_on_commit_callbacks)

    assert Inquiry.objects.count() == 2 and acknowledgements().count() == 2
    first_text, second_text = platform.texts()
    assert "/privasi/" in first_text
    assert "/privasi/" not in second_text
    assert "Pesan Anda sudah kami terima." in second_text


def test_an_english_speaking_requester_is_acknowledged_in_english(
    platform, accounts, client, django_capture_on_commit_callbacks
):
    requester = Requester.objects.create(account=accounts["telegram"], external_id="1111111", language="en")
    with time_machine.travel(WORKING, tick=False):
        post(client, "telegram", telegram_text(1), django_capture_on_commit_callbacks)
    (text,) = platform.texts()
    assert "We have received your message." in text
    assert "free of charge" in text
    assert "https://layanan.example.go.id/privasi/" in text
    assert "Pesan Anda" not in text
    assert acknowledgements().get().inquiry.requester == requester


def test_outside_hours_the_acknowledgement_says_when_the_clock_starts(
    platform, accounts, client, django_capture_on_commit_callbacks
):
    with time_machine.travel(EVENING, tick=False):
        post(client, "telegram", telegram_text(1), django_capture_on_commit_callbacks)
    (text,) = platform.texts()
    assert "di luar jam layanan" in text
    assert "Selasa 8 Desember 07:30 WIB" in text  # the next opening, in the office's zone


def test_the_web_chat_is_not_acknowledged_by_message(api_client, office, webchat_account):
    from tests.webchat.test_inbound_path import post as webchat_post

    with time_machine.travel(WORKING, tick=False):
        session = api_client.post("/api/v1/webchat/sessions/", {"office": office.code, "name": "Sari"}, format="json")
        assert session.status_code == 201
        response = webchat_post(api_client, session.json()["token"], "Halo, saya mau bertanya soal barang kiriman.")
    assert response.status_code in (200, 201), response.content
    assert Inquiry.objects.count() == 1
    assert not acknowledgements().exists()
    assert not OutboundMessage.objects.exists()


def test_switched_off_nothing_is_sent(platform, accounts, client, settings, django_capture_on_commit_callbacks):
    settings.SOCIAL_ACKNOWLEDGEMENT = False
    with time_machine.travel(WORKING, tick=False):
        post(client, "telegram", telegram_text(1), django_capture_on_commit_callbacks)
    assert Inquiry.objects.count() == 1
    assert platform.sent == [] and not acknowledgements().exists()
    assert Requester.objects.get().privacy_notice_at is None


def test_a_failed_acknowledgement_alerts_nobody_and_does_not_mark_the_inquiry(
    platform, accounts, client, office, django_capture_on_commit_callbacks
):
    factories.StaffFactory(office=office, role="coordinator")
    platform.fail = True  # a permanent refusal (400): the outbox gives up at once
    with time_machine.travel(WORKING, tick=False):
        post(client, "telegram", telegram_text(1), django_capture_on_commit_callbacks)
    ack = acknowledgements().get()
    assert ack.outbound.status == OutboundMessage.Status.FAILED
    inquiry = Inquiry.objects.get()
    assert inquiry.delivery_failed_at is None
    assert not Notification.objects.exists()
    assert inquiry.response_status == "running"


@pytest.mark.parametrize(
    ("code", "language"), [("en", "en"), ("en-GB", "en"), ("id", "id"), ("ms", "id"), (None, "id")]
)
def test_telegrams_language_code_chooses_the_new_requesters_language(
    code, language, platform, accounts, client, django_capture_on_commit_callbacks
):
    body = telegram_text(1)
    if code is not None:
        body["message"]["from"]["language_code"] = code
    with time_machine.travel(WORKING, tick=False):
        post(client, "telegram", body, django_capture_on_commit_callbacks)
    assert Requester.objects.get().language == language
    (text,) = platform.texts()
    assert ("We have received your message." in text) == (language == "en")


def test_a_language_hint_never_overrides_a_requesters_choice(
    platform, accounts, client, django_capture_on_commit_callbacks
):
    Requester.objects.create(account=accounts["telegram"], external_id="1111111", language="id")
    body = telegram_text(1)
    body["message"]["from"]["language_code"] = "en"
    with time_machine.travel(WORKING, tick=False):
        post(client, "telegram", body, django_capture_on_commit_callbacks)
    assert Requester.objects.get().language == "id"
    assert "Pesan Anda sudah kami terima." in platform.texts()[0]
