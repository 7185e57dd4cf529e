from celery import shared_task

from . import services


@shared_task(name="sla.sweep", acks_late=True)
def sweep() -> dict:
    return services.sla_sweep()


@shared_task(name="sla.recompute")
def recompute(office_ids: list[int] | None = None) -> int:
    return services.recompute_running_targets(office_ids=office_ids)


@shared_task(
    name="sla.send_notice_mails",
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_kwargs={"max_retries": 5},
)
def send_notice_mails(mails: list[list[str]]) -> int:
    return services.notice_mails_send(mails)
