"""The Celery tasks of intake and delivery, for autodiscovery: each is defined beside the service it wraps."""

from .inbound import process_inbound, process_inbound_batch, redrive_inbound, split_inbound_delivery
from .outbox import deliver_outbound, redrive_outbox

__all__ = [
    "deliver_outbound",
    "process_inbound",
    "process_inbound_batch",
    "redrive_inbound",
    "redrive_outbox",
    "split_inbound_delivery",
]
