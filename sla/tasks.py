from celery import shared_task

from . import services


@shared_task(name="sla.sweep", acks_late=True)
def sweep() -> dict:
    return services.sla_sweep()


@shared_task(name="sla.recompute")
def recompute(office_ids: list[int] | None = None) -> int:
    return services.recompute_running_targets(office_ids=office_ids)
