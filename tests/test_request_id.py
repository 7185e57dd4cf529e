"""One request id follows a message from the webhook, through the worker that files it, to the reply's delivery;
log lines are JSON in production and never hold the message's text or identifiers."""

import json
import logging
import re
import time

import pytest
from celery.contrib.testing.worker import start_worker

from common.logging import JsonFormatter, RequestIdFilter, request_id_var
from helpdesk.celery import app
from tests import factories
from tests.channels_intake.test_webhooks import SIGNERS, body_of, post
from tests.conftest import close_worker_connections
from tickets.models import Message


class Lines(logging.Handler):
    """Collects formatted lines as the console handler would write them (same filter, JSON formatter)."""

    def __init__(self):
        super().__init__()
        self.addFilter(RequestIdFilter())
        self.setFormatter(JsonFormatter())
        self.lines: list[dict] = []

    def emit(self, record):
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def lines():
    """On the product's loggers themselves (a worker started in the test may reset the root logger's handlers)."""
    handler = Lines()
    loggers = [logging.getLogger(name) for name in ("channels_intake", "tickets")]
    saved = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield handler.lines
    for logger, level in zip(loggers, saved, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_each_request_gets_an_id_and_keeps_a_valid_one_it_brings(client, db):
    own = client.get("/healthz")
    assert len(own["X-Request-ID"]) == 32
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a9c21e4")["X-Request-ID"] == "lb-7f3a9c21e4"
    hostile = client.get("/healthz", HTTP_X_REQUEST_ID="x\r\nSet-Cookie: a=b")["X-Request-ID"]
    assert "\n" not in hostile and len(hostile) == 32


def test_a_json_line_has_the_id_and_no_identifier(lines):
    token = request_id_var.set("trace-0001")
    try:
        logging.getLogger("tickets").info("reply for NIK %s queued", "3171234567890003")
    finally:
        request_id_var.reset(token)
    line = next(entry for entry in lines if entry["logger"] == "tickets")
    assert line["request_id"] == "trace-0001" and line["level"] == "INFO"
    assert "3171234567890003" not in line["message"] and line["message"].endswith("••••••••••••0003 queued")


@pytest.fixture
def real_broker(redis_url):
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(task_always_eager=False, broker_url=redis_url)
    app._pool = None
    app.amqp._producer_pool = None
    yield
    close_worker_connections()
    app.conf.update(saved)
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_webhook_s_id_is_on_the_worker_s_filing_line(client, real_broker, lines):
    office = factories.OfficeFactory()
    factories.ChannelAccountFactory(office=office, kind="telegram", slug="telegram-test")
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        body = body_of("telegram", "message_text.json")
        response = post(
            client, "telegram", body, headers={**SIGNERS["telegram"](body), "HTTP_X_REQUEST_ID": "hook-5e1f"}
        )
        assert response.status_code == 200
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any("filed" in e["message"] for e in lines):
            time.sleep(0.1)
    assert Message.objects.count() == 1
    accepted = next(e for e in lines if "webhook of account telegram-test" in e["message"])
    filed = next(e for e in lines if "filed" in e["message"])
    assert accepted["request_id"] == filed["request_id"] == "hook-5e1f"
    assert filed["logger"] == "channels_intake.inbound"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_one_trail_from_the_webhook_to_the_reply_s_delivery(client, real_broker, lines, httpserver, settings):
    """The webhook's id is on its filing line and on the stored message; the officer's reply logs its own id and
    names the webhook's, and the delivery by the worker logs under the reply's id: grep one id, then the other."""
    settings.TELEGRAM_API_URL = httpserver.url_for("").rstrip("/")
    httpserver.expect_request(re.compile(r"^/bot[^/]+/sendMessage$"), method="POST").respond_with_json(
        {"ok": True, "result": {"message_id": 77, "date": 1764300000, "chat": {"id": 1111111}}}
    )
    office = factories.OfficeFactory()
    factories.ChannelAccountFactory(office=office, kind="telegram", slug="telegram-test", access_token="123:abc")
    officer = factories.StaffFactory(office=office).user
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        body = body_of("telegram", "message_text.json")
        response = post(
            client, "telegram", body, headers={**SIGNERS["telegram"](body), "HTTP_X_REQUEST_ID": "hook-5e1f"}
        )
        assert response.status_code == 200
        wait(lambda: Message.objects.filter(direction="in").exists())
        inbound = Message.objects.get(direction="in")
        assert inbound.request_id == "hook-5e1f"

        client.force_login(officer)
        response = client.post(
            f"/api/v1/inquiries/{inbound.inquiry_id}/reply/",
            {"text": "Silakan isi formulir di laman kami.", "kind": "answer"},
            content_type="application/json",
            HTTP_X_REQUEST_ID="reply-9a2b",
        )
        assert response.status_code == 201, response.content
        wait(lambda: any("delivered" in e["message"] for e in lines))
    reply = Message.objects.get(direction="out")
    assert reply.request_id == "reply-9a2b"
    queued = next(e for e in lines if e["logger"] == "tickets.replies" and "queued" in e["message"])
    assert queued["request_id"] == "reply-9a2b" and "hook-5e1f" in queued["message"]
    delivered = next(e for e in lines if "delivered" in e["message"])
    assert delivered["request_id"] == "reply-9a2b" and delivered["logger"] == "channels_intake.outbox"
    assert "Silakan" not in json.dumps(lines)  # no message text in any line


def wait(condition, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_the_redrive_files_an_event_under_the_webhooks_id_and_delivers_under_the_replys(
    db, lines, httpserver, settings
):
    """A broker outage leaves an event unqueued and a reply undelivered: the minute's re-drives run them later, in
    a task of their own, still under the ids of the requests that wrote them."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from channels_intake.adapters import InboundMessage
    from channels_intake.inbound import inbound_events_store, inbound_redrive
    from channels_intake.outbox import outbox_deliver, outbox_redrive
    from tickets.replies import reply_send

    settings.TELEGRAM_API_URL = httpserver.url_for("").rstrip("/")
    httpserver.expect_request(re.compile(r"^/bot[^/]+/sendMessage$"), method="POST").respond_with_json(
        {"ok": True, "result": {"message_id": 78, "date": 1764300000, "chat": {"id": 42}}}
    )
    office = factories.OfficeFactory()
    account = factories.ChannelAccountFactory(office=office, kind="telegram", slug="tg-redrive", access_token="1:a")
    message = InboundMessage(
        dedupe_key="900", sender_id="42", sender_name="", text="Halo", sent_at=None, recipient_id="", channel="telegram"
    )
    token = request_id_var.set("hook-redrive-01")
    try:
        inbound_events_store(account=account, messages=[message], queue=False)  # as if the broker was down
    finally:
        request_id_var.reset(token)
    token = request_id_var.set("beat-task-0003")  # the re-drive task's own id
    try:
        with time_machine.travel(timezone.now() + timedelta(minutes=5)):
            assert inbound_redrive() == 1
    finally:
        request_id_var.reset(token)
    inbound = Message.objects.get(direction="in")
    assert inbound.request_id == "hook-redrive-01"
    filed = next(e for e in lines if "filed" in e["message"])
    assert filed["request_id"] == "hook-redrive-01"

    token = request_id_var.set("reply-redrive-02")
    try:  # the reply is written; its delivery task never got queued
        reply = reply_send(inquiry=inbound.inquiry, author=factories.StaffFactory(office=office).user, text="Jawaban")
    finally:
        request_id_var.reset(token)
    token = request_id_var.set("beat-task-0004")
    try:
        with time_machine.travel(timezone.now() + timedelta(minutes=5)):
            assert outbox_redrive() == [reply.outbound_id]
            outbox_deliver(outbound_id=reply.outbound_id)
    finally:
        request_id_var.reset(token)
    delivered = next(e for e in lines if "delivered" in e["message"])
    assert delivered["request_id"] == "reply-redrive-02"
