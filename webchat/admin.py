from django.contrib import admin

from offices.admin import SuperuserOnlyMixin

from .models import WebchatSession


@admin.register(WebchatSession)
class WebchatSessionAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    """Visitors' sessions (addresses, tokens' hashes): superusers only."""

    list_display = ("pk", "account", "requester", "language", "created_at", "last_seen_at")
    list_select_related = ("account__office", "requester")
    exclude = ("token_hash",)
    readonly_fields = ("account", "requester", "language", "ip_address")
