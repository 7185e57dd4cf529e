"""The worker's batch filer (issue 17: filing at 1,000 events a second): ``inbound_events_file`` claims one
office's pending events and ``tickets.filing`` files them with one statement per step. It must leave exactly
what filing each event alone leaves (inquiries, deadlines, assignment, messages, references, acknowledgements,
audit), in a number of queries that does not grow with the batch; a bad event must not hold up the others;
and two filers at once must share the log without opening two inquiries for one requester."""

import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Q

import tickets.references
from audit.models import AuditEvent
from channels_intake import inbound
from channels_intake.inbound import inbound_event_process, inbound_events_file, inbound_wake
from channels_intake.models import InboundEvent
from offices.models import Role, WeeklyHours
from tests import factories
from tickets import lifecycle
from tickets.models import Inquiry, Message, Requester, RequesterReference

WIB = ZoneInfo("Asia/Jakarta")
MON_10 = datetime.combine(date(2026, 12, 7), time(10, 0), tzinfo=WIB)


@pytest.fixture
def world(db, settings):
    """One office with three officers on duty (one with open work already) and four social accounts; existing
    requesters: one with an open inquiry, one waited for, one whose survey was asked, one who sends a photo."""
    settings.SOCIAL_ACKNOWLEDGEMENT = True
    office = factories.OfficeFactory(auto_assign=True)
    officers = [
        factories.StaffFactory(office=office, role=Role.OFFICER, on_duty=True, user__username=f"petugas{n}").user
        for n in range(3)
    ]
    accounts = {
        kind: factories.ChannelAccountFactory(office=office, kind=kind, slug=f"{kind}-batch", external_id=f"{kind}-us")
        for kind in ("telegram", "meta", "whatsapp", "x")
    }
    with time_machine.travel(MON_10 - timedelta(hours=1), tick=False):
        tg = accounts["telegram"]
        busy = factories.running_inquiry(tg, MON_10 - timedelta(hours=1))
        Inquiry.objects.filter(pk=busy.pk).update(assigned_to=officers[0])
        open_one = factories.running_inquiry(tg, MON_10 - timedelta(minutes=50))
        Requester.objects.filter(pk=open_one.requester_id).update(external_id="open-1")
        waited = factories.running_inquiry(tg, MON_10 - timedelta(minutes=40))
        Requester.objects.filter(pk=waited.requester_id).update(external_id="waited-1")
        lifecycle.inquiry_wait(inquiry=waited, at=MON_10 - timedelta(minutes=30))
        waited.save()
        surveyed = factories.InquiryFactory(
            account=tg,
            requester__external_id="surveyed-1",
            received_at=MON_10 - timedelta(days=1),
            status=Inquiry.Status.CLOSED,
            outcome=Inquiry.Outcome.ANSWERED,
            survey_status=Inquiry.SurveyStatus.SENT,
            survey_sent_at=MON_10 - timedelta(hours=2),
        )
        photo = factories.running_inquiry(tg, MON_10 - timedelta(minutes=20))
        Requester.objects.filter(pk=photo.requester_id).update(external_id="photo-1")
    return {"office": office, "accounts": accounts, "surveyed": surveyed}


def neutral(kind: str, sender: str, key: str, text: str, **extra) -> dict:
    channel = {"meta": "messenger"}.get(kind, kind)
    return {
        "channel": channel,
        "sender_id": sender,
        "dedupe_key": key,
        "text": text,
        "sender_name": f"Nama {sender}",
        "attachments": extra.pop("attachments", []),
        "sent_at": None,
        "recipient_id": f"{kind}-us",
        "language": extra.pop("language", ""),
        **extra,
    }


