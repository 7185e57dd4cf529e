from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficesConfig(AppConfig):
    name = "offices"
    verbose_name = _("Offices and staff")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_save

        from .services import user_reactivation_guard

        # Reactivating an officer counts against the office's limit on every path, not only the services'.
        pre_save.connect(user_reactivation_guard, sender=get_user_model(), dispatch_uid="offices.reactivation")
