"""Outbound replies through the outbox to a local HTTP server speaking each platform's wire format."""

import json
import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from werkzeug import Response

from channels_intake.models import OutboundMessage
from channels_intake.outbox import outbox_deliver
from tests import factories
from tickets.models import Inquiry, Message, Requester, TargetStatus
from tickets.replies import reply_send


@pytest.fixture
def platform(httpserver, settings):
    base = httpserver.url_for("").rstrip("/")
    settings.META_GRAPH_URL = base + "/v25.0"
    settings.TELEGRAM_API_URL = base
    settings.X_API_URL = base
    settings.CHANNEL_HTTP_TIMEOUT = 0.5
    return httpserver


def make_inquiry(office, kind, *, channel=None, external="user-1", reply_from="", last_inbound_minutes=5):
    account = factories.ChannelAccountFactory(
        office=office, kind=kind, external_id="PAGE-1" if kind != "telegram" else "bot", access_token="TOKEN-1"
    )
    requester = Requester.objects.create(
        account=account, external_id=external, display_name="Budi", channel=channel or kind, reply_from_id=reply_from
    )
    received = timezone.now() - timedelta(minutes=last_inbound_minutes)
    inquiry = factories.InquiryFactory(
        account=account,
        requester=requester,
        received_at=received,
        last_inbound_at=received,
        response_due=timezone.now() + timedelta(minutes=30),
        response_status=TargetStatus.RUNNING,
        effective_start=received,
    )
    return inquiry


def send(inquiry, officer, text="Jawaban resmi", kind="answer", capture=None):
    if capture is None:
        return reply_send(inquiry=inquiry, author=officer, text=text, kind=kind)
    with capture(execute=True):
        return reply_send(inquiry=inquiry, author=officer, text=text, kind=kind)


WIRE = [
    (
        "meta",
        "messenger",
        "/v25.0/PAGE-1/messages",
        {"recipient": {"id": "user-1"}, "messaging_type": "RESPONSE", "message": {"text": "Jawaban resmi"}},
        {"recipient_id": "user-1", "message_id": "m_1"},
        "m_1",
    ),
    (
        "whatsapp",
        "whatsapp",
        "/v25.0/PAGE-1/messages",
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "user-1",
            "type": "text",
            "text": {"body": "Jawaban resmi"},
        },
        {"messaging_product": "whatsapp", "messages": [{"id": "wamid.1"}]},
        "wamid.1",
    ),
    (
        "telegram",
        "telegram",
        "/botTOKEN-1/sendMessage",
        {"chat_id": "user-1", "text": "Jawaban resmi"},
        {"ok": True, "result": {"message_id": 77}},
        "77",
    ),
    (
        "x",
        "x",
        "/2/dm_conversations/with/user-1/messages",
        {"text": "Jawaban resmi"},
        {"data": {"dm_conversation_id": "1-2", "dm_event_id": "555"}},
        "555",
    ),
]


@pytest.mark.parametrize(("kind", "channel", "path", "expected", "answer", "platform_id"), WIRE)
def test_a_reply_goes_out_in_the_platform_format_and_meets_the_target(
    platform, office, officer, kind, channel, path, expected, answer, platform_id, django_capture_on_commit_callbacks
):
    platform.expect_oneshot_request(path, method="POST").respond_with_json(answer)
    inquiry = make_inquiry(office, kind, channel=channel)

    message = send(inquiry, officer, capture=django_capture_on_commit_callbacks)

    platform.check_assertions()
    request, _ = platform.log[0]
    assert json.loads(request.data) == expected
    if kind != "telegram":
        assert request.headers["Authorization"] == "Bearer TOKEN-1"
    outbound = OutboundMessage.objects.get(pk=message.outbound_id)
    assert outbound.status == "sent" and outbound.attempts == 1 and outbound.platform_ids == [platform_id]
    inquiry.refresh_from_db()
    assert inquiry.response_status == TargetStatus.MET and inquiry.response_met_at == outbound.sent_at


def test_instagram_replies_go_from_the_instagram_account(platform, office, officer, django_capture_on_commit_callbacks):
    platform.expect_oneshot_request("/v25.0/IG-9/messages", method="POST").respond_with_json({"message_id": "m"})
    inquiry = make_inquiry(office, "meta", channel="instagram", reply_from="IG-9")
    send(inquiry, officer, capture=django_capture_on_commit_callbacks)
    platform.check_assertions()


