"""Requesters, inquiries and their messages."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from channels_intake.models import ChannelAccount, OutboundMessage
from common.logging import current_request_id
from offices.models import Office
from sla.models import SlaTracked, TargetStatus  # noqa: F401  (TargetStatus: read wherever inquiries are)

from .identifiers import mask, mask_text


class Requester(models.Model):
    """A member of the public, as one platform account of one of our channel accounts."""

    account = models.ForeignKey(
        ChannelAccount, verbose_name=_("channel account"), on_delete=models.PROTECT, related_name="requesters"
    )
    external_id = models.CharField(_("platform user id"), max_length=255)
    display_name = models.CharField(_("name"), max_length=200, blank=True)
    # Which sub-channel (messenger / instagram for a Meta account) and which of our ids to answer from.
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    reply_from_id = models.CharField(max_length=255, blank=True)
    reply_to_id = models.CharField(max_length=255, blank=True)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    contact_phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=5, default="id")
    created_at = models.DateTimeField(auto_now_add=True)
    # When the first acknowledgement carrying the privacy notice's link was put in the outbox (social channels;
    # the web chat shows the notice in the widget before the first message).
    privacy_notice_at = models.DateTimeField(_("privacy notice sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("requester")
        verbose_name_plural = _("requesters")
        constraints = [
            models.UniqueConstraint(fields=["account", "external_id"], name="requester_account_external_unique")
        ]

    def __str__(self) -> str:
        # Shown in lists and titles: a name someone typed as their NIK or phone number is masked (clause a.1.2).
        if self.display_name:
            return mask_text(self.display_name)
        return _("Anonymous %(id)s") % {"id": self.external_id[-6:]}


class Inquiry(SlaTracked):
    """One requester's question on one channel account, from the first message to its close.

    Its status changes only in ``tickets.lifecycle``; its SLA state (the fields of ``sla.models.SlaTracked``)
    is stamped only by ``sla.services``.
    """

    class SurveyStatus(models.TextChoices):
        NONE = "", _("not asked")
        PENDING = "pending", _("to be asked")
        SENT = "sent", _("asked")
        ANSWERED = "answered", _("answered")
        WINDOW_CLOSED = "window_closed", _("not asked: the reply window had closed")
        SKIPPED = "skipped", _("not asked")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        WAITING = "waiting", _("Waiting for requester")
        ESCALATED = "escalated", _("Escalated")
        CLOSED = "closed", _("Closed")

    class Outcome(models.TextChoices):
        NONE = "", _("—")
        ANSWERED = "answered", _("Answered")
        NO_REPLY = "no_reply", _("No reply from requester")
        NOT_REQUEST = "not_request", _("Not a request")
        DUPLICATE = "duplicate", _("Duplicate")

    office = models.ForeignKey(Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="inquiries")
    account = models.ForeignKey(
        ChannelAccount, verbose_name=_("channel account"), on_delete=models.PROTECT, related_name="inquiries"
    )
    requester = models.ForeignKey(
        Requester, verbose_name=_("requester"), on_delete=models.PROTECT, related_name="inquiries"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True, default="")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_inquiries",
    )
    # When an officer first held it (auto-assignment, taking it, being assigned, replying or escalating), and how
    # many of the office's officers were on duty when it arrived: the reports tell "no officer on duty" from
    # "assigned late" from "answered late" with them (null on rows filed before they were kept).
    assigned_at = models.DateTimeField(_("first assigned"), null=True, blank=True)
    on_duty_at_receipt = models.PositiveSmallIntegerField(_("officers on duty when it arrived"), null=True, blank=True)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    preview = models.CharField(_("first line"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("received"), db_index=True)
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True)
    last_inbound_at = models.DateTimeField(_("last message from requester"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # When its personal content was removed (privacy: retention or an erasure request); the figures stay.
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    # A reply that finally failed to reach the requester, until someone acts (a retry, a reply that arrives):
    # marked in the inbox list (SLA_RULES.md: a failed delivery alerts the officer).
    delivery_failed_at = models.DateTimeField(_("reply failed"), null=True, blank=True)
    topics = models.ManyToManyField("Topic", verbose_name=_("topics"), blank=True, related_name="inquiries")
    # The satisfaction survey (clause b.8.2): asked once after the answer, on the requester's channel. The rating
    # counts for the officer who answered (response_met_by) and never as a response to any SLA target.
    survey_status = models.CharField(
        _("survey"), max_length=14, choices=SurveyStatus.choices, blank=True, default=SurveyStatus.NONE
    )
    survey_sent_at = models.DateTimeField(_("survey sent"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)

    class Meta:
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        ordering = ["-received_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="inquiry_rating_1_to_5"
            ),
        ]
        indexes = [
            models.Index(fields=["office", "status", "response_due"], name="inquiry_office_status_due"),
            # The inbox: an office's open inquiries by due time (no sort of the whole office), and the queue
            # counts read from the index alone (the covered columns are what the queue filters look at).
            models.Index(
                "office",
                Coalesce("resolution_due", "response_due"),
                "id",
                condition=Q(status__in=["open", "waiting", "escalated"]),
                include=[
                    "status",
                    "assigned_to",
                    "paused_at",
                    "response_status",
                    "response_at_risk_at",
                    "response_met_at",
                    "resolution_status",
                    "resolution_at_risk_at",
                    "resolution_met_at",
                ],
                name="inquiry_open_office_due",
            ),
            models.Index(fields=["response_due"], condition=Q(response_status="running"), name="inq_resp_run"),
            models.Index(fields=["response_at_risk_at"], condition=Q(response_status="running"), name="inq_resp_risk"),
            models.Index(fields=["resolution_due"], condition=Q(resolution_status="running"), name="inq_reso_run"),
            # Only breached targets still unmet on open inquiries: the history of old breaches stays out.
            models.Index(
                fields=["response_head_at"],
                condition=Q(response_status="breached", response_met_at__isnull=True) & ~Q(status="closed"),
                name="inq_resp_head",
            ),
            models.Index(
                fields=["resolution_at_risk_at"], condition=Q(resolution_status="running"), name="inq_reso_risk"
            ),
            models.Index(
                fields=["resolution_head_at"],
                condition=Q(resolution_status="breached", resolution_met_at__isnull=True) & ~Q(status="closed"),
                name="inq_reso_head",
            ),
            models.Index(fields=["waiting_until"], condition=Q(status="waiting"), name="inq_waiting_until"),
            models.Index(fields=["requester", "status"], name="inquiry_requester_status"),
            # The survey's answer (tickets.survey): is this requester's message the reply to a survey asked?
            models.Index(
                fields=["requester", "survey_sent_at"], condition=Q(survey_status="sent"), name="inquiry_survey_sent"
            ),
            # Its re-drive (tickets.survey.surveys_redrive): recent closes whose survey was never queued.
            models.Index(
                fields=["closed_at"], condition=Q(status="closed", survey_status=""), name="inquiry_survey_unasked"
            ),
            # The period reports (supervision.reports): an office's inquiries by receipt, with every column the
            # report's aggregates read, so a month of an office (or of every office) is an index-only scan.
            models.Index(
                fields=["office", "received_at"],
                include=[
                    "id",
                    "account",
                    "assigned_to",
                    "late_arrival",
                    "response_status",
                    "response_due",
                    "response_met_at",
                    "response_met_by",
                    "response_working_seconds",
                    "resolution_status",
                    "resolution_due",
                ],
                name="inquiry_office_received",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.office.code}" if self.office_id else f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


OPEN_STATUSES = (Inquiry.Status.OPEN, Inquiry.Status.WAITING, Inquiry.Status.ESCALATED)


class Message(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "in", _("From requester")
        OUTBOUND = "out", _("To requester")
        INTERNAL = "internal", _("Internal")

    class Kind(models.TextChoices):
        MESSAGE = "message", _("Message")
        ANSWER = "answer", _("Answer")
        REQUEST_DATA = "request_data", _("Request for data")
        TICKET_NUMBER = "ticket_number", _("Ticket number")
        FINAL_ANSWER = "final_answer", _("Final answer")
        NOTE = "note", _("Internal note")
        SYSTEM = "system", _("System")

    inquiry = models.ForeignKey(Inquiry, verbose_name=_("inquiry"), on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices, default=Kind.MESSAGE)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("text"), blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    platform_id = models.CharField(_("platform message id"), max_length=255, blank=True)
    # A message the named staff member never sees (thread, API, search): the requester's notice of a complaint
    # about that colleague (complaints.services.complaint_from_inquiry); everyone else of the office does.
    withheld_from = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    # The request id (common.logging) under which it was filed or written: the webhook's for a requester's message
    # (carried through the inbound log into the worker), the officer's request for a reply. Log lines carry it.
    request_id = models.CharField(
        _("request id"), max_length=64, blank=True, editable=False, default=current_request_id
    )
    # An outbound message's entry in the transport's outbox (its delivery status, attempts and reason).
    outbound = models.OneToOneField(
        OutboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("delivery")
    )
    platform_sent_at = models.DateTimeField(_("sent by platform at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["inquiry", "created_at"], name="message_inquiry_created")]

    def __str__(self) -> str:
        return f"{self.get_direction_display()}: {mask_text(self.text)[:40]}"  # admin lists, logs: masked


class Attachment(models.Model):
    """A file in a thread (a photo, a PDF): sent by the requester on any channel, or by an officer with a reply.

    The bytes live in the private storage (``common.storage``: no URL), read only through views that check who
    asks. A platform's file is recorded at once as pending with the platform's reference (``source``), then fetched
    by ``tickets.attachments.fetch_attachment``; what cannot be accepted stays in the thread as refused, with why.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Being fetched")
        STORED = "stored", _("Stored")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Could not be fetched")

    message = models.ForeignKey(Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="files")
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    storage_name = models.CharField(max_length=255, blank=True)
    mime_type = models.CharField(_("type"), max_length=100, blank=True, help_text=_("Decided by the content."))
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    name = models.CharField(_("file name"), max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    source = models.JSONField(_("platform reference"), default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    stored_at = models.DateTimeField(_("stored"), null=True, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(status="pending"), name="attachment_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.pk} ({self.status})"

    # Why a file was refused (``reason`` of a refused row; a failed row's reason is the platform's own words).
    REASONS = {
        "type": _("not a photo or a PDF"),
        "size": _("larger than the size limit"),
        "empty": _("empty"),
        "missing": _("the file was not found"),
    }

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")

    @property
    def why(self) -> str:
        return str(self.REASONS.get(self.reason, self.reason))


# --- Escalation ------------------------------------------------------------------------------------------------
class Unit(models.Model):
    """A related unit an office escalates to: its own section, its regional office, a head-office directorate."""

    class Kind(models.TextChoices):
        SECTION = "section", _("Section of the office")
        REGIONAL = "regional", _("Regional office")
        DIRECTORATE = "directorate", _("Head-office directorate")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.SECTION)
    home_office = models.ForeignKey(
        Office, verbose_name=_("where it sits"), on_delete=models.PROTECT, related_name="own_units"
    )
    offices = models.ManyToManyField(
        Office, verbose_name=_("offices that escalate to it"), related_name="escalation_units", blank=True
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coordinated_units",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), related_name="units", blank=True
    )
    requires_approval = models.BooleanField(_("coordinator approves final answers"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["home_office__code", "name"]

    def __str__(self) -> str:
        return self.name


class TicketCounter(models.Model):
    """The last ticket number given per office and local date (one row, incremented in the transaction)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "day"], name="ticket_counter_office_day")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.day} {self.last}"


class Ticket(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        WAITING_INFO = "waiting_info", _("Waiting for information")
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        ANSWERED = "answered", _("Answered")

    number = models.CharField(_("ticket number"), max_length=40, unique=True)
    verification_hash = models.CharField(max_length=64)
    inquiry = models.OneToOneField(Inquiry, verbose_name=_("inquiry"), on_delete=models.PROTECT, related_name="ticket")
    office = models.ForeignKey(Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="tickets")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="tickets")
    status = models.CharField(_("status"), max_length=18, choices=Status.choices, default=Status.OPEN)
    summary = models.TextField(_("summary"))
    needed = models.TextField(_("what is needed"), blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    draft_answer = models.TextField(_("draft answer"), blank=True)
    draft_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    final_answer = models.TextField(_("final answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    delivery_note = models.CharField(_("delivery"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["unit", "status"], name="ticket_unit_status")]

    def __str__(self) -> str:
        return self.number


class TicketEvent(models.Model):
    """The ticket's own history: internal comments, requests for information, reassignments, approvals."""

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        REQUEST_INFO = "request_info", _("Request for information")
        REASSIGN = "reassign", _("Reassigned")
        DRAFT = "draft", _("Draft answer")
        APPROVAL = "approval", _("Approved")
        REJECTION = "rejection", _("Returned for changes")
        ANSWER = "answer", _("Final answer")
        STATUS = "status", _("Status")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class RequesterReference(models.Model):
    """An identity or document reference of a requester (NIK, NPWP, nomor aju, AWB, IMEI...), shown masked."""

    class Source(models.TextChoices):
        OFFICER = "officer", _("Entered by an officer")
        MESSAGE = "message", _("Found in the requester's message")

    requester = models.ForeignKey(Requester, on_delete=models.CASCADE, related_name="references")
    inquiry = models.ForeignKey(Inquiry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("kind"), max_length=10)
    value = models.CharField(_("value"), max_length=64)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.OFFICER)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("identity or document reference")
        verbose_name_plural = _("identity and document references")
        constraints = [
            models.UniqueConstraint(fields=["requester", "kind", "value"], name="reference_requester_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {mask(self.value)}"


class Topic(models.Model):
    """What an inquiry is about (barang kiriman, penumpang, IMEI...): a list admins keep; reports break down by it."""

    slug = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (Indonesian)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def label(self, language: str = "id") -> str:
        return self.name_en if language.startswith("en") and self.name_en else self.name


class CannedAnswer(models.Model):
    """Knowledge base: answers officers insert and edit (national, or one office's own)."""

    office = models.ForeignKey(
        Office,
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_answers",
        help_text=_("Empty: national, for every office."),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("answer"))
    tags = models.CharField(_("keywords"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("canned answer")
        verbose_name_plural = _("knowledge base")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Consultation(models.Model):
    """An officer asks the coordinator, a superior or a unit from the thread (clause a.2.3); internal only."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="consultations")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="consultations"
    )
    to_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="consultations")
    question = models.TextField(_("question"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_user__isnull=False) | Q(to_unit__isnull=False), name="consultation_has_recipient"
            )
        ]

    def __str__(self) -> str:
        return f"{self.inquiry_id}: {self.question[:40]}"
