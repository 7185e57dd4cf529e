"""Writes on complaints: every intake path, every step of the workflow, reads and downloads (all audited).

Intake (one function, ``complaint_receive``, behind four paths): the public page and the public API
(``complaint_submit``), an officer turning an inquiry into a complaint (``complaint_from_inquiry``: the requester
is told on their channel, with the register number), and compliance staff entering what came by e-mail, phone,
fax, letter or in person (``complaint_record``).

Workflow (compliance staff of the handling office's reach; ``complaints.routing``): received → under review →
follow-up (clarification asked of the complainant, explanation asked of the unit) → back under review →
concluded (substantiated or not, action taken) → complainant informed. Each step is a conditional update of the
status, so a repeated or racing step is refused rather than applied twice; each sets the due time of the next
stage (``complaints.deadlines``) and writes the audit log.
"""

import functools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import audit_record
from offices.models import Office
from tickets import replies
from tickets.models import Inquiry
from tickets.permissions import can_work_inquiry

from . import notices
from .deadlines import moments_for
from .evidence import CheckedFile, evidence_check, evidence_kept_on_success, evidence_store
from .models import OPEN_STATUSES, Complaint, ComplaintEvent, ComplaintEvidence, ComplaintPolicy
from .numbering import register_number_next
from .routing import ESCALATED_ROLES, handling_office_for, is_compliance, visible_complaints
from .selectors import office_colleagues

MAX_TEXT = 5000
SHORT_FIELDS = {"complainant_name": 200, "complainant_contact": 200, "place": 200, "sipuma_number": 60}
TEXT_FIELDS = ("matter", "parties", "chronology", "evidence")
# What a complaint states (DOMAIN.md): the matter, place, time, parties involved, chronology and evidence,
# with the complainant's name and contact unless they stay anonymous. A suggestion or feedback needs the matter.
COMPLAINT_REQUIRED = ("matter", "place", "occurred_at", "chronology")
MANUAL_CHANNELS = (
    Complaint.Channel.EMAIL,
    Complaint.Channel.PHONE,
    Complaint.Channel.FAX,
    Complaint.Channel.LETTER,
    Complaint.Channel.IN_PERSON,
    Complaint.Channel.SIPUMA,
    Complaint.Channel.HELP_DESK,
)


def _clean(data: dict, *, strict: bool) -> dict:
    """Trimmed values; a ValidationError naming every missing or invalid field at once."""
    values = {name: str(data.get(name) or "").strip() for name in (*SHORT_FIELDS, *TEXT_FIELDS)}
    values["kind"] = data.get("kind") or Complaint.Kind.COMPLAINT
    values["concerns"] = data.get("concerns") or Complaint.Concerns.SERVICE
    values["anonymous"] = bool(data.get("anonymous"))
    values["occurred_at"] = data.get("occurred_at")
    errors: dict[str, list[str]] = {}
    required = _("This field is required.")
    if values["kind"] not in Complaint.Kind.values:
        errors["kind"] = [_("Choose complaint, suggestion or feedback.")]
    if values["concerns"] not in Complaint.Concerns.values:
        errors["concerns"] = [_("Choose who or what the complaint is about.")]
    for name in ("matter", *(COMPLAINT_REQUIRED if strict and values["kind"] == Complaint.Kind.COMPLAINT else ())):
        if not values.get(name):
            errors[name] = [required]
    if strict and not values["anonymous"]:
        for name in ("complainant_name", "complainant_contact"):
            if not values[name]:
                errors[name] = [required]
    for name, limit in SHORT_FIELDS.items():
        if len(values[name]) > limit:
            errors[name] = [_("At most %(n)d characters.") % {"n": limit}]
    for name in TEXT_FIELDS:
        if len(values[name]) > MAX_TEXT:
            errors[name] = [_("At most %(n)d characters.") % {"n": MAX_TEXT}]
    for name, value in values.items():
        if isinstance(value, str) and "\x00" in value:
            errors[name] = [_("NUL characters are not allowed.")]
    occurred = values["occurred_at"]
    if occurred is not None and not isinstance(occurred, datetime):
        errors["occurred_at"] = [_("Enter a valid date and time.")]
    elif occurred is not None and occurred > timezone.now() + timedelta(days=1):
        errors["occurred_at"] = [_("This date is in the future.")]
    if values["anonymous"]:
        values["complainant_name"] = values["complainant_contact"] = ""
    if errors:
        raise ValidationError(errors)
    return values