def test_a_500_is_retried_with_backoff_then_delivered(platform, office, officer):
    platform.expect_oneshot_request("/botTOKEN-1/sendMessage").respond_with_data("oops", status=500)
    inquiry = make_inquiry(office, "telegram")
    message = send(inquiry, officer)
    outbound = OutboundMessage.objects.get(pk=message.outbound_id)

    now = timezone.now()
    outcome = outbox_deliver(outbound_id=outbound.pk, now=now)
    outbound.refresh_from_db()
    assert outcome.status == "retry" and outcome.retry_in == 30.0
    assert outbound.status == "queued" and outbound.attempts == 1 and "500" in outbound.last_error
    assert outbound.next_attempt_at == now + timedelta(seconds=30)
    inquiry.refresh_from_db()
    assert inquiry.response_met_at is None  # nothing delivered, nothing met

    platform.expect_oneshot_request("/botTOKEN-1/sendMessage").respond_with_json(
        {"ok": True, "result": {"message_id": 5}}
    )
    assert outbox_deliver(outbound_id=outbound.pk, now=now + timedelta(seconds=29)).status == "skipped"  # not due
    assert outbox_deliver(outbound_id=outbound.pk, now=now + timedelta(seconds=30)).status == "sent"
    outbound.refresh_from_db()
    assert outbound.attempts == 2 and outbound.status == "sent"


def test_a_429_honours_retry_after(platform, office, officer):
    platform.expect_oneshot_request("/v25.0/PAGE-1/messages").respond_with_response(
        Response(
            json.dumps({"error": {"message": "Too many", "code": 4}}),
            status=429,
            headers={"Retry-After": "17"},
            content_type="application/json",
        )
    )
    message = send(make_inquiry(office, "whatsapp"), officer)
    outcome = outbox_deliver(outbound_id=message.outbound.pk)
    assert outcome.status == "retry" and outcome.retry_in == 17.0


def test_telegram_429_honours_its_retry_after_parameter(platform, office, officer):
    platform.expect_oneshot_request("/botTOKEN-1/sendMessage").respond_with_json(
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 9",
            "parameters": {"retry_after": 9},
        },
        status=429,
    )
    message = send(make_inquiry(office, "telegram"), officer)
    assert outbox_deliver(outbound_id=message.outbound.pk).retry_in == 9.0


def test_a_timeout_is_retried(platform, office, officer):
    def slow(request):
        time.sleep(1.0)
        return Response("{}", status=200)

    platform.expect_oneshot_request("/2/dm_conversations/with/user-1/messages").respond_with_handler(slow)
    message = send(make_inquiry(office, "x"), officer)
    outcome = outbox_deliver(outbound_id=message.outbound.pk)
    assert outcome.status == "retry"
    message.outbound.refresh_from_db()
    assert message.outbound.status == "queued"


def test_a_400_fails_for_good_with_the_platform_reason_shown_to_the_officer(client, platform, office, officer):
    platform.expect_oneshot_request("/v25.0/PAGE-1/messages").respond_with_json(
        {"error": {"message": "(#100) No matching user found", "type": "OAuthException", "code": 100}}, status=400
    )
    inquiry = make_inquiry(office, "meta", channel="messenger")
    message = send(inquiry, officer)
    assert outbox_deliver(outbound_id=message.outbound.pk).status == "failed"
    message.outbound.refresh_from_db()
    assert message.outbound.status == "failed" and "No matching user found" in message.outbound.last_error
    inquiry.refresh_from_db()
    assert inquiry.response_status == TargetStatus.RUNNING and inquiry.response_met_at is None
    client.force_login(officer)
    assert "No matching user found" in client.get(f"/inbox/{inquiry.pk}/").content.decode()
    assert outbox_deliver(outbound_id=message.outbound.pk).status == "skipped"  # never sent twice


def test_a_long_reply_is_split_and_a_failed_second_chunk_is_resent_alone(platform, office, officer):
    text = ("Kalimat jawaban yang panjang. " * 80).strip()  # ~2,400 characters > Messenger's 2,000
    platform.expect_ordered_request("/v25.0/PAGE-1/messages").respond_with_json({"message_id": "m_a"})
    platform.expect_ordered_request("/v25.0/PAGE-1/messages").respond_with_data("down", status=503)
    message = send(make_inquiry(office, "meta", channel="messenger"), officer, text=text)
    assert outbox_deliver(outbound_id=message.outbound.pk).status == "retry"
    message.outbound.refresh_from_db()
    assert message.outbound.platform_ids == ["m_a"]

    platform.clear()
    platform.expect_oneshot_request("/v25.0/PAGE-1/messages").respond_with_json({"message_id": "m_b"})
    due = message.outbound.next_attempt_at
    assert outbox_deliver(outbound_id=message.outbound.pk, now=due).status == "sent"
    message.outbound.refresh_from_db()
    assert message.outbound.platform_ids == ["m_a", "m_b"]
    sent = json.loads(platform.log[-1][0].data)["message"]["text"]
    assert len(sent) <= 2000 and text.endswith(sent)


