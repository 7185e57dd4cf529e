"""Who handles a complaint, and who may read it (clause a.6; issue 14 point 3).

- A complaint goes to the compliance staff (``Role.COMPLIANCE``) of the office concerned; when it is about the
  head of office or about compliance staff themselves, to the compliance staff of the regional office above it
  (``office.parent``), or of the head office when the office has no regional office above it.
- Compliance staff read the complaints handled by an office in their reach (``offices.reach``: a regional unit
  those of its region, the head office all), never one about themselves.
- Supervisors (coordinator, supervisor, head of office) see counts of their reach, never contents, and never
  count a complaint about themselves. Everyone else sees nothing.
"""

from django.db.models import Q, QuerySet

from offices.models import Office, Role
from offices.reach import offices_in_reach

COUNT_ROLES = {Role.COORDINATOR, Role.SUPERVISOR, Role.HEAD, Role.COMPLIANCE}
# Roles whose complaints go up a level: the office's own compliance unit must not judge its head or itself.
ESCALATED_ROLES = {Role.HEAD, Role.COMPLIANCE}


def _profile(user):
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.staff
    except Exception:  # RelatedObjectDoesNotExist: no staff profile
        return None


def role_of(user) -> str | None:
    profile = _profile(user)
    return profile.role if profile else None


def is_compliance(user) -> bool:
    return role_of(user) == Role.COMPLIANCE or getattr(user, "is_superuser", False)


def may_count(user) -> bool:
    return getattr(user, "is_superuser", False) or role_of(user) in COUNT_ROLES


def handling_office_for(*, office: Office, concerns: str, about_user=None) -> Office:
    """The office whose compliance staff handle a complaint about ``office`` (see the module's rule)."""
    up = concerns in ESCALATED_ROLES
    if about_user is not None:
        profile = _profile(about_user)
        if profile is not None and profile.role in ESCALATED_ROLES:
            up = True
    if not up:
        return office
    if office.parent_id:
        return office.parent
    head = Office.objects.filter(kind=Office.Kind.HEAD_OFFICE).exclude(pk=office.pk).order_by("pk").first()
    return head or office


def _not_about(user, queryset: QuerySet) -> QuerySet:
    """Leave out complaints about ``user``: named (``about_user``), or about their role at their office (a
    complaint "about the head of office" is about the head of that office, whoever is not named)."""
    queryset = queryset.filter(Q(about_user__isnull=True) | ~Q(about_user=user))
    profile = _profile(user)
    if profile is not None and profile.role in ESCALATED_ROLES:
        queryset = queryset.exclude(office_id=profile.office_id, concerns=profile.role)
    return queryset


def visible_complaints(user, queryset: QuerySet) -> QuerySet:
    """The complaints ``user`` may read in full (compliance of the handling office's reach), never their own."""
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    if not getattr(user, "is_superuser", False):
        if role_of(user) != Role.COMPLIANCE:
            return queryset.none()
        queryset = queryset.filter(handling_office__in=offices_in_reach(user))
    return _not_about(user, queryset)


def countable_complaints(user, queryset: QuerySet) -> QuerySet:
    """The complaints counted for ``user`` (supervisors and compliance: their reach), never their own."""
    if not may_count(user):
        return queryset.none()
    if not getattr(user, "is_superuser", False):
        reach = offices_in_reach(user)
        queryset = queryset.filter(Q(office__in=reach) | Q(handling_office__in=reach))
    return _not_about(user, queryset)
