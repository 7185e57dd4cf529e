"""The SLA state of tracked records (inquiries): clocks, pause and resume, targets met, recomputation, the sweep.

The arithmetic lives in the pure `sla.calendar` and `sla.policy`; this module stamps its results on the record
(the fields of `SlaTracked`: UTC, indexed) and writes the audit log. It never changes a record's status: the
workflow's lifecycle does, and asks this module to stamp the clocks. Rules: `SLA_RULES.md` (and docs/sla.md).
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from audit.models import AuditEvent
from audit.services import audit_record
from common.aftercommit import on_commit
from offices.models import Office, Role, StaffProfile
from offices.selectors import office_calendar, office_calendars

from . import notifications
from .calendar import WorkingCalendar
from .models import (
    POLICY_FIELDS,
    TARGETS,
    Notification,
    SlaNotice,
    SlaPolicySetting,
    SlaTracked,
    TargetColumns,
    TargetStatus,
)
from .notice_mail import send_notice_mails
from .policy import Deadlines, SlaPolicy, abandon_at, at_risk_at, compute_deadlines, head_escalation_at, shift_due
from .subjects import current_subject

logger = logging.getLogger(__name__)


# --- Policy ------------------------------------------------------------------------------------------------
def _policy_from_row(row: SlaPolicySetting | None) -> SlaPolicy:
    if row is None:
        return SlaPolicy()
    return SlaPolicy(**{name: getattr(row, name) for name in POLICY_FIELDS})


def policy_for_office(office: Office) -> SlaPolicy:
    """The office's own policy if it has one, else the global one, else the defaults of SLA_RULES.md."""
    return policies_for_offices([office.pk])[office.pk]


def national_policy() -> SlaPolicy:
    """The global policy (the defaults of SLA_RULES.md when none is saved): what the public is promised."""
    return _policy_from_row(SlaPolicySetting.objects.filter(office__isnull=True).first())


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
def _stamp_moments(
    record: SlaTracked, target: str, calendar: WorkingCalendar, policy: SlaPolicy, due: datetime
) -> None:
    record.stamp(
        target,
        due=due,
        at_risk_at=at_risk_at(calendar, record.effective_start, due, policy.at_risk_ratio),
        head_at=head_escalation_at(calendar, due, policy),
    )


def _shift(calendar: WorkingCalendar, due: datetime, paused_seconds: int) -> datetime:
    return shift_due(calendar, due, timedelta(seconds=paused_seconds)) if paused_seconds else due


def deadlines_or_none(calendar: WorkingCalendar, received_at: datetime, policy: SlaPolicy) -> Deadlines | None:
    """The deadlines of a record received at ``received_at``, or None when the calendar cannot give any.

    A calendar without working time ahead (an office whose hours were never set) makes the pure calendar raise
    ``ValueError``; the record is still kept, with no due time, until its office gets hours (recomputation).
    """
    try:
        return compute_deadlines(calendar, received_at, policy)
    except ValueError:
        logger.warning("office calendar has no working time ahead: no SLA deadline")
        return None


def _stamp_no_deadline(record: SlaTracked, target: str) -> None:
    record.stamp(target, due=None, at_risk_at=None, head_at=None)


def clock_start(
    *, record: SlaTracked, calendar: WorkingCalendar | None = None, policy: SlaPolicy | None = None
) -> None:
    """Compute the response target of a newly received record (SLA_RULES.md, Targets). Caller saves.

    When the office's calendar has no working time ahead, the target runs without a due time (nothing is lost;
    recomputation gives it one once the office has hours).
    """
    calendar = calendar or office_calendar(record.office)
    policy = policy or policy_for_office(record.office)
    deadlines = deadlines_or_none(calendar, record.received_at, policy)
    if deadlines is None:
        record.effective_start = record.received_at
        record.late_arrival = False
        _stamp_no_deadline(record, "response")
    else:
        record.effective_start = deadlines.effective_start
        record.late_arrival = deadlines.late_arrival
        _stamp_moments(record, "response", calendar, policy, deadlines.response_due)
    record.stamp("response", status=TargetStatus.RUNNING)


def resolution_clock_start(*, record: SlaTracked, calendar: WorkingCalendar | None = None) -> None:
    """Start the resolution target of an escalated record: N working days after the date of `s`. Caller saves.

    Without working time ahead in the office's calendar the target runs without a due time (as in clock_start).
    """
    calendar = calendar or office_calendar(record.office)
    policy = policy_for_office(record.office)
    deadlines = deadlines_or_none(calendar, record.received_at, policy)
    if deadlines is None:
        _stamp_no_deadline(record, "resolution")
    else:
        due = _shift(calendar, deadlines.resolution_due, record.paused_working_seconds)
        _stamp_moments(record, "resolution", calendar, policy, due)
    record.stamp("resolution", status=TargetStatus.RUNNING)


