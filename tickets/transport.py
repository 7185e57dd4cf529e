"""What tickets registers with the layers below it at start-up (they never import tickets):

- with the transport (``channels_intake.workflow``): where inbound messages are filed and delivery outcomes
  recorded;
- with the SLA engine (``sla.subjects``): which model it tracks, which statuses are open, and how an inquiry
  whose requester never answered is closed (a lifecycle transition).
"""

from datetime import datetime

from channels_intake.adapters import InboundMessage
from channels_intake.models import ChannelAccount
from channels_intake.workflow import Delivery, InboundItem

from . import lifecycle
from .filing import inbound_messages_receive
from .inquiries import inbound_message_receive
from .models import OPEN_STATUSES, Inquiry
from .replies import deliveries_record, delivery_record


class InquiryWorkflow:
    """``channels_intake.workflow.Workflow``: messages become inquiries, deliveries meet targets."""

    def on_inbound(self, *, account: ChannelAccount, message: InboundMessage, received_at: datetime):
        return inbound_message_receive(account=account, message=message, received_at=received_at)

    def on_inbound_batch(self, *, items: list[InboundItem]) -> None:
        inbound_messages_receive(items=items)

    def on_delivery(self, *, delivery: Delivery) -> None:
        delivery_record(delivery=delivery)

    def on_deliveries(self, *, deliveries: list[Delivery]) -> None:
        deliveries_record(deliveries=deliveries)


class InquirySubject:
    """``sla.subjects.SlaSubject``: the SLA engine tracks inquiries."""

    model = Inquiry
    open_statuses = tuple(str(status) for status in OPEN_STATUSES)

    def close_abandoned(self, *, ids: list[int], at: datetime) -> int:
        return lifecycle.inquiries_close_abandoned(ids=ids, at=at)


workflow = InquiryWorkflow()
subject = InquirySubject()
