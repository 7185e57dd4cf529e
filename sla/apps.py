from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = _("Service level")

    def ready(self) -> None:
        # Imported here, not at module level: models and tasks need the app registry, which is ready only now.
        from offices.hooks import on_calendars_changed

        from .tasks import recompute_later

        on_calendars_changed("sla.recompute", recompute_later)
