"""Rebuild the daily report summary of a range of local dates (all offices, or some), in chunks."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from offices.models import Office
from supervision import reports
from supervision.models import SummaryState


def _date(raw: str, name: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"--{name}: a date as YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "Rebuild the daily report summary (supervision.models) of local dates FROM..TO from the inquiries."

    def add_arguments(self, parser):
        today = timezone.now().date()
        parser.add_argument(
            "--from", dest="start", default=(today - timedelta(days=reports.SUMMARY_HORIZON_DAYS)).isoformat()
        )
        parser.add_argument("--to", dest="end", default=(today + timedelta(days=1)).isoformat())
        parser.add_argument("--office", action="append", default=[], help="an office code (repeatable; default all)")
        parser.add_argument("--chunk", type=int, default=reports.REFRESH_CHUNK_DAYS, help="dates per transaction")

    def handle(self, *args, start, end, office, chunk, **options):
        start, end = _date(start, "from"), _date(end, "to")
        if start > end:
            raise CommandError("--from must not be after --to")
        if chunk < 1:
            raise CommandError("--chunk must be at least 1")
        offices = list(Office.objects.filter(code__in=office) if office else Office.objects.all())
        if office and len(offices) != len(set(office)):
            missing = sorted(set(office) - {o.code for o in offices})
            raise CommandError(f"unknown office: {', '.join(missing)}")
        built = 0
        day = start
        while day <= end:
            last = min(end, day + timedelta(days=chunk - 1))
            with transaction.atomic():
                SummaryState.objects.get_or_create(pk=1)
                SummaryState.objects.select_for_update().filter(pk=1).first()  # one writer at a time
                built += reports.summary_rebuild(offices, day, last)
            day = last + timedelta(days=1)
        if not office:
            state, _created = SummaryState.objects.get_or_create(pk=1)
            if state.backfilled_from is None or start < state.backfilled_from:
                state.backfilled_from = start
                state.save(update_fields=["backfilled_from"])
        self.stdout.write(f"rebuilt {built} office-dates from {start} to {end}")
