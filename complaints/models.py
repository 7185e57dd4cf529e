"""Complaints, suggestions and feedback (clause a.6), handled by internal compliance."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from offices.models import Office


class Complaint(models.Model):
    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint")
        SUGGESTION = "suggestion", _("Suggestion")
        FEEDBACK = "feedback", _("Feedback")

    class Channel(models.TextChoices):
        SIPUMA = "sipuma", _("SIPUMA (online)")
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone (Bravo Bea Cukai 1500 225)")
        FAX = "fax", _("Fax")
        LETTER = "letter", _("Letter")
        IN_PERSON = "in_person", _("In person at the compliance unit")
        WEBCHAT = "webchat", _("Web chat or social media")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        IN_REVIEW = "in_review", _("In review")
        CLOSED = "closed", _("Closed")

    office = models.ForeignKey(Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="complaints")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.COMPLAINT)
    channel = models.CharField(_("received through"), max_length=10, choices=Channel.choices)
    register_number = models.CharField(_("register number"), max_length=40, blank=True)
    complainant_name = models.CharField(_("complainant"), max_length=200, blank=True)
    complainant_contact = models.CharField(_("contact"), max_length=200, blank=True)
    matter = models.TextField(_("matter"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    occurred_at = models.DateTimeField(_("when it happened"), null=True, blank=True)
    parties = models.TextField(_("parties involved"), blank=True)
    chronology = models.TextField(_("chronology"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    inquiry = models.ForeignKey(
        "tickets.Inquiry", null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints"
    )
    # The officer a complaint is about never sees it; only compliance staff do.
    about_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED)
    resolution = models.TextField(_("resolution"), blank=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.register_number or f"#{self.pk}"
