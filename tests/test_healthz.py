import pytest

from helpdesk.celery import app


def test_healthz_is_200_when_database_and_broker_answer(client, db, tmp_path, settings):
    body = client.get("/healthz")
    assert body.status_code == 200, body.content
    data = body.json()
    assert data["status"] == "ok" and data["checks"]["database"]["ok"] and data["checks"]["broker"]["ok"]


@pytest.fixture
def broken_broker():
    # A real connection attempt to a port where nothing listens (no mock of our own code).
    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    yield
    app.conf.broker_url = original


def test_healthz_is_503_naming_the_broker_when_it_is_down(client, db, broken_broker):
    response = client.get("/healthz")
    assert response.status_code == 503
    data = response.json()
    assert data["down"] == ["broker"] and data["checks"]["database"]["ok"]


def test_unknown_api_urls_answer_404_in_the_api_error_shape(client, db, settings):
    settings.DEBUG = False
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and "text/html" in page["Content-Type"]


def test_healthz_names_stalled_filing_and_delivery_with_the_oldest_ages(client, db, settings):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from channels_intake.models import InboundEvent, OutboundMessage
    from tests import factories

    settings.HEALTH_STALL_SECONDS = 600
    account = factories.ChannelAccountFactory(kind="telegram")
    now = timezone.now()
    with time_machine.travel(now - timedelta(minutes=5)):
        InboundEvent.objects.create(account=account, dedupe_key="fresh", raw_body="{}")
    OutboundMessage.objects.create(
        account=account, recipient_id="r", text="nanti", next_attempt_at=now + timedelta(minutes=30)
    )  # backing off: not due, not stalled
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and 290 < body["backlog"]["inbound_oldest_pending_seconds"] < 400
    assert body["backlog"]["outbox_oldest_due_seconds"] is None

    with time_machine.travel(now - timedelta(minutes=20)):
        InboundEvent.objects.create(account=account, dedupe_key="old", raw_body="{}")
    OutboundMessage.objects.create(
        account=account, recipient_id="r", text="x", next_attempt_at=now - timedelta(minutes=15)
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["filing", "delivery"] and "stalled" in body["checks"]["filing"]["detail"]
    assert body["backlog"]["inbound_oldest_pending_seconds"] > 1190
    # Filed and delivered: healthy again.
    InboundEvent.objects.update(status="processed")
    OutboundMessage.objects.update(status="sent")
    assert client.get("/healthz").status_code == 200


def test_healthz_costs_a_fixed_number_of_queries(client, db, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        client.get("/healthz")
