"""Complaints, suggestions and feedback (clause a.6), handled by internal compliance.

A complaint is routed at intake to the compliance unit that handles it (``handling_office``): the office
concerned, or the regional office above it when it is about the head of office or compliance staff
(``complaints.routing``). Only compliance staff of that office's reach ever read it, never the person it is
about (``complaints.selectors``); every opening and every evidence download is in the audit log.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from offices.models import Office


class Complaint(models.Model):
    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint")
        SUGGESTION = "suggestion", _("Suggestion")
        FEEDBACK = "feedback", _("Feedback")

    class Channel(models.TextChoices):
        WEB_FORM = "web_form", _("Complaint form on this site")
        SIPUMA = "sipuma", _("SIPUMA (online)")
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone (Bravo Bea Cukai 1500 225)")
        FAX = "fax", _("Fax")
        LETTER = "letter", _("Letter")
        IN_PERSON = "in_person", _("In person at the compliance unit")
        WEBCHAT = "webchat", _("Web chat")
        SOCIAL = "social", _("Social-media message")
        HELP_DESK = "help_desk", _("The office's help desk")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        IN_REVIEW = "in_review", _("Under review")
        FOLLOW_UP = "follow_up", _("Follow-up")
        CONCLUDED = "concluded", _("Concluded")
        INFORMED = "informed", _("Complainant informed")

    class Concerns(models.TextChoices):
        SERVICE = "service", _("The service in general")
        OFFICER = "officer", _("An officer")
        HEAD = "head", _("The head of office")
        COMPLIANCE = "compliance", _("Internal compliance staff")

    office = models.ForeignKey(Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="complaints")
    # The compliance unit that handles it (the office, or its regional office: complaints.routing).
    handling_office = models.ForeignKey(
        Office,
        verbose_name=_("handled by the compliance unit of"),
        on_delete=models.PROTECT,
        related_name="handled_complaints",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.COMPLAINT)
    channel = models.CharField(_("received through"), max_length=12, choices=Channel.choices)
    register_number = models.CharField(_("register number"), max_length=40, blank=True)
    sipuma_number = models.CharField(_("SIPUMA register number"), max_length=60, blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    complainant_name = models.CharField(_("complainant"), max_length=200, blank=True)
    complainant_contact = models.CharField(_("contact"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=5, default="id")
    concerns = models.CharField(_("about"), max_length=12, choices=Concerns.choices, default=Concerns.SERVICE)
    matter = models.TextField(_("matter"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    occurred_at = models.DateTimeField(_("when it happened"), null=True, blank=True)
    parties = models.TextField(_("parties involved"), blank=True)
    chronology = models.TextField(_("chronology"), blank=True)
    evidence = models.TextField(_("evidence (described)"), blank=True)
    inquiry = models.ForeignKey(
        "tickets.Inquiry", null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints"
    )
    # The officer a complaint is about never sees it; only compliance staff do.
    about_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer concerned"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED)
    substantiated = models.BooleanField(_("substantiated"), null=True, blank=True)
    resolution = models.TextField(_("conclusion"), blank=True)
    action_taken = models.TextField(_("action taken"), blank=True)
    informed_note = models.TextField(_("how the complainant was informed"), blank=True)
    # The due time of the current stage (working days on the handling office's calendar: complaints.policy),
    # the moment of its reminder, and whether the reminder and the breach notice went (each once per stage).
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    breach_noticed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    concluded_at = models.DateTimeField(_("concluded"), null=True, blank=True)
    closed_at = models.DateTimeField(_("complainant informed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["register_number"], condition=~Q(register_number=""), name="complaint_register_unique"
            )
        ]
        indexes = [
            models.Index(fields=["handling_office", "status", "created_at"], name="complaint_handling_idx"),
            models.Index(fields=["remind_at"], condition=Q(reminded_at__isnull=True), name="complaint_remind_idx"),
            models.Index(fields=["due_at"], condition=Q(breach_noticed_at__isnull=True), name="complaint_due_idx"),
        ]

    def __str__(self) -> str:
        return self.register_number or f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.INFORMED


OPEN_STATUSES = (
    Complaint.Status.RECEIVED,
    Complaint.Status.IN_REVIEW,
    Complaint.Status.FOLLOW_UP,
    Complaint.Status.CONCLUDED,
)


class ComplaintCounter(models.Model):
    """The last register number given per office and year (complaints.numbering: one atomic upsert)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "year"], name="complaint_counter_office_year")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.year}: {self.last}"


class ComplaintEvidence(models.Model):
    """One evidence file, in the private storage (no URL); read only by compliance, each download logged."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="evidence_files")
    path = models.CharField(max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=60)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class ComplaintEvent(models.Model):
    """The complaint's history as compliance sees it: each state change, clarification, explanation and note."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        REVIEW = "review", _("Review started")
        CLARIFICATION = "clarification", _("Clarification asked of the complainant")
        EXPLANATION = "explanation", _("Explanation asked of the unit")
        REPLY = "reply", _("Answer received")
        RESUMED = "resumed", _("Back under review")
        CONCLUDED = "concluded", _("Concluded")
        INFORMED = "informed", _("Complainant informed")
        NOTE = "note", _("Note")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    text = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind}"


class ComplaintPolicy(models.Model):
    """Due dates of the workflow in working days of the handling office's calendar: one global row (office
    empty) and optional per-office overrides; without any row the defaults below apply."""

    office = models.OneToOneField(
        Office,
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="complaint_policy",
        help_text=_("Empty: the global policy."),
    )
    review_working_days = models.PositiveSmallIntegerField(
        _("start the review within (working days)"), default=3, validators=[MinValueValidator(1)]
    )
    conclude_working_days = models.PositiveSmallIntegerField(
        _("conclude within (working days of receipt)"), default=14, validators=[MinValueValidator(1)]
    )
    inform_working_days = models.PositiveSmallIntegerField(
        _("inform the complainant within (working days of the conclusion)"),
        default=3,
        validators=[MinValueValidator(1)],
    )
    reminder_working_days = models.PositiveSmallIntegerField(
        _("remind this many working days before a due date"),
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(30)],
    )

    class Meta:
        verbose_name = _("complaint due-date policy")
        verbose_name_plural = _("complaint due-date policies")
        constraints = [
            models.UniqueConstraint(models.Value(1), condition=Q(office__isnull=True), name="complaint_policy_global"),
        ]

    def __str__(self) -> str:
        return str(_("Global policy")) if self.office_id is None else self.office.code
