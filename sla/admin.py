from django.contrib import admin
from django.db import transaction

from offices.admin import ServiceAdmin

from .models import POLICY_FIELDS, Notification, SlaNotice, SlaPolicySetting
from .policies import sla_policy_delete, sla_policy_save


@admin.register(SlaPolicySetting)
class SlaPolicyAdmin(ServiceAdmin):
    """Policy rows are saved and deleted through ``sla.policies``: audited, and running deadlines follow."""

    list_display = ("__str__", *POLICY_FIELDS, "updated_at")
    list_select_related = ("office",)

    def service_save(self, request, obj, form, change):
        data = form.cleaned_data
        return sla_policy_save(
            policy=obj if change else None,
            office=data["office"],
            response_minutes=data["response_minutes"],
            late_window_minutes=data["late_window_minutes"],
            resolution_working_days=data["resolution_working_days"],
            at_risk_ratio=data["at_risk_ratio"],
            abandon_after_working_days=data["abandon_after_working_days"],
            head_escalation_minutes=data["head_escalation_minutes"],
            actor=request.user,
        )

    def service_delete(self, request, objects):
        with transaction.atomic():
            for policy in objects:
                sla_policy_delete(policy=policy, actor=request.user)


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
