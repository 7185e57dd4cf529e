"""Writes on offices, typologies, staff and working calendars.

Every function runs in one transaction, writes the audit log and refuses a rule violation with a
``ValidationError`` (keyed by field where there is one). A change to a working calendar (weekly hours, closed
dates, special hours, reopened dates, an office's time zone or always-open flag) is announced with
``offices.hooks.calendars_changed``, so the apps above (sla: running deadlines) follow after commit without
offices importing them. The admin, the pages and the commands all call these functions: there is no second
write path.
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from sla.calendar import WorkingCalendar

from .hooks import calendars_changed
from .models import Holiday, Office, ReopenedDate, Role, SpecialHours, StaffProfile, Typology, WeeklyHours
from .selectors import format_intervals, office_calendar

User = get_user_model()

Interval = tuple[dt.time, dt.time]
Weekly = Mapping[int, Sequence[Interval]]

# Perpres 21/2023 civil-service hours: Monday–Thursday 07:30–16:00, Friday 07:30–16:30.
DEFAULT_WEEKLY_HOURS = {
    0: [(dt.time(7, 30), dt.time(16, 0))],
    1: [(dt.time(7, 30), dt.time(16, 0))],
    2: [(dt.time(7, 30), dt.time(16, 0))],
    3: [(dt.time(7, 30), dt.time(16, 0))],
    4: [(dt.time(7, 30), dt.time(16, 30))],
}
ALWAYS_OPEN_HOURS = {day: [(dt.time(0), dt.time(0))] for day in range(7)}

OFFICE_FIELDS = ("code", "name", "kind", "typology", "timezone", "parent", "always_open", "auto_assign", "is_active")
# Office fields the working calendar is built from: changing one moves running deadlines.
OFFICE_CALENDAR_FIELDS = ("timezone", "always_open")
SPECIAL_HOURS_MAX_DAYS = 366
SPECIAL_HOURS_KEYS = ("default", *(str(day) for day in range(7)))


# --- Helpers -----------------------------------------------------------------------------------------------
def _values(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Comparable values of ``fields`` (a foreign key by its id), for change detection and the audit log."""
    return {name: getattr(obj, obj._meta.get_field(name).attname) for name in fields}


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    changed = [name for name in after if before.get(name) != after[name]]
    return {"before": {name: before.get(name) for name in changed}, "after": {name: after[name] for name in changed}}


def _offices_touched(*office_ids: int | None) -> list[int] | None:
    """The offices whose calendar a change of these rows touches: every office (None) once one row is national."""
    if any(pk is None for pk in office_ids):
        return None
    return sorted(set(office_ids))


def _office_code(office: Office | None) -> str:
    return office.code if office is not None else ""


def _locked(model: type[models.Model], pk: int) -> models.Model:
    return model.objects.select_for_update().get(pk=pk)


# --- Officer limit: the one place the typology rule is written ---------------------------------------------
def _active_officers(office: Office):
    if office.pk is None:
        return StaffProfile.objects.none()
    return StaffProfile.objects.filter(office_id=office.pk, role=Role.OFFICER, user__is_active=True)


def officer_limit_error(
    *, office: Office, officers_after: int | None = None, exclude_profile_id: int | None = None
) -> str | None:
    """The message to show when ``office`` would have more active officers than its typology allows, else None.

    ``officers_after`` is how many active officers the office would have after the change. By default: its
    active officers other than ``exclude_profile_id``, plus the one being placed (one assignment). The message
    gives the office's real current count and the count the change would make.
    """
    limit = office.typology.officer_limit
    officers = _active_officers(office)
    current = officers.count()
    if officers_after is None:
        others = current if exclude_profile_id is None else officers.exclude(pk=exclude_profile_id).count()
        officers_after = others + 1
    if officers_after <= limit:
        return None
    return _(
        "%(office)s has %(count)d active officer(s) now and would have %(after)d; "
        "its typology %(typology)s allows at most %(limit)d."
    ) % {"office": office, "count": current, "after": officers_after, "typology": office.typology.name, "limit": limit}


