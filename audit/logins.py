"""Login lockouts in the audit log.

django-axes locks a username from one address after ``AXES_FAILURE_LIMIT`` wrong passwords. Its
``user_locked_out`` signal fires on the failure that reaches the limit and again on every refused attempt while
the lock lasts; the log gets one ``login.locked`` event per lockout, at the moment it starts. An administrator
who lifts a lockout in the admin is logged as ``login.unlocked`` (see ``audit.admin``).
"""

from axes.helpers import get_failure_limit
from django.contrib.auth import get_user_model
from django.db import transaction

from .services import audit_record

ANONYMOUS = "anonymous"


def _user_pk(username: str) -> str:
    user = get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: username}).only("pk").first()
    return str(user.pk) if user is not None else ""


def lockout_record(sender, request, username, ip_address, **kwargs) -> None:
    """Receiver of axes' `user_locked_out`: one audit event when the lockout begins."""
    failures = getattr(request, "axes_failures_since_start", None)
    credentials = getattr(request, "axes_credentials", None)
    if failures is not None and failures != get_failure_limit(request, credentials):
        return  # a further attempt during a lockout already logged
    username = username or ""
    with transaction.atomic():
        audit_record(
            actor_label=ANONYMOUS,
            action="login.locked",
            object_type="auth.user",
            object_id=_user_pk(username),
            changes={"username": username, "ip_address": ip_address, "failures": failures},
        )


def unlock_record(*, actor, username: str, ip_address: str | None, failures: int) -> None:
    """An administrator lifted a lockout (or cleared failed attempts) of `username` from `ip_address`."""
    audit_record(
        actor=actor,
        action="login.unlocked",
        object_type="auth.user",
        object_id=_user_pk(username or ""),
        changes={"username": username or "", "ip_address": ip_address, "failures": failures},
    )
