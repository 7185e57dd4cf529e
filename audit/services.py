"""Writing to the audit log. Every service calls `audit_record` inside its own transaction."""

from collections.abc import Mapping
from typing import Any

from django.db import models

from .models import AuditEvent

SYSTEM = "system"


def _json_safe(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return str(value.pk)
    return str(value)


def audit_record(
    *,
    actor=None,
    actor_label: str = "",
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    office_code: str = "",
    changes: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. `actor` is a user or None (then `actor_label` says who: system, requester...)."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        label = actor.get_username()
    else:
        actor = None
        label = actor_label or SYSTEM
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=label[:150],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=str(obj)[:200] if obj is not None else "",
        office_code=office_code,
        changes=_json_safe(dict(changes or {})),
    )