def officer_reactivation_error(*, user) -> str | None:
    """The limit message when making ``user`` active again would put their office over its officer limit."""
    if user.pk is None or User.objects.filter(pk=user.pk, is_active=True).exists():
        return None  # not a reactivation
    profile = StaffProfile.objects.filter(user_id=user.pk, role=Role.OFFICER).select_related("office__typology")
    profile = profile.first()
    if profile is None:
        return None
    return officer_limit_error(office=profile.office, exclude_profile_id=profile.pk)


def typology_limit_error(*, typology: Typology, officer_limit: int) -> str | None:
    """The message when lowering ``typology``'s limit to ``officer_limit`` would leave offices over it, naming
    each of them with its real count (once), else None."""
    crowded = list(
        Office.objects.filter(typology_id=typology.pk)
        .annotate(officers=Count("staff", filter=Q(staff__role=Role.OFFICER, staff__user__is_active=True)))
        .filter(officers__gt=officer_limit)
        .order_by("-officers", "code")
    )
    if not crowded:
        return None
    offices = ", ".join(
        _("%(office)s already has %(count)d active officers") % {"office": office, "count": office.officers}
        for office in crowded
    )
    return _("The limit cannot go below the active officers of its offices; over %(limit)d: %(offices)s.") % {
        "limit": officer_limit,
        "offices": offices,
    }


# --- Typologies --------------------------------------------------------------------------------------------
TYPOLOGY_FIELDS = ("name", "officer_limit", "description")


@transaction.atomic
def typology_create(*, name: str, officer_limit: int, description: str = "", actor=None) -> Typology:
    typology = Typology(name=name, officer_limit=officer_limit, description=description)
    typology.full_clean()
    typology.save()
    audit_record(
        actor=actor, action="typology.create", obj=typology, changes={"after": _values(typology, TYPOLOGY_FIELDS)}
    )
    return typology


@transaction.atomic
def typology_update(
    *, typology: Typology, name: str, officer_limit: int, description: str = "", actor=None
) -> Typology:
    """Change a typology. Refuses a limit outside 1..6, or below the active officers one of its offices has."""
    row = _locked(Typology, typology.pk)
    before = _values(row, TYPOLOGY_FIELDS)
    row.name, row.officer_limit, row.description = name, officer_limit, description
    if officer_limit < before["officer_limit"]:
        # Lock its offices (the rows staff_assign locks) so no officer is added between the count and commit.
        list(Office.objects.select_for_update().filter(typology=row).order_by("pk").values_list("pk", flat=True))
    row.full_clean()  # the 1..6 range, the unique name, and no office over a lowered limit (Typology.clean)
    row.save()
    changes = _diff(before, _values(row, TYPOLOGY_FIELDS))
    if changes["after"]:
        audit_record(actor=actor, action="typology.update", obj=row, changes=changes)
    return row


@transaction.atomic
def typology_delete(*, typology: Typology, actor=None) -> None:
    """Delete a typology no office uses (the database protects the ones in use)."""
    audit_record(
        actor=actor, action="typology.delete", obj=typology, changes={"before": _values(typology, TYPOLOGY_FIELDS)}
    )
    typology.delete()


