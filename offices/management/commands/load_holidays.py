from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from offices.services import holidays_load


class Command(BaseCommand):
    help = "Load Indonesian public holidays and joint-leave days (cuti bersama) as national closed dates."

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="*", type=int, help="Years to load (default: this year and next)")

    def handle(self, *args, years, **options):
        if not years:
            year = timezone.now().year
            years = [year, year + 1]
        if any(y < 2000 or y > 2100 for y in years):
            raise CommandError("Years must be between 2000 and 2100.")
        added = holidays_load(years=years)
        self.stdout.write(self.style.SUCCESS(f"{added} closed date(s) added for {', '.join(map(str, years))}."))
