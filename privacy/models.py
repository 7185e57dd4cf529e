"""How long each kind of record about requesters is kept (UU 27/2022): head-office admins set it, per kind."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class RetentionRule(models.Model):
    """An override of one kind's default retention (``privacy.retention.KINDS``); no row: the default."""

    record = models.CharField(_("kind of record"), max_length=30, unique=True)
    keep_days = models.PositiveIntegerField(
        _("keep for (days)"), validators=[MinValueValidator(1), MaxValueValidator(36500)]
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["record"]

    def __str__(self) -> str:
        return f"{self.record}: {self.keep_days}"
