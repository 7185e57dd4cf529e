"""The admin of SLA policies (the global one: the head office's; an office's override: its administrator's,
within the bounds of ``sla.policies.override_bounds``), and of the notices and notifications (superusers)."""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from offices.admin import ReachMixin, ServiceAdmin, SuperuserOnlyMixin

from .models import POLICY_FIELDS, Notification, SlaNotice, SlaPolicySetting
from .policies import national_values, override_bounds, sla_policy_delete, sla_policy_save


class SlaPolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicySetting
        fields = ["office", *POLICY_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each number says what an office's override may take (the head office's bounds).
        for name, (low, high) in override_bounds().items():
            if name in self.fields:
                bound = _("An office's policy: from %(low)s to %(high)s.") % {"low": low, "high": high}
                help_text = self.fields[name].help_text
                self.fields[name].help_text = f"{help_text} {bound}".strip()


@admin.register(SlaPolicySetting)
class SlaPolicyAdmin(ReachMixin, ServiceAdmin):
    """Policy rows are saved and deleted through ``sla.policies``: audited, and running deadlines follow.

    The global row is the head office's and is not shown to an office's administrator (who sees its numbers
    as the bounds of their own office's override).
    """

    form = SlaPolicyForm
    list_display = ("__str__", *POLICY_FIELDS, "updated_at")
    list_select_related = ("office",)
    national_rows = True
    national_visible = False

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

    def get_changeform_initial_data(self, request):
        # A new row starts from the national numbers: inside the bounds of an office's override.
        return {**national_values(), **super().get_changeform_initial_data(request)}


@admin.register(SlaNotice)
class SlaNoticeAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    list_display = ("created_at", "inquiry", "target", "level")
    list_filter = ("target", "level")
    raw_id_fields = ("inquiry",)

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "text", "read_at")
    list_filter = ("kind",)
    raw_id_fields = ("user", "inquiry")