def countdown(calendar: WorkingCalendar, due: datetime, now: datetime) -> timedelta:
    """Working time left until `due` (negative once past: working time since it)."""
    if now <= due:
        return calendar.working_time_between(now, due)
    return -calendar.working_time_between(due, now)


# --- Targets met -------------------------------------------------------------------------------------------
def target_met(*, record: SlaTracked, target: str, at: datetime, by=None) -> bool:
    """Record that the message meeting `target` ("response" or "resolution") was delivered at `at`.

    A running target becomes met (or breached when `at` is after its due time); a target the sweep already
    marked breached keeps that outcome and records when the message finally went. A recorded delivery never
    changes again (a conditional update). Returns True when this call met the target in time.
    """
    columns = TARGETS[target]
    state = record.target(target)
    if state.status not in (TargetStatus.RUNNING, TargetStatus.BREACHED) or state.met_at:
        return False
    calendar = office_calendar(record.office)
    on_time = state.status == TargetStatus.RUNNING and (state.due is None or at <= state.due)
    outcome = TargetStatus.MET if on_time else TargetStatus.BREACHED
    worked = calendar.working_time_between(record.effective_start or record.received_at, at)
    worked_seconds = max(0, int(worked.total_seconds()) - record.paused_working_seconds)
    updated = (
        type(record)
        .objects.filter(pk=record.pk, **{columns.status: state.status, columns.met_at: None})
        .update(**record.stamp(target, status=outcome, met_at=at, met_by=by, working_seconds=worked_seconds))
    )
    if not updated:
        return False
    audit_record(
        actor=by,
        action=f"sla.{target}.{'met' if outcome == TargetStatus.MET else 'late'}",
        obj=record,
        office_code=record.office.code,
        changes={
            "at": at.isoformat(),
            "due": state.due.isoformat() if state.due else None,
            "working_seconds": worked_seconds,
        },
    )
    return outcome == TargetStatus.MET


def targets_cancel(*, record: SlaTracked) -> list[str]:
    """Running targets of a record closed without an answer count as neither met nor breached. Caller saves."""
    cancelled = [name for name in TARGETS if record.target(name).is_running]
    for name in cancelled:
        record.stamp(name, status=TargetStatus.CANCELLED)
    return cancelled


def targets_cancel_running(*, ids: list[int]) -> None:
    """The same for many records at once (the sweep's abandoned ones)."""
    model = current_subject().model
    for columns in TARGETS.values():
        model.objects.filter(pk__in=ids, **{columns.status: TargetStatus.RUNNING}).update(
            **{columns.status: TargetStatus.CANCELLED}
        )


# --- Pause and resume --------------------------------------------------------------------------------------
def clock_pause(*, record: SlaTracked, at: datetime, by=None) -> bool:
    """Waiting for the requester's data: both clocks stop; the record closes unanswered after N working days.

    Caller holds the row lock and saves. False when the clocks were already paused.
    """
    if record.paused_at is not None:
        return False
    calendar = office_calendar(record.office)
    policy = policy_for_office(record.office)
    record.paused_at = at
    record.waiting_until = abandon_at(calendar, at, policy)
    audit_record(
        actor=by,
        action="sla.pause",
        obj=record,
        office_code=record.office.code,
        changes={"at": at.isoformat(), "closes_unanswered_at": record.waiting_until.isoformat()},
    )
    return True


def clock_resume(*, record: SlaTracked, at: datetime) -> bool:
    """The requester wrote again: running due times move later by the working time that passed while paused.

    Caller holds the row lock and saves. False when the clocks were not paused.
    """
    if record.paused_at is None:
        return False
    calendar = office_calendar(record.office)
    policy = policy_for_office(record.office)
    paused = int(calendar.working_time_between(record.paused_at, at).total_seconds())
    moved = {}
    for name in TARGETS:
        state = record.target(name)
        if state.is_running:
            due = _shift(calendar, state.due, paused)
            _stamp_moments(record, name, calendar, policy, due)
            moved[name] = due.isoformat()
    record.paused_working_seconds += paused
    record.paused_at = None
    record.waiting_until = None
    audit_record(
        actor_label="requester",
        action="sla.resume",
        obj=record,
        office_code=record.office.code,
        changes={"paused_working_seconds": paused, "due": moved},
    )
    return True


def clock_clear_pause(*, record: SlaTracked) -> None:
    """A record closing while paused keeps no pause. Caller saves."""
    record.paused_at = record.waiting_until = None


