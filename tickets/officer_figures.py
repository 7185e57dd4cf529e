"""Figures about officers that an app above the workflow keeps, asked for by another app above it.

``supervision`` (the officer scorecards) and ``complaints`` are siblings and may not import each other. The
scorecards ask this slot for the number of substantiated complaints about each officer; ``complaints`` registers
its implementation at start-up (``complaints.apps.ComplaintsConfig.ready``). Only a count crosses: never a
complaint, its number or its contents.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from common.registration import Slot


@dataclass(frozen=True)
class OfficerWindow:
    """These officers, over ``[since, until)`` (one office zone's month, in UTC-aware datetimes)."""

    officer_ids: tuple[int, ...]
    since: datetime
    until: datetime


class ComplaintFigures(Protocol):
    def substantiated_counts(self, *, viewer, windows: Sequence[OfficerWindow]) -> dict[int, int] | None:
        """Per officer id, the complaints about them concluded as substantiated within their window (one
        aggregated query). ``None`` when ``viewer`` may not see complaint counts at all (the complaints' own
        rule); an officer the viewer may not count (the viewer themselves) is left out of the answer."""
        ...


_slot: Slot[ComplaintFigures] = Slot("complaint figures provider", hint="is the complaints app installed?")


def register_complaint_figures(provider: ComplaintFigures) -> None:
    _slot.register(provider)


def complaint_figures() -> ComplaintFigures | None:
    """The registered provider, or None when no app keeps complaints (the scorecards then show no count)."""
    return _slot.item
