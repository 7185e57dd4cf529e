"""The worker's side of intake: turn logged events into the workflow's records, once each (and its tasks)."""

import logging
import os
import traceback
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from .adapters import InboundMessage
from .adapters.base import storable_text
from .models import InboundEvent
from .workflow import current_workflow

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 20


def _where(exc: BaseException) -> str:
    """Where a failure happened (the innermost frame of our own code, file and line): enough to find it, without
    the exception's text."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [frame for frame in frames if f"{os.sep}site-packages{os.sep}" not in frame.filename] or frames
    return f"{ours[-1].filename}:{ours[-1].lineno}" if ours else "?"


def inbound_event_process(*, event_id: int) -> bool:
    """Hand one logged event to the workflow. Idempotent: a processed event is left alone; a failure leaves
    the event failed, with its reason, for the re-drive, and after MAX_ATTEMPTS failures the event is given up
    (status dead, kept for review, counted by /healthz). Returns True when this call processed it."""
    with transaction.atomic():
        event = (
            # of=("self",): lock only the event; locking the joined account too would make two events of
            # one account skip each other and stay pending until the re-drive.
            InboundEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("account__office")
            .filter(pk=event_id, status__in=[InboundEvent.Status.PENDING, InboundEvent.Status.FAILED])
            .first()
        )
        if event is None:
            return False
        try:
            with transaction.atomic():
                current_workflow().on_inbound(
                    account=event.account,
                    message=InboundMessage.from_dict(event.message),
                    received_at=event.received_at,
                )
        except Exception as exc:  # kept and retried by the re-drive; never lost
            event.attempts += 1
            given_up = event.attempts >= MAX_ATTEMPTS
            event.status = InboundEvent.Status.DEAD if given_up else InboundEvent.Status.FAILED
            reason = f"{type(exc).__name__}: {exc}"
            if given_up:
                reason = f"gave up after {event.attempts} attempts; last: {reason}"
            event.error = storable_text(reason)[:2000]
            event.save(update_fields=["status", "attempts", "error"])
            # The line names the event and the error class, never the exception's text (it may quote a message).
            logger.error(
                "processing %s inbound event %s of account %s failed (attempt %s of %s%s): %s at %s",
                event.account.kind,
                event.pk,
                event.account.slug,
                event.attempts,
                MAX_ATTEMPTS,
                ", given up" if given_up else "",
                type(exc).__name__,
                _where(exc),
            )
            return False
        event.status = InboundEvent.Status.PROCESSED
        event.processed_at = timezone.now()
        event.attempts += 1
        event.error = ""
        event.save(update_fields=["status", "processed_at", "attempts", "error"])
        logger.info("%s inbound event %s of account %s filed", event.account.kind, event.pk, event.account.slug)
        return True


def inbound_redrive(*, older_than: timedelta = timedelta(minutes=1), limit: int = 500) -> int:
    """Process events still waiting after `older_than` (broker outage, killed worker)."""
    cutoff = timezone.now() - older_than
    ids = list(
        InboundEvent.objects.filter(
            status__in=[InboundEvent.Status.PENDING, InboundEvent.Status.FAILED],
            received_at__lte=cutoff,
            attempts__lt=MAX_ATTEMPTS,
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for event_id in ids if inbound_event_process(event_id=event_id))


# While the database cannot be reached (a restart, a failover) the task tries again by itself, sooner than the
# minute's redrive: 2, 4, 8... seconds, at most a minute apart, for about half an hour; then the redrive has it.
DATABASE_DOWN = (OperationalError, InterfaceError)


@shared_task(
    name="channels_intake.process_inbound",
    acks_late=True,
    autoretry_for=DATABASE_DOWN,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=False,
    max_retries=40,
)
def process_inbound(event_id: int) -> bool:
    return inbound_event_process(event_id=event_id)


@shared_task(name="channels_intake.redrive_inbound")
def redrive_inbound() -> int:
    """Beat, every REDRIVE_SECONDS (a minute): whatever a broker outage or a killed worker left pending."""
    return inbound_redrive(older_than=timedelta(seconds=settings.REDRIVE_SECONDS))
