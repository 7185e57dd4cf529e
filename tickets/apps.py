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
