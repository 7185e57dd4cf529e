"""SLA policies (global and per office), the SLA state of a tracked record, and the escalation chain's notices."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from offices.models import Office


class TargetStatus(models.TextChoices):
    NONE = "", _("Not applicable")
    RUNNING = "running", _("Running")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Not counted")


@dataclass(frozen=True)
class TargetColumns:
    """The columns that hold one target's state, written out: no field name is ever built from a string."""

    name: str
    due: str
    at_risk_at: str
    head_at: str
    status: str
    met_at: str
    met_by: str
    met_by_id: str
    working_seconds: str


RESPONSE = TargetColumns(
    name="response",
    due="response_due",
    at_risk_at="response_at_risk_at",
    head_at="response_head_at",
    status="response_status",
    met_at="response_met_at",
    met_by="response_met_by",
    met_by_id="response_met_by_id",
    working_seconds="response_working_seconds",
)
RESOLUTION = TargetColumns(
    name="resolution",
    due="resolution_due",
    at_risk_at="resolution_at_risk_at",
    head_at="resolution_head_at",
    status="resolution_status",
    met_at="resolution_met_at",
    met_by="resolution_met_by",
    met_by_id="resolution_met_by_id",
    working_seconds="resolution_working_seconds",
)
TARGETS: dict[str, TargetColumns] = {RESPONSE.name: RESPONSE, RESOLUTION.name: RESOLUTION}


@dataclass(frozen=True)
class TargetState:
    """One target of a tracked record as a value: its moments, its status and how it was met."""

    due: datetime | None
    at_risk_at: datetime | None
    head_at: datetime | None
    status: str
    met_at: datetime | None
    met_by_id: int | None
    working_seconds: int | None

    @property
    def is_running(self) -> bool:
        return self.status == TargetStatus.RUNNING


class SlaTracked(models.Model):
    """The SLA state of a record the engine tracks (tickets.Inquiry inherits it): the deadlines of
    SLA_RULES.md, stored in UTC and indexed by the subclass. Only ``sla.services`` writes these fields."""

    effective_start = models.DateTimeField(_("clock start"), null=True, blank=True)
    late_arrival = models.BooleanField(_("late arrival"), default=False)
    response_due = models.DateTimeField(_("response due"), null=True, blank=True)
    response_at_risk_at = models.DateTimeField(null=True, blank=True)
    response_head_at = models.DateTimeField(null=True, blank=True)
    response_status = models.CharField(
        _("response target"), max_length=10, choices=TargetStatus.choices, blank=True, default=""
    )
    response_met_at = models.DateTimeField(_("response sent"), null=True, blank=True)
    response_met_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    response_working_seconds = models.PositiveIntegerField(null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    resolution_at_risk_at = models.DateTimeField(null=True, blank=True)
    resolution_head_at = models.DateTimeField(null=True, blank=True)
    resolution_status = models.CharField(
        _("resolution target"), max_length=10, choices=TargetStatus.choices, blank=True, default=""
    )
    resolution_met_at = models.DateTimeField(_("final answer sent"), null=True, blank=True)
    resolution_met_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution_working_seconds = models.PositiveIntegerField(null=True, blank=True)
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_working_seconds = models.PositiveIntegerField(default=0)
    waiting_until = models.DateTimeField(_("closes unanswered at"), null=True, blank=True)

    class Meta:
        abstract = True

    def target(self, name: str) -> TargetState:
        """``record.target("response")``: the state of one target."""
        columns = TARGETS[name]
        return TargetState(
            due=getattr(self, columns.due),
            at_risk_at=getattr(self, columns.at_risk_at),
            head_at=getattr(self, columns.head_at),
            status=getattr(self, columns.status),
            met_at=getattr(self, columns.met_at),
            met_by_id=getattr(self, columns.met_by_id),
            working_seconds=getattr(self, columns.working_seconds),
        )

    def stamp(self, name: str, **parts) -> dict[str, object]:
        """Set parts of one target (``due=``, ``status=``, ``met_by=``...) on this instance; returns the same
        values by column, ready for a conditional ``update()``."""
        columns = TARGETS[name]
        values = {getattr(columns, part): value for part, value in parts.items()}
        for column, value in values.items():
            setattr(self, column, value)
        return values


# The numbers of an SLA policy (sla.policy.SlaPolicy), as columns of SlaPolicySetting.
POLICY_FIELDS = (
    "response_minutes",
    "late_window_minutes",
    "resolution_working_days",
    "at_risk_ratio",
    "abandon_after_working_days",
    "head_escalation_minutes",
)


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
    # The message's parameters (sla.notifications): the sentence is rendered in the reader's language.
    params = models.JSONField(default=dict, blank=True)
    # Only rows from before kinds had parameters: their finished sentence, shown as it is.
    text = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return self.render()

    def render(self, language: str | None = None) -> str:
        """The sentence in `language`, by default the active one (the reader's)."""
        from .notifications import render  # deferred: sla.notifications imports this module

        return render(self, language)

    @property
    def message(self) -> str:
        """For templates and serializers: the sentence in the active language."""
        return self.render()
