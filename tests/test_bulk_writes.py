"""common.bulk: the filing's bulk writes store exactly what bulk_create and bulk_update store, in one statement.

Each case writes the same objects both ways and compares every column, so a value the fast path would pass to the
driver unprepared (a JSON document, a choice, a lazy translation, a datetime in another zone, a NULL, an
auto_now_add stamp) shows up as a difference. On SQLite the functions are bulk_create and bulk_update themselves.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils.translation import gettext_lazy

from audit.models import AuditEvent
from channels_intake.models import OutboundMessage
from common.bulk import bulk_insert, bulk_set
from tests import factories
from tickets.models import Inquiry, Message

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)


@pytest.fixture
def account(office):
    return factories.ChannelAccountFactory(office=office, kind="telegram")


def stored(model, pks, leave=("id",)):
    rows = model.objects.filter(pk__in=pks).order_by("pk").values()
    return [{key: value for key, value in row.items() if key not in leave} for row in rows]


def outbound(account, n):
    return OutboundMessage(
        account=account,
        recipient_id=f"chat-{n}",
        sender_id="" if n % 2 else "page",
        text=gettext_lazy("We have received your message.") if n == 0 else f"Halo {n} — ünïcode ✓ 'quote' %s",
        attachment={"kind": "photo", "n": n, "nested": [1, None, "x"]},
        choices=["1", "2"] if n % 2 else [],
        status=OutboundMessage.Status.QUEUED,
        next_attempt_at=NOW.astimezone(WIB) + timedelta(minutes=n),  # another zone: the same instant stored
        lease_until=None,
        request_id="",
    )


@time_machine.travel(NOW, tick=False)
def test_an_insert_stores_what_bulk_create_stores(account, django_assert_num_queries):
    expected = OutboundMessage.objects.bulk_create([outbound(account, n) for n in range(5)])
    objs = [outbound(account, n) for n in range(5)]
    with django_assert_num_queries(1):
        assert bulk_insert(objs) == objs
    assert all(obj.pk and not obj._state.adding and obj._state.db == "default" for obj in objs)
    assert [obj.pk for obj in objs] == sorted(obj.pk for obj in objs)  # in their order
    assert stored(OutboundMessage, [obj.pk for obj in objs]) == stored(OutboundMessage, [e.pk for e in expected])
    assert OutboundMessage.objects.get(pk=objs[0].pk).created_at == NOW  # auto_now_add
    assert OutboundMessage.objects.get(pk=objs[3].pk).attachment["nested"] == [1, None, "x"]


@time_machine.travel(NOW, tick=False)
def test_foreign_keys_and_choices_of_the_filing(account):
    inquiry = factories.InquiryFactory(account=account, requester__account=account)
    entry = OutboundMessage.objects.create(account=account, recipient_id="r", text="Halo")

    def messages():
        return [
            Message(inquiry=inquiry, direction=Message.Direction.INBOUND, text="Paket saya", request_id="rq-1"),
            Message(inquiry=inquiry, direction="outbound", kind=Message.Kind.SYSTEM, text="Diterima", outbound=None),
        ]

    expected = Message.objects.bulk_create(messages())
    objs = bulk_insert(messages())
    leave = ("id", "search")
    assert stored(Message, [m.pk for m in objs], leave) == stored(Message, [m.pk for m in expected], leave)
    linked = bulk_insert([Message(inquiry=inquiry, direction="outbound", kind="system", text="x", outbound=entry)])
    assert Message.objects.get(pk=linked[0].pk).outbound_id == entry.pk
    audits = bulk_insert(
        [AuditEvent(actor_label="requester", action="inquiry.receive", object_type="t", object_id="1", changes={})]
    )
    assert AuditEvent.objects.get(pk=audits[0].pk).created_at == NOW


def test_an_unsaved_related_object_is_refused_as_bulk_create_refuses_it(account):
    inquiry = Inquiry(account=account, office=account.office)  # never saved
    with pytest.raises(ValueError, match="unsaved related object"):
        bulk_insert([Message(inquiry=inquiry, direction="inbound", text="Halo")])


def test_nothing_to_insert_or_set_is_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert bulk_insert([]) == []
        assert bulk_set([], ["text"]) == 0


@time_machine.travel(NOW, tick=False)
def test_a_set_stores_what_bulk_update_stores(account, django_assert_num_queries):
    rows = OutboundMessage.objects.bulk_create([outbound(account, n) for n in range(8)])
    first, second = rows[:4], rows[4:]

    def change(objs):
        for n, obj in enumerate(objs):
            obj.text = f"Diubah {n} 'kutip' %(x)s"
            obj.sent_at = NOW.astimezone(WIB) + timedelta(seconds=n) if n % 2 else None
            obj.platform_ids = [f"mid.{n}", {"n": n}]
            obj.status = OutboundMessage.Status.SENT

    change(first)
    change(second)
    fields = ["text", "sent_at", "platform_ids", "status"]
    OutboundMessage.objects.bulk_update(first, fields)
    with django_assert_num_queries(1):
        assert bulk_set(second, fields) == 4
    leave = ("id", "recipient_id", "next_attempt_at", "sender_id", "choices", "attachment")
    expected = stored(OutboundMessage, [o.pk for o in first], leave)
    assert stored(OutboundMessage, [o.pk for o in second], leave) == expected
    untouched = OutboundMessage.objects.get(pk=second[0].pk)
    assert untouched.recipient_id == "chat-4" and untouched.attempts == 0  # only the named fields


def test_an_insert_ignoring_conflicts_leaves_the_existing_row_alone(account):
    from tickets.models import Requester

    kept = Requester.objects.create(account=account, external_id="chat-1", display_name="Budi")
    rows = [Requester(account=account, external_id=f"chat-{n}", display_name=f"Baru {n}") for n in range(3)]
    bulk_insert(rows, ignore_conflicts=True)  # chat-1 is there already
    names = dict(Requester.objects.filter(account=account).values_list("external_id", "display_name"))
    assert names == {"chat-0": "Baru 0", "chat-1": "Budi", "chat-2": "Baru 2"}
    assert Requester.objects.get(pk=kept.pk).display_name == "Budi"


def test_the_filings_models_take_the_one_statement_path():
    """Should a model of the filing gain what the fast path leaves to bulk_create (a database default, a value read
    back, a parent), the burst's filing would silently lose its speed: this says so first."""
    from common.bulk import _plan
    from tickets.models import Requester, RequesterReference

    for model in (Inquiry, Message, AuditEvent, OutboundMessage, Requester, RequesterReference):
        assert _plan(model) is not None, model
