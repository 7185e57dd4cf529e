"""Retention: each kind of record about requesters is kept for its time, then emptied or deleted, in chunks.

The kinds and their defaults are below (``KINDS``); head-office admins override the number of days per kind
(``privacy.models.RetentionRule``). ``retention_sweep`` runs daily (beat) and writes one audit event with the
count of what it did per kind. Figures for reports are kept: an inquiry is anonymised, never deleted.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from audit.services import audit_record
from channels_intake.models import InboundDelivery, InboundEvent, OutboundMessage
from common.storage import private_storage
from complaints.models import Complaint, ComplaintEvidence
from tickets.identifiers import mask_text
from tickets.models import Attachment, Inquiry, Requester, RequesterReference
from webchat.models import WebchatSession

from .anonymise import attachments_delete, inquiries_anonymise, open_work, requesters_anonymise
from .models import RetentionRule


@dataclass(frozen=True)
class RecordKind:
    key: str
    label: str  # an untranslated msgid
    default_days: int
    effect: str  # an untranslated msgid: what happens when the time has passed
    sweep: Callable[[datetime, int], int]  # (cutoff, chunk) -> rows handled, at most chunk


KINDS: dict[str, RecordKind] = {}


def retention_kind(key: str, label: str, default_days: int, effect: str):
    def register(sweep):
        KINDS[key] = RecordKind(key, label, default_days, effect, sweep)
        return sweep

    return register


def _ids(queryset, chunk: int) -> list[int]:
    return list(queryset.order_by("pk").values_list("pk", flat=True)[:chunk])


@retention_kind(
    "inbound_bodies",
    gettext_noop("Raw platform bodies of filed messages"),
    30,
    gettext_noop("The raw body and the parsed copy are emptied (the message itself is in its inquiry)."),
)
def _inbound_filed(cutoff: datetime, chunk: int) -> int:
    queryset = InboundEvent.objects.filter(status=InboundEvent.Status.PROCESSED, received_at__lt=cutoff).filter(
        ~Q(raw_body="") | Q(message__isnull=False)
    )
    ids = _ids(queryset, chunk)
    done = InboundEvent.objects.filter(pk__in=ids).update(raw_body="", message=None)
    # Large deliveries stored whole (channels_intake.InboundDelivery): their body, once split into events.
    deliveries = InboundDelivery.objects.filter(status=InboundDelivery.Status.SPLIT, received_at__lt=cutoff)
    ids = _ids(deliveries.exclude(body=b""), chunk - done)
    return done + InboundDelivery.objects.filter(pk__in=ids).update(body=b"")


@retention_kind(
    "inbound_review",
    gettext_noop("Raw platform bodies kept for review (unreadable or given up)"),
    90,
    gettext_noop("The raw body is emptied; the event stays listed with its error."),
)
def _inbound_review(cutoff: datetime, chunk: int) -> int:
    queryset = InboundEvent.objects.filter(
        status__in=[InboundEvent.Status.INVALID, InboundEvent.Status.DEAD], received_at__lt=cutoff
    ).filter(~Q(raw_body="") | Q(message__isnull=False))
    ids = _ids(queryset, chunk)
    return InboundEvent.objects.filter(pk__in=ids).update(raw_body="", message=None)


@retention_kind(
    "outbox_bodies",
    gettext_noop("Copies of replies in the outbox"),
    90,
    gettext_noop("The outbox copy of a delivered or failed reply is emptied (the reply stays in its thread)."),
)
def _outbox(cutoff: datetime, chunk: int) -> int:
    queryset = OutboundMessage.objects.filter(
        status__in=[OutboundMessage.Status.SENT, OutboundMessage.Status.FAILED], created_at__lt=cutoff
    ).filter(~Q(text="") | ~Q(attachment={}))
    ids = _ids(queryset, chunk)
    return OutboundMessage.objects.filter(pk__in=ids).update(text="", attachment={})


@retention_kind(
    "webchat_sessions",
    gettext_noop("Web-chat sessions"),
    180,
    gettext_noop("The session (its token and address) is deleted; the conversation stays in its inquiry."),
)
def _sessions(cutoff: datetime, chunk: int) -> int:
    ids = _ids(WebchatSession.objects.filter(last_seen_at__lt=cutoff), chunk)
    return WebchatSession.objects.filter(pk__in=ids).delete()[0]


@retention_kind(
    "attachments",
    gettext_noop("Files sent in conversations"),
    365,
    gettext_noop("Files of inquiries closed longer ago are deleted."),
)
def _attachments(cutoff: datetime, chunk: int) -> int:
    queryset = Attachment.objects.filter(message__inquiry__closed_at__lt=cutoff).exclude(
        message__inquiry__in=Inquiry.objects.filter(open_work())
    )
    return attachments_delete(Attachment.objects.filter(pk__in=_ids(queryset, chunk)))


@retention_kind(
    "references",
    gettext_noop("Identity and document references (NIK, NPWP, passport, AWB...)"),
    365,
    gettext_noop("References of inquiries closed longer ago are deleted."),
)
def _references(cutoff: datetime, chunk: int) -> int:
    queryset = RequesterReference.objects.filter(
        Q(inquiry__closed_at__lt=cutoff) | Q(inquiry__isnull=True, created_at__lt=cutoff)
    ).exclude(requester__inquiries__in=Inquiry.objects.filter(open_work()))
    ids = _ids(queryset, chunk)
    return RequesterReference.objects.filter(pk__in=ids).delete()[0]


@retention_kind(
    "inquiries",
    gettext_noop("Inquiries, their messages and tickets"),
    730,
    gettext_noop(
        "Inquiries closed longer ago are anonymised: texts, files, references and the requester's name and "
        "contacts are removed; office, channel, topics, times and SLA figures stay for the reports."
    ),
)
def _inquiries(cutoff: datetime, chunk: int) -> int:
    queryset = Inquiry.objects.filter(anonymised_at__isnull=True, closed_at__lt=cutoff).exclude(open_work())
    ids = _ids(queryset, chunk)
    if not ids:
        return 0
    done = inquiries_anonymise(ids)["inquiries"]
    requesters = set(Inquiry.objects.filter(pk__in=ids).values_list("requester_id", flat=True))
    requesters_anonymise(sorted(requesters))
    return done


@retention_kind(
    "complaints",
    gettext_noop("Complaints, suggestions and feedback, and their evidence"),
    1825,
    gettext_noop(
        "Complaints whose complainant was informed longer ago lose the complainant's name and contact, the "
        "parties, chronology and evidence files; register number, office, kind, dates and conclusion stay."
    ),
)
def _complaints(cutoff: datetime, chunk: int) -> int:
    queryset = (
        Complaint.objects.filter(status=Complaint.Status.INFORMED, closed_at__lt=cutoff)
        .exclude(complainant_name="", complainant_contact="", parties="", chronology="", evidence="")
        .order_by("pk")
    )
    ids = list(queryset.values_list("pk", flat=True)[:chunk])
    if not ids:
        return 0
    storage = private_storage()
    files = ComplaintEvidence.objects.filter(complaint_id__in=ids)
    for path in files.values_list("path", flat=True):
        storage.delete(path)
    files.delete()
    Complaint.objects.filter(pk__in=ids).update(
        complainant_name="", complainant_contact="", parties="", chronology="", evidence=""
    )
    for pk, matter in Complaint.objects.filter(pk__in=ids).values_list("pk", "matter"):
        masked = mask_text(matter)  # the matter stays readable for the record; its identifiers do not
        if masked != matter:
            Complaint.objects.filter(pk=pk).update(matter=masked)
    return len(ids)


def keep_days() -> dict[str, int]:
    """Each kind's time in days: the head office's rule where there is one, else the default."""
    rules = dict(RetentionRule.objects.values_list("record", "keep_days"))
    return {key: rules.get(key, kind.default_days) for key, kind in KINDS.items()}


def retention_sweep(*, now: datetime | None = None, chunk: int = 500, max_chunks: int = 40) -> dict[str, int]:
    """Apply every kind's retention, at most ``chunk`` rows per transaction and ``max_chunks`` per kind and run
    (the rest waits for the next run). One audit event with the counts."""
    now = now or timezone.now()
    counts = {}
    for key, days in keep_days().items():
        cutoff, done = now - timedelta(days=days), 0
        for _ in range(max_chunks):
            handled = KINDS[key].sweep(cutoff, chunk)
            done += handled
            if handled < chunk:
                break
        counts[key] = done
    audit_record(
        actor_label="system", action="privacy.retention", object_type="privacy.retention", object_id="", changes=counts
    )
    return counts


def requester_is_erased(requester: Requester) -> bool:
    return requester.external_id.startswith("erased-")
