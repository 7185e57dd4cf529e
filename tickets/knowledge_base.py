"""The knowledge base: canned answers officers insert and edit (national, or one office's own)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record

from .models import CannedAnswer
from .permissions import can_curate_knowledge_base, staff_profile


@transaction.atomic
def canned_answer_save(
    *, actor, pk=None, title: str, body: str, tags: str = "", national: bool = False, active: bool = True
):
    """Create or edit a knowledge-base answer: coordinators and admins for their office, superusers nationally."""
    profile = staff_profile(actor)
    if not can_curate_knowledge_base(actor, national=national):
        raise PermissionDenied(_("Only coordinators and admins curate answers; national ones only head office."))
    title, body = (title or "").strip(), (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Give the answer a title.")
    if not body:
        errors["body"] = _("Write the answer.")
    if errors:
        raise ValidationError(errors)
    answer = CannedAnswer.objects.filter(pk=pk).first() if pk else CannedAnswer()
    if answer is None:
        raise ValidationError(_("No such answer."))
    if answer.pk and not can_curate_knowledge_base(actor, answer=answer):
        raise PermissionDenied(_("You can only edit your office's answers."))
    answer.title, answer.body, answer.tags, answer.is_active, answer.updated_by = (
        title[:200],
        body,
        (tags or "")[:300],
        active,
        actor,
    )
    answer.office = None if national else (profile.office if profile else None)
    answer.save()
    audit_record(
        actor=actor,
        action="canned.save",
        obj=answer,
        office_code=profile.office.code if profile else "",
        changes={"title": answer.title, "national": national},
    )
    return answer
