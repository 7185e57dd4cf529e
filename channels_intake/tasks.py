"""Celery tasks of intake and delivery: thin wrappers that take ids and call services."""

from celery import shared_task

from . import services


@shared_task(name="channels_intake.process_inbound", acks_late=True)
def process_inbound(event_id: int) -> bool:
    return services.inbound_event_process(event_id=event_id)


@shared_task(name="channels_intake.redrive_inbound")
def redrive_inbound() -> int:
    return services.inbound_redrive()


@shared_task(name="channels_intake.deliver_outbound", acks_late=True)
def deliver_outbound(outbound_id: int) -> str:
    outcome = services.outbox_deliver(outbound_id=outbound_id)
    if outcome.status == "retry" and outcome.retry_in is not None:
        deliver_outbound.apply_async((outbound_id,), countdown=outcome.retry_in)
    return outcome.status


@shared_task(name="channels_intake.redrive_outbox")
def redrive_outbox() -> int:
    ids = services.outbox_redrive()
    for outbound_id in ids:
        deliver_outbound.delay(outbound_id)
    return len(ids)
