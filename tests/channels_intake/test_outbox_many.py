"""Entries written together (a burst's acknowledgements) are delivered together: claimed in one statement, sent
to the platform one after the other on a kept-alive connection, their outcomes recorded in one transaction. Each
entry ends as it would alone: sent with its platform id on the message, retried later, or failed for good; an
answer among them still meets its target; an entry another worker holds is left alone."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from werkzeug import Response

from channels_intake.inbound import inbound_events_file
from channels_intake.models import OutboundMessage
from channels_intake.outbox import deliver_outbound_many, outbox_deliver_many
from tests import factories
from tickets.models import Inquiry, Message, TargetStatus
from tickets.replies import reply_send


@pytest.fixture
def telegram(httpserver, settings):
    """Telegram's sendMessage: chat "fail" is refused (400), chat "busy" is rate-limited (429), others sent."""
    settings.TELEGRAM_API_URL = httpserver.url_for("").rstrip("/")
    settings.CHANNEL_HTTP_TIMEOUT = 2
    settings.SOCIAL_ACKNOWLEDGEMENT = True
    sent = []

    def handle(request):
        payload = json.loads(request.data)
        chat = str(payload["chat_id"])
        if chat.startswith("fail"):
            return Response(
                json.dumps({"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}),
                status=400,
                content_type="application/json",
            )
        if chat.startswith("busy"):
            body = {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests",
                "parameters": {"retry_after": 7},
            }
            return Response(json.dumps(body), status=429, content_type="application/json")
        sent.append((chat, payload["text"]))
        result = {"message_id": len(sent), "date": 1764300000, "chat": {"id": chat}}
        return Response(json.dumps({"ok": True, "result": result}), content_type="application/json")

    httpserver.expect_request(re.compile(r"^/bot[^/]+/sendMessage$"), method="POST").respond_with_handler(handle)
    return sent


@pytest.fixture
def account(office):
    return factories.ChannelAccountFactory(office=office, kind="telegram", slug="tg-many", external_id="bot")


def acknowledged(account, senders, capture) -> list[int]:
    """New inquiries from these senders, filed as a batch: their acknowledgements wait in the outbox."""
    for n, sender in enumerate(senders):
        factories.pending_event(account, sender=sender, key=f"u{n}")
    with capture(execute=False) as queued:
        assert inbound_events_file() == len(senders)
    assert len(queued) == 1 + (len(senders) > 20)  # the acknowledgements' delivery tasks, 20 entries a task
    return list(OutboundMessage.objects.order_by("pk").values_list("pk", flat=True))


def test_a_burst_of_acknowledgements_goes_out_in_one_claim_and_one_record(
    account, telegram, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    ids = acknowledged(account, [f"chat-{n}" for n in range(20)], django_capture_on_commit_callbacks)
    # Claim and lease 2 (+ 2 savepoints), the outcomes 1, the messages 1, their platform ids 1, failed marks 1,
    # savepoints 2: the same for any number of entries.
    with django_assert_max_num_queries(10):
        outcomes = outbox_deliver_many(outbound_ids=ids)
    assert {outcome.status for outcome in outcomes.values()} == {"sent"}
    assert sorted(chat for chat, _text in telegram) == sorted(f"chat-{n}" for n in range(20))
    assert not OutboundMessage.objects.exclude(status="sent").exists()
    acks = Message.objects.filter(kind=Message.Kind.SYSTEM).order_by("pk")
    assert sorted(acks.values_list("platform_id", flat=True), key=int) == [str(n) for n in range(1, 21)]
    # An acknowledgement is no answer: every response target still runs.
    assert set(Inquiry.objects.values_list("response_status", flat=True)) == {TargetStatus.RUNNING}
    # Delivered once: a second run (the task redelivered) claims nothing and sends nothing.
    assert {o.status for o in outbox_deliver_many(outbound_ids=ids).values()} == {"skipped"}
    assert len(telegram) == 20


def test_each_entry_ends_as_it_would_alone(account, telegram, django_capture_on_commit_callbacks, officer):
    ids = acknowledged(account, ["chat-ok", "fail-1", "busy-1"], django_capture_on_commit_callbacks)
    inquiry = Inquiry.objects.get(requester__external_id="chat-ok")
    with django_capture_on_commit_callbacks(execute=False):
        answer = reply_send(inquiry=inquiry, author=officer, text="Jawaban resmi", kind="answer")
    ids.append(answer.outbound_id)
    held = OutboundMessage.objects.get(pk=ids[0])
    OutboundMessage.objects.filter(pk=held.pk).update(lease_until=timezone.now() + timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=False) as later:
        assert deliver_outbound_many(ids) == 1  # the answer; the held one is another worker's
    by_chat = {o.recipient_id: o for o in OutboundMessage.objects.all()}
    assert by_chat["fail-1"].status == "failed" and "chat not found" in by_chat["fail-1"].last_error
    busy = by_chat["busy-1"]
    assert (busy.status, busy.attempts) == ("queued", 1) and busy.next_attempt_at > timezone.now()
    assert OutboundMessage.objects.get(pk=held.pk).status == "queued"
    inquiry.refresh_from_db()
    assert inquiry.response_status == TargetStatus.MET and inquiry.response_met_by == officer
    # A failed acknowledgement alerts nobody and marks nothing (no officer's reply to redo).
    failed = Inquiry.objects.get(requester__external_id="fail-1")
    assert failed.delivery_failed_at is None
    assert later  # the survey after the delivered answer, queued for after commit
