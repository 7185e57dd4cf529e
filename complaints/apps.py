from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints and feedback")

    def ready(self) -> None:
        from tickets.officer_figures import register_complaint_figures

        from . import notices  # noqa: F401 - registers the notification kinds of complaints
        from .officer_figures import provider

        register_complaint_figures(provider)
