"""The period reports (`/sla/`) and the lists behind their figures (`/sla/inquiries/`), with CSV and XLSX
exports of both (``?format=csv|xlsx``): clauses b.4, b.6 of the service standard.

Who sees what is ``supervision.access`` (through ``supervision.filters.parse_scope``): supervisors their reach,
an officer their own work. Above tickets and sla: it reads inquiries and the SLA columns stamped on them.
"""

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from offices.selectors import zone_label
from tickets.identifiers import mask_text
from tickets.permissions import staff_profile

from . import charts, exports, reports
from .access import is_supervisor, own_figures_only
from .filters import FilterError, parse_scope

PAGE_SIZE = 50
FORMATS = ("html", "csv", "xlsx")
# The query string a figure's link keeps from the page: the same offices and period.
KEPT = ("office", "region", "period", "on", "from", "to")


def _format(request) -> str | None:
    kind = (request.GET.get("format") or "html").strip()
    return kind if kind in FORMATS else None


def _no_reports(user) -> bool:
    return not is_supervisor(user) and not own_figures_only(user)


def _bad(request, message: str, status: int = 400):
    return render(request, "supervision/report_error.html", {"message": message}, status=status)


def _kept(request) -> dict:
    return {name: request.GET[name] for name in KEPT if request.GET.get(name)}


class Drill:
    """Links from a figure to its list: ``drill.url("response_breached", channel="webchat")``."""

    def __init__(self, kept: dict):
        self.kept = kept
        self.base = reverse("sla-inquiries")

    def url(self, metric: str, **slice_) -> str:
        return f"{self.base}?{urlencode({**self.kept, 'metric': metric, **slice_})}"


@login_required
@require_safe
def dashboard(request):
    """The period report: figures, charts with their tables, comparison with the previous period."""
    kind = _format(request)
    if kind is None:
        return HttpResponseBadRequest(_("format: one of html, csv, xlsx."))
    if _no_reports(request.user):
        return _bad(request, _("Reports are for office staff."), status=403)
    try:
        scope = parse_scope(request.user, request.GET)
    except FilterError as error:
        return _bad(request, str(error), status=error.status)
    timezone.activate(scope.zone)
    language = get_language() or "id"
    report = reports.period_report(scope, language=language)
    if kind != "html":
        return exports.file_response(
            kind,
            stem="sla-report",
            scope=scope,
            lines=exports.heading(title=_("SLA report"), scope=scope),
            sections=exports.report_sections(report),
        )
    drill = Drill(_kept(request))
    kept = urlencode(_kept(request))
    context = {
        "report": report,
        "scope": scope,
        "t": report["total"],
        "p": report["previous"],
        "zone": zone_label(scope.zone),
        "drill": drill,
        "kept": kept,
        "links": _links(report, drill),
        "trend_chart": charts.trend(report["trend"]),
        "heat_chart": charts.heatmap(
            report["heatmap"]["cells"],
            report["heatmap"]["peak"],
            link=lambda weekday, hour: drill.url("received", weekday=weekday, hour=hour),
        ),
        "bins_chart": charts.bars(report["bins"]),
        "causes_chart": charts.bars(report["causes"]),
        "channel_chart": charts.bars(report["by_channel"], value="received"),
        "office_chart": charts.bars(
            [{"label": row["code"], "count": row["response_met_rate"] or 0} for row in report["by_office"]]
        )
        if len(report["by_office"]) > 1
        else None,
        "hours": range(24),
        "own": scope.own_user_id is not None,
        "periods": [("day", _("Day")), ("week", _("Week")), ("month", _("Month")), ("custom", _("Custom range"))],
    }
    return render(request, "supervision/report.html", context)


# The figures the group tables show, each a link to its list.
TABLE_METRICS = (
    "received",
    "response_met",
    "response_breached",
    "response_running",
    "not_counted",
    "late_arrivals",
    "escalated",
    "resolution_met",
    "resolution_breached",
)
GROUP_SLICES = {"by_channel": "channel", "by_officer": "officer", "by_topic": "topic"}


def _links(report: dict, drill: Drill) -> dict:
    """Every figure's drill-down link, by group and row key, built here so the template only looks them up."""
    for group in ("by_office", "by_region", "by_channel", "by_officer", "by_topic"):
        for row in report[group]:
            if group == "by_office":
                extra = {"office": row["code"]}
            elif group == "by_region":
                extra = {"region": row["code"]} if row.get("code") else {}
            else:
                extra = {GROUP_SLICES[group]: row["key"]}
            row["links"] = {metric: _with(drill, metric, extra) for metric in TABLE_METRICS}
    return {metric: drill.url(metric) for metric in reports.METRICS}