def log_events(world) -> list[InboundEvent]:
    """Events of all four platforms, in the order received: new requesters (one writing twice, one in English,
    one with an NIK), follow-ups of an open and of a waited-for inquiry, a survey rating and a photo."""
    accounts = world["accounts"]
    plan = []
    for n in range(12):
        kind = ("telegram", "meta", "whatsapp", "x")[n % 4]
        plan.append((kind, f"new-{n}", f"Barang kiriman saya tertahan, nomor {n}"))
    plan += [
        ("telegram", "new-0", "Mohon infonya segera"),
        ("meta", "english-1", "How much duty do I pay on a laptop?"),
        ("whatsapp", "nik-1", "NIK saya 3171012501900001, bagaimana status paket saya?"),
        ("telegram", "open-1", "Tambahan: resinya JX123"),
        ("telegram", "waited-1", "Ini datanya: invoice terlampir di email"),
        ("telegram", "surveyed-1", "5"),
        ("telegram", "photo-1", ""),
        ("x", "new-3", "Halo?"),
    ]
    events = []
    for position, (kind, sender, text) in enumerate(plan):
        extra = {}
        if sender == "english-1":
            extra["language"] = "en"
        if sender == "photo-1":
            extra["attachments"] = [{"kind": "image", "url": "", "platform_id": "photo-file-1", "caption": "resi"}]
        key = f"m-{position}"
        event = InboundEvent.objects.create(
            account=accounts[kind],
            dedupe_key=key,
            message=neutral(kind, sender, key, text, **extra),
            request_id=f"req-{position}",
        )
        InboundEvent.objects.filter(pk=event.pk).update(received_at=MON_10 + timedelta(seconds=position))
        events.append(event)
    return events


def snapshot(office) -> dict:
    """What the filing left, without ids: per requester their inquiries, messages, references and audit rows."""
    inquiries = Inquiry.objects.filter(office=office).select_related("requester", "assigned_to").order_by("pk")
    seen = {}
    for inquiry in inquiries:
        seen.setdefault(inquiry.requester.external_id, []).append(inquiry)
    state = {}
    for external_id, rows in seen.items():
        requester = rows[0].requester
        entry = {
            "requester": (requester.display_name, requester.language, requester.privacy_notice_at is not None),
            "references": sorted(
                RequesterReference.objects.filter(requester=requester).values_list("kind", "value", "inquiry_id")
            ),
            "inquiries": [],
        }
        for inquiry in rows:
            messages = [
                (
                    m.direction,
                    m.kind,
                    m.text,
                    m.platform_id,
                    m.request_id,
                    (m.outbound.recipient_id, m.outbound.sender_id, m.outbound.text, m.outbound.tag)
                    if m.outbound
                    else None,
                )
                for m in inquiry.messages.select_related("outbound").order_by("created_at", "pk")
            ]
            audit = sorted(
                (a.action, a.changes.get("channel"), a.changes.get("new_inquiry"), a.object_repr.split(" ")[-1])
                for a in AuditEvent.objects.filter(
                    object_type="tickets.inquiry", object_id=str(inquiry.pk), actor_label="requester"
                )
            )
            entry["inquiries"].append(
                {
                    "fields": (
                        inquiry.status,
                        inquiry.received_at,
                        inquiry.preview,
                        inquiry.response_status,
                        inquiry.response_due,
                        inquiry.response_at_risk_at,
                        inquiry.effective_start,
                        inquiry.late_arrival,
                        inquiry.paused_at,
                        inquiry.assigned_to.username if inquiry.assigned_to else None,
                        inquiry.assigned_at,
                        inquiry.on_duty_at_receipt,
                        inquiry.last_message_at,
                        inquiry.last_inbound_at,
                        inquiry.rating,
                    ),
                    "messages": messages,
                    "audit": audit,
                }
            )
        # Reference rows point at an inquiry: compare by its place in the requester's list, not its id.
        positions = {inquiry.pk: n for n, inquiry in enumerate(rows)}
        entry["references"] = [(kind, value, positions.get(pk)) for kind, value, pk in entry["references"]]
        state[external_id] = entry
    return state


