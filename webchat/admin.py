from django.contrib import admin

from .models import WebchatSession


@admin.register(WebchatSession)
class WebchatSessionAdmin(admin.ModelAdmin):
    list_display = ("pk", "account", "requester", "language", "created_at", "last_seen_at")
    list_select_related = ("account__office", "requester")
    exclude = ("token_hash",)
    readonly_fields = ("account", "requester", "language", "ip_address")
