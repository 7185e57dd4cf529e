"""A real Celery worker, fed through a real Redis broker, delivers a reply and meets the target."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from channels_intake.models import OutboundMessage
from helpdesk.celery import app
from tests import factories
from tests.conftest import close_worker_connections
from tickets.inquiries import inbound_message_receive
from tickets.models import TargetStatus
from tickets.replies import reply_send


@pytest.fixture
def redis_app(redis_url):
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "broker_transport_options")}
    app.conf.update(broker_url=redis_url, task_always_eager=False, broker_transport_options={})
    app._pool = None
    yield app
    close_worker_connections()
    app.conf.update(saved)
    app._pool = None


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_the_reply_through_redis(redis_app):
    from channels_intake.adapters import InboundMessage

    office = factories.OfficeFactory()
    officer = factories.StaffFactory(office=office).user
    account = factories.ChannelAccountFactory(office=office, kind="webchat")
    stored = inbound_message_receive(
        account=account,
        message=InboundMessage(
            dedupe_key="m1",
            sender_id="visitor",
            sender_name="Visitor",
            text="Halo",
            sent_at=None,
            recipient_id="",
            channel="webchat",
        ),
    )
    with start_worker(redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        reply_send(inquiry=stored.inquiry, author=officer, text="Jawaban", kind="answer")
        assert wait_for(lambda: OutboundMessage.objects.filter(status="sent").exists())

    inquiry = stored.inquiry
    inquiry.refresh_from_db()
    assert inquiry.response_met_at is not None
    assert inquiry.response_status in (TargetStatus.MET, TargetStatus.BREACHED)
