"""Writes on offices and staff. Every function runs in one transaction and writes the audit log."""

from datetime import time

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record

from .models import Office, Role, StaffProfile, Typology, WeeklyHours

User = get_user_model()

# Perpres 21/2023 civil-service hours: Monday–Thursday 07:30–16:00, Friday 07:30–16:30.
DEFAULT_WEEKLY_HOURS = {
    0: [(time(7, 30), time(16, 0))],
    1: [(time(7, 30), time(16, 0))],
    2: [(time(7, 30), time(16, 0))],
    3: [(time(7, 30), time(16, 0))],
    4: [(time(7, 30), time(16, 30))],
}
ALWAYS_OPEN_HOURS = {day: [(time(0), time(0))] for day in range(7)}


def officer_limit_error(*, office: Office, exclude_profile_id: int | None = None) -> str | None:
    """The message to show when one more officer would exceed the office's typology limit, else None."""
    limit = office.typology.officer_limit
    officers = StaffProfile.objects.filter(office=office, role=Role.OFFICER, user__is_active=True)
    if exclude_profile_id is not None:
        officers = officers.exclude(pk=exclude_profile_id)
    count = officers.count()
    if count >= limit:
        return _("%(office)s already has %(count)d officer(s); its typology %(typology)s allows at most %(limit)d.") % {
            "office": office,
            "count": count,
            "typology": office.typology.name,
            "limit": limit,
        }
    return None


@transaction.atomic
def staff_assign(*, user, office: Office, role: str, actor=None, on_duty: bool = True) -> StaffProfile:
    """Give `user` a role in `office`. Refuses (ValidationError) to staff more officers than allowed."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)s.") % {"role": role}})
    # Lock the office row so two concurrent assignments cannot both pass the limit check.
    office = Office.objects.select_for_update().select_related("typology").get(pk=office.pk)
    profile = StaffProfile.objects.filter(user=user).first()
    before = {"office": profile.office.code, "role": profile.role} if profile else {}
    if role == Role.OFFICER:
        error = officer_limit_error(office=office, exclude_profile_id=profile.pk if profile else None)
        if error:
            raise ValidationError({"role": error})
    if profile is None:
        profile = StaffProfile.objects.create(user=user, office=office, role=role, on_duty=on_duty)
    else:
        profile.office, profile.role, profile.on_duty = office, role, on_duty
        profile.save(update_fields=["office", "role", "on_duty"])
    audit_record(
        actor=actor,
        action="staff.assign",
        obj=profile,
        office_code=office.code,
        changes={"before": before, "after": {"office": office.code, "role": role}},
    )
    return profile


@transaction.atomic
def office_create(
    *,
    code: str,
    name: str,
    typology: Typology,
    timezone: str = "Asia/Jakarta",
    kind: str = Office.Kind.KPPBC,
    parent: Office | None = None,
    always_open: bool = False,
    actor=None,
) -> Office:
    """Create an office with the default weekly hours (or 24/7 hours)."""
    office = Office(
        code=code,
        name=name,
        typology=typology,
        timezone=timezone,
        kind=kind,
        parent=parent,
        always_open=always_open,
    )
    office.full_clean()
    office.save()
    hours = ALWAYS_OPEN_HOURS if always_open else DEFAULT_WEEKLY_HOURS
    WeeklyHours.objects.bulk_create(
        WeeklyHours(office=office, weekday=day, start=start, end=end)
        for day, intervals in hours.items()
        for start, end in intervals
    )
    audit_record(
        actor=actor,
        action="office.create",
        obj=office,
        office_code=office.code,
        changes={"name": name, "typology": typology.name, "timezone": timezone, "always_open": always_open},
    )
    return office


def holidays_load(*, years: list[int], actor=None) -> int:
    """Load Indonesian public holidays and joint-leave days for `years` as national closed dates.

    Idempotent: a date already loaded is left alone. Returns how many dates were added.
    """
    import holidays as holidays_pkg

    from .models import Holiday

    added = 0
    with transaction.atomic():
        for category, label in (("public", Holiday.Category.PUBLIC), ("government", Holiday.Category.GOVERNMENT)):
            calendar = holidays_pkg.country_holidays("ID", years=years, categories=(category,), language="id")
            existing = set(
                Holiday.objects.filter(office__isnull=True, date__year__in=years, category=label).values_list(
                    "date", "name"
                )
            )
            rows = []
            for day, names in sorted(calendar.items()):
                for name in names.split("; "):
                    if (day, name) in existing:
                        continue
                    rows.append(
                        Holiday(
                            date=day,
                            name=name[:200],
                            category=label,
                            source=Holiday.Source.PACKAGE,
                            estimated="perkiraan" in name.lower(),
                        )
                    )
            Holiday.objects.bulk_create(rows, ignore_conflicts=True)
            added += len(rows)
        if added:
            audit_record(
                actor=actor,
                action="holidays.load",
                object_type="offices.holiday",
                object_id="national",
                changes={"years": years, "added": added},
            )
    return added
