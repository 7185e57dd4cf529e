"""A Redis outage during intake loses nothing: the event is durable before the 200 and processed afterwards."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from channels_intake.models import InboundEvent
from channels_intake.tasks import redrive_inbound
from helpdesk.celery import app
from tests import factories
from tests.channels_intake.test_webhooks import body_of, post
from tests.conftest import close_worker_connections
from tickets.models import Message


@pytest.fixture
def broker(redis_url):
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "broker_transport_options")}
    app.conf.update(task_always_eager=False, broker_transport_options={"socket_connect_timeout": 1})

    def point_at(url):
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    yield point_at
    close_worker_connections()
    app.conf.update(saved)
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_an_event_accepted_while_the_broker_is_down_is_processed_once_it_returns(client, broker, redis_url):
    office = factories.OfficeFactory()
    factories.ChannelAccountFactory(office=office, kind="telegram", slug="telegram-test")

    broker("redis://127.0.0.1:1/0")  # nothing listens there: the broker is down
    started = time.monotonic()
    response = post(client, "telegram", body_of("telegram", "message_text.json"))
    assert response.status_code == 200
    assert time.monotonic() - started < 10  # the outage does not hold the platform's request for long
    event = InboundEvent.objects.get()
    assert event.status == "pending" and Message.objects.count() == 0

    broker(redis_url)  # the broker is back
    InboundEvent.objects.filter(pk=event.pk).update(received_at=event.received_at.replace(year=2000))
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        redrive_inbound.delay()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not Message.objects.exists():
            time.sleep(0.1)
    event.refresh_from_db()
    assert event.status == "processed"
    assert Message.objects.count() == 1
