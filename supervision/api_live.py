"""`GET /api/v1/reports/live/?office=CODE`: the live board's numbers as JSON, with the page's permissions.

``offices``: every office asked for (the one of ``office``, else every office in the user's reach) with its
figures; ``regions``: the same added up by regional office; ``office``: the full board of one office (officers on
duty, tickets at units) when ``office`` is given or the user's reach is a single office, else null. An officer
(``own_figures_only``) is refused (403); an office outside the reach is a 404, like an unknown one.
"""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import error_responses

from . import live
from .access import is_supervisor, report_offices

FORBIDDEN = gettext_noop(
    "The live board is for coordinators, supervisors, heads of office and regional and head-office staff."
)


class LiveQueryInput(serializers.Serializer):
    office = serializers.RegexField(
        r"^[0-9]{6}$", required=False, help_text="Office code (6 digits); omit for every office in your reach"
    )


class OldestOutput(serializers.Serializer):
    inquiry = serializers.IntegerField(source="inquiry_id")
    received_at = serializers.DateTimeField()
    working_minutes = serializers.IntegerField(help_text="Age in the office's working minutes, pauses left out")


class OfficeLiveOutput(serializers.Serializer):
    office = serializers.CharField(source="office.code")
    name = serializers.CharField(source="office.name")
    region = serializers.CharField(source="office.parent.code", default=None, allow_null=True)
    timezone = serializers.CharField(source="office.timezone")
    zone = serializers.CharField(help_text="WIB, WITA or WIT")
    open = serializers.IntegerField()
    unassigned = serializers.IntegerField()
    waiting_for_requester = serializers.IntegerField(source="waiting")
    at_risk = serializers.IntegerField()
    breached = serializers.IntegerField()
    oldest_waiting = OldestOutput(source="oldest", allow_null=True)
    officers_on_duty = serializers.IntegerField()
    tickets_open = serializers.IntegerField()


class OfficerLoadOutput(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    open_load = serializers.IntegerField()
    last_active = serializers.DateTimeField(allow_null=True)
    active = serializers.BooleanField(help_text="An audited action or a login in the last 15 minutes")


class UnitTicketOutput(serializers.Serializer):
    number = serializers.CharField()
    inquiry = serializers.IntegerField(source="inquiry_id")
    unit = serializers.CharField()
    status = serializers.CharField()
    resolution_due = serializers.DateTimeField(source="due", allow_null=True)
    minutes_left = serializers.IntegerField(
        source="badge.minutes_left", allow_null=True, help_text="Working minutes; negative once overdue"
    )
    state = serializers.CharField(source="badge.state")


class OfficeBoardOutput(OfficeLiveOutput):
    officers = OfficerLoadOutput(many=True)
    tickets = UnitTicketOutput(many=True, help_text="The tickets closest to their resolution due time")


class RegionLiveOutput(serializers.Serializer):
    region = serializers.CharField(
        source="region.code", default=None, allow_null=True, help_text="Its code; null: not under a region"
    )
    name = serializers.CharField(source="region.name", default=None, allow_null=True)
    offices = serializers.SerializerMethodField()
    open = serializers.IntegerField(source="totals.open")
    unassigned = serializers.IntegerField(source="totals.unassigned")
    waiting_for_requester = serializers.IntegerField(source="totals.waiting")
    at_risk = serializers.IntegerField(source="totals.at_risk")
    breached = serializers.IntegerField(source="totals.breached")
    officers_on_duty = serializers.IntegerField(source="totals.officers_on_duty")
    tickets_open = serializers.IntegerField(source="totals.tickets_open")

    def get_offices(self, obj) -> list[str]:
        return [row.office.code for row in obj.rows]


class LiveBoardOutput(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    offices = OfficeLiveOutput(many=True)
    regions = RegionLiveOutput(many=True, help_text="The offices' figures added up by regional office")
    office = OfficeBoardOutput(allow_null=True)


class LiveBoardView(APIView):
    @extend_schema(
        parameters=[LiveQueryInput],
        responses={200: LiveBoardOutput, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request):
        """The live board: open, unassigned, waiting, at risk, breached, oldest waiting, officers and tickets."""
        if not is_supervisor(request.user):
            raise PermissionDenied(_(FORBIDDEN))
        query = LiveQueryInput(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        reach = report_offices(request.user)
        code = query.validated_data.get("office")
        if code:
            reach = reach.filter(code=code)
            if not reach.exists():
                raise Http404
        now = timezone.now()
        summaries = live.live_summaries(reach, now=now)
        board = live.live_detail(summaries[0].office, now=now, summary=summaries[0]) if len(summaries) == 1 else None
        return Response(
            LiveBoardOutput(
                {"generated_at": now, "offices": summaries, "regions": live.by_region(summaries), "office": board}
            ).data,
        )
