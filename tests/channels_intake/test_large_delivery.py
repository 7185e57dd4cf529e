"""Large webhook deliveries (Meta, WhatsApp and X batch many messages in one POST): the raw body is stored once
before the 200 and the worker splits it into the usual inbound events, each message once, also when the split
is repeated, interrupted half-way or never ran (the re-drive)."""

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from channels_intake.inbound import (
    SPLIT_CHUNK,
    inbound_deliveries_redrive,
    inbound_delivery_split,
    inbound_redrive,
)
from channels_intake.models import InboundDelivery, InboundEvent
from channels_intake.services import transport_backlog
from tests import factories
from tickets.models import Message

SECRET = "s3cret-app-secret"
PAGE = "PAGE-1"


def meta_body(count: int, *, per_entry: int = 100, first: int = 0, bad: tuple[int, ...] = ()) -> bytes:
    """One Messenger delivery of ``count`` text messages from distinct senders, ``per_entry`` per entry (Meta
    batches both ways: many entries, many messaging items per entry). Messages numbered in ``bad`` have a
    sender id too long to store."""
    entries = []
    for start in range(first, first + count, per_entry):
        messaging = [
            {
                "sender": {"id": "9" * 300 if n in bad else str(7_100_000_000_000_000 + n)},
                "recipient": {"id": PAGE},
                "timestamp": 1_767_225_600_000 + n,
                "message": {"mid": f"m_large_{n:06d}", "text": f"Pertanyaan nomor {n} tentang bea masuk"},
            }
            for n in range(start, min(start + per_entry, first + count))
        ]
        entries.append({"id": PAGE, "time": 1_767_225_600_000, "messaging": messaging})
    return json.dumps({"object": "page", "entry": entries}, separators=(",", ":")).encode()


def post(client, body: bytes, secret: str = SECRET):
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        "/intake/meta/meta-large/webhook/",
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=f"sha256={digest}",
    )


@pytest.fixture
def account(office):
    return factories.ChannelAccountFactory(office=office, kind="meta", slug="meta-large", external_id=PAGE)


def split_all(delivery_id: int, capture) -> None:
    """What the worker does with the delivery's task: split runs until the delivery is split (each run queues
    the next on commit; the events' processing tasks are captured, not run)."""
    while InboundDelivery.objects.filter(pk=delivery_id, status=InboundDelivery.Status.PENDING).exists():
        with capture(execute=False):
            assert inbound_delivery_split(delivery_id=delivery_id) > 0


def logged_keys(account) -> list[str]:
    return list(InboundEvent.objects.filter(account=account).values_list("dedupe_key", flat=True))


def test_a_signed_delivery_of_10000_messages_is_stored_once_then_split_into_each_message_once(
    client, account, django_capture_on_commit_callbacks
):
    body = meta_body(10_000)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = post(client, body)

    # The request stored the raw body, nothing else: one row, one task queued (the split), no events yet.
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "accepted": 0, "duplicates": 0, "ignored": 0, "queued": 10_000}
    delivery = InboundDelivery.objects.get()
    assert bytes(delivery.body) == body and delivery.body_sha256 == hashlib.sha256(body).hexdigest()
    assert (delivery.status, delivery.messages, delivery.split_count) == (InboundDelivery.Status.PENDING, 10_000, 0)
    assert InboundEvent.objects.count() == 0 and len(queued) == 1

    with django_capture_on_commit_callbacks(execute=False) as processing:
        assert inbound_delivery_split(delivery_id=delivery.pk, limit=6_000) == 6_000  # a bounded run...
    # ...woke the batch filer once per chunk of 500 it logged (not once per event), and queued the next run
    assert len(processing) == 6_000 // 500 + 1
    with django_capture_on_commit_callbacks(execute=False) as processing:
        assert inbound_delivery_split(delivery_id=delivery.pk) == 4_000  # the next run: the rest
    assert len(processing) == 4_000 // 500

    delivery.refresh_from_db()
    assert delivery.status == InboundDelivery.Status.SPLIT and delivery.split_count == 10_000
    keys = logged_keys(account)
    assert len(keys) == 10_000 and set(keys) == {f"m_large_{n:06d}" for n in range(10_000)}
    # The events carry the moment the platform delivered them (the SLA clock starts there), not the split's.
    assert set(InboundEvent.objects.values_list("received_at", flat=True)) == {delivery.received_at}
    assert not InboundEvent.objects.exclude(status=InboundEvent.Status.PENDING).exists()

    # Filed by the usual worker path (a sample here: the bench files all of them with the real worker).
    with django_capture_on_commit_callbacks(execute=True):
        assert inbound_redrive(older_than=timedelta(0), limit=25) == 25
    assert Message.objects.filter(inquiry__account=account).count() == 25


