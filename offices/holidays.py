"""National closed dates kept in step with the ``holidays`` package (Indonesian public holidays and cuti bersama).

The package revises dates during the year (an estimated Islamic date is replaced by the one the government
decrees), so loading is a synchronisation, not an append: for each year loaded, a date the package lists and
the table lacks is added, and a date the package loaded earlier but no longer lists is removed. Dates an admin
made by hand (``Holiday.Source.ADMIN``) and dates of one office are never touched. Any change is audited once
and announced with ``calendars_changed(office_ids=None)``, so running deadlines of every office follow after
commit. The package is local data: loading is fast and works offline (the beat task, ``make run`` and the
worker's start-up all call it).
"""

from collections.abc import Iterable

from django.db import transaction

from audit.services import audit_record

from .hooks import calendars_changed
from .models import Holiday

CATEGORIES = (("public", Holiday.Category.PUBLIC), ("government", Holiday.Category.GOVERNMENT))
NAME_LENGTH = Holiday._meta.get_field("name").max_length


class HolidayChanges(int):
    """How many national dates a load changed (an ``int``), with ``added`` and ``removed`` apart."""

    added: int
    removed: int

    def __new__(cls, *, added: int, removed: int) -> "HolidayChanges":
        changes = super().__new__(cls, added + removed)
        changes.added, changes.removed = added, removed
        return changes

    def __repr__(self) -> str:
        return f"HolidayChanges(added={self.added}, removed={self.removed})"


def package_dates(years: Iterable[int]) -> dict[tuple, str]:
    """``{(date, name): category}`` of every public holiday and joint-leave day the package lists for ``years``."""
    import holidays as holidays_pkg  # deferred: a large package only this loader needs

    listed: dict[tuple, str] = {}
    for category, label in CATEGORIES:
        calendar = holidays_pkg.country_holidays("ID", years=list(years), categories=(category,), language="id")
        for day, names in sorted(calendar.items()):
            for name in names.split("; "):
                listed.setdefault((day, name[:NAME_LENGTH]), label)
    return listed


def holidays_load(*, years: list[int], actor=None) -> HolidayChanges:
    """Synchronise the national closed dates of ``years`` with the package; returns what was added and removed.

    Idempotent: a second load changes nothing, writes no audit row and recomputes nothing.
    """
    years = sorted(set(years))
    listed = package_dates(years)
    with transaction.atomic():
        national = Holiday.objects.filter(office__isnull=True, date__year__in=years)
        # Locked so two loads (beat and a worker's start) cannot both decide on the same rows.
        existing = {(row.date, row.name): row for row in national.select_for_update().order_by("pk")}
        package_rows = {key: row.pk for key, row in existing.items() if row.source == Holiday.Source.PACKAGE}
        stale = {key: pk for key, pk in package_rows.items() if key not in listed}
        removed = Holiday.objects.filter(pk__in=stale.values()).delete()[0] if stale else 0
        rows = [
            Holiday(
                date=day,
                name=name,
                category=category,
                source=Holiday.Source.PACKAGE,
                estimated="perkiraan" in name.lower(),
            )
            for (day, name), category in sorted(listed.items())
            if (day, name) not in existing
        ]
        count_before = national.count()
        Holiday.objects.bulk_create(rows, ignore_conflicts=True)
        # Counted, not summed: a conflict bulk_create ignored added nothing.
        added = national.count() - count_before
        if added or removed:
            audit_record(
                actor=actor,
                action="holidays.load",
                object_type="offices.holiday",
                object_id="national",
                changes={
                    "years": years,
                    "added": added,
                    "removed": removed,
                    "removed_dates": [f"{day} {name}" for day, name in sorted(stale)],
                },
            )
            calendars_changed(office_ids=None)
    return HolidayChanges(added=added, removed=removed)
