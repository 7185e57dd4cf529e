from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsIntakeConfig(AppConfig):
    name = "channels_intake"
    verbose_name = _("Channels")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
