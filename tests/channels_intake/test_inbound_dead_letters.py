"""An accepted event that keeps failing in the worker is given up visibly (status dead, counted by /healthz,
listed in the admin), instead of staying "failed" forever where no re-drive looks."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

import tickets.transport
from channels_intake.inbound import MAX_ATTEMPTS, inbound_event_process, inbound_redrive
from channels_intake.models import InboundEvent
from tests import factories
from tickets.models import Message

SECRET_TEXT = "NIK 3171234567890001 dan nomor aju saya"


@pytest.fixture
def account(office):
    return factories.ChannelAccountFactory(office=office, kind="telegram", slug="tg-dead")


def logged_event(account, key="1", **overrides) -> InboundEvent:
    message = {
        "dedupe_key": key,
        "sender_id": "u1",
        "sender_name": "",
        "text": SECRET_TEXT,
        "sent_at": None,
        "recipient_id": "",
        "channel": "telegram",
    }
    message.update(overrides)
    event = InboundEvent.objects.create(account=account, dedupe_key=key, message=message)
    InboundEvent.objects.filter(pk=event.pk).update(received_at=timezone.now() - timedelta(minutes=5))
    return event


@pytest.fixture
def failing_workflow(monkeypatch):
    """The workflow fails on every message, quoting it in its error (as a database error's DETAIL can)."""

    def fail(**kwargs):
        raise RuntimeError(f"cannot file {kwargs['message'].text!r}")

    def fail_batch(*, items):
        raise RuntimeError(f"cannot file {items[0].message.text!r}")

    monkeypatch.setattr(tickets.transport, "inbound_message_receive", fail)
    monkeypatch.setattr(tickets.transport, "inbound_messages_receive", fail_batch)


def test_an_event_that_fails_max_attempts_times_is_given_up_visibly(account, failing_workflow):
    event = logged_event(account)
    for attempt in range(1, MAX_ATTEMPTS):
        assert inbound_event_process(event_id=event.pk) is False
        event.refresh_from_db()
        assert (event.status, event.attempts) == (InboundEvent.Status.FAILED, attempt)

    assert inbound_event_process(event_id=event.pk) is False
    event.refresh_from_db()
    assert event.status == InboundEvent.Status.DEAD and event.attempts == MAX_ATTEMPTS
    assert event.error.startswith(f"gave up after {MAX_ATTEMPTS} attempts; last: RuntimeError")

    # Nobody retries it any more, and a stray task leaves it alone.
    assert inbound_redrive() == 0
    assert inbound_event_process(event_id=event.pk) is False
    event.refresh_from_db()
    assert event.attempts == MAX_ATTEMPTS


def test_the_redrive_gives_up_after_max_attempts(account, failing_workflow):
    event = logged_event(account)
    for _ in range(MAX_ATTEMPTS + 5):
        inbound_redrive()
    event.refresh_from_db()
    assert event.status == InboundEvent.Status.DEAD and event.attempts == MAX_ATTEMPTS


def test_an_event_that_succeeds_later_is_filed(account, monkeypatch):
    original = tickets.transport.inbound_message_receive
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("database away")
        return original(**kwargs)

    monkeypatch.setattr(tickets.transport, "inbound_message_receive", flaky)
    event = logged_event(account)
    for _ in range(3):
        inbound_event_process(event_id=event.pk)
    event.refresh_from_db()
    assert event.status == InboundEvent.Status.PROCESSED and event.error == "" and Message.objects.count() == 1


def test_the_failure_log_names_the_event_and_error_class_never_the_text(account, failing_workflow, caplog):
    event = logged_event(account)
    with caplog.at_level(logging.WARNING, logger="channels_intake.inbound"):
        inbound_event_process(event_id=event.pk)
    (record,) = [r for r in caplog.records if r.name == "channels_intake.inbound"]
    line = record.getMessage()
    assert line.startswith(
        f"processing telegram inbound event {event.pk} of account tg-dead failed (attempt 1 of {MAX_ATTEMPTS}): "
        "RuntimeError at "
    )
    assert "test_inbound_dead_letters.py" in line  # where it failed, to find it
    assert "3171" not in line and "NIK" not in line and record.exc_info is None  # no text, no traceback text
    event.refresh_from_db()
    assert "NIK" in event.error  # the admin still sees the reason


def test_healthz_counts_events_kept_for_review_dead_and_failing(client, account, failing_workflow):
    before = client.get("/healthz")
    assert before.json()["intake"] == {"kept_for_review": 0, "dead": 0, "failed": 0}

    dead = logged_event(account, key="dead")
    for _ in range(MAX_ATTEMPTS):
        inbound_event_process(event_id=dead.pk)
    failing = logged_event(account, key="failing")
    inbound_event_process(event_id=failing.pk)
    InboundEvent.objects.create(account=account, dedupe_key="invalid:1", status=InboundEvent.Status.INVALID)
    InboundEvent.objects.create(account=account, dedupe_key="invalid:2", status=InboundEvent.Status.INVALID)
    logged_event(account, key="pending")

    response = client.get("/healthz")
    data = response.json()
    assert data["intake"] == {"kept_for_review": 2, "dead": 1, "failed": 1}
    # The counts inform, they do not fail the probe (a stalled backlog does: tests/test_healthz.py).
    assert set(data) == {"status", "down", "checks", "intake", "backlog"}
    assert response.status_code == (200 if not data["down"] else 503)
    assert response.status_code == before.status_code


def test_healthz_counts_in_a_fixed_number_of_queries(client, account, django_assert_num_queries):
    for key in ("a", "b", "c"):
        InboundEvent.objects.create(account=account, dedupe_key=f"invalid:{key}", status=InboundEvent.Status.INVALID)
    # SELECT 1, one count grouped by status, the oldest pending event and the oldest due reply.
    with django_assert_num_queries(4):
        client.get("/healthz")


def test_admins_filter_dead_and_kept_events(client, account, failing_workflow):
    dead = logged_event(account, key="dead-one")
    for _ in range(MAX_ATTEMPTS):
        inbound_event_process(event_id=dead.pk)
    logged_event(account, key="still-pending")
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)

    page = client.get("/admin/channels_intake/inboundevent/?status__exact=dead").content.decode()
    assert "dead-one" in page and "still-pending" not in page and "gave up after" in page
    listing = client.get("/admin/channels_intake/inboundevent/").content.decode()
    assert "status__exact=dead" in listing and "status__exact=invalid" in listing
