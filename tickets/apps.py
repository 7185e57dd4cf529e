from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Inquiries and tickets")

    def ready(self) -> None:
        # Here, not at module level: the models exist only once the app registry is ready.
        from channels_intake.workflow import register_workflow
        from sla.subjects import register_subject

        from .transport import subject, workflow

        register_workflow(workflow)
        register_subject(subject)

        from django.db.models.signals import post_migrate

        from .live import reinstall_after_migrate

        # SQLite drops a table's triggers when a migration rebuilds it: put the inbox version's back.
        post_migrate.connect(reinstall_after_migrate, sender=self, dispatch_uid="tickets.live.reinstall")
