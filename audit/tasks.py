from celery import shared_task

from .chain import audit_seal


@shared_task(name="audit.seal", acks_late=True)
def audit_seal_task() -> int:
    """Every minute (beat): seal the audit rows written since the last run into the hash chain."""
    return audit_seal()
