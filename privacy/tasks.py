from celery import shared_task

from .retention import retention_sweep


@shared_task(name="privacy.retention", acks_late=True)
def retention_sweep_task() -> dict:
    """Daily (beat): apply the retention of every kind of record, in bounded chunks."""
    return retention_sweep()
