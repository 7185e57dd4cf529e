"""During a burst the filer holds the deliveries of the acknowledgements it writes (``outbox.deliveries_held``):
while its batches are full, the two cores file the burst first and the acknowledgements follow when a batch is
not full, when the filer stops, or after HOLD_SECONDS at most. A drain whose budget ends amid the burst hands
them to the next drain of its slot, which goes on holding them. Outside a burst nothing waits. Only committed
entries are released; a broker outage at the release leaves them queued for the outbox's re-drive."""

import logging

import pytest
from django.db import transaction

from channels_intake import inbound
from channels_intake.models import InboundEvent, OutboundMessage
from channels_intake.outbox import DELIVERY_BATCH, deliver_outbound_many, deliveries_held, outbox_redrive
from channels_intake.services import OutboxEntry, outbox_enqueue_many
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)  # each batch commits, as in the worker


@pytest.fixture
def account(settings):
    settings.SOCIAL_ACKNOWLEDGEMENT = True
    settings.INBOUND_FILE_BATCH = 5
    settings.INBOUND_FILERS = 1
    office = factories.OfficeFactory()
    return factories.ChannelAccountFactory(office=office, kind="telegram", slug="tg-held", external_id="bot")


def log(account, count: int) -> None:
    for n in range(count):
        factories.pending_event(account, sender=f"chat-{n}", key=f"u{n}")


def pending() -> int:
    return InboundEvent.objects.filter(status=InboundEvent.Status.PENDING).count()


@pytest.fixture
def released(monkeypatch):
    """The delivery tasks queued: (ids, events still pending then, batches filed by then)."""
    monkeypatch.setattr(inbound.file_inbound, "delay", lambda slot, **handed: None)
    calls = []
    real_file = inbound._file_next_batch  # each batch claimed, the drain's last looks included

    def counted(**kwargs):
        calls.append(1)
        return real_file(**kwargs)

    monkeypatch.setattr(inbound, "_file_next_batch", counted)
    queued = []
    monkeypatch.setattr(deliver_outbound_many, "delay", lambda ids: queued.append((list(ids), pending(), len(calls))))
    return queued


def released_ids(queued) -> list[int]:
    return sorted(pk for ids, _pending, _calls in queued for pk in ids)


def test_in_a_burst_the_acknowledgements_wait_until_a_batch_is_not_full(account, released):
    log(account, 12)  # batches of 5, 5, 2
    assert inbound.inbound_drain(slot=0) == 12
    assert released_ids(released) == sorted(OutboundMessage.objects.values_list("pk", flat=True))
    assert OutboundMessage.objects.count() == 12  # one acknowledgement per new inquiry
    assert {(still, batches) for _ids, still, batches in released} == {(0, 3)}  # after the third, partial batch
    assert all(len(ids) <= DELIVERY_BATCH for ids, _pending, _calls in released)


def test_outside_a_burst_they_go_right_after_their_batch(account, released):
    log(account, 3)  # one batch, not full
    assert inbound.inbound_drain(slot=0) == 3
    assert len(released_ids(released)) == 3
    assert {batches for _ids, _still, batches in released} == {1}  # before the drain's last looks


def test_they_wait_hold_seconds_at_most(account, released, monkeypatch):
    monkeypatch.setattr(inbound, "HOLD_SECONDS", 0.0)
    log(account, 12)
    assert inbound.inbound_drain(slot=0) == 12
    assert [(len(ids), still) for ids, still, _batches in released] == [(5, 7), (5, 2), (2, 0)]  # batch by batch


def entry(account, recipient):
    return OutboxEntry(account=account, recipient_id=recipient, sender_id="", text="Halo")


def test_only_committed_entries_are_released(account, released):
    with deliveries_held() as held:
        with pytest.raises(RuntimeError), transaction.atomic():
            outbox_enqueue_many([entry(account, "lost-1"), entry(account, "lost-2")])
            raise RuntimeError
        with transaction.atomic():
            kept = outbox_enqueue_many([entry(account, "kept-1")])
        assert held.ids == [kept[0].pk] and released == []  # held, not queued
    assert released_ids(released) == [kept[0].pk]  # released on the way out
    assert not OutboundMessage.objects.filter(recipient_id__startswith="lost").exists()