# --- Staff -------------------------------------------------------------------------------------------------
@transaction.atomic
def staff_assign(
    *,
    user,
    office: Office,
    role: str,
    actor=None,
    on_duty: bool = True,
    language: str | None = None,
) -> StaffProfile:
    """Give `user` a role in `office`. Refuses (ValidationError) to staff more officers than allowed.

    ``language`` None keeps the profile's language (a new profile gets the default).
    """
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)s.") % {"role": role}})
    if language is not None and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Unknown language %(language)s.") % {"language": language}})
    # Lock the office row so two concurrent assignments cannot both pass the limit check.
    office = Office.objects.select_for_update().select_related("typology").get(pk=office.pk)
    profile = StaffProfile.objects.filter(user=user).select_related("office").first()
    before = {"office": profile.office.code, "role": profile.role} if profile else {}
    if role == Role.OFFICER:
        error = officer_limit_error(office=office, exclude_profile_id=profile.pk if profile else None)
        if error:
            raise ValidationError({"role": error})
    if profile is None:
        profile = StaffProfile(user=user, office=office, role=role, on_duty=on_duty)
        if language is not None:
            profile.language = language
        profile.save()
    else:
        profile.office, profile.role, profile.on_duty = office, role, on_duty
        if language is not None:
            profile.language = language
        profile.save(update_fields=["office", "role", "on_duty", "language"])
    admin_access = role == Role.ADMIN and not user.is_staff
    if admin_access:  # an administrator reaches the admin site (what they may do there follows their reach)
        User.objects.filter(pk=user.pk).update(is_staff=True)
        user.is_staff = True
    audit_record(
        actor=actor,
        action="staff.assign",
        obj=profile,
        office_code=office.code,
        changes={
            "before": before,
            "after": {"office": office.code, "role": role},
            "on_duty": on_duty,
            "language": profile.language,
            **({"is_staff": True} if admin_access else {}),
        },
    )
    return profile


@transaction.atomic
def staff_remove(*, profile: StaffProfile, actor=None) -> None:
    """Take a user's staff profile away (the user keeps their account and history)."""
    profile = StaffProfile.objects.select_related("office", "user").get(pk=profile.pk)
    audit_record(
        actor=actor,
        action="staff.remove",
        obj=profile,
        office_code=profile.office.code,
        changes={"before": {"office": profile.office.code, "role": profile.role, "user": profile.user.get_username()}},
    )
    profile.delete()


@transaction.atomic
def staff_account_create(
    *,
    username: str,
    first_name: str,
    last_name: str,
    email: str = "",
    password: str,
    office: Office,
    role: str,
    on_duty: bool = True,
    language: str | None = None,
    actor=None,
) -> StaffProfile:
    """Open an account for a new staff member and give them their role (``staff_assign``: the officer limit).

    The password must pass the project's password validators. An administrator's account gets the admin's
    access (``is_staff``). A refusal leaves no account behind (one transaction).
    """
    user = User(username=(username or "").strip(), first_name=first_name, last_name=last_name, email=email)
    user.is_staff = role == Role.ADMIN
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise ValidationError({f"new_{name}": errors for name, errors in exc.message_dict.items()}) from exc
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(password)
    user.save()
    audit_record(
        actor=actor,
        action="user.create",
        obj=user,
        office_code=office.code,
        changes={"username": user.username, "is_staff": user.is_staff},
    )
    return staff_assign(user=user, office=office, role=role, on_duty=on_duty, language=language, actor=actor)


@transaction.atomic
def user_active_set(*, user, active: bool, actor=None) -> bool:
    """Deactivate or reactivate an account. Returns whether it changed.

    Reactivating an officer counts against their office's limit (under the office's lock, as ``staff_assign``);
    an admin cannot deactivate their own account.
    """
    row = User.objects.select_for_update().get(pk=user.pk)
    if row.is_active == active:
        return False
    if not active and actor is not None and actor.pk == row.pk:
        raise ValidationError({"is_active": _("You cannot deactivate your own account.")})
    profile = StaffProfile.objects.filter(user_id=row.pk).select_related("office").first()
    if active and profile is not None and profile.role == Role.OFFICER:
        Office.objects.select_for_update().filter(pk=profile.office_id).first()  # as staff_assign: one at a time
        error = officer_reactivation_error(user=row)
        if error:
            raise ValidationError({"is_active": error})
    User.objects.filter(pk=row.pk).update(is_active=active)
    user.is_active = active
    audit_record(
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        obj=row,
        office_code=profile.office.code if profile is not None else "",
        changes={"before": {"is_active": not active}, "after": {"is_active": active}},
    )
    return True


