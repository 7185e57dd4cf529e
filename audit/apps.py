from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from axes.signals import user_locked_out

        from .logins import lockout_record

        user_locked_out.connect(lockout_record, dispatch_uid="audit.login_locked")
