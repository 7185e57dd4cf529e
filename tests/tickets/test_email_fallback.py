"""The final answer by e-mail goes through the outbox like every channel (issue: prove nothing is lost): an SMTP
server that refuses (451) leaves it queued with the reason and the resolution target not met; once the server
accepts, the retry delivers it once and only then is the target met. Against a local SMTP server."""

from datetime import timedelta

import pytest
from django.utils import timezone

from channels_intake.models import OutboundMessage
from channels_intake.outbox import outbox_deliver
from offices.models import Role
from sla.services import resolution_clock_start
from tests import factories
from tests.smtp_standin import parsed
from tests.tickets.test_escalation import inquiry_for
from tickets import escalation
from tickets.models import Message, Ticket, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(office):
    coordinator = factories.StaffFactory(office=office, role=Role.COORDINATOR).user
    member = factories.StaffFactory(office=office, role=Role.SUPERVISOR).user
    unit = Unit.objects.create(name="Seksi Pelayanan", home_office=office, coordinator=coordinator)
    unit.offices.add(office)
    unit.members.add(member)
    unit.member = member
    return unit


def answered_by_mail(office, unit, capture):
    inquiry = inquiry_for(office, "whatsapp", email="budi@example.invalid", last_inbound_minutes=3 * 24 * 60)
    ticket = Ticket.objects.create(
        number="BC-X-9", verification_hash="-", inquiry=inquiry, office=office, unit=unit, summary="s"
    )
    resolution_clock_start(record=inquiry)
    inquiry.save()
    with capture(execute=True):
        escalation.ticket_answer(ticket=ticket, actor=unit.member, text="Jawaban akhir untuk Anda")
    return inquiry, Message.objects.get(kind="final_answer").outbound


def test_a_refusing_server_leaves_it_queued_and_unmet_then_it_is_delivered_once(
    office,
    unit,
    smtp,
    django_capture_on_commit_callbacks,
):
    smtp.refusing = True
    inquiry, outbound = answered_by_mail(office, unit, django_capture_on_commit_callbacks)
    outbound.refresh_from_db()
    assert outbound.status == OutboundMessage.Status.QUEUED and "SMTP 451" in outbound.last_error
    assert smtp.received == [] and smtp.attempts == 1
    inquiry.refresh_from_db()
    assert inquiry.resolution_met_at is None  # an unsent e-mail does not count as answered

    smtp.refusing = False
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert outbox_deliver(outbound_id=outbound.pk).status == "sent"
    assert outbox_deliver(outbound_id=outbound.pk).status == "skipped"  # never sent twice
    (mail,) = smtp.received
    assert parsed(mail)["Subject"] == "Jawaban atas pertanyaan Anda (tiket BC-X-9)"
    inquiry.refresh_from_db()
    assert inquiry.resolution_met_at is not None


def test_a_permanent_refusal_fails_for_good_with_the_server_s_words(
    office,
    unit,
    smtp,
    django_capture_on_commit_callbacks,
):
    smtp.refusing = False
    inquiry = inquiry_for(office, "whatsapp", email="budi@example.invalid", last_inbound_minutes=3 * 24 * 60)
    Message.objects.all().delete()
    # An address the adapter refuses before any connection (header injection): a permanent failure.
    inquiry.requester.contact_email = "budi@example.invalid\r\nBcc: all@example.invalid"
    inquiry.requester.save(update_fields=["contact_email"])
    ticket = Ticket.objects.create(
        number="BC-X-8", verification_hash="-", inquiry=inquiry, office=office, unit=unit, summary="s"
    )
    with django_capture_on_commit_callbacks(execute=True):
        escalation.ticket_answer(ticket=ticket, actor=unit.member, text="Jawaban")
    outbound = Message.objects.get(kind="final_answer").outbound
    outbound.refresh_from_db()
    assert outbound.status == OutboundMessage.Status.FAILED and "not an e-mail address" in outbound.last_error
    assert smtp.attempts == 0
