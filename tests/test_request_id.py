"""One request id follows a message from the webhook, through the worker that files it, to the reply's delivery;
log lines are JSON in production and never hold the message's text or identifiers."""

import json
import logging
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
