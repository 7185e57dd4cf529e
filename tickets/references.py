"""Identity and document references of requesters (NIK, NPWP, nomor aju, AWB, IMEI...): found, added, revealed.

Values are validated by type (``identifiers``), shown masked, and every reveal of a full value is audited.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from audit.services import audit_record

from .identifiers import InvalidReference, detect, mask, validate
from .models import Inquiry, RequesterReference
from .permissions import can_work_inquiry


def references_found(*, inquiry: Inquiry, text: str) -> list[RequesterReference]:
    """The identity and document references in a requester's message (validated by type), unsaved."""
    return [
        RequesterReference(
            requester_id=inquiry.requester_id,
            inquiry=inquiry,
            kind=ref.kind,
            value=ref.value,
            source=RequesterReference.Source.MESSAGE,
        )
        for ref in detect(text or "")
    ]


def references_detect(*, inquiry: Inquiry, text: str) -> int:
    """Store the identity and document references found in a requester's message (one already known is kept)."""
    found = references_found(inquiry=inquiry, text=text)
    RequesterReference.objects.bulk_create(found, ignore_conflicts=True)
    return len(found)


@transaction.atomic
def reference_add(*, inquiry: Inquiry, actor, kind: str, value: str) -> RequesterReference:
    if not can_work_inquiry(actor, inquiry):
        raise PermissionDenied(_("You cannot edit requesters of another office."))
    try:
        normalised = validate(kind, value)
    except InvalidReference as exc:
        raise ValidationError({"value": gettext(str(exc))}) from exc  # reasons are msgids (identifiers.py)
    reference, _created = RequesterReference.objects.get_or_create(
        requester_id=inquiry.requester_id,
        kind=kind,
        value=normalised,
        defaults={"inquiry": inquiry, "created_by": actor},
    )
    audit_record(
        actor=actor,
        action="reference.add",
        obj=inquiry,
        office_code=inquiry.office.code,
        changes={"kind": kind, "value": mask(normalised)},
    )
    return reference


def reference_reveal(*, reference: RequesterReference, inquiry: Inquiry, actor) -> str:
    """The full value, for an officer of the office; every reveal is in the audit log."""
    if not can_work_inquiry(actor, inquiry) or reference.requester_id != inquiry.requester_id:
        raise PermissionDenied(_("You cannot see this reference."))
    audit_record(
        actor=actor,
        action="reference.reveal",
        obj=inquiry,
        office_code=inquiry.office.code,
        changes={"kind": reference.kind, "value": mask(reference.value), "reference": reference.pk},
    )
    return reference.value
