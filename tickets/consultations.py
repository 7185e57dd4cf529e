"""Consultations: an officer asks the coordinator, a superior or a unit from the thread (clause a.2.3).

Internal only: nothing here reaches the requester.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit.services import audit_record
from sla import notifications

from .masking import masked_excerpt
from .models import Consultation, Inquiry
from .permissions import can_answer_consultation, can_work_inquiry

notifications.register_kind("consultation.ask", gettext_noop("%(name)s asks about inquiry #%(id)s: %(q)s"))
notifications.register_kind(
    "consultation.answer", gettext_noop("%(name)s answered your consultation on inquiry #%(id)s.")
)


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


@transaction.atomic
def consultation_ask(*, inquiry: Inquiry, actor, question: str, to_user=None, to_unit=None) -> Consultation:
    if not can_work_inquiry(actor, inquiry):
        raise PermissionDenied(_("You cannot consult on inquiries of another office."))
    question = (question or "").strip()
    if not question:
        raise ValidationError({"question": _("Write the question first.")})
    if (to_user is None) == (to_unit is None):
        raise ValidationError({"to": _("Ask one person or one unit.")})
    consultation = Consultation.objects.create(
        inquiry=inquiry, asked_by=actor, to_user=to_user, to_unit=to_unit, question=question
    )
    recipients = [to_user] if to_user else [u for u in [to_unit.coordinator, *to_unit.members.all()] if u]
    notifications.notify(
        users=[user for user in recipients if user != actor],
        inquiry=inquiry,
        kind="consultation.ask",
        params={"name": _person(actor), "id": inquiry.pk, "q": masked_excerpt(question)},
    )
    audit_record(
        actor=actor,
        action="consultation.ask",
        obj=inquiry,
        office_code=inquiry.office.code,
        changes={"to": to_user.get_username() if to_user else f"unit:{to_unit.pk}"},
    )
    return consultation


@transaction.atomic
def consultation_answer(*, consultation: Consultation, actor, answer: str) -> Consultation:
    if not can_answer_consultation(actor, consultation):
        raise PermissionDenied(_("This consultation is not addressed to you."))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Write the answer first.")})
    consultation.answer, consultation.answered_by, consultation.answered_at = answer, actor, timezone.now()
    consultation.save(update_fields=["answer", "answered_by", "answered_at"])
    notifications.notify(
        users=[consultation.asked_by],
        inquiry=consultation.inquiry,
        kind="consultation.answer",
        params={"name": _person(actor), "id": consultation.inquiry_id},
    )
    audit_record(
        actor=actor,
        action="consultation.answer",
        obj=consultation.inquiry,
        office_code=consultation.inquiry.office.code,
        changes={"consultation": consultation.pk},
    )
    return consultation