@time_machine.travel(MON_10 + timedelta(minutes=1), tick=False)
def test_a_batch_leaves_exactly_what_filing_each_event_alone_leaves(world):
    office = world["office"]
    events = log_events(world)
    with transaction.atomic():
        for event in events:
            assert inbound_event_process(event_id=event.pk)
        one_by_one = snapshot(office)
        transaction.set_rollback(True)
    assert InboundEvent.objects.filter(status=InboundEvent.Status.PENDING).count() == len(events)

    assert inbound_events_file() == len(events)
    batch = snapshot(office)
    assert batch.keys() == one_by_one.keys()
    for external_id, state in one_by_one.items():  # one requester at a time, for a readable difference
        assert batch[external_id]["requester"] == state["requester"], external_id
        assert batch[external_id]["references"] == state["references"], external_id
        for made, expected in zip(batch[external_id]["inquiries"], state["inquiries"], strict=True):
            assert made["fields"] == expected["fields"], external_id
            assert made["messages"] == expected["messages"], external_id
            assert made["audit"] == expected["audit"], external_id
    assert not InboundEvent.objects.exclude(status=InboundEvent.Status.PROCESSED).exists()
    assert set(InboundEvent.objects.values_list("attempts", flat=True)) == {1}

    # And what it left is what it should be, not only the same twice.
    assert batch["new-0"]["inquiries"][0]["fields"][0] == Inquiry.Status.OPEN
    assert [m[2] for m in batch["new-0"]["inquiries"][0]["messages"] if m[0] == "in"] == [
        "Barang kiriman saya tertahan, nomor 0",
        "Mohon infonya segera",
    ]
    acknowledgement = [m for m in batch["new-0"]["inquiries"][0]["messages"] if m[1] == Message.Kind.SYSTEM]
    assert len(acknowledgement) == 1 and "/privasi/" in acknowledgement[0][2]
    assert acknowledgement[0][5][0] == "new-0" and acknowledgement[0][4] == "req-0"
    english = [m for m in batch["english-1"]["inquiries"][0]["messages"] if m[1] == Message.Kind.SYSTEM]
    assert "We have received your message" in english[0][2]
    assert batch["nik-1"]["references"] == [("nik", "3171012501900001", 0)]
    assert batch["waited-1"]["inquiries"][0]["fields"][0] == Inquiry.Status.OPEN  # resumed
    assert batch["surveyed-1"]["inquiries"][0]["fields"][-1] == 5
    assert [m[0] for m in batch["photo-1"]["inquiries"][0]["messages"]] == ["in"]
    # Round-robin on open load: the 14 new inquiries even out the officers' open work (one had one already).
    assigned = [
        inquiry["fields"][9] for entry in batch.values() for inquiry in entry["inquiries"] if inquiry["fields"][11]
    ]
    assert len(assigned) == 14, sorted(k for k, v in batch.items() for i in v["inquiries"] if i["fields"][11])
    load = {name: assigned.count(name) + (name == "petugas0") for name in ("petugas0", "petugas1", "petugas2")}
    assert max(load.values()) - min(load.values()) <= 1, load


