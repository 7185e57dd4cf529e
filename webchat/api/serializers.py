from django.conf import settings
from rest_framework import serializers

from tickets.models import Message


class SessionInput(serializers.Serializer):
    office = serializers.RegexField(r"^\d{6}$", help_text="Office code (6 digits)")
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.RegexField(r"^[0-9+() -]{0,40}$", required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(choices=[code for code, _ in settings.LANGUAGES], default="id")


class SessionOutput(serializers.Serializer):
    token = serializers.CharField()
    office = serializers.CharField()
    office_name = serializers.CharField()


class MessageInput(serializers.Serializer):
    text = serializers.CharField(max_length=10_000)
    client_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class PublicMessageOutput(serializers.ModelSerializer):
    """A message as the visitor sees it: no author names, no internal data."""

    from_ = serializers.SerializerMethodField(method_name="get_from")

    class Meta:
        model = Message
        fields = ["id", "from_", "kind", "text", "created_at"]

    def get_from(self, obj) -> str:
        return "you" if obj.direction == Message.Direction.INBOUND else "office"

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["from"] = data.pop("from_")
        return data
