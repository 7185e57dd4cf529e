"""Channel accounts, the durable inbound-event log and the outbound outbox: the transport's own records."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.logging import current_request_id
from offices.models import Office

from .adapters import registry


def kind_choices() -> list[tuple[str, str]]:
    """The account kinds are the registered adapters (a platform is its adapter)."""
    return [(adapter.kind, gettext(adapter.label)) for adapter in registry.values()]


class ChannelAccount(models.Model):
    office = models.ForeignKey(Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="channels")
    kind = models.CharField(_("kind"), max_length=10, choices=kind_choices)
    slug = models.SlugField(_("slug"), max_length=60, help_text=_("Part of the webhook URL."))
    name = models.CharField(_("name"), max_length=120, blank=True)
    external_id = models.CharField(
        _("external id"),
        max_length=120,
        blank=True,
        help_text=_("Page or Instagram account id, WhatsApp phone-number id, X user id, or Telegram bot name."),
    )
    secret = models.CharField(
        _("secret"), max_length=255, blank=True, help_text=_("Meta app secret, X consumer secret, Telegram token.")
    )
    verify_token = models.CharField(_("verify token"), max_length=255, blank=True)
    access_token = models.TextField(_("access token"), blank=True)
    allowed_origins = models.TextField(
        _("allowed origins"),
        blank=True,
        help_text=_("Web chat only: the websites allowed to embed it, one origin per line."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("channel account")
        verbose_name_plural = _("channel accounts")
        ordering = ["office__code", "kind", "slug"]
        constraints = [models.UniqueConstraint(fields=["kind", "slug"], name="channel_kind_slug_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.slug} ({self.office.code})"

    def origins(self) -> list[str]:
        return [line.strip().rstrip("/") for line in self.allowed_origins.splitlines() if line.strip()]


class InboundEvent(models.Model):
    """One inbound platform event, written before the webhook answers 200 (the durable intake log)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PROCESSED = "processed", _("Processed")
        INVALID = "invalid", _("Cannot be parsed (kept for review)")
        FAILED = "failed", _("Failed (will be retried)")
        DEAD = "dead", _("Failed too often (kept for review)")

    account = models.ForeignKey(ChannelAccount, on_delete=models.PROTECT, related_name="inbound_events")
    dedupe_key = models.CharField(_("platform message id"), max_length=255)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    message = models.JSONField(_("neutral message"), null=True, blank=True)
    raw_body = models.TextField(_("raw body"), blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    # The request id of the webhook that brought it (common.logging): the worker files it under that id, also
    # when the re-drive picks it up later, so one id follows the message from the webhook into the thread.
    request_id = models.CharField(_("request id"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("inbound event")
        verbose_name_plural = _("inbound events")
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["account", "dedupe_key"], name="inbound_account_dedupe_unique")]
        indexes = [
            models.Index(
                fields=["received_at"],
                condition=Q(status__in=["pending", "failed"]),
                name="inbound_unprocessed_idx",
            ),
            # What needs a person or a retry, counted by /healthz on every probe: a small part of a large log.
            models.Index(
                fields=["status"],
                condition=Q(status__in=["invalid", "dead", "failed"]),
                name="inbound_attention_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account.slug}:{self.dedupe_key}"


class OutboundMessage(models.Model):
    """The outbox: a reply to deliver, written in the transaction that caused it.

    It holds everything a delivery needs (text, from and to ids), so the worker never reads the workflow's
    records, and it points at none of them: the workflow's record points at its outbox entry.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    account = models.ForeignKey(ChannelAccount, on_delete=models.PROTECT, related_name="outbound")
    recipient_id = models.CharField(max_length=255)
    sender_id = models.CharField(max_length=255, blank=True, help_text=_("Which of our ids it goes out from."))
    text = models.TextField(_("text"), blank=True)
    tag = models.CharField(max_length=40, blank=True)
    # A file that goes with the text: {"storage_name", "mime_type", "name"} of a file in the private storage
    # (common.storage), sent before the text; empty for text only.
    attachment = models.JSONField(_("attachment"), default=dict, blank=True)
    # Quick answers offered with the text ([{"id", "title"}]), sent as the platform's buttons where it has them.
    choices = models.JSONField(_("choices"), default=list, blank=True)
    status = models.CharField(_("delivery"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A worker sending this message holds it until then; if it dies, another picks it up afterwards.
    lease_until = models.DateTimeField(null=True, blank=True)
    platform_ids = models.JSONField(default=list, blank=True)
    last_error = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # The request id it was written under (an officer's reply: their request): its delivery, retries and
    # re-drives included, logs under that id.
    request_id = models.CharField(
        _("request id"), max_length=64, blank=True, editable=False, default=current_request_id
    )

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["next_attempt_at"], condition=Q(status="queued"), name="outbox_queued_idx")]

    def __str__(self) -> str:
        return f"{self.account.slug} → {self.recipient_id} ({self.status})"


class InboundDelivery(models.Model):
    """A verified webhook delivery holding many messages (Meta, WhatsApp and X batch them), stored whole before
    the 200 and split into inbound events by the worker (``inbound.inbound_delivery_split``).

    One INSERT answers the platform within its timeout whatever the batch holds; the split is idempotent (the
    events' unique key decides), resumes where it stopped (``split_count``) and is re-driven like the events.
    The same body delivered again (the platform's retry) is the same row (``body_sha256``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be split")
        SPLIT = "split", _("Split into events")
        DEAD = "dead", _("Failed too often (kept for review)")

    account = models.ForeignKey(ChannelAccount, on_delete=models.PROTECT, related_name="inbound_deliveries")
    body_sha256 = models.CharField(_("body hash"), max_length=64)
    body = models.BinaryField(_("raw body"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    messages = models.PositiveIntegerField(_("messages"), default=0, help_text=_("Messages it holds to file."))
    split_count = models.PositiveIntegerField(_("messages split"), default=0)
    received_at = models.DateTimeField(_("received"))
    split_at = models.DateTimeField(_("split"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("inbound delivery")
        verbose_name_plural = _("inbound deliveries")
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["account", "body_sha256"], name="inbound_delivery_body_unique")]
        indexes = [
            models.Index(fields=["received_at"], condition=Q(status="pending"), name="inbound_delivery_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.account.slug}:{self.body_sha256[:12]} ({self.messages} messages)"