def _with(drill: Drill, metric: str, extra: dict) -> str:
    kept = dict(drill.kept)
    if "office" in extra or "region" in extra:
        kept.pop("office", None)
        kept.pop("region", None)
    return f"{drill.base}?{urlencode({**kept, 'metric': metric, **extra})}"


def _inquiry_link(user, inquiry) -> str:
    """The inquiry's own page: the conversation for one's own office (a superuser's: any), else the supervisors'
    read-only view of it (the live board's, `sla-live-inquiry`)."""
    profile = staff_profile(user)
    if getattr(user, "is_superuser", False) or (profile is not None and profile.office_id == inquiry.office_id):
        return reverse("tickets:conversation", args=[inquiry.pk])
    try:
        return reverse("sla-live-inquiry", args=[inquiry.pk])
    except NoReverseMatch:  # without the live board's view, the conversation (which checks its own access)
        return reverse("tickets:conversation", args=[inquiry.pk])


def _drill_rows(queryset):
    return queryset.select_related("office", "account", "requester", "assigned_to", "response_met_by").order_by(
        "-received_at", "-pk"
    )


def _working_minutes(inquiry) -> float | None:
    seconds = inquiry.response_working_seconds
    return round(seconds / 60, 1) if seconds is not None else None


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


@login_required
@require_safe
def drilldown(request):
    """The inquiries behind one figure of the report: same offices, period and group, paginated."""
    kind = _format(request)
    if kind is None:
        return HttpResponseBadRequest(_("format: one of html, csv, xlsx."))
    if _no_reports(request.user):
        return _bad(request, _("Reports are for office staff."), status=403)
    try:
        scope = parse_scope(request.user, request.GET, slices=True)
    except FilterError as error:
        return _bad(request, str(error), status=error.status)
    timezone.activate(scope.zone)
    metric = scope.slice["metric"]
    title = reports.metric_label(metric)
    queryset = _drill_rows(reports.sliced_inquiries(scope))
    if scope.slice.get("rated"):  # the scorecards' survey figure (supervision.scorecards)
        queryset = queryset.filter(rating__isnull=False)
    if kind != "html":
        rows = []
        for inquiry in queryset[: exports.EXPORT_ROW_LIMIT].iterator(chunk_size=2000):
            local = inquiry.received_at.astimezone(ZoneInfo(inquiry.office.timezone))
            rows.append(
                [
                    inquiry.pk,
                    inquiry.office.code,
                    f"{local:%Y-%m-%d %H:%M} {zone_label(inquiry.office.timezone)}",
                    inquiry.account.kind,
                    inquiry.get_status_display(),
                    inquiry.get_response_status_display(),
                    _("yes") if inquiry.late_arrival else _("no"),
                    _working_minutes(inquiry),
                    inquiry.get_resolution_status_display(),
                    _person(inquiry.assigned_to),
                    _person(inquiry.response_met_by),
                    mask_text(inquiry.preview),
                ]
            )
        header = [
            _("Inquiry"),
            _("Office"),
            _("Received"),
            _("Channel"),
            _("Status"),
            _("Response target"),
            _("Late arrival"),
            _("Working minutes to answer"),
            _("Resolution target"),
            _("Assigned to"),
            _("Answered by"),
            _("First line"),
        ]
        lines = exports.heading(title=title, scope=scope)
        lines.append([_("Figure"), title])
        for name, value in scope.slice.items():
            if name != "metric":
                lines.append([name, str(value)])
        return exports.file_response(
            kind, stem=f"sla-{metric}", scope=scope, lines=lines, sections=[exports.Section(title, header, rows)]
        )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for inquiry in page:
        inquiry.response_minutes = _working_minutes(inquiry)
        zone = zone_label(inquiry.office.timezone)
        rows.append((inquiry, _inquiry_link(request.user, inquiry), mask_text(inquiry.preview), zone))
    query = {**_kept(request), "metric": metric}
    for name in ("channel", "topic", "officer", "hour", "weekday", "day"):
        if name in scope.slice:
            query[name] = str(scope.slice[name])
    if scope.slice.get("rated"):
        query["rated"] = "1"
    return render(
        request,
        "supervision/report_list.html",
        {
            "title": title,
            "scope": scope,
            "page": page,
            "rows": rows,
            "query": urlencode(query),
            "report_query": urlencode(_kept(request)),
            "zone": zone_label(scope.zone),
            "slice": {k: v for k, v in scope.slice.items() if k != "metric"},
        },
    )
