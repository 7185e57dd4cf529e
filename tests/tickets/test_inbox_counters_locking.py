"""The inbox's change counters (tickets/live.py) never make two writers of one office deadlock.

Found by bench/load.py: a filing transaction updated the requester (its trigger locked the office's counter row),
then waited for the inquiry row that an officer's reply held; the reply then inserted its message, whose trigger
waited for the counter row: PostgreSQL broke the cycle by failing one (the reply answered 503). Raised at commit,
the counters are locked last, by a transaction that waits for nothing more.
"""

import threading

import pytest
from django.db import close_old_connections, connection, transaction

from tests import factories
from tickets.models import Inquiry, Message, Requester

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_a_filing_and_a_reply_of_one_office_do_not_deadlock(postgres):
    office = factories.OfficeFactory()
    account = factories.ChannelAccountFactory(office=office, kind="telegram")
    inquiry = factories.InquiryFactory(account=account, requester__account=account)
    reply_holds_inquiry = threading.Event()
    filing_touched_requester = threading.Event()
    errors: list[BaseException] = []

    def filing():  # the requester's name first, then the inquiry, as inbound_message_receive does
        try:
            with transaction.atomic():
                Requester.objects.filter(pk=inquiry.requester_id).update(display_name="Budi")
                filing_touched_requester.set()
                reply_holds_inquiry.wait(10)
                Inquiry.objects.select_for_update().get(pk=inquiry.pk)
                Message.objects.create(inquiry=inquiry, direction="in", text="Halo lagi")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    def reply():  # the inquiry first, then the message, as reply_send does
        try:
            filing_touched_requester.wait(10)
            with transaction.atomic():
                Inquiry.objects.select_for_update().get(pk=inquiry.pk)
                reply_holds_inquiry.set()
                with connection.cursor() as cursor:  # until the filing waits for this inquiry row
                    for _ in range(1000):
                        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                        if cursor.fetchone()[0]:
                            break
                Message.objects.create(inquiry=inquiry, direction="out", kind="answer", text="Jawaban")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=filing), threading.Thread(target=reply)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert Message.objects.filter(inquiry=inquiry).count() == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM tickets_inboxversion WHERE office_id = %s", [office.pk])
        assert cursor.fetchone() is not None  # and the counters were raised by the commits


def _counters(office_ids) -> dict[int, tuple[int, int]]:
    from tickets import live

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT office_id, version, calendar FROM {live.TABLE} WHERE office_id = ANY(%s)", [office_ids])  # noqa: S608
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def test_a_transaction_raises_each_office_once_however_many_rows(postgres):
    """The deferred triggers all fire at the commit: one raise per office and counter, not one per row (a filing
    batch of 200 messages used to upsert its office's row hundreds of times). Another transaction raises again,
    and an office the transaction did not touch stays as it was."""
    office, other, quiet = factories.OfficeFactory(), factories.OfficeFactory(), factories.OfficeFactory()
    inquiries = [factories.InquiryFactory(office=office_) for office_ in (office, other, quiet)]
    ids = [office.pk, other.pk, quiet.pk]
    before = _counters(ids)
    with transaction.atomic():
        Message.objects.bulk_create(
            [Message(inquiry=inquiries[0], direction="in", text=f"Halo {n}") for n in range(50)]
            + [Message(inquiry=inquiries[1], direction="in", text="Halo")]
        )
        Inquiry.objects.filter(pk=inquiries[0].pk).update(preview="Halo 49")
    after = _counters(ids)
    assert after[office.pk][0] == before[office.pk][0] + 1
    assert after[other.pk][0] == before[other.pk][0] + 1
    assert after[quiet.pk] == before[quiet.pk]
    with transaction.atomic():
        Message.objects.create(inquiry=inquiries[0], direction="in", text="Lagi")
    assert _counters(ids)[office.pk][0] == before[office.pk][0] + 2


def test_the_calendar_counter_is_raised_apart_from_the_version(postgres):
    office = factories.OfficeFactory()
    inquiry = factories.InquiryFactory(office=office)
    before = _counters([office.pk])[office.pk]
    with transaction.atomic():
        Message.objects.create(inquiry=inquiry, direction="in", text="Halo")  # the version
        office.name = office.name + " (baru)"
        office.save(update_fields=["name"])  # the calendar (the office row)
        Message.objects.create(inquiry=inquiry, direction="in", text="Halo lagi")
    after = _counters([office.pk])[office.pk]
    assert after == (before[0] + 1, before[1] + 1)
