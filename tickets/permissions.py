"""Who may see and work what: staff see their own office's inquiries only (superusers all); a unit's members
and coordinator work its tickets; a consultation is answered by the person or unit it is addressed to."""

from django.db.models import QuerySet

from offices.models import Role

WORKING_ROLES = {Role.OFFICER, Role.COORDINATOR, Role.SUPERVISOR, Role.HEAD, Role.ADMIN}


def staff_profile(user):
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.staff
    except Exception:  # RelatedObjectDoesNotExist: a user without a staff profile
        return None


def can_see_office(user, office_id: int) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    profile = staff_profile(user)
    return profile is not None and profile.office_id == office_id


def can_work_inquiry(user, inquiry) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    profile = staff_profile(user)
    return profile is not None and profile.office_id == inquiry.office_id and profile.role in WORKING_ROLES


def visible_inquiries(user, queryset: QuerySet) -> QuerySet:
    if getattr(user, "is_superuser", False):
        return queryset
    profile = staff_profile(user)
    if profile is None:
        return queryset.none()
    return queryset.filter(office_id=profile.office_id)


# --- Tickets and consultations ------------------------------------------------------------------------------
def can_work_ticket(user, ticket) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    unit = ticket.unit
    return user.pk == unit.coordinator_id or unit.members.filter(pk=user.pk).exists()


def is_coordinator(user, unit) -> bool:
    return getattr(user, "is_superuser", False) or user.pk == unit.coordinator_id


def can_answer_consultation(user, consultation) -> bool:
    if getattr(user, "is_superuser", False) or consultation.to_user_id == user.pk:
        return True
    unit = consultation.to_unit
    return unit is not None and (unit.coordinator_id == user.pk or unit.members.filter(pk=user.pk).exists())


# --- The knowledge base -------------------------------------------------------------------------------------
KNOWLEDGE_BASE_CURATORS = {Role.COORDINATOR, Role.ADMIN}


def can_read_knowledge_base(user) -> bool:
    """Everyone who answers the public reads the knowledge base (internal compliance does not answer)."""
    if getattr(user, "is_superuser", False):
        return True
    profile = staff_profile(user)
    return profile is not None and profile.role in WORKING_ROLES


def can_curate_knowledge_base(user, *, national: bool = False, answer=None) -> bool:
    """Coordinators and office admins write their office's answers; only superusers the national ones.

    ``answer``: an existing answer to edit, which must be this office's own (or any, for a superuser).
    """
    if getattr(user, "is_superuser", False):
        return True
    profile = staff_profile(user)
    if profile is None or profile.role not in KNOWLEDGE_BASE_CURATORS or national:
        return False
    return answer is None or answer.office_id == profile.office_id
