"""Complaints are read and worked only in compliance's workspace (/kepatuhan/), where every opening is logged and
the person a complaint is about never sees it: they are not in the admin. The admin holds the due-date policy,
written through its service (audited)."""

from django.contrib import admin
from django.db import transaction

from offices.admin import ServiceAdmin, SuperuserOnlyMixin

from .models import ComplaintPolicy
from .services import POLICY_NUMBERS, complaint_policy_delete, complaint_policy_save


@admin.register(ComplaintPolicy)
class ComplaintPolicyAdmin(SuperuserOnlyMixin, ServiceAdmin):
    list_display = ("__str__", *POLICY_NUMBERS)
    list_select_related = ("office",)
    fields = ("office", *POLICY_NUMBERS)

    def service_save(self, request, obj, form, change):
        data = form.cleaned_data
        return complaint_policy_save(
            policy=obj if change else None,
            office=data["office"],
            actor=request.user,
            **{name: data[name] for name in POLICY_NUMBERS},
        )

    def service_delete(self, request, objects):
        with transaction.atomic():
            for policy in objects:
                complaint_policy_delete(policy=policy, actor=request.user)
