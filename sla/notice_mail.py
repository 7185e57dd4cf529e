"""E-mail copies of the escalation chain's notices, sent by their own task so a slow SMTP server never holds up
the sweep (the in-app notification and the audit log already hold each notice)."""

from celery import shared_task
from django.core.mail import send_mass_mail


def notice_mails_send(mails: list[list[str]]) -> int:
    return send_mass_mail([(subject, body, None, [to]) for subject, body, to in mails], fail_silently=False)


@shared_task(
    name="sla.send_notice_mails",
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_kwargs={"max_retries": 5},
)
def send_notice_mails(mails: list[list[str]]) -> int:
    return notice_mails_send(mails)
