"""The one interface between the transport and the workflow above it.

``channels_intake`` never imports the workflow (tickets, sla, webchat, complaints). The workflow implements
``Workflow`` and registers it once at start-up (``tickets.apps.TicketsConfig.ready``); the transport hands it
every parsed inbound message and every delivery outcome, and nothing else crosses the line upwards.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from common.registration import Slot

from .adapters import InboundMessage

if TYPE_CHECKING:  # type hints only: the models import this package's adapters, not this module
    from .models import ChannelAccount


@dataclass(frozen=True)
class Delivery:
    """What became of one outbox entry: sent (the platform accepted it) or finally failed."""

    outbound_id: int  # the entry ``outbox_enqueue`` returned
    sent: bool
    at: datetime
    attempts: int
    platform_ids: tuple[str, ...] = ()  # one per chunk that went out, in order
    reason: str = ""  # the platform's reason for a failure, safe to show (never a token)


@dataclass(frozen=True)
class InboundItem:
    """One logged inbound event handed to the workflow in a batch (``Workflow.on_inbound_batch``)."""

    event_id: int
    account: "ChannelAccount"
    message: InboundMessage
    received_at: datetime
    request_id: str = ""  # the webhook's (common.logging): the filed message keeps it


class Workflow(Protocol):
    def on_inbound(self, *, account: "ChannelAccount", message: InboundMessage, received_at: datetime) -> object:
        """File one requester's message (inside the transport's transaction). Raising leaves the event failed,
        to be retried by the re-drive; the workflow must make a repeated call with the same message a no-op."""
        ...

    def on_inbound_batch(self, *, items: "list[InboundItem]") -> None:
        """File the messages of one office's accounts, in the order given, each as ``on_inbound`` would, inside the
        transport's transaction (the worker's fast path). Raising rolls the whole batch back: the transport
        then files each message alone with ``on_inbound``, so one bad message does not hold up the others."""
        ...

    def on_delivery(self, *, delivery: Delivery) -> None:
        """Record a delivery outcome (inside the transport's transaction)."""
        ...

    def on_deliveries(self, *, deliveries: list[Delivery]) -> None:
        """Record the outcomes of entries delivered together, each as ``on_delivery`` would (inside the transport's
        transaction). Optional: without it the transport calls ``on_delivery`` for each."""
        ...


_slot: Slot[Workflow] = Slot("workflow", hint="is the tickets app installed?")


def register_workflow(workflow: Workflow) -> None:
    """Called once at start-up by the app that owns the workflow. A second, different workflow is refused."""
    _slot.register(workflow)


def current_workflow() -> Workflow:
    return _slot.get()
