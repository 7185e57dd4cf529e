"""The SLA state of inquiries: clocks, pause and resume, targets met, recomputation and the sweep.

The arithmetic lives in the pure `sla.calendar` and `sla.policy`; this module stores its results on the
inquiry (UTC, indexed) and writes the audit log. Rules: `SLA_RULES.md` (and the project's docs/sla.md).
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from audit.models import AuditEvent
from audit.services import audit_record
from offices.models import Office, Role, StaffProfile
from offices.selectors import office_calendar, office_calendars
from tickets.models import Inquiry, TargetStatus

from .calendar import WorkingCalendar
from .models import Notification, SlaNotice, SlaPolicySetting
from .policy import SlaPolicy, abandon_at, at_risk_at, compute_deadlines, head_escalation_at, shift_due

logger = logging.getLogger(__name__)

POLICY_FIELDS = (
    "response_minutes",
    "late_window_minutes",
    "resolution_working_days",
    "at_risk_ratio",
    "abandon_after_working_days",
    "head_escalation_minutes",
)
TARGETS = ("response", "resolution")


# --- Policy ------------------------------------------------------------------------------------------------
def _policy_from_row(row: SlaPolicySetting | None) -> SlaPolicy:
    if row is None:
        return SlaPolicy()
    return SlaPolicy(**{name: getattr(row, name) for name in POLICY_FIELDS})


def policy_for_office(office: Office) -> SlaPolicy:
    """The office's own policy if it has one, else the global one, else the defaults of SLA_RULES.md."""
    return policies_for_offices([office.pk])[office.pk]


def policies_for_offices(office_ids: Iterable[int]) -> dict[int, SlaPolicy]:
    """Policies of several offices in one query."""
    office_ids = list(office_ids)
    rows = list(SlaPolicySetting.objects.filter(office_id__in=office_ids)) + list(
        SlaPolicySetting.objects.filter(office__isnull=True)[:1]
    )
    own = {row.office_id: row for row in rows if row.office_id is not None}
    global_row = next((row for row in rows if row.office_id is None), None)
    return {office_id: _policy_from_row(own.get(office_id, global_row)) for office_id in office_ids}


# --- Moments -----------------------------------------------------------------------------------------------
def _set_target_moments(
    inquiry: Inquiry, target: str, calendar: WorkingCalendar, policy: SlaPolicy, due: datetime
) -> None:
    setattr(inquiry, f"{target}_due", due)
    setattr(inquiry, f"{target}_at_risk_at", at_risk_at(calendar, inquiry.effective_start, due, policy.at_risk_ratio))
    setattr(inquiry, f"{target}_head_at", head_escalation_at(calendar, due, policy))


def _shift(calendar: WorkingCalendar, due: datetime, paused_seconds: int) -> datetime:
    return shift_due(calendar, due, timedelta(seconds=paused_seconds)) if paused_seconds else due


def inquiry_clock_start(
    *, inquiry: Inquiry, calendar: WorkingCalendar | None = None, policy: SlaPolicy | None = None
) -> None:
    """Compute the response target of a newly received inquiry (SLA_RULES.md, Targets). Caller saves."""
    calendar = calendar or office_calendar(inquiry.office)
    policy = policy or policy_for_office(inquiry.office)
    deadlines = compute_deadlines(calendar, inquiry.received_at, policy)
    inquiry.effective_start = deadlines.effective_start
    inquiry.late_arrival = deadlines.late_arrival
    _set_target_moments(inquiry, "response", calendar, policy, deadlines.response_due)
    inquiry.response_status = TargetStatus.RUNNING


def resolution_clock_start(*, inquiry: Inquiry, calendar: WorkingCalendar | None = None) -> None:
    """Start the resolution target of an escalated inquiry: N working days after the date of `s`."""
    calendar = calendar or office_calendar(inquiry.office)
    policy = policy_for_office(inquiry.office)
    deadlines = compute_deadlines(calendar, inquiry.received_at, policy)
    due = _shift(calendar, deadlines.resolution_due, inquiry.paused_working_seconds)
    _set_target_moments(inquiry, "resolution", calendar, policy, due)
    inquiry.resolution_status = TargetStatus.RUNNING


def countdown(calendar: WorkingCalendar, due: datetime, now: datetime) -> timedelta:
    """Working time left until `due` (negative once past: working time since it)."""
    if now <= due:
        return calendar.working_time_between(now, due)
    return -calendar.working_time_between(due, now)


