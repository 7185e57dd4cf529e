"""Which offices a staff member's work reaches (clause b.4: supervision from the office up to the head office).

One rule, used by every page that shows more than one office (reports, office administration, compliance):
- a superuser, or staff of the head office (``Office.Kind.HEAD_OFFICE``): every office;
- staff of a regional office (``Office.Kind.REGIONAL``): that office and every office under it (any depth);
- anyone else with a staff profile: their own office only;
- no staff profile: nothing.

The inbox is not widened by this: an officer still works their own office's inquiries (``tickets.permissions``).
"""

from django.db.models import QuerySet

from .models import Office


def _profile(user):
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.staff
    except Exception:  # RelatedObjectDoesNotExist: a user without a staff profile
        return None


def office_ids_under(office_id: int) -> set[int]:
    """The office and every office below it (regions under a head office, offices under a region...)."""
    reached = {office_id}
    frontier = {office_id}
    while frontier:  # depth is 2 or 3 in practice: one query per level
        frontier = set(Office.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - reached
        reached |= frontier
    return reached


def offices_in_reach(user) -> QuerySet:
    """The offices this user's work reaches (see the module's rule)."""
    if getattr(user, "is_superuser", False):
        return Office.objects.all()
    profile = _profile(user)
    if profile is None:
        return Office.objects.none()
    office = profile.office
    if office.kind == Office.Kind.HEAD_OFFICE:
        return Office.objects.all()
    if office.kind == Office.Kind.REGIONAL:
        return Office.objects.filter(id__in=office_ids_under(office.id))
    return Office.objects.filter(id=office.id)


def office_in_reach(user, office) -> bool:
    office_id = getattr(office, "pk", office)
    return office_id is not None and offices_in_reach(user).filter(pk=office_id).exists()