def user_reactivation_guard(sender, instance, update_fields=None, **kwargs) -> None:
    """pre_save of the user model: a plain ``user.is_active = True; user.save()`` (a shell, a script, a form
    that does not call ``user_active_set``) is refused too when it would put an office over its officer limit.

    Connected in ``offices.apps``; a save that does not write ``is_active`` (a login's ``last_login``) costs no
    query.
    """
    if not instance.is_active or instance.pk is None:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    error = officer_reactivation_error(user=instance)
    if error:
        raise ValidationError({"is_active": error})


# --- Offices -----------------------------------------------------------------------------------------------
def intervals_errors(intervals: Sequence[Interval], *, day: str) -> list[str]:
    """What is wrong with one day's intervals, in the reader's language: reversed or overlapping intervals.

    ``day`` names the day in the messages ("Monday", "Friday hours"...). 00:00 as an end is the end of the day.
    """
    errors = []
    spans = []
    for start, end in intervals:
        if end != dt.time(0) and end <= start:
            errors.append(
                _("%(day)s: %(start)s–%(end)s ends before it starts (only 00:00 means the end of the day).")
                % {"day": day, "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
            )
            continue
        spans.append((start, dt.time.max if end == dt.time(0) else end, end))
    spans.sort()
    for (start, until, end), (next_start, _until, next_end) in zip(spans, spans[1:], strict=False):
        if next_start < until:
            errors.append(
                _("%(day)s: %(first)s and %(second)s overlap; a break lies between two intervals.")
                % {
                    "day": day,
                    "first": f"{start:%H:%M}–{end:%H:%M}",
                    "second": f"{next_start:%H:%M}–{next_end:%H:%M}",
                }
            )
    return errors


def weekly_hours_validate(*, weekly: Weekly) -> None:
    """Refuse (ValidationError) weekly hours the working calendar cannot take: reversed or overlapping intervals."""
    errors = []
    for day in range(7):
        errors += intervals_errors(weekly.get(day, ()), day=str(WeeklyHours.Weekday(day).label))
    if errors:
        raise ValidationError(errors)
    try:
        # The zone does not change whether intervals are valid; UTC keeps this independent of the office's.
        WorkingCalendar("UTC", {day: list(weekly.get(day, ())) for day in range(7)})
    except ValueError as exc:
        raise ValidationError(_("These hours are not valid: %(error)s") % {"error": exc}) from exc


WORKING_TIME_HORIZON_DAYS = 366


def office_calendar_validate(*, office: Office, now: dt.datetime | None = None) -> None:
    """Refuse (ValidationError) an office whose calendar, as saved so far, has no working time in the next
    366 days: no deadline could be computed for its inquiries. Call inside the saving transaction."""
    now = now or timezone.now()
    calendar = office_calendar(office)
    try:
        starts = calendar.next_working_moment(now)
    except ValueError:
        starts = None
    if starts is None or starts >= now + dt.timedelta(days=WORKING_TIME_HORIZON_DAYS):
        raise ValidationError(
            _("The office's calendar has no working time in the next %(days)d days: give it working hours.")
            % {"days": WORKING_TIME_HORIZON_DAYS}
        )


def _weekly_of(office: Office) -> dict[int, list[Interval]]:
    weekly: dict[int, list[Interval]] = {day: [] for day in range(7)}
    for weekday, start, end in WeeklyHours.objects.filter(office=office).values_list("weekday", "start", "end"):
        weekly[weekday].append((start, end))
    return {day: sorted(intervals) for day, intervals in weekly.items()}


def _weekly_text(weekly: Weekly) -> dict[str, str]:
    return {str(day): format_intervals(sorted(weekly.get(day, ()))) for day in range(7)}


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
    auto_assign: bool = False,
    is_active: bool = True,
    weekly: Weekly | None = None,
    actor=None,
) -> Office:
    """Create an office with these weekly hours (default: the civil-service hours, or 24/7 hours)."""
    if weekly is None:
        weekly = ALWAYS_OPEN_HOURS if always_open else DEFAULT_WEEKLY_HOURS
    weekly_hours_validate(weekly=weekly)
    office = Office(
        code=code,
        name=name,
        typology=typology,
        timezone=timezone,
        kind=kind,
        parent=parent,
        always_open=always_open,
        auto_assign=auto_assign,
        is_active=is_active,
    )
    office.full_clean()
    office.save()
    WeeklyHours.objects.bulk_create(
        WeeklyHours(office=office, weekday=day, start=start, end=end)
        for day, intervals in weekly.items()
        for start, end in intervals
    )
    office_calendar_validate(office=office)
    audit_record(
        actor=actor,
        action="office.create",
        obj=office,
        office_code=office.code,
        changes={
            "name": name,
            "typology": typology.name,
            "timezone": timezone,
            "always_open": always_open,
            "hours": _weekly_text(weekly),
        },
    )
    return office