# --- Targets met -------------------------------------------------------------------------------------------
def target_met(*, inquiry: Inquiry, target: str, at: datetime, by=None) -> bool:
    """Record that the message meeting `target` ("response" or "resolution") was delivered at `at`.

    A running target becomes met (or breached when `at` is after its due time); a target the sweep already
    marked breached keeps that outcome and records when the message finally went. A recorded delivery never
    changes again. Returns True when this call met the target in time.
    """
    status_field = f"{target}_status"
    current = getattr(inquiry, status_field)
    if current not in (TargetStatus.RUNNING, TargetStatus.BREACHED) or getattr(inquiry, f"{target}_met_at"):
        return False
    calendar = office_calendar(inquiry.office)
    due = getattr(inquiry, f"{target}_due")
    outcome = (
        TargetStatus.MET if current == TargetStatus.RUNNING and (due is None or at <= due) else (TargetStatus.BREACHED)
    )
    worked = calendar.working_time_between(inquiry.effective_start or inquiry.received_at, at)
    worked_seconds = max(0, int(worked.total_seconds()) - inquiry.paused_working_seconds)
    updated = Inquiry.objects.filter(pk=inquiry.pk, **{status_field: current, f"{target}_met_at": None}).update(
        **{
            status_field: outcome,
            f"{target}_met_at": at,
            f"{target}_met_by": by,
            f"{target}_working_seconds": worked_seconds,
        }
    )
    if not updated:
        return False
    setattr(inquiry, status_field, outcome)
    setattr(inquiry, f"{target}_met_at", at)
    setattr(inquiry, f"{target}_met_by", by)
    setattr(inquiry, f"{target}_working_seconds", worked_seconds)
    audit_record(
        actor=by,
        action=f"sla.{target}.{'met' if outcome == TargetStatus.MET else 'late'}",
        obj=inquiry,
        office_code=inquiry.office.code,
        changes={"at": at.isoformat(), "due": due.isoformat() if due else None, "working_seconds": worked_seconds},
    )
    return outcome == TargetStatus.MET


# --- Pause and resume --------------------------------------------------------------------------------------
def inquiry_pause(*, inquiry: Inquiry, at: datetime, by=None) -> None:
    """Waiting for the requester's data: both clocks stop; the inquiry closes unanswered after N working days.

    Caller holds the row lock and saves.
    """
    if inquiry.paused_at is not None:
        return
    calendar = office_calendar(inquiry.office)
    policy = policy_for_office(inquiry.office)
    inquiry.paused_at = at
    inquiry.waiting_until = abandon_at(calendar, at, policy)
    inquiry.status = Inquiry.Status.WAITING
    audit_record(
        actor=by,
        action="sla.pause",
        obj=inquiry,
        office_code=inquiry.office.code,
        changes={"at": at.isoformat(), "closes_unanswered_at": inquiry.waiting_until.isoformat()},
    )


def inquiry_resume(*, inquiry: Inquiry, at: datetime) -> None:
    """The requester wrote again: running due times move later by the working time that passed while paused.

    Caller holds the row lock and saves.
    """
    if inquiry.paused_at is None:
        return
    calendar = office_calendar(inquiry.office)
    policy = policy_for_office(inquiry.office)
    paused = int(calendar.working_time_between(inquiry.paused_at, at).total_seconds())
    moved = {}
    for target in TARGETS:
        if getattr(inquiry, f"{target}_status") == TargetStatus.RUNNING:
            due = _shift(calendar, getattr(inquiry, f"{target}_due"), paused)
            _set_target_moments(inquiry, target, calendar, policy, due)
            moved[target] = due.isoformat()
    inquiry.paused_working_seconds += paused
    inquiry.paused_at = None
    inquiry.waiting_until = None
    inquiry.status = Inquiry.Status.ESCALATED if inquiry.resolution_status else Inquiry.Status.OPEN
    audit_record(
        actor_label="requester",
        action="sla.resume",
        obj=inquiry,
        office_code=inquiry.office.code,
        changes={"paused_working_seconds": paused, "due": moved},
    )


