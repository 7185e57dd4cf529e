"""The Celery application: configuration from Django settings (namespace CELERY), tasks autodiscovered."""

import os

from celery import Celery
from celery.schedules import crontab

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
    "holidays-yearly": {
        "task": "offices.load_holidays",
        "schedule": crontab(minute=0, hour=1, day_of_month=1, month_of_year="1,7,10"),
    },
}