# --- Recompute when a calendar or policy changes -----------------------------------------------------------
MOMENT_FIELDS = [
    "effective_start",
    "late_arrival",
    *(column for columns in TARGETS.values() for column in (columns.due, columns.at_risk_at, columns.head_at)),
]


def recompute_running_targets(*, office_ids: Iterable[int] | None = None, chunk: int = 1000) -> int:
    """Recompute the due times of running targets (met and breached outcomes never change).

    Pass `office_ids` (None = every office). Returns the number of records updated.
    """
    subject = current_subject()
    offices = Office.objects.all() if office_ids is None else Office.objects.filter(pk__in=list(office_ids))
    running_q = Q()
    for columns in TARGETS.values():
        running_q |= Q(**{columns.status: TargetStatus.RUNNING})
    updated = 0
    for office in offices:
        calendar = office_calendar(office)
        policy = policy_for_office(office)
        running = subject.model.objects.filter(office=office, status__in=subject.open_statuses).filter(running_q)
        batch = []
        for record in running.select_related("office").iterator(chunk_size=chunk):
            deadlines = deadlines_or_none(calendar, record.received_at, policy)
            if deadlines is None:  # no working time ahead: running targets wait without a due time
                for name in TARGETS:
                    if record.target(name).is_running:
                        _stamp_no_deadline(record, name)
                batch.append(record)
                continue
            record.effective_start = deadlines.effective_start
            record.late_arrival = deadlines.late_arrival
            for name, base_due in (("response", deadlines.response_due), ("resolution", deadlines.resolution_due)):
                if record.target(name).is_running:
                    due = _shift(calendar, base_due, record.paused_working_seconds)
                    _stamp_moments(record, name, calendar, policy, due)
            batch.append(record)
        with transaction.atomic():
            subject.model.objects.bulk_update(batch, MOMENT_FIELDS, batch_size=chunk)
            if batch:
                audit_record(
                    action="sla.recompute",
                    obj=office,
                    office_code=office.code,
                    changes={"inquiries": len(batch)},
                )
        updated += len(batch)
    return updated


# --- The sweep ---------------------------------------------------------------------------------------------
LEVEL_RECIPIENTS = {
    SlaNotice.Level.AT_RISK: None,  # the assignee, else every on-duty officer
    SlaNotice.Level.BREACHED: (Role.COORDINATOR, Role.SUPERVISOR),
    SlaNotice.Level.HEAD: (Role.HEAD,),
}


def _claim_notices(columns: TargetColumns, level: str, moment_column: str, status: str, now: datetime) -> list[int]:
    """Insert the notices due now, once: ON CONFLICT DO NOTHING RETURNING gives each notice to one sweeper.

    One statement whatever the number of records (an indexed range on the stored moment).
    """
    subject = current_subject()
    table = subject.model._meta.db_table
    notices = SlaNotice._meta.db_table
    open_marks = ", ".join(["%s"] * len(subject.open_statuses))
    extra = " AND i.paused_at IS NULL" if level != SlaNotice.Level.HEAD else ""
    sql = (
        f"INSERT INTO {notices} (inquiry_id, target, level, created_at) "  # noqa: S608 - identifiers only
        f"SELECT i.id, %s, %s, %s FROM {table} i "
        f"WHERE i.{columns.status} = %s AND i.{moment_column} <= %s AND i.status IN ({open_marks})"
        f"{extra} AND i.{columns.met_at} IS NULL "
        f"ON CONFLICT (inquiry_id, target, level) DO NOTHING RETURNING inquiry_id"
    )
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, [columns.name, level, at, status, at, *subject.open_statuses])
        return [row[0] for row in cursor.fetchall()]


NOTICE_MESSAGES = {
    SlaNotice.Level.AT_RISK: gettext_noop("Inquiry #%(id)s: the %(target)s target is at risk (due %(due)s)."),
    SlaNotice.Level.BREACHED: gettext_noop("Inquiry #%(id)s: the %(target)s target was breached at %(due)s."),
    SlaNotice.Level.HEAD: gettext_noop(
        "Inquiry #%(id)s: the %(target)s target is still unmet an hour after its breach."
    ),
}
TARGET_NAMES = {"response": gettext_noop("response"), "resolution": gettext_noop("resolution")}
for _kind, _message in ((f"sla.{t}.{lv}", m) for t in TARGET_NAMES for lv, m in NOTICE_MESSAGES.items()):
    notifications.register_kind(_kind, _message)


def _notice_params(inquiry: SlaTracked, target: str) -> dict:
    return {
        "id": inquiry.pk,
        "target": notifications.term(TARGET_NAMES[target]),
        "due": notifications.moment(inquiry.target(target).due, inquiry.office.timezone),
    }