# --- Recompute when a calendar or policy changes -----------------------------------------------------------
def recompute_running_targets(*, office_ids: Iterable[int] | None = None, chunk: int = 1000) -> int:
    """Recompute the due times of running targets (met and breached outcomes never change).

    Pass `office_ids` (None = every office). Returns the number of inquiries updated.
    """
    offices = Office.objects.all() if office_ids is None else Office.objects.filter(pk__in=list(office_ids))
    updated = 0
    for office in offices:
        calendar = office_calendar(office)
        policy = policy_for_office(office)
        running = (
            Inquiry.objects.filter(office=office)
            .exclude(status=Inquiry.Status.CLOSED)
            .filter(Q(response_status=TargetStatus.RUNNING) | Q(resolution_status=TargetStatus.RUNNING))
        )
        batch = []
        for inquiry in running.select_related("office").iterator(chunk_size=chunk):
            deadlines = compute_deadlines(calendar, inquiry.received_at, policy)
            inquiry.effective_start = deadlines.effective_start
            inquiry.late_arrival = deadlines.late_arrival
            if inquiry.response_status == TargetStatus.RUNNING:
                due = _shift(calendar, deadlines.response_due, inquiry.paused_working_seconds)
                _set_target_moments(inquiry, "response", calendar, policy, due)
            if inquiry.resolution_status == TargetStatus.RUNNING:
                due = _shift(calendar, deadlines.resolution_due, inquiry.paused_working_seconds)
                _set_target_moments(inquiry, "resolution", calendar, policy, due)
            batch.append(inquiry)
        fields = [
            "effective_start",
            "late_arrival",
            "response_due",
            "response_at_risk_at",
            "response_head_at",
            "resolution_due",
            "resolution_at_risk_at",
            "resolution_head_at",
        ]
        with transaction.atomic():
            Inquiry.objects.bulk_update(batch, fields, batch_size=chunk)
            if batch:
                audit_record(
                    action="sla.recompute",
                    obj=office,
                    office_code=office.code,
                    changes={"inquiries": len(batch)},
                )
        updated += len(batch)
    return updated


def recompute_after_commit(office_ids: Iterable[int] | None = None) -> None:
    """Queue the recomputation once the admin's change is committed."""
    from .tasks import recompute

    ids = None if office_ids is None else sorted(set(office_ids))
    transaction.on_commit(lambda: recompute.delay(ids))


# --- The sweep ---------------------------------------------------------------------------------------------
LEVEL_RECIPIENTS = {
    SlaNotice.Level.AT_RISK: None,  # the assignee, else every on-duty officer
    SlaNotice.Level.BREACHED: (Role.COORDINATOR, Role.SUPERVISOR),
    SlaNotice.Level.HEAD: (Role.HEAD,),
}


def _claim_notices(target: str, level: str, moment_field: str, status: str, now: datetime) -> list[int]:
    """Insert the notices due now, once: ON CONFLICT DO NOTHING RETURNING gives each notice to one sweeper.

    One statement whatever the number of inquiries (an indexed range on the stored moment).
    """
    table = Inquiry._meta.db_table
    notices = SlaNotice._meta.db_table
    closed = Inquiry.Status.CLOSED
    extra = " AND i.paused_at IS NULL" if level != SlaNotice.Level.HEAD else ""
    met = f" AND i.{target}_met_at IS NULL"
    sql = (
        f"INSERT INTO {notices} (inquiry_id, target, level, created_at) "  # noqa: S608 - identifiers only
        f"SELECT i.id, %s, %s, %s FROM {table} i "
        f"WHERE i.{target}_status = %s AND i.{moment_field} <= %s AND i.status <> %s{extra}{met} "
        f"ON CONFLICT (inquiry_id, target, level) DO NOTHING RETURNING inquiry_id"
    )
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, [target, level, at, status, at, closed])
        return [row[0] for row in cursor.fetchall()]


def _notice_text(inquiry: Inquiry, target: str, level: str) -> str:
    names = {"response": _("response"), "resolution": _("resolution")}
    if level == SlaNotice.Level.AT_RISK:
        return _("Inquiry #%(id)s: the %(target)s target is at risk (due %(due)s).") % {
            "id": inquiry.pk,
            "target": names[target],
            "due": _local(inquiry, getattr(inquiry, f"{target}_due")),
        }
    if level == SlaNotice.Level.BREACHED:
        return _("Inquiry #%(id)s: the %(target)s target was breached at %(due)s.") % {
            "id": inquiry.pk,
            "target": names[target],
            "due": _local(inquiry, getattr(inquiry, f"{target}_due")),
        }
    return _("Inquiry #%(id)s: the %(target)s target is still unmet an hour after its breach.") % {
        "id": inquiry.pk,
        "target": names[target],
    }


