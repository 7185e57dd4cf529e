from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from channels_intake.adapters import kinds, sub_channels
from tickets.masking import masked
from tickets.models import Inquiry, Message, Ticket, TicketEvent, Unit
from tickets.replies import REPLY_KINDS
from tickets.selectors import MAX_DB_ID


class MaskedText(serializers.CharField):
    """Free text with its identifiers masked (clause a.1.2): what lists show."""

    def to_representation(self, value) -> str:
        return masked(super().to_representation(value))


def channel_values() -> list[str]:
    """What `channel` filters on: every account kind and every sub-channel (Messenger, Instagram...)."""
    return sorted({*kinds(), *sub_channels()})


class MessageOutput(serializers.ModelSerializer):
    author = serializers.CharField(source="author.get_username", default=None, allow_null=True)
    # Identifiers masked, as in the thread; `POST .../messages/<id>/reveal/` gives the full text (audited).
    text = MaskedText()
    delivery = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "direction", "kind", "author", "text", "attachments", "created_at", "delivery"]

    def get_delivery(self, obj) -> str | None:
        outbound = getattr(obj, "outbound", None) if obj.direction == Message.Direction.OUTBOUND else None
        return outbound.status if outbound is not None else None


class MessageRevealOutput(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField(help_text="The message's text in full")


class SlaOutput(serializers.Serializer):
    target = serializers.CharField(help_text="response or resolution: the target the countdown is about")
    state = serializers.CharField(help_text="running, at_risk, breached, met, paused, cancelled, none")
    minutes_left = serializers.IntegerField(allow_null=True, help_text="working minutes; negative once overdue")
    due = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField(help_text="normal, late, escalated or paused")


class InquiryOutput(serializers.ModelSerializer):
    office = serializers.CharField(source="office.code")
    sla = serializers.SerializerMethodField()
    channel = serializers.CharField(source="account.kind")
    requester = MaskedText(source="requester.__str__")
    assigned_to = serializers.CharField(source="assigned_to.get_username", default=None, allow_null=True)

    class Meta:
        model = Inquiry
        fields = [
            "id",
            "office",
            "channel",
            "status",
            "outcome",
            "requester",
            "assigned_to",
            "preview",
            "received_at",
            "effective_start",
            "late_arrival",
            "response_due",
            "response_status",
            "response_met_at",
            "resolution_due",
            "resolution_status",
            "resolution_met_at",
            "paused_at",
            "waiting_until",
            "sla",
        ]

    @extend_schema_field(SlaOutput(allow_null=True))
    def get_sla(self, obj):
        badge = self.context.get("badges", {}).get(obj.pk)
        if badge is None:
            return None
        return {
            "target": badge.target,
            "state": badge.state,
            "minutes_left": badge.minutes_left,
            "due": badge.due.isoformat() if badge.due else None,
            "reason": badge.reason,
        }


class TopicOutput(serializers.Serializer):
    slug = serializers.CharField()
    label = serializers.CharField(help_text="In the request's language")


class TopicListOutput(TopicOutput):
    position = serializers.IntegerField()


class TopicsInput(serializers.Serializer):
    topics = serializers.ListField(
        child=serializers.SlugField(max_length=40),
        allow_empty=True,
        max_length=50,
        help_text="The inquiry's topics, by code (GET /api/v1/topics/); [] removes every active topic",
    )


class InquiryDetailOutput(InquiryOutput):  # noqa: DJ006
    messages = MessageOutput(many=True)
    topics = serializers.SerializerMethodField()

    # The satisfaction survey (tickets.survey): the requester's 1–5 rating and comment (identifiers masked).
    rating_comment = MaskedText(read_only=True)

    class Meta(InquiryOutput.Meta):
        fields = InquiryOutput.Meta.fields + [
            "messages",
            "topics",
            "survey_status",
            "survey_sent_at",
            "rating",
            "rating_comment",
            "rated_at",
        ]

    @extend_schema_field(TopicOutput(many=True))
    def get_topics(self, obj) -> list[dict]:
        language = get_language() or "id"
        return [{"slug": topic.slug, "label": topic.label(language)} for topic in obj.topics.all()]


class InquiryFilterInput(serializers.Serializer):
    office = serializers.RegexField(r"^[0-9]{6}$", required=False, help_text="Office code (6 digits)")
    status = serializers.ChoiceField(choices=Inquiry.Status.values, required=False)
    channel = serializers.ChoiceField(choices=[], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = channel_values()  # the adapters registered now, not at import


class ReplyInput(serializers.Serializer):
    text = serializers.CharField(max_length=10_000, trim_whitespace=True)
    kind = serializers.ChoiceField(choices=sorted(REPLY_KINDS), default="answer")


# --- Units and tickets -------------------------------------------------------------------------------------
class UnitFilterInput(serializers.Serializer):
    office = serializers.RegexField(
        r"^[0-9]{6}$",
        help_text="Office code (6 digits). Staff get units only for their own office; a superuser, for any.",
    )


class UnitOutput(serializers.ModelSerializer):
    home_office = serializers.CharField(source="home_office.code")
    coordinator = serializers.CharField(source="coordinator.get_username", default=None, allow_null=True)

    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "home_office", "coordinator", "requires_approval"]


class TicketEventOutput(serializers.ModelSerializer):
    author = serializers.CharField(source="author.get_username", default=None, allow_null=True)

    class Meta:
        model = TicketEvent
        fields = ["kind", "author", "text", "created_at"]


class TicketOutput(serializers.ModelSerializer):
    ticket_number = serializers.CharField(source="number")
    unit = UnitOutput()
    office = serializers.CharField(source="office.code")
    inquiry = serializers.IntegerField(source="inquiry_id")
    assigned_to = serializers.CharField(source="assigned_to.get_username", default=None, allow_null=True)
    resolution_due = serializers.DateTimeField(source="inquiry.resolution_due", allow_null=True)
    resolution_status = serializers.CharField(source="inquiry.resolution_status")
    channel = serializers.CharField(source="inquiry.account.kind")
    requester = MaskedText(source="inquiry.requester.__str__")
    # The list shows what the escalation says with identifiers masked; the ticket itself shows it in full.
    summary = MaskedText()
    needed = MaskedText()
    final_answer = MaskedText()

    class Meta:
        model = Ticket
        fields = [
            "ticket_number",
            "status",
            "unit",
            "office",
            "inquiry",
            "channel",
            "requester",
            "summary",
            "needed",
            "assigned_to",
            "created_at",
            "resolution_due",
            "resolution_status",
            "final_answer",
            "answered_at",
            "delivery_note",
        ]


class TicketDetailOutput(TicketOutput):  # noqa: DJ006
    summary = serializers.CharField()
    needed = serializers.CharField()
    final_answer = serializers.CharField()
    events = TicketEventOutput(many=True)
    draft_answer = serializers.CharField()

    class Meta(TicketOutput.Meta):
        fields = TicketOutput.Meta.fields + ["draft_answer", "events"]


class TicketFilterInput(serializers.Serializer):
    unit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DB_ID)
    status = serializers.ChoiceField(choices=Ticket.Status.values, required=False)
    office = serializers.RegexField(r"^[0-9]{6}$", required=False, help_text="Office code (6 digits)")
    q = serializers.CharField(required=False, max_length=100, help_text="Words of the number or the summary")


class EscalateInput(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1, max_value=MAX_DB_ID)
    summary = serializers.CharField(max_length=5000)
    needed = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class EscalateOutput(TicketOutput):  # noqa: DJ006
    verification_code = serializers.SerializerMethodField()

    class Meta(TicketOutput.Meta):
        fields = TicketOutput.Meta.fields + ["verification_code"]

    def get_verification_code(self, obj) -> str:
        return self.context["code"]


class TextInput(serializers.Serializer):
    text = serializers.CharField(max_length=10_000)


# --- The public lookup -------------------------------------------------------------------------------------
class LookupInput(serializers.Serializer):
    number = serializers.CharField(max_length=40)
    code = serializers.CharField(max_length=20)
