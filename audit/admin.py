from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor_label", "action", "object_type", "object_repr", "office_code")
    list_filter = ("action", "object_type", "office_code")
    search_fields = ("actor_label", "action", "object_id", "object_repr")
    date_hierarchy = "created_at"
    list_select_related = ()
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
