"""A reply that finally fails (SLA_RULES.md) alerts its officer, and the coordinator when the target is at risk or
breached; the inquiry is marked in the inbox list until someone acts; the target is not met."""

from datetime import timedelta

import pytest
from django.utils import timezone

from channels_intake.outbox import outbox_deliver
from offices.models import Role
from sla.models import Notification
from sla.notifications import render
from tests import factories
from tests.channels_intake.test_outbox import make_inquiry, platform, send  # noqa: F401  (platform: fixture)
from tickets.models import Inquiry, TargetStatus
from tickets.replies import outbound_retry

pytestmark = pytest.mark.django_db
REFUSAL = {
    "error": {"message": "(#100) No matching user found 3171234567890003", "type": "OAuthException", "code": 100}
}


def refuse(platform):  # noqa: F811
    platform.expect_oneshot_request("/v25.0/PAGE-1/messages").respond_with_json(REFUSAL, status=400)


def test_the_officer_is_told_and_the_inbox_marks_it_until_a_retry(client, platform, office, officer):  # noqa: F811
    coordinator = factories.StaffFactory(office=office, role=Role.COORDINATOR).user
    refuse(platform)
    inquiry = make_inquiry(office, "meta", channel="messenger")
    message = send(inquiry, officer)
    assert outbox_deliver(outbound_id=message.outbound.pk).status == "failed"
    inquiry.refresh_from_db()
    assert inquiry.delivery_failed_at is not None and inquiry.response_met_at is None
    note = Notification.objects.get(user=officer)
    text = render(note, "id")
    assert f"#{inquiry.pk}" in text and "No matching user found" in text and "3171234567890003" not in text
    assert "could not be delivered" in render(note, "en")
    # The target is still running, not yet at risk: the coordinator is not disturbed.
    assert not Notification.objects.filter(user=coordinator).exists()
    client.force_login(officer)
    page = client.get("/inbox/").content.decode()
    assert "balasan tidak terkirim" in page
    # Someone acts: the mark goes.
    outbound_retry(message=message, actor=officer)
    assert Inquiry.objects.get(pk=inquiry.pk).delivery_failed_at is None
    assert "balasan tidak terkirim" not in client.get("/inbox/").content.decode()


@pytest.mark.parametrize("state", ["at_risk", "breached"])
def test_the_coordinator_is_told_when_the_target_is_at_risk_or_breached(platform, office, officer, state):  # noqa: F811
    coordinator = factories.StaffFactory(office=office, role=Role.COORDINATOR).user
    other_office_coordinator = factories.StaffFactory(role=Role.COORDINATOR).user
    refuse(platform)
    inquiry = make_inquiry(office, "meta", channel="messenger")
    if state == "at_risk":
        Inquiry.objects.filter(pk=inquiry.pk).update(response_at_risk_at=timezone.now() - timedelta(minutes=1))
    else:
        Inquiry.objects.filter(pk=inquiry.pk).update(response_status=TargetStatus.BREACHED)
    message = send(inquiry, officer)
    assert outbox_deliver(outbound_id=message.outbound.pk).status == "failed"
    note = Notification.objects.get(user=coordinator)
    assert note.kind == "reply.failed_at_risk" and note.inquiry_id == inquiry.pk
    assert ("berisiko" if state == "at_risk" else "terlampaui") in render(note, "id")
    assert not Notification.objects.filter(user=other_office_coordinator).exists()
