from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from offices.admin import OFFICE_FILTER, ReachMixin, ServiceAdmin, SuperuserOnlyMixin, admin_scope

from .identifiers import mask
from .knowledge_base import canned_answer_save
from .masking import masked
from .models import (
    CannedAnswer,
    Consultation,
    Inquiry,
    Message,
    Requester,
    RequesterReference,
    Ticket,
    TicketEvent,
    Topic,
    Unit,
)
from .permissions import can_curate_knowledge_base, staff_profile


class MaskedListMixin:
    """Admin lists show free text with identifiers masked (clause a.1.2); search still finds the full value."""

    @admin.display(description=_("text"))
    def masked_text(self, obj) -> str:
        return masked(obj.text)

    @admin.display(description=_("requester"))
    def masked_requester(self, obj) -> str:
        return masked(str(obj.requester))


@admin.register(Requester)
class RequesterAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    list_display = ("masked_name", "account", "channel", "masked_external_id", "created_at")
    list_filter = ("channel", "account__kind")
    search_fields = ("display_name", "external_id", "contact_email", "contact_phone")
    list_select_related = ("account__office",)

    @admin.display(description=_("name"), ordering="display_name")
    def masked_name(self, obj) -> str:
        return masked(str(obj))

    @admin.display(description=_("platform id"), ordering="external_id")
    def masked_external_id(self, obj) -> str:
        return masked(obj.external_id)


class MessageInline(MaskedListMixin, admin.TabularInline):
    """The inquiry's messages, masked and read-only: messages are written by the services, never here."""

    model = Message
    extra = 0
    fields = ("created_at", "direction", "kind", "author", "masked_text")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Inquiry)
class InquiryAdmin(MaskedListMixin, SuperuserOnlyMixin, admin.ModelAdmin):
    list_display = (
        "pk",
        "office",
        "account",
        "masked_requester",
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
class MessageAdmin(MaskedListMixin, SuperuserOnlyMixin, admin.ModelAdmin):
    list_display = ("created_at", "inquiry", "direction", "kind", "author", "masked_text")
    list_filter = ("direction", "kind")
    search_fields = ("text", "platform_id")
    raw_id_fields = ("inquiry", "author")
    list_select_related = ("inquiry__office", "author")


@admin.register(Unit)
class UnitAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "home_office", "coordinator", "requires_approval", "is_active")
    list_filter = ("kind", "requires_approval", "is_active", "home_office")
    search_fields = ("name", "home_office__code", "home_office__name")
    list_select_related = ("home_office", "coordinator")
    raw_id_fields = ("coordinator",)
    filter_horizontal = ("offices", "members")


class TicketEventInline(MaskedListMixin, admin.TabularInline):
    model = TicketEvent
    extra = 0
    fields = ("created_at", "kind", "author", "masked_text")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    list_display = ("number", "office", "unit", "status", "assigned_to", "created_at", "answered_at")
    list_filter = ("status", "unit", "office")
    search_fields = ("number", "summary")
    list_select_related = ("office", "unit", "assigned_to")
    raw_id_fields = ("inquiry", "assigned_to", "created_by", "draft_by", "approved_by")
    readonly_fields = ("number", "verification_hash", "created_at")
    date_hierarchy = "created_at"
    inlines = [TicketEventInline]


@admin.register(CannedAnswer)
class CannedAnswerAdmin(ReachMixin, ServiceAdmin):
    """Answers are saved through ``canned_answer_save``, as on the knowledge-base page (audited, same rules).

    That service files an answer under the curator's own office, or nationally (superusers only): the office
    chosen here must be one of those. No service deletes an answer, so the admin does not either: deactivate it.
    An administrator sees the national answers and those of the offices in their reach, and edits their own
    office's (who may edit is ``tickets.permissions.can_curate_knowledge_base``).
    """

    list_display = ("title", "office", "is_active", "updated_at", "updated_by")
    list_filter = ("is_active", OFFICE_FILTER)
    search_fields = ("title", "body", "tags")
    list_select_related = ("office", "updated_by")
    readonly_fields = ("updated_by", "updated_at")
    national_rows = True

    def get_readonly_fields(self, request, obj=None):
        if admin_scope(request).superuser:
            return self.readonly_fields
        return ("office", *self.readonly_fields)  # filed under the curator's own office by the service

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or can_curate_knowledge_base(request.user, answer=obj)

    def service_delete(self, request, objects):
        raise ValidationError(_("Answers are not deleted; untick “active” to withdraw one."))

    def has_delete_permission(self, request, obj=None):
        return False

    def service_save(self, request, obj, form, change):
        data = form.cleaned_data
        office = data.get("office") if "office" in form.fields else getattr(staff_profile(request.user), "office", None)
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
class RequesterReferenceAdmin(MaskedListMixin, SuperuserOnlyMixin, admin.ModelAdmin):
    """Values stay masked here too: revealing one is done (and audited) from the conversation."""

    list_display = ("masked_requester", "kind", "masked_value", "source", "created_at")
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
class ConsultationAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    list_display = ("inquiry", "asked_by", "to_user", "to_unit", "created_at", "answered_at")
    list_select_related = ("asked_by", "to_user", "to_unit")
    raw_id_fields = ("inquiry", "asked_by", "to_user", "answered_by")


@admin.register(Topic)
class TopicAdmin(ReachMixin, ServiceAdmin):
    """The national list of topics: every administrator sees it; the head office keeps it (no topic is deleted,
    inquiries and reports refer to it: untick "active")."""

    list_display = ("name", "name_en", "slug", "position", "is_active")
    list_editable = ()
    list_filter = ("is_active",)
    search_fields = ("name", "name_en", "slug")
    office_lookup = ""
    admin_may = ("view",)
    head_may = ("add", "change")

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        return queryset if admin_scope(request).admin else queryset.none()

    def may(self, request, action, obj=None):
        scope = admin_scope(request)
        if action == "view":
            return scope.admin
        return action in self.head_may and scope.head

    def has_delete_permission(self, request, obj=None):
        return False

    def service_save(self, request, obj, form, change):
        return topic_save(topic=obj, changed=form.changed_data, actor=request.user)

    def service_delete(self, request, objects):
        raise ValidationError(_("Topics are not deleted; untick “active” to retire one."))


TOPIC_FIELDS = ("slug", "name", "name_en", "position", "is_active")


@transaction.atomic
def topic_save(*, topic: Topic, changed, actor) -> Topic:
    """Save a topic the admin's form validated, with its audit row (what changed)."""
    created = topic.pk is None
    topic.full_clean()
    topic.save()
    audit_record(
        actor=actor,
        action="topic.create" if created else "topic.update",
        obj=topic,
        changes={name: getattr(topic, name) for name in TOPIC_FIELDS if created or name in changed},
    )
    return topic