def _local(inquiry: Inquiry, moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return timezone.localtime(moment, timezone=ZoneInfo(inquiry.office.timezone)).strftime("%d-%m-%Y %H:%M")


def _deliver_notices(ids: list[int], target: str, level: str) -> int:
    """Notify, audit and e-mail for freshly claimed notices, in a fixed number of queries."""
    if not ids:
        return 0
    inquiries = list(Inquiry.objects.filter(pk__in=ids).select_related("office", "assigned_to"))
    office_ids = {inquiry.office_id for inquiry in inquiries}
    staff = list(StaffProfile.objects.filter(office_id__in=office_ids, user__is_active=True).select_related("user"))
    by_office_role = defaultdict(list)
    for profile in staff:
        by_office_role[(profile.office_id, profile.role)].append(profile)

    notifications, audits, mails = [], [], []
    languages = {p.user_id: p.language for p in staff}
    for inquiry in inquiries:
        roles = LEVEL_RECIPIENTS[level]
        if roles is None:
            if inquiry.assigned_to_id and inquiry.assigned_to.is_active:
                users = [inquiry.assigned_to]
            else:
                users = [p.user for p in by_office_role[(inquiry.office_id, Role.OFFICER)] if p.on_duty]
        else:
            users = [p.user for role in roles for p in by_office_role[(inquiry.office_id, role)]]
        for user in users:
            with override(languages.get(user.pk, "id")):
                text = _notice_text(inquiry, target, level)
            notifications.append(Notification(user=user, inquiry=inquiry, kind=f"sla.{target}.{level}", text=text))
            if user.email:
                mails.append([text, f"{text}\n\n{settings.SITE_URL}/inbox/{inquiry.pk}/", user.email])
        audits.append(
            AuditEvent(
                actor_label="sla",
                action=f"sla.notice.{target}.{level}",
                object_type="tickets.inquiry",
                object_id=str(inquiry.pk),
                object_repr=str(inquiry),
                office_code=inquiry.office.code,
                changes={"recipients": sorted(u.get_username() for u in users)},
            )
        )
    Notification.objects.bulk_create(notifications)
    AuditEvent.objects.bulk_create(audits)
    if mails:
        transaction.on_commit(lambda: _queue_mails(mails))
    return len(inquiries)


MAIL_CHUNK = 100


def _queue_mails(mails: list[list[str]]) -> None:
    """E-mail goes out in its own tasks (chunked, retried): a slow SMTP server never holds up the sweep."""
    from .tasks import send_notice_mails

    for start in range(0, len(mails), MAIL_CHUNK):
        try:
            send_notice_mails.delay(mails[start : start + MAIL_CHUNK])
        except Exception:  # broker down: the in-app notification and the audit log already hold the notice
            logger.exception("could not queue %d SLA notice e-mail(s)", len(mails[start : start + MAIL_CHUNK]))


def notice_mails_send(mails: list[list[str]]) -> int:
    return send_mass_mail([(subject, body, None, [to]) for subject, body, to in mails], fail_silently=False)


def sla_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Move targets to at risk and breached, send the chain's notices (each once), close abandoned waits.

    A fixed number of statements whatever the number of open inquiries.
    """
    now = now or timezone.now()
    counts: dict[str, int] = {}
    with transaction.atomic():
        for target in TARGETS:
            running, breached = TargetStatus.RUNNING, TargetStatus.BREACHED
            ids = _claim_notices(target, SlaNotice.Level.AT_RISK, f"{target}_at_risk_at", running, now)
            counts[f"{target}.at_risk"] = _deliver_notices(ids, target, SlaNotice.Level.AT_RISK)

            ids = _claim_notices(target, SlaNotice.Level.BREACHED, f"{target}_due", running, now)
            if ids:
                Inquiry.objects.filter(pk__in=ids, **{f"{target}_status": running}).update(
                    **{f"{target}_status": breached}
                )
            counts[f"{target}.breached"] = _deliver_notices(ids, target, SlaNotice.Level.BREACHED)

            ids = _claim_notices(target, SlaNotice.Level.HEAD, f"{target}_head_at", breached, now)
            counts[f"{target}.head"] = _deliver_notices(ids, target, SlaNotice.Level.HEAD)
        counts["abandoned"] = _close_abandoned(now)
    return counts


def _close_abandoned(now: datetime) -> int:
    """Inquiries waiting for data past their limit close as "no reply"; their targets count as neither."""
    waiting = Inquiry.objects.filter(status=Inquiry.Status.WAITING, waiting_until__lte=now)
    ids = list(waiting.values_list("pk", flat=True)[:1000])
    if not ids:
        return 0
    closed = Inquiry.objects.filter(pk__in=ids, status=Inquiry.Status.WAITING).update(
        status=Inquiry.Status.CLOSED,
        outcome=Inquiry.Outcome.NO_REPLY,
        closed_at=now,
    )
    for target in TARGETS:
        Inquiry.objects.filter(pk__in=ids, **{f"{target}_status": TargetStatus.RUNNING}).update(
            **{f"{target}_status": TargetStatus.CANCELLED}
        )
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor_label="sla",
            action="inquiry.close.no_reply",
            object_type="tickets.inquiry",
            object_id=str(pk),
            office_code=code,
            changes={"at": now.isoformat()},
        )
        for pk, code in Inquiry.objects.filter(pk__in=ids).values_list("pk", "office__code")
    )
    return closed


__all__ = [
    "countdown",
    "inquiry_clock_start",
    "inquiry_pause",
    "inquiry_resume",
    "office_calendars",
    "policies_for_offices",
    "policy_for_office",
    "recompute_running_targets",
    "resolution_clock_start",
    "sla_sweep",
    "target_met",
]
