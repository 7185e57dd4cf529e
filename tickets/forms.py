"""The forms of the officer's and the units' pages and of the public lookup."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from channels_intake.adapters import kinds, sub_channels
from channels_intake.models import kind_choices

from . import selectors
from .models import Inquiry, Unit
from .replies import MAX_REPLY_LENGTH


def channel_filter_choices() -> list[tuple[str, str]]:
    """Any channel, each account kind, and the sub-channels that are not kinds of their own (Messenger...)."""
    own = set(kinds())
    return [
        ("", gettext("Any channel")),
        *kind_choices(),
        *[(channel, channel.title()) for channel in sub_channels() if channel not in own],
    ]


class ReplyForm(forms.Form):
    KIND_CHOICES = [
        ("answer", _("Answer (meets the response target)")),
        ("request_data", _("Request for data (pauses the clock)")),
        ("message", _("Message")),
    ]
    text = forms.CharField(label=_("Reply"), max_length=MAX_REPLY_LENGTH, widget=forms.Textarea(attrs={"rows": 4}))
    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES, initial="answer")


class InboxFilterForm(forms.Form):
    queue = forms.ChoiceField(required=False, choices=[(q, q) for q in selectors.QUEUES])
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=channel_filter_choices,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Inquiry.Status.choices],
    )
    officer = forms.TypedChoiceField(label=_("Officer"), required=False, coerce=int, empty_value=None)
    received_from = forms.DateField(label=_("From"), required=False)
    received_to = forms.DateField(label=_("Until"), required=False)

    def __init__(self, *args, officers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].choices = [("", gettext("Any officer")), *[(u.pk, u.get_username()) for u in officers]]


class EscalateForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    summary = forms.CharField(label=_("Summary for the unit"), widget=forms.Textarea(attrs={"rows": 3}))
    needed = forms.CharField(label=_("What is needed"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, office_code: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.units_for_office(office_code=office_code)


class LookupForm(forms.Form):
    number = forms.CharField(label=_("Ticket number"), max_length=40)
    code = forms.CharField(label=_("Verification code"), max_length=20)
