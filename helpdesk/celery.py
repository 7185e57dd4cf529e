"""The Celery application: configuration from Django settings (namespace CELERY), tasks autodiscovered."""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Keep the worker's database connection across tasks (Celery's Django fixup closes it around every task
# otherwise: one new PostgreSQL session per event processed). Read under this literal name by the fixup.
app.conf["CELERY_DB_REUSE_MAX"] = 1000

app.conf.beat_schedule = {
    "intake-redrive": {"task": "channels_intake.redrive_inbound", "schedule": 60.0},
    "outbox-redrive": {"task": "channels_intake.redrive_outbox", "schedule": 60.0},
    "sla-sweep": {"task": "sla.sweep", "schedule": 60.0},
    # Daily: the package revises dates during the year (an estimated Islamic date moves to the decreed one).
    "holidays-sync": {"task": "offices.load_holidays", "schedule": crontab(minute=0, hour=1)},
}


@worker_ready.connect
def load_holidays_at_start(sender=None, **kwargs) -> None:
    """Production's first start (and every later one) syncs the holidays: idempotent, local data, no network."""
    app.send_task("offices.load_holidays")
