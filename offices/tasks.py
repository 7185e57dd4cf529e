from celery import shared_task
from django.utils import timezone

from .holidays import holidays_load


@shared_task(name="offices.load_holidays")
def load_holidays() -> dict[str, int]:
    """Keep this year's and next year's holidays in step with the package (it revises dates during the year)."""
    year = timezone.now().year
    changes = holidays_load(years=[year, year + 1])
    return {"added": changes.added, "removed": changes.removed}
