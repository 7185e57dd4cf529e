from celery import shared_task
from django.utils import timezone

from .services import holidays_load


@shared_task(name="offices.load_holidays")
def load_holidays() -> int:
    """Keep this year's and next year's holidays loaded (the package revises dates during the year)."""
    year = timezone.now().year
    return holidays_load(years=[year, year + 1])