@transaction.atomic
def office_update(*, office: Office, data: Mapping[str, Any], actor=None) -> Office:
    """Change an office's own fields (``OFFICE_FIELDS``; a foreign key as its object).

    Refuses a typology whose officer limit is below the office's active officers. A new time zone or
    always-open flag moves the office's running deadlines.
    """
    unknown = set(data) - set(OFFICE_FIELDS)
    if unknown:
        raise TypeError(f"office_update: not office fields: {sorted(unknown)}")
    row = Office.objects.select_for_update().get(pk=office.pk)
    before = _values(row, OFFICE_FIELDS)
    for name, value in data.items():
        setattr(row, name, value)
    after = _values(row, OFFICE_FIELDS)
    changes = _diff(before, after)
    changed = list(changes["after"])
    if not changed:
        return row
    row.full_clean()  # a typology too small for the active officers too (Office.clean), on the locked row
    row.save(update_fields=changed)
    if set(changed) & set(OFFICE_CALENDAR_FIELDS):
        office_calendar_validate(office=row)
    audit_record(actor=actor, action="office.update", obj=row, office_code=row.code, changes=changes)
    if set(changed) & set(OFFICE_CALENDAR_FIELDS):
        calendars_changed(office_ids=[row.pk])
    return row


@transaction.atomic
def office_delete(*, office: Office, actor=None) -> None:
    """Delete an office nothing refers to (the database protects offices with staff, inquiries, tickets...)."""
    audit_record(
        actor=actor,
        action="office.delete",
        obj=office,
        office_code=office.code,
        changes={"before": _values(office, OFFICE_FIELDS)},
    )
    office.delete()


@transaction.atomic
def office_hours_set(*, office: Office, weekly: Weekly, actor=None) -> bool:
    """Replace the office's weekly hours. Returns whether they changed (then running deadlines follow)."""
    weekly_hours_validate(weekly=weekly)
    office = Office.objects.select_for_update().get(pk=office.pk)
    before = _weekly_of(office)
    after = {day: sorted(weekly.get(day, ())) for day in range(7)}
    if before == after:
        return False
    WeeklyHours.objects.filter(office=office).delete()
    WeeklyHours.objects.bulk_create(
        WeeklyHours(office=office, weekday=day, start=start, end=end)
        for day, intervals in after.items()
        for start, end in intervals
    )
    office_calendar_validate(office=office)
    audit_record(
        actor=actor,
        action="hours.update",
        obj=office,
        office_code=office.code,
        changes=_diff(_weekly_text(before), _weekly_text(after)),
    )
    calendars_changed(office_ids=[office.pk])
    return True


# --- Closed dates ------------------------------------------------------------------------------------------
HOLIDAY_FIELDS = ("office", "date", "name", "category", "source", "estimated")


