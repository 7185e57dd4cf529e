from django.contrib import admin

from .models import Notification, SlaNotice, SlaPolicySetting


@admin.register(SlaPolicySetting)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "response_minutes",
        "late_window_minutes",
        "resolution_working_days",
        "at_risk_ratio",
        "abandon_after_working_days",
        "head_escalation_minutes",
        "updated_at",
    )
    list_select_related = ("office",)


@admin.register(SlaNotice)
class SlaNoticeAdmin(admin.ModelAdmin):
    list_display = ("created_at", "inquiry", "target", "level")
    list_filter = ("target", "level")
    raw_id_fields = ("inquiry",)

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "text", "read_at")
    list_filter = ("kind",)
    raw_id_fields = ("user", "inquiry")
