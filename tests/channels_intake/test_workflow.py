"""The transport hands inbound messages and delivery outcomes up through the registered workflow, and only so."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ImproperlyConfigured

from channels_intake import workflow as workflow_module
from channels_intake.adapters import InboundMessage
from channels_intake.inbound import inbound_event_process
from channels_intake.models import InboundEvent, OutboundMessage
from channels_intake.outbox import outbox_deliver
from channels_intake.services import inbound_events_store, outbox_enqueue
from channels_intake.workflow import Delivery, register_workflow
from tests import factories
from tickets.models import Message
from tickets.transport import workflow as tickets_workflow


class RecordingWorkflow:
    """A workflow that only records what the transport hands it."""

    def __init__(self):
        self.inbound: list[tuple[int, InboundMessage]] = []
        self.deliveries: list[Delivery] = []

    def on_inbound(self, *, account, message, received_at):
        self.inbound.append((account.pk, message))

    def on_delivery(self, *, delivery):
        self.deliveries.append(delivery)


@pytest.fixture
def recording(monkeypatch):
    recorder = RecordingWorkflow()
    monkeypatch.setattr(workflow_module._slot, "item", recorder)
    return recorder


def message(key="m1"):
    return InboundMessage(
        dedupe_key=key,
        sender_id="u1",
        sender_name="Budi",
        text="Halo",
        sent_at=datetime(2026, 12, 1, 3, tzinfo=UTC),
        recipient_id="",
        channel="telegram",
    )


def test_the_tickets_workflow_is_registered_at_start_up_and_a_second_one_is_refused():
    assert workflow_module.current_workflow() is tickets_workflow
    register_workflow(tickets_workflow)  # the same one again: fine (a re-run of ready())
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        register_workflow(RecordingWorkflow())


def test_a_logged_event_is_handed_to_the_workflow_once(recording, office):
    account = factories.ChannelAccountFactory(office=office, kind="telegram")
    (event_id,) = inbound_events_store(account=account, messages=[message()], queue=False)

    assert inbound_event_process(event_id=event_id) is True
    assert inbound_event_process(event_id=event_id) is False  # processed: left alone

    assert recording.inbound == [(account.pk, message())]
    assert InboundEvent.objects.get(pk=event_id).status == InboundEvent.Status.PROCESSED


def test_a_workflow_failure_leaves_the_event_failed_with_its_reason_for_the_re_drive(monkeypatch, office):
    class Failing(RecordingWorkflow):
        def on_inbound(self, **kwargs):
            raise RuntimeError("tickets is down")

    monkeypatch.setattr(workflow_module._slot, "item", Failing())
    account = factories.ChannelAccountFactory(office=office, kind="telegram")
    (event_id,) = inbound_events_store(account=account, messages=[message()], queue=False)

    assert inbound_event_process(event_id=event_id) is False
    event = InboundEvent.objects.get(pk=event_id)
    assert event.status == InboundEvent.Status.FAILED and "tickets is down" in event.error


def test_delivery_is_reported_up_with_the_reference_and_the_transport_writes_no_workflow_record(recording, office):
    account = factories.ChannelAccountFactory(office=office, kind="webchat")
    stored = factories.MessageFactory(inquiry=factories.InquiryFactory(office=office, account=account))
    outbound = outbox_enqueue(account=account, recipient_id="visitor", sender_id="", text="Jawaban")
    Message.objects.filter(pk=stored.pk).update(outbound=outbound)

    assert outbox_deliver(outbound_id=outbound.pk).status == "sent"

    (delivery,) = recording.deliveries
    assert delivery.sent and delivery.outbound_id == outbound.pk
    assert OutboundMessage.objects.get(pk=outbound.pk).status == OutboundMessage.Status.SENT
    # The platform id of the message is the workflow's to record; this workflow recorded nothing.
    assert Message.objects.get(pk=stored.pk).platform_id == stored.platform_id


def test_the_outbox_sends_its_own_copy_of_the_text(recording, office, httpserver, settings):
    """What goes out is what was queued: the outbox row holds the text and the ids; it points at no workflow row."""
    account = factories.ChannelAccountFactory(office=office, kind="telegram", secret="s", access_token="tok")
    httpserver.expect_request("/bottok/sendMessage", method="POST").respond_with_json(
        {"ok": True, "result": {"message_id": 42}}
    )
    settings.TELEGRAM_API_URL = httpserver.url_for("")
    outbound = outbox_enqueue(account=account, recipient_id="555", sender_id="", text="Queued text")

    assert outbox_deliver(outbound_id=outbound.pk).status == "sent"

    assert {f.name for f in OutboundMessage._meta.get_fields() if f.is_relation and f.concrete} == {"account"}
    (request, _response) = httpserver.log[0]
    assert request.get_json()["text"] == "Queued text" and request.get_json()["chat_id"] == "555"
    assert recording.deliveries[0].platform_ids == ("42",)
