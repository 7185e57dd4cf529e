from django.contrib import admin

from .models import Notification, SlaNotice, SlaPolicySetting
from .services import recompute_after_commit


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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        recompute_after_commit(None if obj.office_id is None else [obj.office_id])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        recompute_after_commit(None if obj.office_id is None else [obj.office_id])


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
