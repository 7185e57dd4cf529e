"""Writes on the SLA policy rows (the global one and per-office overrides).

The rules a policy feeds are in the pure ``sla.policy``; reading the policy that applies is
``sla.services.policy_for_office``. A saved or deleted policy moves the running deadlines of the offices it
governs, through ``offices.hooks.calendars_changed`` (every office for the global policy), after commit.

Bounds of an office's override: the head office sets them with the global policy (its row, else the defaults
of SLA_RULES.md). An office may promise the public more, never less: a response target, resolution target,
late-arrival window, at-risk share and head-of-office notice at most the national ones; the wait for a
requester's data at least the national one (and at most ``ABANDON_MAX_WORKING_DAYS``). A global policy
tightened later does not rewrite the overrides already saved; each is checked again when it is next saved.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from offices.hooks import calendars_changed
from offices.models import Office

from .models import POLICY_FIELDS, SlaPolicySetting
from .policy import SlaPolicy

ABANDON_MAX_WORKING_DAYS = 30


def national_values() -> dict[str, Any]:
    """The global policy's numbers (the defaults of SLA_RULES.md when no global row is saved)."""
    row = SlaPolicySetting.objects.filter(office__isnull=True).first()
    source = row if row is not None else SlaPolicy()
    return {name: getattr(source, name) for name in POLICY_FIELDS}


def override_bounds() -> dict[str, tuple[Any, Any]]:
    """The lowest and highest value of each policy number an office's override may take (see the module)."""
    national = national_values()
    bounds = {
        "response_minutes": (1, national["response_minutes"]),
        "late_window_minutes": (0, national["late_window_minutes"]),
        "resolution_working_days": (1, national["resolution_working_days"]),
        "at_risk_ratio": (0.05, national["at_risk_ratio"]),
        "abandon_after_working_days": (
            national["abandon_after_working_days"],
            max(ABANDON_MAX_WORKING_DAYS, national["abandon_after_working_days"]),
        ),
        "head_escalation_minutes": (0, national["head_escalation_minutes"]),
    }
    return {name: bounds[name] for name in POLICY_FIELDS}


def override_bounds_errors(values: Mapping[str, Any]) -> dict[str, str]:
    """For each number of an office's override outside the head office's bounds, the message to show."""
    errors = {}
    for name, (low, high) in override_bounds().items():
        value = values.get(name)
        if value is not None and not low <= value <= high:
            errors[name] = _(
                "An office's policy may set this from %(low)s to %(high)s (the bounds the head office sets with "
                "the global policy); %(value)s is outside them."
            ) % {"low": low, "high": high, "value": value}
    return errors


def _values(policy: SlaPolicySetting) -> dict[str, Any]:
    values = {name: getattr(policy, name) for name in POLICY_FIELDS}
    values["office"] = policy.office_id
    return values


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    changed = [name for name in after if before.get(name) != after[name]]
    return {"before": {name: before.get(name) for name in changed}, "after": {name: after[name] for name in changed}}


def _governed(*office_ids: int | None) -> list[int] | None:
    """The offices whose deadlines a policy row decides: every office (None) when the row is the global one."""
    if any(pk is None for pk in office_ids):
        return None
    return sorted(set(office_ids))


@transaction.atomic
def sla_policy_save(
    *,
    policy: SlaPolicySetting | None = None,
    office: Office | None,
    response_minutes: int = 55,
    late_window_minutes: int = 120,
    resolution_working_days: int = 2,
    at_risk_ratio: float = 0.8,
    abandon_after_working_days: int = 3,
    head_escalation_minutes: int = 60,
    actor=None,
) -> SlaPolicySetting:
    """Create (``policy`` None) or replace a policy row: the global one (``office`` None) or an office's own.

    Every value is set (the defaults are those of SLA_RULES.md). Refuses (ValidationError) a second global row,
    a second row for one office, a value out of range, or an office's value outside the head office's bounds
    (``override_bounds``).
    """
    if policy is None:
        row, before = SlaPolicySetting(), {}
    else:
        row = SlaPolicySetting.objects.select_for_update().get(pk=policy.pk)
        before = _values(row)
    row.office = office
    row.response_minutes = response_minutes
    row.late_window_minutes = late_window_minutes
    row.resolution_working_days = resolution_working_days
    row.at_risk_ratio = at_risk_ratio
    row.abandon_after_working_days = abandon_after_working_days
    row.head_escalation_minutes = head_escalation_minutes
    row.full_clean()  # ranges, one global row, one row per office
    if office is not None:
        errors = override_bounds_errors({name: getattr(row, name) for name in POLICY_FIELDS})
        if errors:
            raise ValidationError(errors)
    row.save()
    changes = _diff(before, _values(row))
    if policy is not None and not changes["after"]:
        return row
    audit_record(
        actor=actor,
        action="sla_policy.save",
        obj=row,
        office_code=office.code if office is not None else "",
        changes=changes,
    )
    touched = [row.office_id] if policy is None else [before["office"], row.office_id]
    calendars_changed(office_ids=_governed(*touched))
    return row


@transaction.atomic
def sla_policy_delete(*, policy: SlaPolicySetting, actor=None) -> None:
    """Delete a policy row: its offices fall back to the global policy (or, for the global row, the defaults)."""
    row = SlaPolicySetting.objects.select_for_update().get(pk=policy.pk)
    office = Office.objects.filter(pk=row.office_id).first() if row.office_id else None
    audit_record(
        actor=actor,
        action="sla_policy.delete",
        obj=row,
        office_code=office.code if office is not None else "",
        changes={"before": _values(row)},
    )
    office_id = row.office_id
    row.delete()
    calendars_changed(office_ids=_governed(office_id))