def test_entries_committed_after_the_hold_ended_are_queued_at_once(account, released):
    """A drain inside a caller's transaction: its entries commit after its hold is over, and go then."""
    with transaction.atomic():
        with deliveries_held():
            kept = outbox_enqueue_many([entry(account, "outer-1")])
        assert released == []  # not committed yet
    assert released_ids(released) == [kept[0].pk]


def test_a_broker_outage_at_the_release_leaves_them_to_the_redrive(account, monkeypatch, caplog):
    monkeypatch.setattr(inbound.file_inbound, "delay", lambda slot, **handed: None)

    def down(ids):
        raise ConnectionError("broker down")

    monkeypatch.setattr(deliver_outbound_many, "delay", down)
    log(account, 3)
    with caplog.at_level(logging.ERROR, logger="channels_intake.outbox"):
        assert inbound.inbound_drain(slot=0) == 3  # the filing stands
    assert "re-drive" in caplog.text
    assert InboundEvent.objects.filter(status=InboundEvent.Status.PROCESSED).count() == 3
    queued = set(OutboundMessage.objects.filter(status=OutboundMessage.Status.QUEUED).values_list("pk", flat=True))
    assert len(queued) == 3 and set(outbox_redrive()) == queued


@pytest.fixture
def next_drains(monkeypatch):
    """The drains queued (slot, what they were handed), instead of queued."""
    queued = []
    monkeypatch.setattr(inbound.file_inbound, "delay", lambda slot, **handed: queued.append((slot, handed)))
    return queued


def test_a_drain_whose_budget_ends_amid_the_burst_hands_them_over(account, released, next_drains, monkeypatch):
    """The burst outlasts a drain's budget (DRAIN_SECONDS): its successor goes on holding what it held, from the
    same moment, so a burst of minutes is filed before its acknowledgements go (HOLD_SECONDS at most)."""
    log(account, 12)
    assert inbound.inbound_drain(slot=0, budget=0.0) == 5  # one full batch, then the budget is spent
    assert released == []  # nothing delivered: handed over
    [(slot, handed)] = next_drains
    first = sorted(OutboundMessage.objects.values_list("pk", flat=True))
    assert slot == 0 and sorted(handed["held"]) == first and len(first) == 5
    assert 0 <= inbound.time.time() - handed["held_since"] < 5
    inbound.cache.delete(inbound.WAKE_KEY % 0)  # the queued drain runs: what file_inbound does with the hand-over
    assert inbound.inbound_drain(slot=0, held_ids=handed["held"], held_since=handed["held_since"]) == 7
    assert released_ids(released) == sorted(OutboundMessage.objects.values_list("pk", flat=True))
    assert {(still, batches) for _ids, still, batches in released} == {(0, 3)}  # together, after the partial batch


def test_a_handed_over_hold_keeps_its_age(account, released, monkeypatch):
    """HOLD_SECONDS counts from the first entry held, in whichever drain: one handed entries held long enough
    releases them after its first batch."""
    monkeypatch.setattr(inbound, "HOLD_SECONDS", 30.0)
    log(account, 12)
    with transaction.atomic():
        old = outbox_enqueue_many([entry(account, "old-1")])
    released.clear()  # queued at once: outside any hold
    since = inbound.time.time() - 31
    assert inbound.inbound_drain(slot=0, held_ids=[old[0].pk], held_since=since) == 12
    first_ids, still, batches = released[0]
    assert old[0].pk in first_ids and (still, batches) == (7, 1)  # after the first (full) batch


def test_the_burst_ended_without_the_hand_over_delivers_at_once(account, released, monkeypatch):
    """Should a webhook's wake have queued the next drain first, that drain knows nothing of the held entries:
    the drain whose budget ended queues them itself."""
    log(account, 12)
    monkeypatch.setattr(inbound, "inbound_wake", lambda slot=0, held=None: False)  # the wake was taken
    assert inbound.inbound_drain(slot=0, budget=0.0) == 5
    assert len(released_ids(released)) == 5
