from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from offices.admin import ServiceAdmin

from .identifiers import mask
from .knowledge_base import canned_answer_save
from .models import (
    CannedAnswer,
    Consultation,
    Inquiry,
    Message,
    Requester,
    RequesterReference,
    Ticket,
    TicketEvent,
    Unit,
)
from .permissions import staff_profile


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


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "home_office", "coordinator", "requires_approval", "is_active")
    list_filter = ("kind", "requires_approval", "is_active", "home_office")
    search_fields = ("name", "home_office__code", "home_office__name")
    list_select_related = ("home_office", "coordinator")
    raw_id_fields = ("coordinator",)
    filter_horizontal = ("offices", "members")


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    fields = ("created_at", "kind", "author", "text")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("number", "office", "unit", "status", "assigned_to", "created_at", "answered_at")
    list_filter = ("status", "unit", "office")
    search_fields = ("number", "summary")
    list_select_related = ("office", "unit", "assigned_to")
    raw_id_fields = ("inquiry", "assigned_to", "created_by", "draft_by", "approved_by")
    readonly_fields = ("number", "verification_hash", "created_at")
    date_hierarchy = "created_at"
    inlines = [TicketEventInline]


@admin.register(CannedAnswer)
class CannedAnswerAdmin(ServiceAdmin):
    """Answers are saved through ``canned_answer_save``, as on the knowledge-base page (audited, same rules).

    That service files an answer under the curator's own office, or nationally (superusers only): the office
    chosen here must be one of those. No service deletes an answer, so the admin does not either: deactivate it.
    """

    list_display = ("title", "office", "is_active", "updated_at", "updated_by")
    list_filter = ("is_active", "office")
    search_fields = ("title", "body", "tags")
    list_select_related = ("office", "updated_by")
    readonly_fields = ("updated_by", "updated_at")

    def service_delete(self, request, objects):
        raise ValidationError(_("Answers are not deleted; untick “active” to withdraw one."))

    def has_delete_permission(self, request, obj=None):
        return False

    def service_save(self, request, obj, form, change):
        data = form.cleaned_data
        office = data.get("office")
        if office is not None:
            profile = staff_profile(request.user)
            if profile is None or profile.office_id != office.pk:
                raise ValidationError(
                    {
                        "office": _(
                            "An answer is filed under your own office, or nationally by head office: "
                            "leave the office empty for a national answer."
                        )
                    }
                )
        return canned_answer_save(
            actor=request.user,
            pk=obj.pk if change else None,
            title=data["title"],
            body=data["body"],
            tags=data.get("tags", ""),
            national=office is None,
            active=data["is_active"],
        )


@admin.register(RequesterReference)
class RequesterReferenceAdmin(admin.ModelAdmin):
    """Values stay masked here too: revealing one is done (and audited) from the conversation."""

    list_display = ("requester", "kind", "masked_value", "source", "created_at")
    list_filter = ("kind", "source")
    list_select_related = ("requester",)
    fields = ("requester", "kind", "masked_value", "source", "created_by", "created_at")
    readonly_fields = fields

    @admin.display(description="value")
    def masked_value(self, obj):
        return mask(obj.value)

    def has_add_permission(self, request):
        return False


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ("inquiry", "asked_by", "to_user", "to_unit", "created_at", "answered_at")
    list_select_related = ("asked_by", "to_user", "to_unit")
    raw_id_fields = ("inquiry", "asked_by", "to_user", "answered_by")
