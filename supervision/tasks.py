"""Celery tasks of the supervision reports: thin wrappers that call ``supervision.reports``."""

from celery import shared_task

from . import reports

__all__ = ["refresh_summary"]


@shared_task(name="supervision.refresh_summary", acks_late=True)
def refresh_summary() -> dict:
    """Every minute (helpdesk/celery.py): the recent dates, the changed ones, one chunk of the backfill."""
    return reports.refresh_summary()
