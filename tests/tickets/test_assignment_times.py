"""When an inquiry was first assigned and how many officers were on duty when it arrived (kept for the reports'
breach causes: no officer on duty, assigned late, answered late)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from channels_intake.adapters import InboundMessage
from offices.models import Role
from tests import factories
from tickets.inquiries import inbound_message_receive, inquiry_assign, inquiry_claim
from tickets.models import Inquiry
from tickets.replies import reply_send

pytestmark = pytest.mark.django_db
WIB = ZoneInfo("Asia/Jakarta")
ARRIVED = datetime(2026, 12, 7, 9, 0, tzinfo=WIB)


def receive(account, n=1) -> Inquiry:
    message = InboundMessage(
        dedupe_key=f"m-{n}",
        sender_id=f"user-{n}",
        sender_name="",
        text="Halo",
        sent_at=None,
        recipient_id="",
        channel="telegram",
    )
    with time_machine.travel(ARRIVED, tick=False):
        return inbound_message_receive(account=account, message=message, received_at=ARRIVED).inquiry


def officer(office, *, on_duty=True):
    return factories.StaffFactory(office=office, role=Role.OFFICER, on_duty=on_duty).user


@pytest.fixture
def account(office):
    return factories.ChannelAccountFactory(office=office, kind="telegram")


def test_auto_assignment_stamps_the_moment_and_counts_the_officers_on_duty(office, account):
    office.auto_assign = True
    office.save()
    officer(office), officer(office), officer(office, on_duty=False)
    inquiry = Inquiry.objects.get(pk=receive(account).pk)
    assert inquiry.assigned_to is not None and inquiry.assigned_at == ARRIVED
    assert inquiry.on_duty_at_receipt == 2


def test_nobody_on_duty_is_recorded_as_zero_and_unassigned(office, account):
    office.auto_assign = True
    office.save()
    officer(office, on_duty=False)
    inquiry = Inquiry.objects.get(pk=receive(account).pk)
    assert inquiry.assigned_to is None and inquiry.assigned_at is None and inquiry.on_duty_at_receipt == 0


def test_without_auto_assignment_the_count_is_kept_and_the_first_assignment_is_stamped_once(office, account):
    office.auto_assign = False
    office.save()
    first, second = officer(office), officer(office)
    inquiry = Inquiry.objects.get(pk=receive(account).pk)
    assert inquiry.on_duty_at_receipt == 2 and inquiry.assigned_at is None
    with time_machine.travel(ARRIVED + timedelta(minutes=70), tick=False):
        inquiry_claim(inquiry=inquiry, user=first)
    with time_machine.travel(ARRIVED + timedelta(minutes=90), tick=False):
        inquiry_assign(inquiry=inquiry, actor=first, to_user=second)
    inquiry.refresh_from_db()
    assert inquiry.assigned_to == second
    assert inquiry.assigned_at == ARRIVED + timedelta(minutes=70)  # the first assignment, not the last


def test_a_reply_by_an_unassigned_officer_stamps_the_assignment(office, account):
    office.auto_assign = False
    office.save()
    author = officer(office)
    inquiry = receive(account)
    with time_machine.travel(ARRIVED + timedelta(minutes=30), tick=False):
        reply_send(inquiry=inquiry, author=author, text="Jawaban", kind="message")
    inquiry.refresh_from_db()
    assert inquiry.assigned_to == author and inquiry.assigned_at == ARRIVED + timedelta(minutes=30)
