from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from offices.holidays import holidays_load


class Command(BaseCommand):
    help = (
        "Synchronise the national closed dates with the holidays package (public holidays and cuti bersama):"
        " new dates are added, dates it no longer lists are removed (an admin's own dates are kept)."
    )

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="*", type=int, help="Years to load (default: this year and next)")

    def handle(self, *args, years, **options):
        if not years:
            year = timezone.now().year
            years = [year, year + 1]
        if any(y < 2000 or y > 2100 for y in years):
            raise CommandError("Years must be between 2000 and 2100.")
        changes = holidays_load(years=years)
        self.stdout.write(
            self.style.SUCCESS(
                f"{changes.added} closed date(s) added and {changes.removed} removed for {', '.join(map(str, years))}."
            )
        )
