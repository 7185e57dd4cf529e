"""The append-only audit log: who did what, when, to which object, and what changed."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(RuntimeError):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The audit log is append-only.")

    def delete(self):
        raise AppendOnlyError("The audit log is append-only.")


class AuditEvent(models.Model):
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        # A user with history is deactivated, never deleted: the log must keep pointing at them.
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Kept even if the user is deleted later, and for actions of the system ("system", "requester", "sla").
    actor_label = models.CharField(_("who (label)"), max_length=150)
    action = models.CharField(_("what"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    office_code = models.CharField(_("office"), max_length=6, blank=True, db_index=True)
    changes = models.JSONField(_("what changed"), default=dict, blank=True)
    # The tamper-evident chain (audit.chain): each sealed row's place in the chain and the SHA-256 over its content
    # and the previous row's hash. Set once, by the sealer, shortly after the row is written; never changed.
    seal_seq = models.BigIntegerField(_("chain position"), null=True, blank=True, unique=True, editable=False)
    seal_hash = models.CharField(_("chain hash"), max_length=64, blank=True, default="", editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # The sealer's work list: rows not yet in the chain, oldest first.
            models.Index(fields=["id"], condition=models.Q(seal_seq__isnull=True), name="audit_unsealed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit log is append-only.")