@transaction.atomic
def holiday_save(
    *,
    holiday: Holiday | None = None,
    office: Office | None,
    date: dt.date,
    name: str,
    category: str,
    estimated: bool = False,
    actor=None,
) -> Holiday:
    """Add a closed date (``holiday`` None; for one office, or every office when ``office`` is None) or edit one.

    An added date is marked as added by an admin; an edited one keeps its source.
    """
    if holiday is None:
        row, before = Holiday(source=Holiday.Source.ADMIN), {}
    else:
        row = _locked(Holiday, holiday.pk)
        before = _values(row, HOLIDAY_FIELDS)
    row.office, row.date, row.name, row.category, row.estimated = office, date, name, category, estimated
    row.full_clean()  # choices, and one name per date (nationally, or per office)
    row.save()
    changes = _diff(before, _values(row, HOLIDAY_FIELDS))
    if holiday is not None and not changes["after"]:
        return row
    audit_record(
        actor=actor,
        action="holiday.add" if holiday is None else "holiday.update",
        obj=row,
        office_code=_office_code(office),
        changes=changes,
    )
    touched = [row.office_id] if holiday is None else [before["office"], row.office_id]
    calendars_changed(office_ids=_offices_touched(*touched))
    return row


@transaction.atomic
def holidays_delete(*, holidays: Iterable[Holiday], actor=None) -> int:
    """Delete closed dates (one or a selection). Returns how many."""
    rows = list(Holiday.objects.select_for_update().filter(pk__in=[h.pk for h in holidays]).order_by("pk"))
    offices = {o.pk: o for o in Office.objects.filter(pk__in={r.office_id for r in rows if r.office_id})}
    for row in rows:
        audit_record(
            actor=actor,
            action="holiday.delete",
            obj=row,
            office_code=_office_code(offices.get(row.office_id)),
            changes={"before": _values(row, HOLIDAY_FIELDS)},
        )
    Holiday.objects.filter(pk__in=[row.pk for row in rows]).delete()
    if rows:
        calendars_changed(office_ids=_offices_touched(*(row.office_id for row in rows)))
    return len(rows)


# --- Reopened dates ----------------------------------------------------------------------------------------
REOPENED_FIELDS = ("office", "date", "reason")


@transaction.atomic
def reopened_date_save(
    *, reopened: ReopenedDate | None = None, office: Office, date: dt.date, reason: str = "", actor=None
) -> ReopenedDate:
    """Reopen a closed date for one office (a picket office on cuti bersama), or edit a reopened date."""
    if reopened is None:
        row, before = ReopenedDate(), {}
    else:
        row = _locked(ReopenedDate, reopened.pk)
        before = _values(row, REOPENED_FIELDS)
    row.office, row.date, row.reason = office, date, reason
    row.full_clean()  # one row per office and date
    row.save()
    changes = _diff(before, _values(row, REOPENED_FIELDS))
    if reopened is not None and not changes["after"]:
        return row
    audit_record(actor=actor, action="reopened_date.save", obj=row, office_code=office.code, changes=changes)
    calendars_changed(office_ids=[row.office_id, *([before["office"]] if before else [])])
    return row


@transaction.atomic
def reopened_dates_delete(*, reopened_dates: Iterable[ReopenedDate], actor=None) -> int:
    rows = list(ReopenedDate.objects.select_for_update().filter(pk__in=[r.pk for r in reopened_dates]).order_by("pk"))
    offices = {o.pk: o for o in Office.objects.filter(pk__in={r.office_id for r in rows})}
    for row in rows:
        row.office = offices[row.office_id]
        audit_record(
            actor=actor,
            action="reopened_date.delete",
            obj=row,
            office_code=offices[row.office_id].code,
            changes={"before": _values(row, REOPENED_FIELDS)},
        )
    ReopenedDate.objects.filter(pk__in=[row.pk for row in rows]).delete()
    calendars_changed(office_ids=[row.office_id for row in rows])
    return len(rows)