def test_whatsapp_refuses_before_sending_outside_its_24_hour_window(api_client, office, officer):
    inquiry = make_inquiry(office, "whatsapp", last_inbound_minutes=25 * 60)
    api_client.force_authenticate(officer)
    response = api_client.post(f"/api/v1/inquiries/{inquiry.pk}/reply/", {"text": "Halo"}, format="json")
    assert response.status_code == 400
    assert "24" in response.json()["error"]["fields"]["text"][0]
    assert not Message.objects.filter(direction="out").exists()


def test_messenger_uses_the_human_agent_tag_after_24_hours(
    platform, office, officer, django_capture_on_commit_callbacks
):
    platform.expect_oneshot_request("/v25.0/PAGE-1/messages").respond_with_json({"message_id": "m"})
    inquiry = make_inquiry(office, "meta", channel="messenger", last_inbound_minutes=3 * 24 * 60)
    send(inquiry, officer, capture=django_capture_on_commit_callbacks)
    body = json.loads(platform.log[0][0].data)
    assert body["messaging_type"] == "MESSAGE_TAG" and body["tag"] == "HUMAN_AGENT"


def test_messenger_refuses_after_7_days(office, officer):
    from django.core.exceptions import ValidationError

    inquiry = make_inquiry(office, "meta", channel="messenger", last_inbound_minutes=8 * 24 * 60)
    with pytest.raises(ValidationError):
        send(inquiry, officer)
    assert not Message.objects.filter(direction="out").exists()


def test_the_conversation_page_tells_the_officer_about_the_window(english, client, office, officer):
    client.force_login(officer)
    near = make_inquiry(office, "whatsapp", last_inbound_minutes=60)
    closed = make_inquiry(office, "whatsapp", external="user-2", last_inbound_minutes=30 * 60)
    near_page = client.get(f"/inbox/{near.pk}/").content.decode()
    closed_page = client.get(f"/inbox/{closed.pk}/").content.decode()
    assert "accepts replies until" in near_page
    assert "24 hours" in closed_page and 'role="alert"' in closed_page


def test_outbox_redrive_picks_up_queued_messages_whose_time_has_come(platform, office, officer):
    from channels_intake.outbox import outbox_redrive

    message = send(make_inquiry(office, "telegram"), officer)
    with time_machine.travel(timezone.now() + timedelta(seconds=1)):
        assert outbox_redrive() == [message.outbound.pk]
    OutboundMessage.objects.filter(pk=message.outbound.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    assert outbox_redrive() == []


def test_webchat_replies_are_delivered_without_any_http(office, officer, django_capture_on_commit_callbacks):
    inquiry = make_inquiry(office, "webchat")
    message = send(inquiry, officer, capture=django_capture_on_commit_callbacks)
    message.outbound.refresh_from_db()
    assert message.outbound.status == "sent"
    assert Inquiry.objects.get(pk=inquiry.pk).response_status == TargetStatus.MET


@pytest.mark.parametrize("cut", ["before_any_answer", "mid_body"])
def test_a_connection_reset_is_retried_and_never_counts_as_sent(settings, office, officer, cut):
    """Telegram's side resets the connection: before answering at all, or after the headers and half the body.
    A raw socket server stands in (an HTTP library would not send a broken answer); the reply stays queued with
    the reason, and the response target is not met."""
    import socket
    import struct
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    settings.TELEGRAM_API_URL = f"http://127.0.0.1:{listener.getsockname()[1]}"
    settings.CHANNEL_HTTP_TIMEOUT = 2

    def serve():
        conn, _address = listener.accept()
        conn.recv(65536)
        if cut == "mid_body":
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"ok": tr')
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a RST
        conn.close()

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    inquiry = make_inquiry(office, "telegram")
    message = send(inquiry, officer)
    outcome = outbox_deliver(outbound_id=message.outbound.pk)
    server.join(5)
    listener.close()
    assert outcome.status == "retry"
    message.outbound.refresh_from_db()
    assert message.outbound.status == "queued" and message.outbound.last_error
    assert message.outbound.attempts == 1 and message.outbound.next_attempt_at > timezone.now()
    inquiry.refresh_from_db()
    assert inquiry.response_met_at is None
