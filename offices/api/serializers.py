from django.utils.translation import gettext as _
from rest_framework import serializers

MAX_RANGE_DAYS = 93


class CalendarQuery(serializers.Serializer):
    from_ = serializers.DateField(required=False)
    to = serializers.DateField(required=False)

    def to_internal_value(self, data):
        data = {"from_": data.get("from"), "to": data.get("to")}
        data = {key: value for key, value in data.items() if value not in (None, "")}
        return super().to_internal_value(data)

    def validate(self, attrs):
        start = attrs.get("from_")
        end = attrs.get("to")
        if start and end and end < start:
            raise serializers.ValidationError({"to": _("`to` must not be before `from`.")})
        if start and end and (end - start).days > MAX_RANGE_DAYS:
            raise serializers.ValidationError({"to": _("At most %(n)d days at a time.") % {"n": MAX_RANGE_DAYS}})
        return attrs
