"""The Celery application: configuration from Django settings (namespace CELERY), tasks autodiscovered."""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import before_task_publish, celeryd_init, task_postrun, task_prerun, worker_ready

from common.logging import request_id_var

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

# Read here from the process environment (the schedule is built before Django's settings): see REDRIVE_SECONDS.
REDRIVE_SECONDS = float(os.environ.get("REDRIVE_SECONDS") or 60)

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Keep the worker's database connection across tasks (Celery's Django fixup closes it around every task
# otherwise: one new PostgreSQL session per event processed). Read under this literal name by the fixup.
app.conf["CELERY_DB_REUSE_MAX"] = 1000

app.conf.beat_schedule = {
    "intake-redrive": {"task": "channels_intake.redrive_inbound", "schedule": REDRIVE_SECONDS},
    "outbox-redrive": {"task": "channels_intake.redrive_outbox", "schedule": REDRIVE_SECONDS},
    "attachments-redrive": {"task": "tickets.redrive_attachments", "schedule": 300.0},
    # Satisfaction surveys a broker outage left unqueued after an answered close (tickets.survey, each once).
    "surveys-redrive": {"task": "tickets.redrive_surveys", "schedule": 300.0},
    "sla-sweep": {"task": "sla.sweep", "schedule": 60.0},
    # The reports' daily summary: recent and changed dates, a chunk of the backfill (supervision.reports).
    "report-summary": {"task": "supervision.refresh_summary", "schedule": 60.0},
    # Complaint due dates: reminders and breach notices to compliance staff (complaints.services, each once).
    "complaints-due": {"task": "complaints.due_sweep", "schedule": 300.0},
    "audit-seal": {"task": "audit.seal", "schedule": 60.0},
    "privacy-retention": {"task": "privacy.retention", "schedule": crontab(minute=30, hour=2)},
    # Daily: the package revises dates during the year (an estimated Islamic date moves to the decreed one).
    "holidays-sync": {"task": "offices.load_holidays", "schedule": crontab(minute=0, hour=1)},
}


@celeryd_init.connect
def yield_the_cpu_to_the_web(sender=None, **kwargs) -> None:
    """The worker (``celery worker``: its main process, before the pool forks, so every child too) runs at a lower
    CPU priority than the web (setting WORKER_NICE, default 10): where both share the cores, as on a 2-core
    office server, a webhook's 200 and an officer's page come first and the filing of a burst takes the cycles
    they leave. Nothing changes where the worker has its own machine."""
    from django.conf import settings

    niceness = int(getattr(settings, "WORKER_NICE", 0))
    if niceness > 0 and hasattr(os, "nice"):
        os.nice(niceness)


@worker_ready.connect
def load_holidays_at_start(sender=None, **kwargs) -> None:
    """Production's first start (and every later one) syncs the holidays: idempotent, local data, no network."""
    app.send_task("offices.load_holidays")


# The request id follows the work: a task queued during a request (or another task) carries it in a header, and
# the worker's log lines for that task show it.
@before_task_publish.connect
def carry_request_id(headers=None, **kwargs) -> None:
    current = request_id_var.get()
    if current and headers is not None and "request_id" not in headers:
        headers["request_id"] = current


_task_tokens: dict = {}


@task_prerun.connect
def adopt_request_id(task_id=None, task=None, **kwargs) -> None:
    carried = getattr(task.request, "request_id", None) if task is not None else None
    # A task run eagerly inside a request keeps the request's id; one queued by beat gets its own task id.
    fallback = request_id_var.get() or (task_id or "").replace("-", "")[:32]
    _task_tokens[task_id] = request_id_var.set(carried or fallback)


@task_postrun.connect
def drop_request_id(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        request_id_var.reset(token)
