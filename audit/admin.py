from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from .chain import audit_verify
from .logins import unlock_record
from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The log, read-only, for superusers. (``offices.admin`` registers its subclass that lets an office's
    administrator read the events of the offices in their reach: the audit layer knows no offices.)"""

    list_display = ("created_at", "actor_label", "action", "object_type", "object_repr", "office_code")
    list_filter = ("action", "object_type", "office_code")
    search_fields = ("actor_label", "action", "object_id", "object_repr")
    date_hierarchy = "created_at"
    list_select_related = ()
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    view_on_site = False

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # --- The hash chain (audit.chain), verified from the admin as `manage.py audit_verify` does ----------------
    def can_verify(self, request) -> bool:
        """Who may run the verification: superusers (offices.admin widens it to head-office administrators)."""
        return request.user.is_active and request.user.is_superuser

    def get_urls(self):
        verify = path("verify/", self.admin_site.admin_view(self.verify_view), name="audit_auditevent_verify")
        return [verify, *super().get_urls()]

    def verify_view(self, request):
        if not self.can_verify(request):
            raise PermissionDenied
        verdict = audit_verify()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Verify the audit log's hash chain"),
            "opts": self.model._meta,
            "verdict": verdict,
        }
        return TemplateResponse(request, "admin/audit/verify.html", context, status=200 if verdict.ok else 409)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_verify": self.can_verify(request)}
        return super().changelist_view(request, extra_context=extra_context)


# django-axes' failed-login records: deleting one lifts that lockout. The deletion is written to the audit log.
if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    """Axes' own admin (search, the "locked out" filter), with every unlock in the audit log."""

    @transaction.atomic
    def delete_model(self, request, obj):
        unlock_record(
            actor=request.user, username=obj.username, ip_address=obj.ip_address, failures=obj.failures_since_start
        )
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for attempt in queryset:
            unlock_record(
                actor=request.user,
                username=attempt.username,
                ip_address=attempt.ip_address,
                failures=attempt.failures_since_start,
            )
        super().delete_queryset(request, queryset)
