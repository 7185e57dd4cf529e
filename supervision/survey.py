"""Satisfaction-survey statistics (clause b.8.2): response rate, rating distribution and satisfaction score (the
share of 4 and 5), in total and by office, channel and officer (the one who answered, ``response_met_by``), with
the rated inquiries and their comments behind every figure.

Every figure is aggregated in the database: one query for the total and one per grouping, whatever the number of
inquiries. The inquiries counted are those received on the period's local dates (``reports.period_q``, the same
cut as the SLA report); who sees which offices is ``supervision.access`` through ``filters.parse_scope``: an
officer sees the surveys of their own answers only.
"""

from django.db.models import Avg, Count, Q

from tickets.models import Inquiry

from .filters import Scope
from .reports import _channel_names, _officer_names, period_q

Survey = Inquiry.SurveyStatus
ASKED = (Survey.SENT, Survey.ANSWERED)
RATINGS = (1, 2, 3, 4, 5)


def _aggregates() -> dict:
    figures = {
        "asked": Count("pk", filter=Q(survey_status__in=ASKED)),
        "answered": Count("pk", filter=Q(survey_status=Survey.ANSWERED)),
        "window_closed": Count("pk", filter=Q(survey_status=Survey.WINDOW_CLOSED)),
        "skipped": Count("pk", filter=Q(survey_status=Survey.SKIPPED)),
        "satisfied": Count("pk", filter=Q(rating__gte=4)),
        "comments": Count("pk", filter=Q(rating__isnull=False) & ~Q(rating_comment="")),
        "mean": Avg("rating"),
    }
    for value in RATINGS:
        figures[f"r{value}"] = Count("pk", filter=Q(rating=value))
    return figures


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _finish(row: dict) -> dict:
    row["response_rate"] = _rate(row["answered"], row["asked"])
    rated = sum(row[f"r{value}"] for value in RATINGS)
    row["satisfaction"] = _rate(row["satisfied"], rated)
    row["mean"] = round(row["mean"], 2) if row["mean"] is not None else None
    row["distribution"] = [
        {"rating": value, "count": row[f"r{value}"], "share": _rate(row[f"r{value}"], rated)} for value in RATINGS
    ]
    return row


def surveyed_inquiries(scope: Scope):
    """The scope's inquiries that met the survey (asked, or left unasked for a reason)."""
    qs = Inquiry.objects.filter(period_q(scope.offices, scope.period)).exclude(survey_status=Survey.NONE)
    if scope.own_user_id is not None:
        qs = qs.filter(response_met_by_id=scope.own_user_id)
    return qs


def survey_report(scope: Scope, *, officers: bool = True) -> dict:
    """The figures of the survey page: total, by office, by channel and (``officers``) by officer: five queries
    at most. ``by_officer`` is None when not asked for (a roll-up of many offices lists offices, not people)."""
    qs = surveyed_inquiries(scope)
    total = _finish(qs.aggregate(**_aggregates()))
    offices = {office.pk: office for office in scope.offices}
    by_office = [
        _finish({**row, "key": offices[row["office_id"]].code, "label": offices[row["office_id"]].name})
        for row in qs.values("office_id").annotate(**_aggregates()).order_by("office_id")
    ]
    by_office.sort(key=lambda row: row["key"])
    channels = _channel_names()
    by_channel = [
        _finish({**row, "key": row["account__kind"], "label": channels[row["account__kind"]]})
        for row in qs.values("account__kind").annotate(**_aggregates()).order_by("account__kind")
    ]
    if not officers:
        return {"total": total, "by_office": by_office, "by_channel": by_channel, "by_officer": None}
    officer_rows = list(qs.values("response_met_by_id").annotate(**_aggregates()).order_by("response_met_by_id"))
    names = _officer_names([row["response_met_by_id"] for row in officer_rows])
    by_officer = [
        _finish({**row, "key": row["response_met_by_id"], "label": names.get(row["response_met_by_id"], "—")})
        for row in officer_rows
    ]
    by_officer.sort(key=lambda row: (row["label"] == "—", row["label"]))
    return {"total": total, "by_office": by_office, "by_channel": by_channel, "by_officer": by_officer}


def rated_inquiries(
    scope: Scope,
    *,
    channel: str = "",
    officer: int | None = None,
    rating: int | None = None,
    comments_only: bool = False,
):
    """The rated inquiries behind a figure (the drill-down to the comments), newest rating first."""
    qs = surveyed_inquiries(scope).filter(rating__isnull=False)
    if channel:
        qs = qs.filter(account__kind=channel)
    if officer is not None:
        qs = qs.filter(response_met_by_id=officer)
    if rating is not None:
        qs = qs.filter(rating=rating)
    if comments_only:
        qs = qs.exclude(rating_comment="")
    return qs.select_related("office", "account", "requester", "response_met_by").order_by("-rated_at", "-pk")
