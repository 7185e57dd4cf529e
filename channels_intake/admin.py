from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from offices.admin import OFFICE_FILTER, ReachMixin, ServiceAdmin, SuperuserOnlyMixin

from .accounts import EDITABLE_FIELDS, SECRET_FIELDS, channel_account_create, channel_account_update
from .models import ChannelAccount, InboundEvent, OutboundMessage
from .services import inbound_events_retry


def mask(value: str) -> str:
    return "" if not value else "•" * 8 + value[-4:] if len(value) > 8 else "•" * len(value)


class ChannelAccountForm(forms.ModelForm):
    """Secrets are write-only: never rendered back (only their last four characters, masked, so an admin knows
    which one is stored). An empty field keeps the stored value; a value typed in replaces it."""

    class Meta:
        model = ChannelAccount
        fields = [
            "office",
            "kind",
            "slug",
            "name",
            "external_id",
            "secret",
            "verify_token",
            "access_token",
            "allowed_origins",
            "is_active",
        ]
        widgets = {name: forms.PasswordInput(render_value=False) for name in SECRET_FIELDS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            self.fields[name].required = False
            self.fields[name].widget.attrs["autocomplete"] = "new-password"
            stored = getattr(self.instance, name, "")
            self.fields[name].help_text = (
                _("Stored: %(masked)s. Leave empty to keep it; type a new one to replace it.")
                % {"masked": mask(stored)}
                if stored
                else _("Not set. Type it to set it; it is never shown again.")
            )

    def clean(self):
        data = super().clean()
        for name in SECRET_FIELDS:
            if not data.get(name) and self.instance.pk:
                data[name] = getattr(self.instance, name)
        return data


@admin.register(ChannelAccount)
class ChannelAccountAdmin(ReachMixin, ServiceAdmin):
    """Accounts are created and edited through ``channels_intake.accounts``: audited, secrets never logged.

    An office's administrator adds and edits their office's accounts (no account is deleted)."""

    form = ChannelAccountForm
    list_display = ("slug", "kind", "office", "name", "external_id", "is_active")
    list_filter = ("kind", "is_active", OFFICE_FILTER)
    search_fields = ("slug", "name", "external_id", "office__code", "office__name")
    list_select_related = ("office",)

    def service_save(self, request, obj, form, change):
        values = {name: form.cleaned_data.get(name) for name in EDITABLE_FIELDS}
        values["allowed_origins"] = values["allowed_origins"] or ""
        values["name"] = values["name"] or ""
        values["external_id"] = values["external_id"] or ""
        for name in SECRET_FIELDS:
            values[name] = values[name] or ""
        if change:
            return channel_account_update(account=obj, actor=request.user, **values)
        return channel_account_create(actor=request.user, **values)

    def service_delete(self, request, objects):
        # Accounts carry the history of their requesters and messages: deactivate instead of deleting.
        raise ValidationError(_("Channel accounts are not deleted; untick “active” to stop one."))

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InboundEvent)
class InboundEventAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    list_display = ("received_at", "account", "dedupe_key", "status", "attempts", "processed_at", "short_error")
    # The status filter lists "invalid" (kept for review) and "dead" (failed too often): what /healthz counts.
    list_filter = ("status", "account__kind")
    search_fields = ("dedupe_key", "raw_body", "error")
    list_select_related = ("account__office",)
    readonly_fields = [f.name for f in InboundEvent._meta.fields]
    date_hierarchy = "received_at"

    actions = ["retry"]

    @admin.action(description=_("Process the selected failed events again"))
    def retry(self, request, queryset):
        count = inbound_events_retry(event_ids=list(queryset.values_list("pk", flat=True)), actor=request.user)
        self.message_user(request, _("%(n)d event(s) queued again.") % {"n": count})

    @admin.display(description=_("error"))
    def short_error(self, obj: InboundEvent) -> str:
        return obj.error if len(obj.error) <= 80 else obj.error[:79] + "…"

    def has_add_permission(self, request):
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    list_display = ("created_at", "account", "recipient_id", "status", "attempts", "sent_at", "last_error")
    list_filter = ("status", "account__kind")
    search_fields = ("recipient_id", "last_error")
    list_select_related = ("account__office",)
    readonly_fields = [f.name for f in OutboundMessage._meta.fields]

    def has_add_permission(self, request):
        return False
