"""Reads of complaints for the pages and the API, in a fixed number of queries, with the confidentiality rule
of ``complaints.routing`` applied to every one."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from audit.models import AuditEvent

from .models import Complaint
from .routing import countable_complaints, visible_complaints

READ_ACTIONS = ("complaint.read", "complaint.evidence.download")


def complaint_list(
    *, user, status: str = "", kind: str = "", office: str = "", q: str = "", overdue: bool = False, now=None
) -> QuerySet:
    queryset = Complaint.objects.select_related("office", "handling_office", "handled_by").annotate(
        evidence_count=Count("evidence_files")
    )
    queryset = visible_complaints(user, queryset)
    if status == "open":
        queryset = queryset.exclude(status=Complaint.Status.INFORMED)
    elif status:
        queryset = queryset.filter(status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    if office:
        queryset = queryset.filter(office__code=office)
    if q:
        queryset = queryset.filter(
            Q(register_number__icontains=q)
            | Q(sipuma_number__icontains=q)
            | Q(complainant_name__icontains=q)
            | Q(matter__icontains=q)
        )
    if overdue and now is not None:
        queryset = queryset.filter(due_at__lte=now).exclude(status=Complaint.Status.INFORMED)
    return queryset.order_by("-created_at", "-id")


def complaint_counts(*, user) -> dict:
    """Counts by office, status and kind for supervisors and compliance (never contents; never about the user)."""
    rows = (
        countable_complaints(user, Complaint.objects.all())
        .values("office__code", "office__name", "status", "kind", "substantiated")
        .annotate(n=Count("id"))
        .order_by("office__code")
    )
    offices: dict[str, dict] = {}
    totals = {"total": 0, **dict.fromkeys(Complaint.Status.values, 0), "substantiated": 0}
    for row in rows:
        entry = offices.setdefault(
            row["office__code"],
            {
                "code": row["office__code"],
                "name": row["office__name"],
                "total": 0,
                "substantiated": 0,
                **dict.fromkeys(Complaint.Status.values, 0),
                **dict.fromkeys(Complaint.Kind.values, 0),
            },
        )
        for bucket in (entry, totals):
            bucket["total"] += row["n"]
            bucket[row["status"]] += row["n"]
            if row["substantiated"]:
                bucket["substantiated"] += row["n"]
        entry[row["kind"]] += row["n"]
    channels = dict(
        countable_complaints(user, Complaint.objects.all())
        .values_list("channel")
        .annotate(n=Count("id"))
        .order_by("channel")
    )
    return {"offices": list(offices.values()), "totals": totals, "channels": channels}


def readers(complaint: Complaint) -> list[AuditEvent]:
    """Who opened the complaint and downloaded its evidence, newest first (the "read by" panel)."""
    return list(
        AuditEvent.objects.filter(
            object_type=Complaint._meta.label_lower, object_id=str(complaint.pk), action__in=READ_ACTIONS
        )
        .select_related("actor")
        .order_by("-created_at", "-id")[:200]
    )


COLLEAGUE_ORDER = ("first_name", "last_name", "username")


def office_colleagues(*, office, actor) -> QuerySet:
    """The staff of ``office`` an officer may name as the one a complaint is about (not themselves)."""
    return (
        get_user_model()
        .objects.filter(staff__office=office, is_active=True)
        .exclude(pk=getattr(actor, "pk", None))
        .select_related("staff")
        .order_by(*COLLEAGUE_ORDER)
    )


def office_colleagues_among(profiles, *, actor) -> list:
    """``office_colleagues`` of the office of ``profiles`` (its staff profiles with their users, read already):
    the same people in the same order, without a query."""
    people = [p.user for p in profiles if p.user.is_active and p.user_id != getattr(actor, "pk", None)]
    return sorted(people, key=lambda user: tuple(getattr(user, name) for name in COLLEAGUE_ORDER))