def _evidence_safe(function):
    """Evidence written during ``function`` is deleted again if it raises, its transaction rolled back
    (``evidence.evidence_kept_on_success``; applied outside ``transaction.atomic``)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with evidence_kept_on_success():
            return function(*args, **kwargs)

    return wrapper


@_evidence_safe
@transaction.atomic
def complaint_receive(
    *,
    office: Office,
    channel: str,
    data: dict,
    files: list[CheckedFile] | None = None,
    strict: bool = True,
    recorded_by=None,
    actor_label: str = "public",
    about_user=None,
    inquiry: Inquiry | None = None,
    language: str = "id",
) -> Complaint:
    """Record a complaint, give it its register number, route it, start its due date and tell compliance."""
    values = _clean(data, strict=strict)
    if channel not in Complaint.Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    if not office.is_active:
        raise ValidationError({"office": _("This office does not take complaints here.")})
    handling = handling_office_for(office=office, concerns=values["concerns"], about_user=about_user)
    now = timezone.now()
    year = timezone.localtime(now, ZoneInfo(office.timezone)).year
    complaint = Complaint.objects.create(
        office=office,
        handling_office=handling,
        channel=channel,
        register_number=register_number_next(office=office, year=year),
        language=language if language in ("id", "en") else "id",
        about_user=about_user,
        inquiry=inquiry,
        ticket=getattr(inquiry, "ticket", None) if inquiry is not None else None,
        recorded_by=recorded_by,
        **values,
    )
    complaint.handling_office = handling
    complaint.due_at, complaint.remind_at = moments_for(complaint, status=Complaint.Status.RECEIVED, at=now)
    Complaint.objects.filter(pk=complaint.pk).update(due_at=complaint.due_at, remind_at=complaint.remind_at)
    if files:
        evidence_store(complaint=complaint, files=files, by=recorded_by)
    ComplaintEvent.objects.create(complaint=complaint, kind=ComplaintEvent.Kind.RECEIVED, author=recorded_by)
    audit_record(
        actor=recorded_by,
        actor_label=actor_label,
        action="complaint.receive",
        obj=complaint,
        office_code=handling.code,
        changes={
            "kind": complaint.kind,
            "channel": channel,
            "office": office.code,
            "handling_office": handling.code,
            "evidence_files": len(files or []),
            "inquiry": inquiry.pk if inquiry is not None else None,
        },
    )
    notices.notify_complaint(complaint=complaint, kind=notices.NEW)
    return complaint


@_evidence_safe
def complaint_submit(
    *, office: Office, data: dict, files=None, language: str = "id", channel: str = Complaint.Channel.WEB_FORM
) -> Complaint:
    """The public page's and the public API's path: no login, everything the complaint needs checked."""
    checked = evidence_check(files)
    return complaint_receive(office=office, channel=channel, data=data, files=checked, language=language)


@_evidence_safe
def complaint_record(*, actor, office: Office, channel: str, data: dict, files=None, about_user=None) -> Complaint:
    """Compliance staff enter what arrived by e-mail, phone, fax, letter, in person, SIPUMA or the help desk."""
    if not is_compliance(actor):
        raise PermissionDenied(_("Only internal compliance staff record complaints here."))
    if channel not in MANUAL_CHANNELS:
        raise ValidationError({"channel": _("Choose the channel it came by.")})
    checked = evidence_check(files)
    return complaint_receive(
        office=office,
        channel=channel,
        data=data,
        files=checked,
        strict=False,
        recorded_by=actor,
        about_user=about_user,
    )


def _inquiry_channel(inquiry: Inquiry) -> str:
    return Complaint.Channel.WEBCHAT if inquiry.account.kind == "webchat" else Complaint.Channel.SOCIAL


def _concerns_of(user) -> str:
    """What a complaint naming ``user`` is about: their role at the office when it goes up a level."""
    role = getattr(getattr(user, "staff", None), "role", None)
    return role if role in ESCALATED_ROLES else Complaint.Concerns.OFFICER


@_evidence_safe
@transaction.atomic
def complaint_from_inquiry(*, inquiry: Inquiry, actor, data: dict, about_user=None) -> tuple[Complaint, str]:
    """An officer turns an inquiry into a complaint; the requester is told on their channel, with the number.

    ``about_user``: the colleague it is about, one of the office's staff (``selectors.office_colleagues``); the
    complaint is then about them (or, for the head of office or compliance staff, goes to the regional office:
    ``routing.handling_office_for``), and they never see it (``routing``).

    Returns the complaint and, when the message could not go out (the platform's reply window has closed, the
    inquiry is closed), why: the complaint is kept either way, and the officer sees the number to pass on.
    """
    if not can_work_inquiry(actor, inquiry):
        raise PermissionDenied(_("You cannot work inquiries of another office."))
    inquiry = Inquiry.objects.select_related("office", "account", "requester").get(pk=inquiry.pk)
    if about_user is not None:
        about_user = office_colleagues(office=inquiry.office, actor=actor).filter(pk=about_user.pk).first()
        if about_user is None:
            raise ValidationError({"about_user": _("Choose a colleague of this office.")})
        data = {**data, "concerns": _concerns_of(about_user)}
    requester = inquiry.requester
    contact = requester.contact_email or requester.contact_phone or f"{inquiry.account.kind}: {requester.external_id}"
    data = {
        **data,
        "complainant_name": requester.display_name or str(requester),
        "complainant_contact": contact,
        "anonymous": False,
    }
    complaint = complaint_receive(
        office=inquiry.office,
        channel=_inquiry_channel(inquiry),
        data=data,
        strict=False,
        recorded_by=actor,
        actor_label="",
        about_user=about_user,
        inquiry=inquiry,
        language=requester.language,
    )
    with translation.override(requester.language if requester.language in ("id", "en") else "id"):
        text = _(
            "Your complaint has been forwarded to the internal compliance unit under register number %(number)s. "
            "Please quote this number if you contact us about it."
        ) % {"number": complaint.register_number}
    not_sent = ""
    try:
        # The colleague it is about never sees the notice in the thread, the API or a search.
        replies.reply_send(inquiry=inquiry, author=actor, text=text, kind="message", withheld_from=about_user)
    except ValidationError as exc:
        not_sent = " ".join(exc.messages)
    ComplaintEvent.objects.create(
        complaint=complaint,
        kind=ComplaintEvent.Kind.NOTE,
        author=actor,
        text=_("Requester told on their channel.")
        if not not_sent
        else _("Requester not told: %(why)s") % {"why": not_sent},
    )
    audit_record(
        actor=actor,
        action="inquiry.complaint",
        obj=inquiry,
        office_code=inquiry.office.code,
        changes={"complaint": complaint.register_number, "told": not not_sent},
    )
    return complaint, not_sent


# --- Reading ---------------------------------------------------------------------------------------------------
def complaint_get(*, user, register_number: str) -> Complaint:
    """The complaint, if ``user`` may read it (else DoesNotExist: to the others it does not exist)."""
    queryset = Complaint.objects.select_related(
        "office", "handling_office", "about_user", "handled_by", "recorded_by", "inquiry", "ticket"
    )
    return visible_complaints(user, queryset).get(register_number=register_number)


def complaint_read(*, complaint: Complaint, user, via: str = "page") -> None:
    """Log one opening of a complaint (compliance sees who read what: ``selectors.readers``)."""
    audit_record(
        actor=user,
        action="complaint.read",
        obj=complaint,
        office_code=complaint.handling_office.code,
        changes={"via": via},
    )


def evidence_download(*, evidence: ComplaintEvidence, user) -> ComplaintEvidence:
    """Log one download of an evidence file; only a reader of its complaint gets here."""
    complaint = evidence.complaint
    if not visible_complaints(user, Complaint.objects.filter(pk=complaint.pk)).exists():
        raise PermissionDenied
    audit_record(
        actor=user,
        action="complaint.evidence.download",
        obj=complaint,
        office_code=complaint.handling_office.code,
        changes={"evidence": evidence.pk, "file": evidence.original_name, "sha256": evidence.sha256},
    )
    return evidence


# --- The workflow ----------------------------------------------------------------------------------------------
def _check(user, complaint: Complaint) -> None:
    if not visible_complaints(user, Complaint.objects.filter(pk=complaint.pk)).exists():
        raise PermissionDenied(_("This complaint is not handled by your compliance unit."))


def _text(value: str, field: str = "text", *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > MAX_TEXT:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": MAX_TEXT}})
    if "\x00" in value:
        raise ValidationError({field: _("NUL characters are not allowed.")})
    return value


@transaction.atomic
def _transition(
    *,
    complaint: Complaint,
    actor,
    sources: tuple,
    target: str,
    event: str,
    text: str = "",
    changes: dict | None = None,
    **fields,
) -> Complaint:
    _check(actor, complaint)
    now = timezone.now()
    complaint = Complaint.objects.select_related("office", "handling_office").get(pk=complaint.pk)
    due, remind = (
        (complaint.due_at, complaint.remind_at)
        if target == complaint.status
        else moments_for(complaint, status=target, at=now)
    )
    values = {"status": target, "due_at": due, "remind_at": remind, **fields}
    if (due, remind) != (complaint.due_at, complaint.remind_at):
        values.update(reminded_at=None, breach_noticed_at=None)
    if complaint.handled_by_id is None:
        values["handled_by"] = actor
    updated = Complaint.objects.filter(pk=complaint.pk, status__in=sources).update(**values)
    if not updated:
        raise ValidationError(
            _("This complaint is not at a step where this can be done (it is %(status)s).")
            % {"status": complaint.get_status_display()}
        )
    ComplaintEvent.objects.create(complaint=complaint, kind=event, author=actor, text=text)
    audit_record(
        actor=actor,
        action=f"complaint.{event}",
        obj=complaint,
        office_code=complaint.handling_office.code,
        changes={"from": complaint.status, "to": target, "due": due.isoformat() if due else None, **(changes or {})},
    )
    complaint.refresh_from_db()
    return complaint


def complaint_review_start(*, complaint: Complaint, actor) -> Complaint:
    return _transition(
        complaint=complaint,
        actor=actor,
        sources=(Complaint.Status.RECEIVED,),
        target=Complaint.Status.IN_REVIEW,
        event=ComplaintEvent.Kind.REVIEW,
    )


FOLLOW_UPS = {"clarification": ComplaintEvent.Kind.CLARIFICATION, "explanation": ComplaintEvent.Kind.EXPLANATION}


def complaint_follow_up(*, complaint: Complaint, actor, kind: str, text: str) -> Complaint:
    """Ask the complainant for a clarification, or the unit concerned for its explanation."""
    if kind not in FOLLOW_UPS:
        raise ValidationError({"kind": _("Choose a clarification or an explanation.")})
    return _transition(
        complaint=complaint,
        actor=actor,
        sources=(Complaint.Status.IN_REVIEW, Complaint.Status.FOLLOW_UP),
        target=Complaint.Status.FOLLOW_UP,
        event=FOLLOW_UPS[kind],
        text=_text(text),
        changes={"follow_up": kind},
    )


def complaint_follow_up_answered(*, complaint: Complaint, actor, text: str) -> Complaint:
    """The clarification or explanation came: record it and go back to the review."""
    return _transition(
        complaint=complaint,
        actor=actor,
        sources=(Complaint.Status.FOLLOW_UP,),
        target=Complaint.Status.IN_REVIEW,
        event=ComplaintEvent.Kind.REPLY,
        text=_text(text),
    )


def complaint_conclude(
    *, complaint: Complaint, actor, substantiated: bool | None, conclusion: str, action_taken: str
) -> Complaint:
    conclusion = _text(conclusion, "resolution")
    action_taken = _text(action_taken, "action_taken", required=False)
    if complaint.kind == Complaint.Kind.COMPLAINT and substantiated is None:
        raise ValidationError({"substantiated": _("Say whether the complaint is substantiated.")})
    return _transition(
        complaint=complaint,
        actor=actor,
        sources=(Complaint.Status.IN_REVIEW, Complaint.Status.FOLLOW_UP),
        target=Complaint.Status.CONCLUDED,
        event=ComplaintEvent.Kind.CONCLUDED,
        text=conclusion,
        changes={"substantiated": substantiated},
        substantiated=substantiated,
        resolution=conclusion,
        action_taken=action_taken,
        concluded_at=timezone.now(),
    )


@transaction.atomic
def complaint_inform(*, complaint: Complaint, actor, note: str, send_on_channel: bool = False) -> Complaint:
    """The complainant was told the outcome on the channel they used (``note``: how, when, by whom).

    With ``send_on_channel`` a complaint that came from an inquiry sends the conclusion back on that inquiry's
    channel (the reply path); when the platform refuses (window closed, inquiry closed) nothing changes and the
    reason is the error, so compliance informs another way and records it.
    """
    note = _text(note, "note", required=not send_on_channel)
    _check(actor, complaint)
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)  # the stored conclusion, not a copy
    sent = False
    if send_on_channel:
        if complaint.inquiry_id is None:
            raise ValidationError({"note": _("This complaint did not come from a conversation.")})
        inquiry = Inquiry.objects.get(pk=complaint.inquiry_id)
        with translation.override(complaint.language):
            text = _("About your complaint %(number)s: %(conclusion)s") % {
                "number": complaint.register_number,
                "conclusion": complaint.resolution,
            }
        try:
            replies.reply_send(inquiry=inquiry, author=actor, text=text, kind="message", check_office=False)
        except ValidationError as exc:
            raise ValidationError({"note": exc.messages}) from exc
        sent = True
        note = note or _("Conclusion sent on the original channel.")
    return _transition(
        complaint=complaint,
        actor=actor,
        sources=(Complaint.Status.CONCLUDED,),
        target=Complaint.Status.INFORMED,
        event=ComplaintEvent.Kind.INFORMED,
        text=note,
        changes={"sent_on_channel": sent},
        informed_note=note,
        closed_at=timezone.now(),
    )


@transaction.atomic
def complaint_note_add(*, complaint: Complaint, actor, text: str) -> ComplaintEvent:
    _check(actor, complaint)
    event = ComplaintEvent.objects.create(
        complaint=complaint, kind=ComplaintEvent.Kind.NOTE, author=actor, text=_text(text)
    )
    audit_record(actor=actor, action="complaint.note", obj=complaint, office_code=complaint.handling_office.code)
    return event


@_evidence_safe
@transaction.atomic
def complaint_evidence_add(*, complaint: Complaint, actor, files) -> list[ComplaintEvidence]:
    """Compliance adds evidence that came later (a letter's enclosure, a photo sent by e-mail)."""
    _check(actor, complaint)
    checked = evidence_check(files)
    if not checked:
        raise ValidationError({"evidence": _("Choose a file.")})
    stored = evidence_store(complaint=complaint, files=checked, by=actor)
    audit_record(
        actor=actor,
        action="complaint.evidence.add",
        obj=complaint,
        office_code=complaint.handling_office.code,
        changes={"files": [item.original_name for item in stored]},
    )
    return stored


# --- Due dates: reminders and breach notices (beat) ------------------------------------------------------------
SWEEP_CHUNK = 500


def _claim(field: str, moment_field: str, now: datetime) -> list[Complaint]:
    """Complaints whose reminder (or due time) has come and whose notice has not gone, marked as sent, once."""
    ids = list(
        Complaint.objects.select_for_update(skip_locked=True)
        .filter(status__in=OPEN_STATUSES, **{f"{moment_field}__lte": now, f"{field}__isnull": True})
        .values_list("pk", flat=True)[:SWEEP_CHUNK]
    )
    if not ids:
        return []
    Complaint.objects.filter(pk__in=ids, **{f"{field}__isnull": True}).update(**{field: now})
    return list(Complaint.objects.filter(pk__in=ids).select_related("office", "handling_office"))


@transaction.atomic
def complaint_due_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Send each stage's reminder and breach notice once, to the handling office's compliance staff."""
    now = now or timezone.now()
    counts = {}
    for name, field, moment_field, kind in (
        ("reminders", "reminded_at", "remind_at", notices.REMINDER),
        ("breaches", "breach_noticed_at", "due_at", notices.BREACHED),
    ):
        claimed = _claim(field, moment_field, now)
        staff = notices.compliance_staff(c.handling_office_id for c in claimed)
        for complaint in claimed:
            notices.notify_complaint(complaint=complaint, kind=kind, staff=staff)
            audit_record(
                actor_label="complaints",
                action=f"complaint.{'reminder' if name == 'reminders' else 'breach'}",
                obj=complaint,
                office_code=complaint.handling_office.code,
                changes={"due": complaint.due_at.isoformat() if complaint.due_at else None, "status": complaint.status},
            )
        counts[name] = len(claimed)
    return counts


# --- The due-date policy (the admin's writes) ------------------------------------------------------------------
POLICY_NUMBERS = ("review_working_days", "conclude_working_days", "inform_working_days", "reminder_working_days")


@transaction.atomic
def complaint_policy_save(*, policy: ComplaintPolicy | None, office: Office | None, actor=None, **numbers):
    """Create or replace the global due-date policy (``office`` None) or an office's own; audited. New due dates
    follow from the next step of each complaint (running ones keep the due date they were given)."""
    row = ComplaintPolicy() if policy is None else ComplaintPolicy.objects.select_for_update().get(pk=policy.pk)
    before = {name: getattr(row, name) for name in POLICY_NUMBERS} if policy is not None else {}
    row.office = office
    for name in POLICY_NUMBERS:
        if name in numbers:
            setattr(row, name, numbers[name])
    row.full_clean()
    row.save()
    audit_record(
        actor=actor,
        action="complaint_policy.save",
        obj=row,
        office_code=office.code if office is not None else "",
        changes={"before": before, "after": {name: getattr(row, name) for name in POLICY_NUMBERS}},
    )
    return row


@transaction.atomic
def complaint_policy_delete(*, policy: ComplaintPolicy, actor=None) -> None:
    row = ComplaintPolicy.objects.select_for_update(of=("self",)).select_related("office").get(pk=policy.pk)
    audit_record(
        actor=actor,
        action="complaint_policy.delete",
        obj=row,
        office_code=row.office.code if row.office_id else "",
        changes={"before": {name: getattr(row, name) for name in POLICY_NUMBERS}},
    )
    row.delete()
