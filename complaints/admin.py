from django.contrib import admin

from .models import Complaint


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "channel", "office", "status", "created_at")
    list_filter = ("kind", "channel", "status", "office")
    search_fields = ("register_number", "complainant_name", "matter")
    raw_id_fields = ("inquiry", "about_user", "handled_by")
    date_hierarchy = "created_at"
