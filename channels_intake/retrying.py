"""How the transport's Celery tasks ride out a database that cannot be reached (a restart, a failover): they try
again by themselves, 2, 4, 8... seconds apart, at most a minute, about half an hour in all; then the periodic
re-drive has the work. Acknowledged late, so a killed worker's task is delivered again (every task is idempotent)."""

from django.db import InterfaceError, OperationalError

DATABASE_DOWN = (OperationalError, InterfaceError)

WHILE_DATABASE_DOWN = {
    "acks_late": True,
    "autoretry_for": DATABASE_DOWN,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": False,
    "max_retries": 40,
}
