"""Who may see and work which inquiries: staff see their own office only; superusers see all."""

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
