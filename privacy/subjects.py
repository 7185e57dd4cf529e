"""A requester's rights over their data (UU 27/2022): find everything held about them, export it, erase it.

Done by internal compliance staff (and superusers) for the offices in their reach; every export and erasure is
in the audit log with who, whom and why.
"""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from offices.models import Role
from offices.reach import offices_in_reach
from tickets.models import Attachment, Inquiry, Requester, RequesterReference, Ticket
from tickets.permissions import staff_profile
from webchat.models import WebchatSession

from .anonymise import inquiries_anonymise, open_work, requesters_anonymise

SEARCH_LIMIT = 50


def can_handle_requests(user) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    profile = staff_profile(user)
    return profile is not None and profile.role == Role.COMPLIANCE


def _reachable(user) -> QuerySet:
    if not can_handle_requests(user):
        raise PermissionDenied
    return Requester.objects.filter(account__office__in=offices_in_reach(user))


def requesters_find(*, user, query: str) -> list[Requester]:
    """Requesters matching a platform id, an e-mail, a phone number, an identity/document number, or a name."""
    query = query.strip()
    if len(query) < 3:
        return []
    digits = re.sub(r"\D", "", query)
    condition = Q(external_id=query) | Q(contact_email__iexact=query) | Q(display_name__icontains=query)
    if len(digits) >= 6:
        condition |= Q(contact_phone__contains=digits[-9:]) | Q(references__value=digits)
    condition |= Q(references__value__iexact=query.replace(" ", ""))
    return list(
        _reachable(user)
        .filter(condition)
        .exclude(external_id__startswith="erased-")
        .select_related("account__office")
        .distinct()
        .order_by("-created_at")[:SEARCH_LIMIT]
    )


def requester_get(*, user, requester_id: int) -> Requester:
    requester = _reachable(user).select_related("account__office").filter(pk=requester_id).first()
    if requester is None:
        raise Requester.DoesNotExist
    return requester


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def requester_export(*, user, requester: Requester) -> dict:
    """Everything held about one requester, as a JSON-ready dict (an access request). Audited."""
    requester = requester_get(user=user, requester_id=requester.pk)
    inquiries = (
        Inquiry.objects.filter(requester=requester)
        .select_related("office")
        .prefetch_related("messages", "topics")
        .order_by("received_at")
    )
    tickets = {t.inquiry_id: t for t in Ticket.objects.filter(inquiry__requester=requester)}
    files = Attachment.objects.filter(message__inquiry__requester=requester).order_by("pk")
    data = {
        "generated_at": timezone.now().isoformat(),
        "requester": {
            "channel": requester.channel or requester.account.kind,
            "office": requester.account.office.code,
            "platform_id": requester.external_id,
            "name": requester.display_name,
            "email": requester.contact_email,
            "phone": requester.contact_phone,
            "language": requester.language,
            "first_seen": _iso(requester.created_at),
        },
        "references": [
            {"kind": r.kind, "value": r.value, "recorded": _iso(r.created_at)}
            for r in RequesterReference.objects.filter(requester=requester).order_by("pk")
        ],
        "inquiries": [
            {
                "id": inquiry.pk,
                "office": inquiry.office.code,
                "received": _iso(inquiry.received_at),
                "status": inquiry.status,
                "closed": _iso(inquiry.closed_at),
                "topics": [t.slug for t in inquiry.topics.all()],
                "ticket": (
                    {
                        "number": tickets[inquiry.pk].number,
                        "status": tickets[inquiry.pk].status,
                        "final_answer": tickets[inquiry.pk].final_answer,
                    }
                    if inquiry.pk in tickets
                    else None
                ),
                "messages": [
                    {"at": _iso(m.created_at), "direction": m.direction, "text": m.text}
                    for m in inquiry.messages.all()
                    if m.direction != "internal"  # officers' internal notes are not the requester's data
                ],
            }
            for inquiry in inquiries
        ],
        "files": [{"name": f.name, "type": f.mime_type, "size": f.size, "status": f.status} for f in files],
        "webchat_sessions": [
            {"started": _iso(s.created_at), "last_seen": _iso(s.last_seen_at)}
            for s in WebchatSession.objects.filter(requester=requester)
        ],
    }
    audit_record(
        actor=user,
        action="privacy.export",
        object_type="tickets.requester",
        object_id=str(requester.pk),
        office_code=requester.account.office.code,
        changes={"inquiries": len(data["inquiries"]), "references": len(data["references"])},
    )
    return data


@transaction.atomic
def requester_erase(*, user, requester: Requester, reason: str) -> dict[str, int]:
    """Erase a requester's personal data (an erasure request): anonymise every inquiry that no open matter needs
    (an open inquiry, an unanswered ticket), their references and files; the requester too when nothing is kept.
    ``reason`` is required. Audited with the counts."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the data is erased (the request it answers).")})
    requester = requester_get(user=user, requester_id=requester.pk)
    inquiries = Inquiry.objects.filter(requester=requester)
    kept = list(inquiries.filter(open_work()).values_list("pk", flat=True))
    erasable = list(inquiries.exclude(pk__in=kept).values_list("pk", flat=True))
    # Closed inquiries are anonymised as retention does; an erasure does not wait for their time.
    counts = inquiries_anonymise(erasable)
    if not kept:
        counts["references"] += RequesterReference.objects.filter(requester=requester).delete()[0]
    counts["requester"] = requesters_anonymise([requester.pk])
    counts["kept_inquiries"] = len(kept)
    audit_record(
        actor=user,
        action="privacy.erase",
        object_type="tickets.requester",
        object_id=str(requester.pk),
        office_code=requester.account.office.code,
        changes={"reason": reason, **counts},
    )
    return counts
