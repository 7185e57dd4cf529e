"""Whose SLA figures a user sees (clause b.4: tiered supervision, from the direct superior to the head office).

- supervisory roles (coordinator, supervisor, head of office, internal compliance, office admin) see every office
  in their reach (``offices.reach``: their office; a regional office's staff the offices under it; head-office
  staff all);
- an officer sees only their own figures (``own_figures_only``), never their colleagues';
- a superuser sees everything; a user without a staff profile nothing.
"""

from django.db.models import QuerySet

from offices.models import Office, Role
from offices.reach import offices_in_reach
from tickets.permissions import staff_profile

SUPERVISORY_ROLES = {Role.COORDINATOR, Role.SUPERVISOR, Role.HEAD, Role.COMPLIANCE, Role.ADMIN}


def is_supervisor(user) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    profile = staff_profile(user)
    return profile is not None and profile.role in SUPERVISORY_ROLES


def report_offices(user) -> QuerySet:
    """The offices whose figures this user sees in full (none for an officer: see ``own_figures_only``)."""
    if is_supervisor(user):
        return offices_in_reach(user)
    return Office.objects.none()


def own_figures_only(user) -> bool:
    """An officer (or any non-supervisory staff member) sees the figures of their own work only."""
    profile = staff_profile(user)
    return not getattr(user, "is_superuser", False) and profile is not None and profile.role not in SUPERVISORY_ROLES