def test_a_large_delivery_is_filed_end_to_end_each_message_once(
    client, account, settings, django_capture_on_commit_callbacks
):
    settings.INTAKE_LARGE_DELIVERY_MESSAGES = 10
    body = meta_body(40, per_entry=7)
    with django_capture_on_commit_callbacks(execute=True):  # the split task, then each event's processing
        response = post(client, body)
    assert response.json()["queued"] == 40
    assert InboundDelivery.objects.get().status == InboundDelivery.Status.SPLIT
    assert InboundEvent.objects.filter(status=InboundEvent.Status.PROCESSED).count() == 40
    platform_ids = list(Message.objects.filter(inquiry__account=account).values_list("platform_id", flat=True))
    assert sorted(platform_ids) == [f"m_large_{n:06d}" for n in range(40)]

    # The platform's retry of the same body: the same delivery row, nothing new anywhere.
    with django_capture_on_commit_callbacks(execute=True) as queued:
        again = post(client, body)
    assert again.status_code == 200
    assert again.json() == {"status": "ok", "accepted": 0, "duplicates": 40, "ignored": 0}
    assert not queued
    assert InboundDelivery.objects.count() == 1 and InboundEvent.objects.count() == 40
    assert Message.objects.filter(inquiry__account=account).count() == 40


