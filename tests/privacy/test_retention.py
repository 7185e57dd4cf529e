"""Retention on a data set spanning several years: what passed its time goes (in chunks, audited), what an open
matter needs stays, and the figures the reports are made of do not change."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db.models import Count

from audit.models import AuditEvent
from channels_intake.models import InboundEvent, OutboundMessage
from common.storage import private_storage
from privacy.models import RetentionRule
from privacy.retention import KINDS, keep_days, retention_sweep
from tests import factories
from tickets.models import Attachment, Inquiry, Message, RequesterReference, Ticket, Unit
from webchat.models import WebchatSession

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
NIK = "3171234567890003"


def closed_inquiry(account, closed, **extra):
    inquiry = factories.InquiryFactory(
        account=account,
        received_at=closed - timedelta(hours=2),
        status=Inquiry.Status.CLOSED,
        closed_at=closed,
        preview="NIK saya ****0003",
        response_status="met",
        **extra,
    )
    factories.MessageFactory(inquiry=inquiry, text=f"NIK saya {NIK}, paket tertahan")
    factories.MessageFactory(inquiry=inquiry, direction=Message.Direction.OUTBOUND, text="Baik, kami cek.")
    RequesterReference.objects.create(requester=inquiry.requester, inquiry=inquiry, kind="nik", value=NIK)
    return inquiry


def attach(inquiry, name="nota.pdf"):
    stored = private_storage().save(f"test/{name}", ContentFile(b"%PDF-1.4 test"))
    return Attachment.objects.create(
        message=inquiry.messages.first(), status="stored", storage_name=stored, mime_type="application/pdf", name=name
    )


def figures():
    """What the SLA reports count: inquiries per office, status and response outcome."""
    return list(
        Inquiry.objects.values("office_id", "status", "response_status", "late_arrival")
        .annotate(n=Count("id"))
        .order_by("office_id", "status", "response_status", "late_arrival")
    )


@pytest.fixture
def years():
    account = factories.ChannelAccountFactory(kind="webchat")
    old = closed_inquiry(account, NOW - timedelta(days=3 * 365))  # past every time: anonymised
    old_file = attach(old)
    recent = closed_inquiry(account, NOW - timedelta(days=100))  # inside every time but the outbox's
    recent_file = attach(recent, "boarding.pdf")
    # An inquiry three years old but still open: an open matter, kept whole.
    still_open = factories.InquiryFactory(account=account, received_at=NOW - timedelta(days=3 * 365))
    factories.MessageFactory(inquiry=still_open, text=f"masih menunggu, NIK {NIK}")
    # A closed inquiry whose ticket is not answered yet: kept whole too.
    waiting = closed_inquiry(account, NOW - timedelta(days=3 * 365))
    unit = Unit.objects.create(name="Seksi", home_office=account.office)
    Ticket.objects.create(
        number="BC-1", verification_hash="x", inquiry=waiting, office=account.office, unit=unit, summary="ringkasan"
    )
    with time_machine.travel(NOW - timedelta(days=40)):
        filed_old = InboundEvent.objects.create(
            account=account, dedupe_key="a", status="processed", raw_body='{"nik": "x"}', message={"t": 1}
        )
    with time_machine.travel(NOW - timedelta(days=10)):
        filed_new = InboundEvent.objects.create(account=account, dedupe_key="b", status="processed", raw_body="{}")
    with time_machine.travel(NOW - timedelta(days=100)):
        dead_old = InboundEvent.objects.create(account=account, dedupe_key="c", status="dead", raw_body="{bad")
        sent_old = OutboundMessage.objects.create(account=account, recipient_id="r", text="jawaban", status="sent")
        queued_old = OutboundMessage.objects.create(account=account, recipient_id="r", text="antre", status="queued")
    with time_machine.travel(NOW - timedelta(days=50)):
        dead_new = InboundEvent.objects.create(account=account, dedupe_key="d", status="dead", raw_body="{bad")
    with time_machine.travel(NOW - timedelta(days=200)):
        stale = WebchatSession.objects.create(token_hash="t1", account=account, requester=old.requester)
    with time_machine.travel(NOW - timedelta(days=10)):
        fresh = WebchatSession.objects.create(token_hash="t2", account=account, requester=recent.requester)
    return locals()


def test_what_passed_its_time_goes_and_the_rest_stays(years):
    before = figures()
    with time_machine.travel(NOW):
        counts = retention_sweep(chunk=2)  # small chunks: the loop must go on until the work is done
    y = years
    old = Inquiry.objects.get(pk=y["old"].pk)
    assert old.anonymised_at is not None and old.preview == ""
    assert set(old.messages.values_list("text", flat=True)) == {""}
    assert not Attachment.objects.filter(pk=y["old_file"].pk).exists()
    assert not private_storage().exists(y["old_file"].storage_name)
    old.requester.refresh_from_db()
    assert old.requester.display_name == "" and old.requester.external_id == f"erased-{old.requester.pk}"
    # Kept: the recent one, the open one, the one whose ticket waits.
    for name in ("recent", "still_open", "waiting"):
        kept = Inquiry.objects.get(pk=y[name].pk)
        assert kept.anonymised_at is None and NIK in " ".join(kept.messages.values_list("text", flat=True)), name
    assert Attachment.objects.filter(pk=y["recent_file"].pk).exists()
    assert RequesterReference.objects.filter(inquiry=y["recent"]).exists()
    assert RequesterReference.objects.filter(inquiry=y["waiting"]).exists()
    assert not RequesterReference.objects.filter(inquiry=y["old"]).exists()
    assert Ticket.objects.get(inquiry=y["waiting"]).summary == "ringkasan"
    # Raw bodies, outbox copies, sessions.
    assert InboundEvent.objects.get(pk=y["filed_old"].pk).raw_body == ""
    assert InboundEvent.objects.get(pk=y["filed_old"].pk).message is None
    assert InboundEvent.objects.get(pk=y["filed_new"].pk).raw_body == "{}"
    assert InboundEvent.objects.get(pk=y["dead_old"].pk).raw_body == ""
    assert InboundEvent.objects.get(pk=y["dead_new"].pk).raw_body == "{bad"
    assert OutboundMessage.objects.get(pk=y["sent_old"].pk).text == ""
    assert OutboundMessage.objects.get(pk=y["queued_old"].pk).text == "antre"  # still to deliver
    assert not WebchatSession.objects.filter(pk=y["stale"].pk).exists()
    assert WebchatSession.objects.filter(pk=y["fresh"].pk).exists()
    # The figures are the same, and the audit log says how much was done.
    assert figures() == before
    assert counts["inquiries"] == 1 and counts["inbound_bodies"] == 1 and counts["inbound_review"] == 1
    assert counts["outbox_bodies"] == 1 and counts["webchat_sessions"] == 1 and counts["attachments"] == 1
    event = AuditEvent.objects.get(action="privacy.retention")
    assert event.changes == counts
    # A second run finds nothing left to do.
    with time_machine.travel(NOW):
        assert set(retention_sweep().values()) == {0}


def test_head_office_rules_override_the_defaults(years):
    RetentionRule.objects.create(record="inquiries", keep_days=30)
    assert keep_days()["inquiries"] == 30 and keep_days()["outbox_bodies"] == KINDS["outbox_bodies"].default_days
    with time_machine.travel(NOW):
        retention_sweep()
    assert Inquiry.objects.get(pk=years["recent"].pk).anonymised_at is not None


def test_a_run_is_bounded(years):
    with time_machine.travel(NOW):
        counts = retention_sweep(chunk=1, max_chunks=1)
    assert all(n <= 1 for n in counts.values())


def test_complaints_informed_long_ago_lose_the_complainant_and_the_evidence(office):
    from complaints.models import Complaint, ComplaintEvidence

    def complaint(informed, number):
        row = Complaint.objects.create(
            office=office,
            handling_office=office,
            channel="email",
            register_number=number,
            complainant_name="Siti",
            complainant_contact="siti@example.invalid",
            matter=f"Petugas meminta uang, NIK saya {NIK}",
            chronology="Kronologi lengkap",
            status=Complaint.Status.INFORMED,
            closed_at=informed,
        )
        stored = private_storage().save(f"complaints/{number}.pdf", ContentFile(b"%PDF-1.4 bukti"))
        ComplaintEvidence.objects.create(
            complaint=row, path=stored, original_name="bukti.pdf", content_type="application/pdf", size=14, sha256="x"
        )
        return row, stored

    old, old_file = complaint(NOW - timedelta(days=6 * 365), "PGD-1")
    recent, recent_file = complaint(NOW - timedelta(days=365), "PGD-2")
    with time_machine.travel(NOW):
        counts = retention_sweep()
    assert counts["complaints"] == 1
    old.refresh_from_db()
    assert old.complainant_name == old.complainant_contact == old.chronology == ""
    assert NIK not in old.matter and old.register_number == "PGD-1" and old.status == Complaint.Status.INFORMED
    assert not private_storage().exists(old_file) and not ComplaintEvidence.objects.filter(complaint=old).exists()
    recent.refresh_from_db()
    assert recent.complainant_name == "Siti" and private_storage().exists(recent_file)
