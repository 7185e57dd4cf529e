"""`GET /api/v1/reports/sla/?office=CODE&from=YYYY-MM-DD&to=YYYY-MM-DD` (or ``region=CODE``; neither: everything
the user may see): the period report's figures as JSON, or the same report as a file with ``format=csv|xlsx``.

The same permissions as the page (``supervision.access`` through ``supervision.filters.parse_scope``):
supervisors their reach, an officer their own work; an office or region outside the reach is a 404 like an
unknown one. Without ``from``/``to`` the period is this month so far.
"""

from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import error_responses

from . import exports, reports
from .access import is_supervisor, own_figures_only
from .filters import FilterError, parse_scope


class FileRenderer(renderers.BaseRenderer):
    """Passes the file the view built through (the view sets its headers)."""

    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        # An error (a dict) in a file request: answered as JSON text.
        import json

        return json.dumps(data).encode()


class CSVRenderer(FileRenderer):
    media_type = "text/csv"
    format = "csv"


class XLSXRenderer(FileRenderer):
    media_type = exports.XLSX_TYPE
    format = "xlsx"


class FiguresOutput(serializers.Serializer):
    received = serializers.IntegerField()
    response_met = serializers.IntegerField()
    response_breached = serializers.IntegerField()
    response_running = serializers.IntegerField()
    not_counted = serializers.IntegerField(help_text="Closed without an answer (no reply, spam, duplicate): no rate")
    response_met_rate = serializers.FloatField(allow_null=True, help_text="% of met among met + breached")
    normal_met_rate = serializers.FloatField(allow_null=True, help_text="The 55-minute target only")
    response_minutes_median = serializers.FloatField(allow_null=True, help_text="Working minutes, pauses left out")
    response_minutes_p90 = serializers.FloatField(allow_null=True)
    response_minutes_mean = serializers.FloatField(allow_null=True)
    late_arrivals = serializers.IntegerField()
    late_met = serializers.IntegerField()
    late_breached = serializers.IntegerField()
    late_met_rate = serializers.FloatField(allow_null=True, help_text="The 2-working-day target only")
    escalated = serializers.IntegerField()
    resolution_met = serializers.IntegerField()
    resolution_breached = serializers.IntegerField()
    resolution_running = serializers.IntegerField()
    resolution_met_rate = serializers.FloatField(allow_null=True)


class OfficeFiguresOutput(FiguresOutput):
    office = serializers.CharField(source="code")
    name = serializers.CharField(source="label")


class RegionFiguresOutput(FiguresOutput):
    region = serializers.CharField(source="code", allow_blank=True)
    name = serializers.CharField(source="label")


class ChannelFiguresOutput(FiguresOutput):
    channel = serializers.CharField(source="key")
    name = serializers.CharField(source="label")


class OfficerFiguresOutput(FiguresOutput):
    officer = serializers.IntegerField(source="key", help_text="The officer who delivered the answers (user id)")
    name = serializers.CharField(source="label")


class TopicFiguresOutput(FiguresOutput):
    topic = serializers.CharField(source="key")
    name = serializers.CharField(source="label")


class CountOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class SlaReportOutput(FiguresOutput):
    office = serializers.CharField(allow_null=True, help_text="The office asked for, else null")
    region = serializers.CharField(allow_null=True, help_text="The region asked for, else null")
    offices = serializers.ListField(child=serializers.CharField(), help_text="Codes of the offices counted")
    own_figures_only = serializers.BooleanField(help_text="An officer's report: their own work only")
    from_ = serializers.DateField()
    to = serializers.DateField()
    previous = FiguresOutput(help_text="The period of the same length just before")
    previous_from = serializers.DateField()
    previous_to = serializers.DateField()
    response_time_bins = CountOutput(many=True)
    breach_causes = CountOutput(many=True)
    by_office = OfficeFiguresOutput(many=True)
    by_region = RegionFiguresOutput(many=True)
    by_channel = ChannelFiguresOutput(many=True)
    by_officer = OfficerFiguresOutput(many=True, help_text="Within one office only (empty for a roll-up)")
    by_topic = TopicFiguresOutput(many=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class ReportQueryInput(serializers.Serializer):
    office = serializers.RegexField(r"^[0-9]{6}$", required=False, help_text="Office code (6 digits)")
    region = serializers.RegexField(r"^[0-9]{6}$", required=False, help_text="Regional office code (6 digits)")
    from_ = serializers.DateField(required=False, help_text="First local date (default: the 1st of this month)")
    to = serializers.DateField(required=False, help_text="Last local date, inclusive (default: today)")
    format = serializers.ChoiceField(choices=["json", "csv", "xlsx"], required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


def _figures(row: dict) -> dict:
    return {name: row[name] for name in FiguresOutput().fields}


class SlaReportView(APIView):
    renderer_classes = [renderers.JSONRenderer, CSVRenderer, XLSXRenderer]

    @extend_schema(
        parameters=[
            ReportQueryInput,
            OpenApiParameter("from", OpenApiTypes.DATE, description="First local date"),
        ],
        responses={
            (200, "application/json"): SlaReportOutput,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="The report as CSV"),
            (200, exports.XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The report as XLSX"),
            **error_responses(400, 401, 403, 404),
        },
    )
    def get(self, request):
        query = ReportQueryInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        empty = [name for name in ("office", "region", "from", "to", "format") if request.query_params.get(name) == ""]
        if empty:  # a form sends an empty field for "not given"; the API says so instead of guessing
            raise ValidationError({name: [_("This field may not be blank.")] for name in empty})
        if not is_supervisor(request.user) and not own_figures_only(request.user):
            raise PermissionDenied(_("Reports are for office staff."))
        params = {key: request.query_params.get(key) for key in ("office", "region", "from", "to")}
        try:
            scope = parse_scope(request.user, params)
        except FilterError as error:
            if error.status == 404:
                raise Http404(str(error)) from None
            raise ValidationError({"detail": [str(error)]}) from None
        report = reports.period_report(scope, language=get_language() or "id")
        kind = request.accepted_renderer.format
        if kind in ("csv", "xlsx"):
            made = exports.file_response(
                kind,
                stem="sla-report",
                scope=scope,
                lines=exports.heading(title=_("SLA report"), scope=scope),
                sections=exports.report_sections(report),
            )
            response = Response(made.content, content_type=made["Content-Type"])
            response["Content-Disposition"] = made["Content-Disposition"]
            response["Cache-Control"] = "no-store"
            return response
        total = report["total"]
        body = {
            **_figures(total),
            "office": scope.office.code if scope.office else None,
            "region": scope.region.code if scope.region else None,
            "offices": [office.code for office in scope.offices],
            "own_figures_only": scope.own_user_id is not None,
            "from": scope.period.start.isoformat(),
            "to": scope.period.end.isoformat(),
            "previous": _figures(report["previous"]),
            "previous_from": report["previous_period"].start.isoformat(),
            "previous_to": report["previous_period"].end.isoformat(),
            "response_time_bins": report["bins"],
            "breach_causes": report["causes"],
            "by_office": [{"office": r["code"], "name": r["label"], **_figures(r)} for r in report["by_office"]],
            "by_region": [
                {"region": r.get("code") or "", "name": str(r["label"]), **_figures(r)} for r in report["by_region"]
            ],
            "by_channel": [{"channel": r["key"], "name": str(r["label"]), **_figures(r)} for r in report["by_channel"]],
            "by_officer": [{"officer": r["key"], "name": str(r["label"]), **_figures(r)} for r in report["by_officer"]],
            "by_topic": [{"topic": r["key"], "name": str(r["label"]), **_figures(r)} for r in report["by_topic"]],
        }
        return Response(body)
