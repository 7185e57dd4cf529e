from django.contrib import admin

from .models import Inquiry, Message, Requester


@admin.register(Requester)
class RequesterAdmin(admin.ModelAdmin):
    list_display = ("display_name", "account", "channel", "external_id", "created_at")
    list_filter = ("channel", "account__kind")
    search_fields = ("display_name", "external_id", "contact_email", "contact_phone")
    list_select_related = ("account__office",)


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ("created_at", "direction", "kind", "author", "text")
    readonly_fields = ("created_at",)
    raw_id_fields = ("author",)


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "office",
        "account",
        "requester",
        "status",
        "assigned_to",
        "received_at",
        "response_due",
        "response_status",
        "resolution_status",
    )
    list_filter = ("status", "response_status", "resolution_status", "late_arrival", "account__kind", "office")
    search_fields = ("pk", "preview", "requester__display_name", "requester__external_id")
    list_select_related = ("office", "account__office", "requester", "assigned_to")
    raw_id_fields = ("requester", "assigned_to", "duplicate_of", "response_met_by", "resolution_met_by")
    date_hierarchy = "received_at"
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "inquiry", "direction", "kind", "author", "text")
    list_filter = ("direction", "kind")
    search_fields = ("text", "platform_id")
    raw_id_fields = ("inquiry", "author")
    list_select_related = ("inquiry__office", "author")
