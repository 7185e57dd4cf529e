from datetime import date, datetime, time, timedelta

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import error_responses
from offices.models import Office
from offices.selectors import office_calendar, zone_label

from .serializers import CalendarQuery, OfficeCalendarOutput


class OfficeCalendarView(APIView):
    """The office's working intervals between two local dates (inclusive), in the office's zone.

    Public: the web-chat widget uses it to tell a visitor when an answer can come.
    """

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First local date (default: today)"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last local date, inclusive (default: from + 6)"),
        ],
        responses={200: OfficeCalendarOutput, **error_responses(400, 404)},
        auth=[],
    )
    def get(self, request, code: str):
        office = get_object_or_404(Office, code=code, is_active=True)
        query = CalendarQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        calendar = office_calendar(office)
        today = timezone.now().astimezone(calendar.tz).date()
        start: date = query.validated_data.get("from_") or today
        end: date = query.validated_data.get("to") or start + timedelta(days=6)
        begin = datetime.combine(start, time(0), tzinfo=calendar.tz)
        finish = datetime.combine(end + timedelta(days=1), time(0), tzinfo=calendar.tz)
        try:
            working = calendar.working_intervals(begin, finish)
        except ValueError:  # a calendar that cannot answer (no working time ahead) has no intervals to show
            working = []
        intervals = [{"start": s.isoformat(), "end": e.isoformat(), "date": s.date().isoformat()} for s, e in working]
        return Response(
            {
                "office": office.code,
                "timezone": office.timezone,
                "timezone_label": zone_label(office.timezone),
                "from": start.isoformat(),
                "to": end.isoformat(),
                "intervals": intervals,
            }
        )