def _deliver_notices(ids: list[int], target: str, level: str) -> int:
    """Notify, audit and e-mail for freshly claimed notices, in a fixed number of queries."""
    if not ids:
        return 0
    model = current_subject().model
    inquiries = list(model.objects.filter(pk__in=ids).select_related("office", "assigned_to"))
    office_ids = {inquiry.office_id for inquiry in inquiries}
    staff = list(StaffProfile.objects.filter(office_id__in=office_ids, user__is_active=True).select_related("user"))
    by_office_role = defaultdict(list)
    for profile in staff:
        by_office_role[(profile.office_id, profile.role)].append(profile)

    rows, audits = [], []
    for inquiry in inquiries:
        roles = LEVEL_RECIPIENTS[level]
        if roles is None:
            if inquiry.assigned_to_id and inquiry.assigned_to.is_active:
                users = [inquiry.assigned_to]
            else:
                users = [p.user for p in by_office_role[(inquiry.office_id, Role.OFFICER)] if p.on_duty]
        else:
            users = [p.user for role in roles for p in by_office_role[(inquiry.office_id, role)]]
        rows += notifications.notifications_build(
            users=users, kind=f"sla.{target}.{level}", params=_notice_params(inquiry, target), inquiry=inquiry
        )
        audits.append(
            AuditEvent(
                actor_label="sla",
                action=f"sla.notice.{target}.{level}",
                object_type=model._meta.label_lower,
                object_id=str(inquiry.pk),
                object_repr=str(inquiry),
                office_code=inquiry.office.code,
                changes={"recipients": sorted(u.get_username() for u in users)},
            )
        )
    Notification.objects.bulk_create(rows)
    AuditEvent.objects.bulk_create(audits)
    # Each e-mail is rendered by its task in the recipient's language (sla.notice_mail).
    mails = [row.pk for row in rows if row.user.email]
    if mails:
        on_commit(lambda: _queue_mails(mails), what=f"{len(mails)} SLA notice e-mail(s)")
    return len(inquiries)


MAIL_CHUNK = 100


def _queue_mails(mails: list[int]) -> None:
    """E-mail goes out in its own tasks (chunked, retried): a slow SMTP server never holds up the sweep."""
    for start in range(0, len(mails), MAIL_CHUNK):
        try:
            send_notice_mails.delay(mails[start : start + MAIL_CHUNK])
        except Exception:  # broker down: the in-app notification and the audit log already hold the notice
            logger.exception("could not queue %d SLA notice e-mail(s)", len(mails[start : start + MAIL_CHUNK]))


def sla_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Move targets to at risk and breached, send the chain's notices (each once), have the workflow close
    abandoned waits. A fixed number of statements whatever the number of open records."""
    now = now or timezone.now()
    model = current_subject().model
    counts: dict[str, int] = {}
    running, breached = TargetStatus.RUNNING, TargetStatus.BREACHED
    with transaction.atomic():
        for name, columns in TARGETS.items():
            ids = _claim_notices(columns, SlaNotice.Level.AT_RISK, columns.at_risk_at, running, now)
            counts[f"{name}.at_risk"] = _deliver_notices(ids, name, SlaNotice.Level.AT_RISK)

            ids = _claim_notices(columns, SlaNotice.Level.BREACHED, columns.due, running, now)
            if ids:
                model.objects.filter(pk__in=ids, **{columns.status: running}).update(**{columns.status: breached})
            counts[f"{name}.breached"] = _deliver_notices(ids, name, SlaNotice.Level.BREACHED)

            ids = _claim_notices(columns, SlaNotice.Level.HEAD, columns.head_at, breached, now)
            counts[f"{name}.head"] = _deliver_notices(ids, name, SlaNotice.Level.HEAD)
        counts["abandoned"] = _close_abandoned(now)
    return counts


ABANDON_CHUNK = 1000


def _close_abandoned(now: datetime) -> int:
    """Records paused past their limit: the workflow closes them as "no reply" (its transition, not ours)."""
    subject = current_subject()
    ids = list(
        subject.model.objects.filter(
            paused_at__isnull=False, waiting_until__lte=now, status__in=subject.open_statuses
        ).values_list("pk", flat=True)[:ABANDON_CHUNK]
    )
    if not ids:
        return 0
    return subject.close_abandoned(ids=ids, at=now)


__all__ = [
    "clock_pause",
    "clock_resume",
    "clock_start",
    "countdown",
    "office_calendars",
    "policies_for_offices",
    "policy_for_office",
    "recompute_running_targets",
    "resolution_clock_start",
    "sla_sweep",
    "target_met",
    "targets_cancel",
    "targets_cancel_running",
]
