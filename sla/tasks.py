"""Celery tasks of the SLA engine: thin wrappers that call services."""

import time

from celery import shared_task
from django.core.cache import cache

from . import services
from .notice_mail import send_notice_mails

__all__ = ["recompute", "recompute_later", "send_notice_mails", "sweep"]


@shared_task(name="sla.sweep", acks_late=True)
def sweep() -> dict:
    started = time.perf_counter()
    counts = services.sla_sweep()
    # For the operator's /metrics (read from the shared cache: the sweep runs in the worker, /metrics in the web).
    cache.set("metrics:sla_sweep_seconds", time.perf_counter() - started, timeout=24 * 3600)
    return counts


@shared_task(name="sla.recompute")
def recompute(office_ids: list[int] | None = None) -> int:
    return services.recompute_running_targets(office_ids=office_ids)


def recompute_later(office_ids: list[int] | None) -> None:
    """The listener sla registers with ``offices.hooks``: recompute in the worker, off the admin's request."""
    recompute.delay(office_ids)