@time_machine.travel(MON_10 + timedelta(minutes=1), tick=False)
@pytest.mark.parametrize("size", [50, 200])
def test_a_batch_costs_the_same_few_queries_whatever_its_size(world, size, django_assert_max_num_queries):
    accounts = list(world["accounts"].values())
    first = accounts[0]  # a first message of the burst: its batch reads the office's calendar into the process
    InboundEvent.objects.create(account=first, dedupe_key="warm", message=neutral(first.kind, "warm", "warm", "Halo"))
    assert inbound_events_file() == 1
    for n in range(size):  # each of size / 2 requesters writes twice, on one of the four platforms
        sender = n % (size // 2)
        account = accounts[sender % len(accounts)]
        key = f"load-{n}"
        InboundEvent.objects.create(
            account=account, dedupe_key=key, message=neutral(account.kind, f"burst-{sender}", key, "Halo")
        )
    # Claim 4 (oldest event, its office, the office's accounts, the batch), on PostgreSQL the senders' advisory
    # locks and the look for their older events elsewhere 2, requesters 2, open inquiries 1, the calendar's
    # counter 1 (the calendar is kept in the process) and policy 2, roster 1, the inquiries 1, the
    # acknowledgements' outbox 1 and privacy moments 1, the messages 1, audit 1, marking processed 1, savepoints
    # 4: 24 for any size on PostgreSQL. SQLite splits a bulk INSERT at its limit of 999 variables (an inquiry has
    # about 50 columns): up to 12 more at 200.
    with django_assert_max_num_queries(24 if connection.vendor == "postgresql" else 22 + 12):
        assert inbound_events_file(limit=size) == size
    assert Message.objects.filter(direction="in", text="Halo").count() == size + 1
    assert Inquiry.objects.filter(requester__external_id__startswith="burst-").count() == size // 2


@time_machine.travel(MON_10 + timedelta(minutes=1), tick=False)
def test_a_bad_event_fails_alone_and_the_rest_of_its_batch_is_filed(world, monkeypatch):
    real_detect = tickets.references.detect

    def detect(text):
        if "BOOM" in text:
            raise RuntimeError("cannot read this message")
        return real_detect(text)

    monkeypatch.setattr(tickets.references, "detect", detect)  # both paths find references there
    events = log_events(world)
    bad = InboundEvent.objects.create(
        account=world["accounts"]["whatsapp"], dedupe_key="bad", message=neutral("whatsapp", "bad-1", "bad", "BOOM")
    )
    assert inbound_events_file() == len(events) + 1
    bad.refresh_from_db()
    assert (bad.status, bad.attempts) == (InboundEvent.Status.FAILED, 1) and "RuntimeError" in bad.error
    assert InboundEvent.objects.filter(status=InboundEvent.Status.PROCESSED).count() == len(events)
    assert not Message.objects.filter(text="BOOM").exists()
    assert Message.objects.filter(platform_id__startswith="m-", direction="in").count() == len(events)


def test_a_filer_takes_one_office_at_a_time_oldest_first(world, other_office):
    account = world["accounts"]["telegram"]
    elsewhere = factories.ChannelAccountFactory(office=other_office, kind="telegram", slug="tg-elsewhere")
    for n, target in enumerate([elsewhere, account, elsewhere, account]):
        InboundEvent.objects.create(
            account=target, dedupe_key=f"o-{n}", message=neutral("telegram", f"o-{n}", f"o-{n}", "Halo")
        )
    assert inbound_events_file() == 2  # the oldest is the other office's: its two events
    assert set(InboundEvent.objects.filter(status="processed").values_list("account_id", flat=True)) == {elsewhere.pk}
    assert inbound_events_file() == 2 and inbound_events_file() == 0


def test_a_wake_queues_one_drain_while_one_is_queued_or_running(monkeypatch, db):
    queued = []
    monkeypatch.setattr(inbound.file_inbound, "delay", lambda slot: queued.append(slot))
    assert inbound_wake() is True
    assert inbound_wake() is False and inbound_wake() is False  # a burst of webhooks: one task
    assert queued == [0]
    assert inbound.inbound_drain(slot=0) == 0  # the drain finds nothing and lets go of the wake
    assert inbound_wake() is True and queued == [0, 0]


def test_a_drain_files_what_was_logged_while_it_let_go(world, monkeypatch):
    """The race a debounced wake must not lose: an event logged after the drain's last empty look, whose
    webhook saw the wake still taken. The drain looks once more after letting go."""
    account = world["accounts"]["telegram"]
    monkeypatch.setattr(inbound.file_inbound, "delay", lambda slot: None)
    real_delete = inbound.cache.delete
    logged = []

    def delete(key, *args, **kwargs):
        if not logged:  # just before the wake is released, a webhook logs an event and finds the wake taken
            InboundEvent.objects.create(
                account=account, dedupe_key="late", message=neutral("telegram", "late-1", "late", "Halo")
            )
            logged.append(inbound_wake())
        return real_delete(key, *args, **kwargs)

    monkeypatch.setattr(inbound.cache, "delete", delete)
    inbound.cache.add(inbound.WAKE_KEY % 0, 1)
    assert inbound.inbound_drain(slot=0) == 1
    assert logged == [False]
    assert InboundEvent.objects.get(dedupe_key="late").status == InboundEvent.Status.PROCESSED


class Clock:
    def __init__(self, now: float = 100.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def trusting(monkeypatch, settings):
    """Webhooks that trust a wake seen taken for 0.05 s, as in a worker's setup (not eager), on a clock of the
    test's own; every cache round trip for the wake is counted."""
    settings.INBOUND_WAKE_TRUST = 0.05
    monkeypatch.setattr(inbound, "_eager", lambda: False)
    monkeypatch.setattr(inbound, "_wake_seen", {})
    clock = Clock()
    monkeypatch.setattr(inbound, "_monotonic", clock)
    asked, queued = [], []
    real_add = inbound.cache.add
    monkeypatch.setattr(inbound.cache, "add", lambda key, *a, **k: asked.append(key) or real_add(key, *a, **k))
    monkeypatch.setattr(inbound.file_inbound, "delay", lambda slot: queued.append(slot))
    return clock, asked, queued


def test_webhooks_trust_a_wake_seen_taken_for_a_moment_then_ask_again(trusting, db):
    clock, asked, queued = trusting
    assert inbound._wake_trust() == 0.05
    inbound.cache.add(inbound.WAKE_KEY % 0, 1)  # a drain holds the wake
    asked.clear()
    assert inbound.inbound_wake_trusted() is False and len(asked) == 1
    for step in range(49):  # a burst in this process: no round trip while the sight is trusted
        clock.now = 100.0 + step / 1000
        assert inbound.inbound_wake_trusted() is False
    assert len(asked) == 1
    clock.now = 100.05  # trusted no longer: asked again, seen taken again, trusted again from now
    assert inbound.inbound_wake_trusted() is False and len(asked) == 2
    inbound.cache.delete(inbound.WAKE_KEY % 0)  # the drain lets go
    clock.now = 100.06
    assert inbound.inbound_wake_trusted() is False and len(asked) == 2  # the drain's last look files this one
    clock.now = 100.11
    assert inbound.inbound_wake_trusted() is True and queued == [0]  # asked: free, so a drain is queued
    clock.now = 100.12
    assert inbound.inbound_wake_trusted() is False and len(asked) == 4  # a wake it queued itself is not trusted


def test_an_eager_setup_asks_at_every_webhook(monkeypatch, settings, db):
    settings.INBOUND_WAKE_TRUST = 0.05
    assert inbound._eager() is True  # the test settings: tasks run inline
    monkeypatch.setattr(inbound, "_eager", lambda: True)
    assert inbound._wake_trust() == 0.0
    monkeypatch.setattr(inbound, "_eager", lambda: False)
    settings.INBOUND_WAKE_TRUST = 0
    assert inbound._wake_trust() == 0.0


def test_a_drain_letting_go_waits_twice_the_trust_and_files_what_a_trusting_webhook_logged(
    world, trusting, monkeypatch
):
    """The race the trust must not lose: a webhook that saw the wake taken just before the drain let go logs an
    event and skips the wake. The drain, having let go, waits twice the trust before its last look: the event
    is committed by then, and filed."""
    clock, asked, queued = trusting
    account = world["accounts"]["telegram"]
    inbound.cache.add(inbound.WAKE_KEY % 0, 1)
    assert inbound.inbound_wake_trusted() is False  # the webhook process sees the wake taken at 100.0
    waits = []

    def linger(seconds: float) -> None:
        waits.append(seconds)
        assert inbound.cache.get(inbound.WAKE_KEY % 0) is None  # the wait comes after letting go
        if len(waits) > 1:
            return
        clock.now = 100.04  # a webhook, still trusting its sight, logs an event and asks nobody
        InboundEvent.objects.create(
            account=account, dedupe_key="trusted", message=neutral("telegram", "t-1", "trusted", "Halo")
        )
        assert inbound.inbound_wake_trusted() is False

    monkeypatch.setattr(inbound, "_linger", linger)
    asked.clear()
    assert inbound.inbound_drain(slot=0, trust=0.05) == 1
    # Let go, waited, found the event (took the wake again), filed it; let go again and waited again.
    assert waits == [0.1, 0.1] and queued == []
    assert InboundEvent.objects.get(dedupe_key="trusted").status == InboundEvent.Status.PROCESSED


@pytest.mark.django_db(transaction=True)
def test_filers_at_once_share_the_log_keep_each_senders_order_and_open_one_inquiry_each(postgres, settings):
    settings.INBOUND_FILE_BATCH = 7
    office = factories.OfficeFactory(auto_assign=False)
    account = factories.ChannelAccountFactory(office=office, kind="telegram", slug="tg-two")
    for n in range(360):
        key = f"t-{n}"
        InboundEvent.objects.create(
            account=account, dedupe_key=key, message=neutral("telegram", f"two-{n % 6}", key, f"pesan {n}")
        )
    errors: list[BaseException] = []
    filed = [0, 0, 0]

    def filer(index: int) -> None:
        try:
            while done := inbound_events_file():
                filed[index] += done
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=filer, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(filed) == 360 and all(filed)  # each took batches
    assert InboundEvent.objects.filter(status="processed").count() == 360
    assert Message.objects.filter(inquiry__account=account).count() == 360
    opened = Inquiry.objects.filter(account=account).values_list("requester__external_id", flat=True)
    assert sorted(opened) == sorted(f"two-{n}" for n in range(6))
    # Each requester's messages in the order received.
    for n in range(6):
        texts = list(
            Message.objects.filter(Q(inquiry__requester__external_id=f"two-{n}"))
            .order_by("pk")
            .values_list("text", flat=True)
        )
        assert texts == [f"pesan {k}" for k in range(n, 360, 6)]


class SenderLock:
    """Another filer in the middle of its batch, as seen from this one: a second connection holding the advisory
    lock of one sender (``_sender_key``) in an open transaction, until ``release``."""

    def __init__(self, account, sender: str):
        self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
        self.connection.inc_thread_sharing()  # a drain's thread may release it
        self.connection.set_autocommit(False)
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [inbound._sender_key(account.pk, sender)])

    def release(self) -> None:
        if self.connection.connection is not None:
            self.connection.rollback()
            self.connection.close()


def waiting_for_advisory_locks() -> int:
    looker = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with looker.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            return cursor.fetchone()[0]
    finally:
        looker.close()


def texts_of(account, sender: str) -> list[str]:
    return list(
        Message.objects.filter(inquiry__account=account, inquiry__requester__external_id=sender)
        .order_by("pk")
        .values_list("text", flat=True)
    )


@pytest.fixture
def two_senders_account(postgres):
    office = factories.OfficeFactory(auto_assign=False)
    account = factories.ChannelAccountFactory(office=office, kind="telegram", slug="tg-locks")
    for n, sender in enumerate(["a", "b", "c", "a", "b", "c"]):
        key = f"l-{n}"
        InboundEvent.objects.create(account=account, dedupe_key=key, message=neutral("telegram", sender, key, f"{n}"))
    return account


@pytest.mark.django_db(transaction=True)
def test_a_sender_another_filer_is_filing_is_left_out_of_the_batch_not_waited_for(two_senders_account):
    """Two filers of one office in a burst share a sender or two in nearly every pair of batches; waiting for
    the other's whole batch would file one batch at a time. The shared sender waits, the rest is filed now."""
    account = two_senders_account
    other = SenderLock(account, "a")
    done: list = []
    filer = threading.Thread(
        target=lambda: (done.append(inbound._file_next_batch(limit=200, received_before=None)), connection.close())
    )
    try:
        filer.start()
        filer.join(20)  # a bound for a filer that would wait, not a measure: it returns at once
        assert done == [(4, 6)]  # gone through 4 of the 6 claimed, while the other still holds "a"
        assert texts_of(account, "a") == []
        assert texts_of(account, "b") == ["1", "4"] and texts_of(account, "c") == ["2", "5"]
    finally:
        other.release()
        filer.join(20)
    assert inbound_events_file() == 2
    assert texts_of(account, "a") == ["0", "3"]
    assert InboundEvent.objects.filter(account=account, status="pending").count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_batch_of_senders_all_being_filed_elsewhere_waits_for_them(two_senders_account):
    """Only senders another filer holds: nothing could be filed now, so the filer waits behind the other (it
    does not spin nor return empty-handed while events are pending)."""
    account = two_senders_account
    InboundEvent.objects.filter(account=account, message__sender_id__in=["b", "c"]).delete()
    other = SenderLock(account, "a")
    filed: list = []
    filer = threading.Thread(target=lambda: (filed.append(inbound_events_file()), connection.close()))
    try:
        filer.start()
        for _ in range(500):  # until the filer waits for the lock (a bounded poll of pg_locks, not a timed wait)
            if waiting_for_advisory_locks() or not filer.is_alive():
                break
            threading.Event().wait(0.01)
        assert filer.is_alive() and waiting_for_advisory_locks() == 1 and filed == []
    finally:
        other.release()
    filer.join(30)
    assert filed == [2] and texts_of(account, "a") == ["0", "3"]


@pytest.mark.django_db(transaction=True)
def test_a_drain_counts_a_batch_with_senders_left_out_as_full(two_senders_account, settings, monkeypatch):
    """A burst is told by the batch claimed, not by the events filed: a batch that left a sender to another
    filer is still full, so the drain wakes the next filer and keeps the acknowledgements' deliveries held."""
    settings.INBOUND_FILE_BATCH = 3
    settings.INBOUND_FILERS = 2
    account = two_senders_account
    other = SenderLock(account, "a")
    woken: list[int] = []

    def wake(slot: int = 0) -> bool:
        woken.append(slot)
        other.release()  # the other filer commits once the next one is woken
        return True

    monkeypatch.setattr(inbound, "inbound_wake", wake)
    drained: list = []
    drain = threading.Thread(target=lambda: (drained.append(inbound.inbound_drain(slot=0)), connection.close()))
    try:
        drain.start()
        drain.join(30)
    finally:
        other.release()
        drain.join(30)
    assert woken[:1] == [1] and drained == [6]
    assert [texts_of(account, sender) for sender in "abc"] == [["0", "3"], ["1", "4"], ["2", "5"]]


def stream(account, monkeypatch, arrivals: list[int]) -> list[float]:
    """A stream of messages while a drain files: during each linger of the drain the next count of ``arrivals``
    is logged (the clock does not move: ``_linger`` is replaced, and records what it was asked to wait)."""
    monkeypatch.setattr(inbound.file_inbound, "delay", lambda slot: None)
    waits: list[float] = []
    logged = iter(arrivals)

    def linger(seconds: float) -> None:
        waits.append(seconds)
        for _ in range(next(logged, 0)):
            n = InboundEvent.objects.count()
            InboundEvent.objects.create(
                account=account, dedupe_key=f"s-{n}", message=neutral("telegram", f"s-{n}", f"s-{n}", "Halo")
            )

    monkeypatch.setattr(inbound, "_linger", linger)
    return waits


def batches_filed() -> list[int]:
    """Events per batch, in order (a batch marks its events processed in one UPDATE, at one instant)."""
    sizes: dict = {}
    for processed_at in InboundEvent.objects.order_by("processed_at", "pk").values_list("processed_at", flat=True):
        sizes[processed_at] = sizes.get(processed_at, 0) + 1
    return list(sizes.values())


@pytest.mark.django_db(transaction=True)
def test_a_drain_in_a_stream_waits_after_a_batch_that_was_not_full_and_files_what_came_together(
    postgres, settings, monkeypatch
):
    settings.INBOUND_FILE_BATCH = 5
    office = factories.OfficeFactory(auto_assign=False)
    account = factories.ChannelAccountFactory(office=office, kind="telegram", slug="tg-stream")
    waits = stream(account, monkeypatch, [4, 7])  # 4 come during the first wait, 7 during the second
    InboundEvent.objects.create(account=account, dedupe_key="first", message=neutral("telegram", "f", "first", "Hi"))
    assert inbound.inbound_drain(slot=0, linger=0.2) == 12
    # The first message at once (1), the 4 of the first wait together, then 7: a full batch (5) is followed at
    # once by the rest (2), then one more wait finds nothing new and the drain ends.
    assert batches_filed() == [1, 4, 5, 2]
    assert waits == [0.2, 0.2, 0.2]
    assert InboundEvent.objects.filter(status="pending").count() == 0


def test_a_drain_does_not_wait_when_nothing_was_pending_nor_when_told_not_to(world, monkeypatch):
    account = world["accounts"]["telegram"]
    waits = stream(account, monkeypatch, [])
    assert inbound.inbound_drain(slot=0, linger=0.2) == 0 and waits == []  # nothing pending: no wait
    InboundEvent.objects.create(account=account, dedupe_key="one", message=neutral("telegram", "o", "one", "Hi"))
    assert inbound.inbound_drain(slot=0) == 1 and waits == []  # linger 0 (the default, an eager task's)


def test_the_worker_task_lingers_and_an_eager_one_does_not(world, settings, monkeypatch):
    settings.INBOUND_DRAIN_LINGER = 0.3
    settings.INBOUND_WAKE_TRUST = 0.04
    seen = []
    monkeypatch.setattr(inbound, "inbound_drain", lambda **kwargs: seen.append(kwargs) or 0)
    inbound.file_inbound.delay(0)  # the suite runs tasks eagerly: inline, in a request or a test
    inbound.file_inbound.run(1)  # what a worker runs (not eager)
    assert seen == [{"slot": 0}, {"slot": 1, "linger": 0.3, "trust": 0.04}]


@time_machine.travel(MON_10 + timedelta(minutes=1), tick=False)
def test_a_change_of_the_office_hours_reaches_the_next_batch(world):
    """The batch filer keeps each office's calendar in the process, keyed by the office's calendar counter: a
    change of its hours (raised by the database) gives the next batch the new calendar, not the kept one."""
    office, account = world["office"], world["accounts"]["telegram"]

    def file_one(sender: str):
        InboundEvent.objects.create(
            account=account, dedupe_key=sender, message=neutral("telegram", sender, sender, "Halo")
        )
        InboundEvent.objects.filter(dedupe_key=sender).update(received_at=MON_10)
        assert inbound_events_file() == 1
        return Inquiry.objects.get(requester__external_id=sender).response_due

    before = file_one("cal-1")
    assert before.astimezone(WIB).date() == MON_10.date()  # open on Monday: answered the same day
    WeeklyHours.objects.filter(office=office, weekday=MON_10.weekday()).delete()  # closed on Mondays from now
    after = file_one("cal-2")
    assert after.astimezone(WIB).date() > MON_10.date()  # the next working day
