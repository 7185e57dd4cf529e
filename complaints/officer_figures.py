"""The complaints' answer to the officer scorecards (``tickets.officer_figures``): counts, never complaints.

A substantiated complaint counts for the officer it names (``Complaint.about_user``) in the month it was
concluded (``concluded_at``). Who may see the counts is the complaints' own rule
(``routing.countable_complaints``): supervisors and compliance their reach, never a complaint about themselves;
an officer (or an office administrator) none at all.
"""

from collections.abc import Sequence

from django.db.models import Count, Q

from tickets.officer_figures import OfficerWindow

from .models import Complaint
from .routing import countable_complaints, may_count


class ComplaintOfficerFigures:
    def substantiated_counts(self, *, viewer, windows: Sequence[OfficerWindow]) -> dict[int, int] | None:
        if not may_count(viewer):
            return None
        windows = [window for window in windows if window.officer_ids]
        if not windows:
            return {}
        within = Q(pk__in=[])
        for window in windows:
            within |= Q(
                about_user_id__in=window.officer_ids,
                concluded_at__gte=window.since,
                concluded_at__lt=window.until,
            )
        queryset = countable_complaints(
            viewer, Complaint.objects.filter(within, kind=Complaint.Kind.COMPLAINT, substantiated=True)
        )
        rows = queryset.order_by().values("about_user_id").annotate(n=Count("pk")).values_list("about_user_id", "n")
        return dict(rows)


provider = ComplaintOfficerFigures()
