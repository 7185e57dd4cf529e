"""Web-chat sessions: the public's side of the web chat (they never log in)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from channels_intake.models import ChannelAccount
from tickets.models import Requester


class WebchatSession(models.Model):
    """A visitor of an office's web chat. The browser keeps the token; we keep only its hash."""

    token_hash = models.CharField(max_length=64, unique=True)
    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="webchat_sessions")
    requester = models.ForeignKey(Requester, on_delete=models.CASCADE, related_name="webchat_sessions")
    language = models.CharField(max_length=5, default="id")
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        # The table was created when sessions lived in channels_intake; it kept its name when they moved here.
        db_table = "channels_intake_webchatsession"
        verbose_name = _("web-chat session")
        verbose_name_plural = _("web-chat sessions")

    def __str__(self) -> str:
        return f"webchat {self.pk} ({self.account.office.code})"
