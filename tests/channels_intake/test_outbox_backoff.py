"""The outbox's retries follow their backoff schedule, whoever runs the delivery and however often.

A platform stand-in (pytest-httpserver) fails with 500 and counts the requests; time-machine drives the clock.
Every minute the beat's re-drive runs, and each retry also queues its own delayed task: tests run Celery eagerly,
so that task runs at once, the way an early or duplicate run would. Only the run that finds the entry due
(``next_attempt_at <= now``) and not leased may send.
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from werkzeug import Response

from channels_intake.models import OutboundMessage
from channels_intake.outbox import (
    LEASE,
    MAX_SEND_ATTEMPTS,
    backoff_seconds,
    deliver_outbound,
    outbox_deliver,
    redrive_outbox,
)
from tests.channels_intake.test_outbox import make_inquiry, send

PATH = "/botTOKEN-1/sendMessage"


class Platform:
    """Answers 500 to the first ``failures`` requests, then accepts; remembers when each request came."""

    def __init__(self, httpserver, failures: int):
        self.failures = failures
        self.requests: list = []
        httpserver.expect_request(PATH, method="POST").respond_with_handler(self.answer)

    def answer(self, request):
        self.requests.append(timezone.now())
        if len(self.requests) <= self.failures:
            return Response("upstream down", status=500)
        return Response('{"ok": true, "result": {"message_id": 9}}', status=200, content_type="application/json")


@pytest.fixture
def platform_url(httpserver, settings):
    settings.TELEGRAM_API_URL = httpserver.url_for("").rstrip("/")
    settings.CHANNEL_HTTP_TIMEOUT = 2
    return httpserver


def entry(message) -> OutboundMessage:
    return OutboundMessage.objects.get(pk=message.outbound_id)


def test_runs_before_the_next_attempt_are_skipped_without_a_request(platform_url, office, officer):
    platform = Platform(platform_url, failures=1)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        message = send(make_inquiry(office, "telegram"), officer)
        assert deliver_outbound(message.outbound_id) == "retry"  # its eager retry task ran at once: skipped
        assert len(platform.requests) == 1
        due = entry(message).next_attempt_at
        assert due == start + timedelta(seconds=backoff_seconds(1))

        for early in (timedelta(0), timedelta(seconds=1), timedelta(seconds=backoff_seconds(1) - 1)):
            clock.move_to(start + early)
            assert outbox_deliver(outbound_id=message.outbound_id).status == "skipped"
            assert redrive_outbox() == 0
        assert len(platform.requests) == 1 and entry(message).attempts == 1

        clock.move_to(due)
        assert outbox_deliver(outbound_id=message.outbound_id).status == "sent"
        assert outbox_deliver(outbound_id=message.outbound_id).status == "skipped"  # a duplicate after it
    assert len(platform.requests) == 2 and entry(message).status == "sent"


def test_a_failing_reply_is_retried_on_the_backoff_schedule_and_sent_exactly_once(platform_url, office, officer):
    failures = 5
    platform = Platform(platform_url, failures=failures)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        message = send(make_inquiry(office, "telegram"), officer)
        deliver_outbound(message.outbound_id)  # what the commit queues

        # Beat every minute for two hours: the re-drive, plus the retry task each failure queued for its time.
        for minute in range(1, 121):
            clock.move_to(start + timedelta(minutes=minute))
            redrive_outbox()
            deliver_outbound(message.outbound_id)  # a duplicate task, every minute
    outbound = entry(message)

    assert outbound.status == "sent" and outbound.attempts == failures + 1 and outbound.platform_ids == ["9"]
    assert len(platform.requests) == failures + 1  # exactly one accepted send, none after it
    gaps = [(later - earlier).total_seconds() for earlier, later in zip(platform.requests, platform.requests[1:])]
    for attempt, gap in enumerate(gaps, start=1):
        # The beat runs every minute: an attempt happens at the first run at or after its due time.
        assert backoff_seconds(attempt) <= gap < backoff_seconds(attempt) + 60, (attempt, gaps)


def test_a_reply_that_never_gets_through_fails_after_its_schedule_not_minutes(platform_url, office, officer):
    platform = Platform(platform_url, failures=10**6)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        message = send(make_inquiry(office, "telegram"), officer)
        deliver_outbound(message.outbound_id)
        minute = 0
        while entry(message).status == "queued" and minute < 24 * 60:
            minute += 1
            clock.move_to(start + timedelta(minutes=minute))
            redrive_outbox()
            deliver_outbound(message.outbound_id)

    schedule = sum(backoff_seconds(attempt) for attempt in range(1, MAX_SEND_ATTEMPTS))  # ~an hour
    assert entry(message).status == "failed" and entry(message).attempts == MAX_SEND_ATTEMPTS
    assert len(platform.requests) == MAX_SEND_ATTEMPTS
    assert (platform.requests[-1] - platform.requests[0]).total_seconds() >= schedule > 3600


def test_a_lease_held_by_another_worker_is_respected_even_when_due(platform_url, office, officer):
    platform = Platform(platform_url, failures=0)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        message = send(make_inquiry(office, "telegram"), officer)
        OutboundMessage.objects.filter(pk=message.outbound_id).update(lease_until=start + LEASE)  # someone sends
        assert outbox_deliver(outbound_id=message.outbound_id).status == "skipped"
        assert redrive_outbox() == 0
        assert platform.requests == []

        clock.move_to(start + LEASE + timedelta(seconds=1))  # that worker died: the lease ran out
        assert outbox_deliver(outbound_id=message.outbound_id).status == "sent"
    assert len(platform.requests) == 1
