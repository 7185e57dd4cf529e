"""The one way to run a side effect that leaves the process once the current transaction commits.

A Celery task or an e-mail must not go out for a transaction that rolls back, and a broker outage must not
turn a committed write into an error: the write is already durable, and each app's periodic re-drive (the
inbound log, the outbox, the SLA sweep) picks up whatever was not queued. So a failure here is logged, never
raised (after Zulip's ``send_event_on_commit``).
"""

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def on_commit(action: Callable[[], Any], *, what: str) -> None:
    """Run ``action`` after the current transaction commits (at once outside one); ``what`` names it in logs."""

    def run() -> None:
        try:
            action()
        except Exception:
            logger.exception("after-commit side effect failed (%s); the re-drive picks it up", what)

    transaction.on_commit(run)


def task_on_commit(task, *args: Any, countdown: float | None = None, **kwargs: Any) -> None:
    """Queue the Celery ``task`` with these arguments after commit, tolerating a broker outage."""
    if countdown is None:
        on_commit(lambda: task.delay(*args, **kwargs), what=f"{task.name}{args!r}")
    else:
        on_commit(lambda: task.apply_async(args, kwargs, countdown=countdown), what=f"{task.name}{args!r}")
