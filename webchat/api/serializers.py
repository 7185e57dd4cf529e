from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tickets.models import Message


class SessionInput(serializers.Serializer):
    office = serializers.RegexField(r"^\d{6}$", help_text="Office code (6 digits)")
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.RegexField(r"^[0-9+() -]{0,40}$", required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(
        choices=[code for code, _ in settings.LANGUAGES],
        required=False,
        help_text="The visitor's language; without it, the request's Accept-Language (Indonesian when unsure)",
    )


class SessionOutput(serializers.Serializer):
    token = serializers.CharField()
    office = serializers.CharField()
    office_name = serializers.CharField()


class MessageInput(serializers.Serializer):
    text = serializers.CharField(max_length=10_000)
    client_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(
        choices=[code for code, _ in settings.LANGUAGES],
        required=False,
        help_text="The widget's language now; the session follows it when it changed",
    )


class LanguageInput(serializers.Serializer):
    language = serializers.ChoiceField(choices=[code for code, _ in settings.LANGUAGES])


class LanguageOutput(serializers.Serializer):
    language = serializers.CharField()


class PublicFileOutput(serializers.Serializer):
    """A stored file of the visitor's thread, downloaded from ``/api/v1/webchat/attachments/<id>/``."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    mime_type = serializers.CharField()
    size = serializers.IntegerField()


class PublicMessageOutput(serializers.ModelSerializer):
    """A message as the visitor sees it: no author names, no internal data."""

    from_ = serializers.SerializerMethodField(method_name="get_from")
    files = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "from_", "kind", "text", "created_at", "files"]

    def get_from(self, obj) -> str:
        return "you" if obj.direction == Message.Direction.INBOUND else "office"

    @extend_schema_field(PublicFileOutput(many=True))
    def get_files(self, obj) -> list:
        stored = [file for file in obj.files.all() if file.status == "stored"]  # prefetched by the thread's query
        return PublicFileOutput(stored, many=True).data

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["from"] = data.pop("from_")
        return data