# --- Special hours -----------------------------------------------------------------------------------------
SPECIAL_HOURS_FIELDS = ("office", "name", "start_date", "end_date", "weekdays_only", "intervals")


def special_hours_validate(
    *, start_date: dt.date, end_date: dt.date, intervals: Mapping[str, Sequence[Interval]]
) -> None:
    """Refuse (ValidationError by field) a reversed range, a range over a year, or intervals that are not valid.

    ``intervals`` maps "default" (and optionally a weekday "0".."6" that differs, e.g. "4" for Friday) to the
    intervals of those dates; an empty list closes them.
    """
    errors: dict[str, list[str]] = {}
    if end_date < start_date:
        errors.setdefault("end_date", []).append(_("The range ends before it starts."))
    elif (end_date - start_date).days > SPECIAL_HOURS_MAX_DAYS:
        errors.setdefault("end_date", []).append(_("A range covers at most one year."))
    for key, value in intervals.items():
        if key not in SPECIAL_HOURS_KEYS:
            errors.setdefault("intervals", []).append(
                _("%(key)s is not a weekday (0 = Monday … 6 = Sunday) nor “default”.") % {"key": key}
            )
            continue
        day = _("Hours") if key == "default" else str(WeeklyHours.Weekday(int(key)).label)
        problems = intervals_errors(value, day=day)
        if problems:
            errors.setdefault("intervals", []).extend(problems)
            continue
        try:
            WorkingCalendar("UTC", {0: list(value)})
        except ValueError as exc:
            errors.setdefault("intervals", []).append(_("These hours are not valid: %(error)s") % {"error": exc})
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def special_hours_save(
    *,
    special: SpecialHours | None = None,
    office: Office | None,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    intervals: Mapping[str, Sequence[Interval]],
    weekdays_only: bool = True,
    actor=None,
) -> SpecialHours:
    """Own hours for a date range, for one office or every office (``office`` None); or edit such a range."""
    special_hours_validate(start_date=start_date, end_date=end_date, intervals=intervals)
    if special is None:
        row, before = SpecialHours(), {}
    else:
        row = _locked(SpecialHours, special.pk)
        before = _values(row, SPECIAL_HOURS_FIELDS)
    row.office, row.name, row.start_date, row.end_date, row.weekdays_only = (
        office,
        name,
        start_date,
        end_date,
        weekdays_only,
    )
    row.intervals = {
        key: [[f"{start:%H:%M}", f"{end:%H:%M}"] for start, end in value] for key, value in intervals.items()
    }
    row.full_clean()
    row.save()
    if row.office_id is not None:  # a closure of a whole year must leave the office some working time
        office_calendar_validate(office=row.office)
    changes = _diff(before, _values(row, SPECIAL_HOURS_FIELDS))
    if special is not None and not changes["after"]:
        return row
    audit_record(actor=actor, action="special_hours.save", obj=row, office_code=_office_code(office), changes=changes)
    touched = [row.office_id] if special is None else [before["office"], row.office_id]
    calendars_changed(office_ids=_offices_touched(*touched))
    return row


@transaction.atomic
def special_hours_delete(*, specials: Iterable[SpecialHours], actor=None) -> int:
    """Delete special-hours ranges (one or a selection). Returns how many."""
    rows = list(SpecialHours.objects.select_for_update().filter(pk__in=[s.pk for s in specials]).order_by("pk"))
    offices = {o.pk: o for o in Office.objects.filter(pk__in={r.office_id for r in rows if r.office_id})}
    for row in rows:
        audit_record(
            actor=actor,
            action="special_hours.delete",
            obj=row,
            office_code=_office_code(offices.get(row.office_id)),
            changes={"before": _values(row, SPECIAL_HOURS_FIELDS)},
        )
    SpecialHours.objects.filter(pk__in=[row.pk for row in rows]).delete()
    if rows:
        calendars_changed(office_ids=_offices_touched(*(row.office_id for row in rows)))
    return len(rows)
