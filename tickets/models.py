"""Requesters, inquiries and their messages."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from channels_intake.models import ChannelAccount
from offices.models import Office


class Requester(models.Model):
    """A member of the public, as one platform account of one of our channel accounts."""

    account = models.ForeignKey(
        ChannelAccount, verbose_name=_("channel account"), on_delete=models.PROTECT, related_name="requesters"
    )
    external_id = models.CharField(_("platform user id"), max_length=255)
    display_name = models.CharField(_("name"), max_length=200, blank=True)
    # Which sub-channel (messenger / instagram for a Meta account) and which of our ids to answer from.
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    reply_from_id = models.CharField(max_length=255, blank=True)
    reply_to_id = models.CharField(max_length=255, blank=True)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    contact_phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=5, default="id")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("requester")
        verbose_name_plural = _("requesters")
        constraints = [
            models.UniqueConstraint(fields=["account", "external_id"], name="requester_account_external_unique")
        ]

    def __str__(self) -> str:
        return self.display_name or _("Anonymous %(id)s") % {"id": self.external_id[-6:]}


class TargetStatus(models.TextChoices):
    NONE = "", _("Not applicable")
    RUNNING = "running", _("Running")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Not counted")


class Inquiry(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        WAITING = "waiting", _("Waiting for requester")
        ESCALATED = "escalated", _("Escalated")
        CLOSED = "closed", _("Closed")

    class Outcome(models.TextChoices):
        NONE = "", _("—")
        ANSWERED = "answered", _("Answered")
        NO_REPLY = "no_reply", _("No reply from requester")
        NOT_REQUEST = "not_request", _("Not a request")
        DUPLICATE = "duplicate", _("Duplicate")

    office = models.ForeignKey(Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="inquiries")
    account = models.ForeignKey(
        ChannelAccount, verbose_name=_("channel account"), on_delete=models.PROTECT, related_name="inquiries"
    )
    requester = models.ForeignKey(
        Requester, verbose_name=_("requester"), on_delete=models.PROTECT, related_name="inquiries"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True, default="")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_inquiries",
    )
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    preview = models.CharField(_("first line"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("received"), db_index=True)
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True)
    last_inbound_at = models.DateTimeField(_("last message from requester"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    # --- SLA state, filled by sla.services (the deadlines of SLA_RULES.md) ---
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
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["office", "status", "response_due"], name="inquiry_office_status_due"),
            models.Index(fields=["response_due"], condition=Q(response_status="running"), name="inq_resp_run"),
            models.Index(fields=["response_at_risk_at"], condition=Q(response_status="running"), name="inq_resp_risk"),
            models.Index(fields=["resolution_due"], condition=Q(resolution_status="running"), name="inq_reso_run"),
            models.Index(fields=["response_head_at"], condition=Q(response_status="breached"), name="inq_resp_head"),
            models.Index(
                fields=["resolution_at_risk_at"], condition=Q(resolution_status="running"), name="inq_reso_risk"
            ),
            models.Index(
                fields=["resolution_head_at"], condition=Q(resolution_status="breached"), name="inq_reso_head"
            ),
            models.Index(fields=["waiting_until"], condition=Q(status="waiting"), name="inq_waiting_until"),
            models.Index(fields=["requester", "status"], name="inquiry_requester_status"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.office.code}" if self.office_id else f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


class Message(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "in", _("From requester")
        OUTBOUND = "out", _("To requester")
        INTERNAL = "internal", _("Internal")

    class Kind(models.TextChoices):
        MESSAGE = "message", _("Message")
        ANSWER = "answer", _("Answer")
        REQUEST_DATA = "request_data", _("Request for data")
        TICKET_NUMBER = "ticket_number", _("Ticket number")
        FINAL_ANSWER = "final_answer", _("Final answer")
        NOTE = "note", _("Internal note")
        SYSTEM = "system", _("System")

    inquiry = models.ForeignKey(Inquiry, verbose_name=_("inquiry"), on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices, default=Kind.MESSAGE)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("text"), blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    platform_id = models.CharField(_("platform message id"), max_length=255, blank=True)
    platform_sent_at = models.DateTimeField(_("sent by platform at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["inquiry", "created_at"], name="message_inquiry_created")]

    def __str__(self) -> str:
        return f"{self.get_direction_display()}: {self.text[:40]}"
