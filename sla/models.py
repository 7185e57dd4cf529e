"""SLA policies (global and per office) and the notices of the escalation chain."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from offices.models import Office


class SlaPolicySetting(models.Model):
    """The SLA policy: one global row (office empty) and optional per-office overrides."""

    office = models.OneToOneField(
        Office,
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_policy",
        help_text=_("Empty: the global policy."),
    )
    response_minutes = models.PositiveIntegerField(
        _("response target (working minutes)"), default=55, validators=[MinValueValidator(1)]
    )
    late_window_minutes = models.PositiveIntegerField(_("late-arrival window before closing (minutes)"), default=120)
    resolution_working_days = models.PositiveIntegerField(
        _("resolution target (working days)"), default=2, validators=[MinValueValidator(1)]
    )
    at_risk_ratio = models.FloatField(
        _("at risk after this share of the time"),
        default=0.8,
        validators=[MinValueValidator(0.05), MaxValueValidator(0.99)],
    )
    abandon_after_working_days = models.PositiveIntegerField(
        _("close unanswered requests for data after (working days)"), default=3, validators=[MinValueValidator(1)]
    )
    head_escalation_minutes = models.PositiveIntegerField(
        _("notify the head of office after a breach (working minutes)"), default=60
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            # At most one global row: a unique index on a constant over the rows without an office.
            models.UniqueConstraint(models.Value(1), condition=Q(office__isnull=True), name="sla_one_global"),
        ]

    def __str__(self) -> str:
        return str(_("Global policy")) if self.office_id is None else f"{self.office.code}"

    def clean(self) -> None:
        if self.office_id is None:
            others = SlaPolicySetting.objects.filter(office__isnull=True).exclude(pk=self.pk)
            if others.exists():
                raise ValidationError(_("There is already a global policy; edit it instead."))


class SlaNotice(models.Model):
    """One notice of the escalation chain: sent once per inquiry, target and level (the unique key)."""

    class Target(models.TextChoices):
        RESPONSE = "response", _("Response")
        RESOLUTION = "resolution", _("Resolution")

    class Level(models.TextChoices):
        AT_RISK = "at_risk", _("At risk")
        BREACHED = "breached", _("Breached")
        HEAD = "head", _("Head of office")

    inquiry = models.ForeignKey("tickets.Inquiry", on_delete=models.CASCADE, related_name="sla_notices")
    target = models.CharField(max_length=10, choices=Target.choices)
    level = models.CharField(max_length=10, choices=Level.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("SLA notice")
        verbose_name_plural = _("SLA notices")
        constraints = [models.UniqueConstraint(fields=["inquiry", "target", "level"], name="sla_notice_once")]

    def __str__(self) -> str:
        return f"{self.inquiry_id} {self.target} {self.level}"


class Notification(models.Model):
    """An in-app notification for one user (SLA notices, consultations...)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    inquiry = models.ForeignKey(
        "tickets.Inquiry", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30)
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return self.text
