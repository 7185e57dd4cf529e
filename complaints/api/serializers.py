"""Input and output of the complaints API. The input names the public example of issue 14 uses."""

from django.utils import timezone
from rest_framework import serializers

from ..models import Complaint, ComplaintEvent, ComplaintEvidence
from ..services import MAX_TEXT


def _text(max_length: int = MAX_TEXT, **kwargs):
    return serializers.CharField(required=False, allow_blank=True, max_length=max_length, **kwargs)


class ComplaintInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Complaint.Kind.choices, required=False, default=Complaint.Kind.COMPLAINT)
    name = _text(200, help_text="The complainant's name (required unless anonymous)")
    contact = _text(200, help_text="E-mail or phone (required unless anonymous)")
    anonymous = serializers.BooleanField(required=False, default=False)
    office = serializers.RegexField(r"^\d{6}$", help_text="The office concerned: its 6-digit code")
    concerns = serializers.ChoiceField(
        choices=Complaint.Concerns.choices, required=False, default=Complaint.Concerns.SERVICE
    )
    matter = _text(help_text="Required")
    place = _text(200, help_text="Required for a complaint")
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Required for a complaint")
    parties = _text()
    chronology = _text(help_text="Required for a complaint")
    evidence = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        required=False,
        max_length=20,
        help_text="Photos or PDF (multipart only)",
    )


class ComplaintCreatedOutput(serializers.Serializer):
    register_number = serializers.CharField()


# Named in settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] (ComplaintStatusFilterEnum).
STATUS_FILTER_CHOICES = [("open", "open"), *Complaint.Status.choices]


class ComplaintFilterInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=STATUS_FILTER_CHOICES, required=False)
    kind = serializers.ChoiceField(choices=Complaint.Kind.choices, required=False)
    office = serializers.RegexField(r"^\d{6}$", required=False)
    q = serializers.CharField(required=False, max_length=100)


class ComplaintOutput(serializers.ModelSerializer):
    office = serializers.CharField(source="office.code")
    office_name = serializers.CharField(source="office.name")
    handling_office = serializers.CharField(source="handling_office.code")
    overdue = serializers.SerializerMethodField()
    evidence_count = serializers.IntegerField()

    class Meta:
        model = Complaint
        fields = [
            "register_number",
            "sipuma_number",
            "kind",
            "channel",
            "status",
            "concerns",
            "office",
            "office_name",
            "handling_office",
            "created_at",
            "due_at",
            "overdue",
            "substantiated",
            "evidence_count",
        ]

    def get_overdue(self, complaint) -> bool:
        return bool(complaint.due_at and complaint.is_open and complaint.due_at <= timezone.now())


class EvidenceOutput(serializers.ModelSerializer):
    class Meta:
        model = ComplaintEvidence
        fields = ["id", "original_name", "content_type", "size", "sha256", "created_at"]


class EventOutput(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", default=None, allow_null=True)

    class Meta:
        model = ComplaintEvent
        fields = ["kind", "text", "author", "created_at"]


class ComplaintDetailOutput(ComplaintOutput):
    about_user = serializers.CharField(source="about_user.username", default=None, allow_null=True)
    handled_by = serializers.CharField(source="handled_by.username", default=None, allow_null=True)
    inquiry = serializers.IntegerField(source="inquiry_id", allow_null=True)
    ticket = serializers.CharField(source="ticket.number", default=None, allow_null=True)
    evidence_files = EvidenceOutput(many=True)
    events = EventOutput(many=True)

    class Meta(ComplaintOutput.Meta):
        fields = [
            *ComplaintOutput.Meta.fields,
            "anonymous",
            "complainant_name",
            "complainant_contact",
            "language",
            "matter",
            "place",
            "occurred_at",
            "parties",
            "chronology",
            "evidence",
            "about_user",
            "handled_by",
            "inquiry",
            "ticket",
            "resolution",
            "action_taken",
            "informed_note",
            "concluded_at",
            "closed_at",
            "evidence_files",
            "events",
        ]


class CountsRowOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    total = serializers.IntegerField()
    substantiated = serializers.IntegerField()
    received = serializers.IntegerField()
    in_review = serializers.IntegerField()
    follow_up = serializers.IntegerField()
    concluded = serializers.IntegerField()
    informed = serializers.IntegerField()
    complaint = serializers.IntegerField()
    suggestion = serializers.IntegerField()
    feedback = serializers.IntegerField()


class CountsTotalsOutput(serializers.Serializer):
    total = serializers.IntegerField()
    substantiated = serializers.IntegerField()
    received = serializers.IntegerField()
    in_review = serializers.IntegerField()
    follow_up = serializers.IntegerField()
    concluded = serializers.IntegerField()
    informed = serializers.IntegerField()


class CountsOutput(serializers.Serializer):
    offices = CountsRowOutput(many=True)
    totals = CountsTotalsOutput()
    channels = serializers.DictField(child=serializers.IntegerField(), help_text="Complaints per channel")
