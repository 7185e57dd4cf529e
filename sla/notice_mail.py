"""E-mail copies of the escalation chain's notices, sent by their own task so a slow SMTP server never holds up
the sweep (the in-app notification and the audit log already hold each notice).

The task gets the notifications' ids and renders each in its recipient's language (`StaffProfile.language`),
the way the notifications page shows it to them; a notice carries no requester text (an inquiry's number, a
target and a time), so nothing in it needs masking.
"""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mass_mail

from .models import Notification


def _language(user) -> str:
    profile = getattr(user, "staff", None)
    return getattr(profile, "language", None) or settings.LANGUAGE_CODE


def notice_mail(notification: Notification) -> tuple[str, str, str]:
    """(subject, body, address) of one notice's e-mail, in the recipient's language."""
    text = notification.render(_language(notification.user))
    body = text
    if notification.inquiry_id:
        body = f"{text}\n\n{settings.SITE_URL.rstrip('/')}/inbox/{notification.inquiry_id}/"
    return text, body, notification.user.email


def notice_mails_send(mails: list) -> int:
    """Send the e-mails of the notifications `mails` (ids) in one connection. Lists of (subject, body, address)
    queued before notices were rendered per recipient are still sent as they are."""
    ready = [tuple(mail) for mail in mails if isinstance(mail, list | tuple)]
    ids = [mail for mail in mails if isinstance(mail, int)]
    if ids:
        rows = Notification.objects.filter(pk__in=ids).select_related("user__staff").order_by("pk")
        ready += [notice_mail(row) for row in rows if row.user.email]
    return send_mass_mail([(subject, body, None, [to]) for subject, body, to in ready], fail_silently=False)


@shared_task(
    name="sla.send_notice_mails",
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_kwargs={"max_retries": 5},
)
def send_notice_mails(mails: list) -> int:
    return notice_mails_send(mails)
