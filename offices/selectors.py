"""Reads of offices: the staff of an office and the working calendar built from the database."""

from datetime import date, time, timedelta

from django.db.models import Q

from sla.calendar import WorkingCalendar

from .models import Holiday, Office, ReopenedDate, Role, SpecialHours, StaffProfile, WeeklyHours


def _parse_time(value: str) -> time:
    hours, minutes = value.replace(".", ":").split(":")[:2]
    return time(int(hours), int(minutes))


def special_hours_intervals(special: SpecialHours, weekday: int) -> list[tuple[time, time]]:
    """The intervals a special-hours range gives one weekday (its own entry, else its "default")."""
    intervals = special.intervals or {}
    chosen = intervals.get(str(weekday), intervals.get("default", []))
    return [(_parse_time(start), _parse_time(end)) for start, end in chosen]


def office_calendar(office: Office) -> WorkingCalendar:
    """The office's working calendar: weekly hours, closed dates, reopened dates and special hours.

    An always-open office (``Office.always_open``) takes only its own closed dates and special hours: national
    holidays, joint-leave days and national special hours (Ramadan) do not apply to it (SLA_RULES.md).
    """
    return office_calendars([office])[office.pk]


def office_calendars(offices) -> dict[int, WorkingCalendar]:
    """Working calendars of several offices in four queries, whatever their number and size."""
    offices = list(offices)
    ids = [office.pk for office in offices]
    weekly: dict[int, dict[int, list[tuple[time, time]]]] = {pk: {day: [] for day in range(7)} for pk in ids}
    for office_id, weekday, start, end in WeeklyHours.objects.filter(office_id__in=ids).values_list(
        "office_id", "weekday", "start", "end"
    ):
        weekly[office_id][weekday].append((start, end))

    national: set[date] = set()
    own: dict[int, set[date]] = {pk: set() for pk in ids}
    for office_id, day in Holiday.objects.filter(Q(office__isnull=True) | Q(office_id__in=ids)).values_list(
        "office_id", "date"
    ):
        (national if office_id is None else own[office_id]).add(day)
    reopened: dict[int, set[date]] = {pk: set() for pk in ids}
    for office_id, day in ReopenedDate.objects.filter(office_id__in=ids).values_list("office_id", "date"):
        reopened[office_id].add(day)
    # Office-specific ranges override national ones: apply national first.
    ranges = sorted(
        SpecialHours.objects.filter(Q(office__isnull=True) | Q(office_id__in=ids)),
        key=lambda s: (s.office_id is not None, s.start_date, s.pk),
    )

    calendars = {}
    for office in offices:
        days = weekly[office.pk]
        for intervals in days.values():
            intervals.sort()
        closed = ((set() if office.always_open else national) | own[office.pk]) - reopened[office.pk]
        special: dict[date, list[tuple[time, time]]] = {}
        for rng in ranges:
            if rng.office_id != office.pk and (rng.office_id is not None or office.always_open):
                continue
            day = rng.start_date
            while day <= rng.end_date:  # bounded by the range an admin entered (weeks, not years)
                if not rng.weekdays_only or (day not in closed and days[day.weekday()]):
                    special[day] = special_hours_intervals(rng, day.weekday())
                day += timedelta(days=1)
        calendars[office.pk] = WorkingCalendar(office.timezone, days, closed_dates=closed, special_hours=special)
    return calendars


def office_officers_on_duty(office: Office):
    return StaffProfile.objects.filter(
        office=office, role=Role.OFFICER, on_duty=True, user__is_active=True
    ).select_related("user")


ZONE_LABELS = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def zone_label(zone: str) -> str:
    """The name people in Indonesia use for the zone (WIB, WITA, WIT), else the IANA name."""
    return ZONE_LABELS.get(zone, zone)


def parse_intervals(text: str) -> list[tuple[time, time]]:
    """ "08:00-12:00, 13:00-16:00" → [(08:00, 12:00), (13:00, 16:00)]; "" → [] (closed); ValueError if bad.

    "24:00" or "00:00" as an end means the end of the day.
    """
    intervals = []
    for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
        try:
            start_text, end_text = (x.strip() for x in part.replace("–", "-").split("-"))
            start = _parse_time(start_text)
            end = time(0) if end_text in ("24:00", "24.00") else _parse_time(end_text.replace(".", ":"))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{part!r} is not an interval like 08:00-16:00") from exc
        intervals.append((start, end))
    WorkingCalendar("UTC", {0: intervals})  # raises ValueError on reversed or overlapping intervals
    return intervals


def format_intervals(intervals) -> str:
    return ", ".join(f"{s:%H:%M}-{'24:00' if e == time(0) else format(e, '%H:%M')}" for s, e in intervals)
