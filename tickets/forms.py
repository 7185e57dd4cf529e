from django import forms
from django.utils.translation import gettext_lazy as _

from .services import MAX_REPLY_LENGTH


class ReplyForm(forms.Form):
    KIND_CHOICES = [
        ("answer", _("Answer (meets the response target)")),
        ("request_data", _("Request for data (pauses the clock)")),
        ("message", _("Message")),
    ]
    text = forms.CharField(label=_("Reply"), max_length=MAX_REPLY_LENGTH, widget=forms.Textarea(attrs={"rows": 4}))
    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES, initial="answer")


class InboxFilterForm(forms.Form):
    QUEUES = [
        ("open", _("All open")),
        ("unassigned", _("Unassigned")),
        ("mine", _("Mine")),
        ("closed", _("Closed")),
    ]
    queue = forms.ChoiceField(choices=QUEUES, required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
