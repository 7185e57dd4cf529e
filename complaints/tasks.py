"""Celery tasks of complaints: thin wrappers that call services."""

from celery import shared_task

from . import services


@shared_task(name="complaints.due_sweep", acks_late=True)
def due_sweep() -> dict:
    """Reminders and breach notices of complaint due dates (beat, every few minutes; each notice once)."""
    return services.complaint_due_sweep()
