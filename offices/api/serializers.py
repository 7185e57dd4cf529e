from datetime import date

from django.utils.translation import gettext as _
from rest_framework import serializers

MAX_RANGE_DAYS = 93
# The calendar is asked about this century only: outside it the hours, holidays and zone rules mean nothing, and
# a date at the edge of Python's range (0001-01-01, 9999-12-31) overflows once it becomes a time of day.
FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2099, 12, 31)


class CalendarQuery(serializers.Serializer):
    from_ = serializers.DateField(required=False, help_text="First local date (default: today)")
    to = serializers.DateField(required=False, help_text="Last local date, inclusive (default: from + 6)")

    def to_internal_value(self, data):
        data = {"from_": data.get("from"), "to": data.get("to")}
        data = {key: value for key, value in data.items() if value not in (None, "")}
        return super().to_internal_value(data)

    def validate(self, attrs):
        start = attrs.get("from_")
        end = attrs.get("to")
        for name, value in (("from", start), ("to", end)):
            if value is not None and not FIRST_DATE <= value <= LAST_DATE:
                raise serializers.ValidationError(
                    {name: _("Give a date from %(first)s to %(last)s.") % {"first": FIRST_DATE, "last": LAST_DATE}}
                )
        if start and end and end < start:
            raise serializers.ValidationError({"to": _("`to` must not be before `from`.")})
        if start and end and (end - start).days > MAX_RANGE_DAYS:
            raise serializers.ValidationError({"to": _("At most %(n)d days at a time.") % {"n": MAX_RANGE_DAYS}})
        return attrs


class CalendarIntervalOutput(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    date = serializers.DateField()


class OfficeCalendarOutput(serializers.Serializer):
    office = serializers.CharField()
    timezone = serializers.CharField(help_text="IANA zone of the office")
    timezone_label = serializers.CharField(help_text="WIB, WITA or WIT")
    from_ = serializers.DateField()
    to = serializers.DateField()
    intervals = CalendarIntervalOutput(many=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")  # `from` is a Python keyword: the field is renamed here
        return fields
