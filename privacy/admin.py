from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from offices.models import Office, Role
from tickets.permissions import staff_profile

from .models import RetentionRule
from .retention import KINDS


def is_head_office_admin(user) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    profile = staff_profile(user)
    return profile is not None and profile.role == Role.ADMIN and profile.office.kind == Office.Kind.HEAD_OFFICE


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    """Head-office admins set how long each kind of record is kept; everyone else sees nothing here."""

    list_display = ("record", "keep_days", "updated_by", "updated_at")
    fields = ("record", "keep_days")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "record":
            from django import forms

            choices = [(key, f"{_(kind.label)} ({kind.default_days})") for key, kind in KINDS.items()]
            return forms.ChoiceField(label=_("kind of record"), choices=choices)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return is_head_office_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_head_office_admin(request.user)

    has_add_permission = has_change_permission = has_delete_permission = lambda self, request, obj=None: (
        is_head_office_admin(request.user)
    )

    def save_model(self, request, obj, form, change):
        if obj.record not in KINDS:
            raise ValidationError(_("Unknown kind of record."))
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action="privacy.retention_rule", obj=obj, changes={obj.record: obj.keep_days})

    def delete_model(self, request, obj):
        audit_record(actor=request.user, action="privacy.retention_rule_delete", obj=obj, changes={obj.record: None})
        super().delete_model(request, obj)
