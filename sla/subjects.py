"""What the SLA engine tracks, registered by the workflow above it (sla never imports the workflow).

The workflow (tickets) registers one ``SlaSubject`` at start-up: the model that inherits ``SlaTracked``, which
of its statuses count as open, and how to close a record whose requester never answered. The sweep and the
recomputation query that model; closing stays the workflow's own transition.
"""

from datetime import datetime
from typing import Protocol

from common.registration import Slot

from .models import SlaTracked


class SlaSubject(Protocol):
    model: type[SlaTracked]
    open_statuses: tuple[str, ...]  # values of ``model.status`` that are still open

    def close_abandoned(self, *, ids: list[int], at: datetime) -> int:
        """Close these records as "no reply from requester" (each only if still waiting); how many closed."""
        ...


_slot: Slot[SlaSubject] = Slot("SLA subject", hint="is the tickets app installed?")


def register_subject(subject: SlaSubject) -> None:
    _slot.register(subject)


def current_subject() -> SlaSubject:
    return _slot.get()