def test_a_small_delivery_keeps_the_per_message_path(client, account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = post(client, meta_body(100))  # the threshold itself: still message by message
    assert response.json() == {"status": "ok", "accepted": 100, "duplicates": 0, "ignored": 0}
    assert InboundDelivery.objects.count() == 0 and InboundEvent.objects.count() == 100


def test_an_overlapping_delivery_files_only_the_new_messages(client, account, django_capture_on_commit_callbacks):
    """A different body repeating messages already logged (a platform re-batching its retries): the
    per-message key decides."""
    with django_capture_on_commit_callbacks(execute=False):
        post(client, meta_body(150))
        post(client, meta_body(150, first=100))
    assert InboundDelivery.objects.count() == 2
    for delivery in InboundDelivery.objects.order_by("pk"):
        split_all(delivery.pk, django_capture_on_commit_callbacks)
    keys = logged_keys(account)
    assert len(keys) == 250 and set(keys) == {f"m_large_{n:06d}" for n in range(250)}


def test_splitting_a_delivery_again_logs_nothing_twice(client, account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        post(client, meta_body(1_200))
    delivery = InboundDelivery.objects.get()
    split_all(delivery.pk, django_capture_on_commit_callbacks)
    assert inbound_delivery_split(delivery_id=delivery.pk) == 0  # split already: nothing to do

    # Even forced back to the start (a split count lost), the unique key keeps each message once.
    InboundDelivery.objects.filter(pk=delivery.pk).update(status=InboundDelivery.Status.PENDING, split_count=0)
    with django_capture_on_commit_callbacks(execute=False):
        assert inbound_delivery_split(delivery_id=delivery.pk) == 1_200
    assert len(logged_keys(account)) == 1_200 == len(set(logged_keys(account)))
    assert InboundDelivery.objects.get().status == InboundDelivery.Status.SPLIT


def test_a_split_interrupted_half_way_is_finished_by_the_redrive_without_duplicates(
    client, account, django_capture_on_commit_callbacks
):
    with time_machine.travel("2026-12-01 03:00 +0000", tick=False):
        with django_capture_on_commit_callbacks(execute=False):
            post(client, meta_body(3_000))
        delivery = InboundDelivery.objects.get()
        # The worker got through two chunks, then died (its next run was never queued).
        with django_capture_on_commit_callbacks(execute=False):
            assert inbound_delivery_split(delivery_id=delivery.pk, limit=2 * SPLIT_CHUNK) == 2 * SPLIT_CHUNK
        assert InboundEvent.objects.count() == 2 * SPLIT_CHUNK
        assert InboundDelivery.objects.get().split_count == 2 * SPLIT_CHUNK
        # /healthz: the unsplit delivery waits like the events it holds.
        assert transport_backlog()["inbound_oldest_pending_seconds"] == 0

    with time_machine.travel("2026-12-01 03:05 +0000", tick=False):
        assert transport_backlog()["inbound_oldest_pending_seconds"] == 300
        with django_capture_on_commit_callbacks(execute=False):
            assert inbound_deliveries_redrive(older_than=timedelta(minutes=1)) == 3_000 - 2 * SPLIT_CHUNK

    delivery.refresh_from_db()
    assert delivery.status == InboundDelivery.Status.SPLIT and delivery.split_count == 3_000
    keys = logged_keys(account)
    assert len(keys) == 3_000 == len(set(keys))


def test_a_split_that_never_ran_is_done_by_the_beat_redrive(
    client, account, settings, django_capture_on_commit_callbacks
):
    settings.INTAKE_LARGE_DELIVERY_MESSAGES = 10
    with time_machine.travel("2026-12-01 03:00 +0000", tick=False):
        with django_capture_on_commit_callbacks(execute=False):  # the broker lost the split task
            post(client, meta_body(30))
    from channels_intake.tasks import redrive_inbound

    with time_machine.travel("2026-12-01 03:02 +0000", tick=False):
        # The split's events carry the delivery's time: the same beat run files them (its queued processing
        # tasks, run afterwards, find them filed).
        with django_capture_on_commit_callbacks(execute=False):
            assert redrive_inbound() == 30
    assert InboundDelivery.objects.get().status == InboundDelivery.Status.SPLIT
    assert Message.objects.filter(inquiry__account=account).count() == 30


def test_a_bad_signature_stores_nothing(client, account):
    response = post(client, meta_body(500), secret="not-the-secret")
    assert response.status_code == 403
    assert InboundDelivery.objects.count() == 0 and InboundEvent.objects.count() == 0


def test_unstorable_messages_of_a_large_delivery_are_kept_for_review_and_the_rest_split(
    client, account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        response = post(client, meta_body(300, bad=(5, 250)))
    assert response.json()["status"] == "kept_for_review" and response.json()["queued"] == 298
    kept = InboundEvent.objects.get(status=InboundEvent.Status.INVALID)
    assert "message 6: sender_id is longer than 255" in kept.error
    delivery = InboundDelivery.objects.get()
    split_all(delivery.pk, django_capture_on_commit_callbacks)
    assert InboundEvent.objects.filter(status=InboundEvent.Status.PENDING).count() == 298


def test_retention_empties_the_raw_bodies_of_split_deliveries(client, account, django_capture_on_commit_callbacks):
    from privacy.retention import KINDS

    with django_capture_on_commit_callbacks(execute=False):
        post(client, meta_body(200))
        post(client, meta_body(200, first=1_000))
    first, second = InboundDelivery.objects.order_by("pk")
    split_all(first.pk, django_capture_on_commit_callbacks)  # the second waits to be split: its body is needed
    KINDS["inbound_bodies"].sweep(timezone.now() + timedelta(seconds=1), 500)
    first.refresh_from_db()
    second.refresh_from_db()
    assert bytes(first.body) == b"" and first.status == InboundDelivery.Status.SPLIT
    assert len(bytes(second.body)) > 0


@pytest.mark.services
def test_postgresql_takes_a_10000_message_delivery_and_splits_it(
    postgres, client, account, django_capture_on_commit_callbacks
):
    assert connection.vendor == "postgresql"
    body = meta_body(10_000, per_entry=1)  # one message per entry: the longest body of 10,000 (still < 3 MB)
    with django_capture_on_commit_callbacks(execute=False):
        assert post(client, body).json()["queued"] == 10_000
    split_all(InboundDelivery.objects.get().pk, django_capture_on_commit_callbacks)
    assert InboundEvent.objects.filter(account=account).values("dedupe_key").distinct().count() == 10_000
    assert InboundEvent.objects.count() == 10_000
