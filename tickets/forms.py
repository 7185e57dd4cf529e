"""The forms of the officer's and the units' pages and of the public lookup.

Each POST of those pages goes through a form, so what the database cannot take (a NUL character, an id that is
not a number or is out of range) comes back as a form error, never a 500. Rules stay in the services: a field
the service checks itself (an empty note, an unknown outcome) is optional here, so its message is the service's.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from channels_intake.adapters import kinds, sub_channels
from channels_intake.models import kind_choices

from . import selectors
from .identifiers import KINDS
from .models import Inquiry, Ticket, Unit
from .replies import MAX_REPLY_LENGTH

MAX_TEXT_LENGTH = 10_000


class IdField(forms.IntegerField):
    """A row id: a positive integer the database can hold."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", selectors.MAX_DB_ID)
        super().__init__(**kwargs)


def form_errors(form: forms.Form) -> str:
    """A form's errors as one line, for the flash message of a page that redirects."""
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


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
    text = forms.CharField(
        label=_("Reply"), max_length=MAX_REPLY_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES, initial="answer")
    # A photo or PDF sent with the reply where the channel takes files (checked by tickets.attachments).
    file = forms.FileField(
        label=_("Attach a photo or PDF"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif,application/pdf"}),
    )

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("text") or "").strip() and not cleaned.get("file") and "text" not in self.errors:
            self.add_error("text", _("Write the reply first."))
        return cleaned


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
        self.fields["officer"].choices = [
            ("", gettext("Any officer")),
            *[(u.pk, u.get_full_name() or u.get_username()) for u in officers],
        ]


class EscalateForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    summary = forms.CharField(label=_("Summary for the unit"), widget=forms.Textarea(attrs={"rows": 3}))
    needed = forms.CharField(label=_("What is needed"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, office_code: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.units_for_office(office_code=office_code)


class NoteForm(forms.Form):
    text = forms.CharField(required=False, max_length=MAX_TEXT_LENGTH)


class AssignForm(forms.Form):
    """Assign to an officer of the inquiry's office; empty unassigns."""

    to_user = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False)

    def __init__(self, *args, office_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = get_user_model().objects.filter(staff__office_id=office_id)
        self.fields["to_user"].error_messages["invalid_choice"] = gettext("Choose an officer of this office.")


class ConsultForm(forms.Form):
    """Ask a colleague of the office (`user:<id>`) or a unit the office escalates to (`unit:<id>`)."""

    to = forms.RegexField(r"^(user|unit):[0-9]{1,18}$", required=False)
    question = forms.CharField(required=False, max_length=MAX_TEXT_LENGTH)

    def __init__(self, *args, inquiry: Inquiry, **kwargs):
        super().__init__(*args, **kwargs)
        self.inquiry = inquiry
        self.fields["to"].error_messages["invalid"] = gettext("Ask one person or one unit.")

    def clean(self):
        cleaned = super().clean()
        kind, _sep, pk = (cleaned.get("to") or "").partition(":")
        cleaned["to_user"] = cleaned["to_unit"] = None
        if kind == "user":
            cleaned["to_user"] = (
                get_user_model().objects.filter(pk=int(pk), staff__office_id=self.inquiry.office_id).first()
            )
        elif kind == "unit":
            units = selectors.units_for_office(office_code=self.inquiry.office.code)
            cleaned["to_unit"] = units.filter(pk=int(pk)).first()
        return cleaned


class ConsultationAnswerForm(forms.Form):
    answer = forms.CharField(required=False, max_length=MAX_TEXT_LENGTH)


class ResolveForm(forms.Form):
    outcome = forms.CharField(required=False, max_length=20)
    duplicate_of = forms.RegexField(r"^#?[0-9]{1,18}$", required=False)

    def clean_duplicate_of(self):
        raw = self.cleaned_data["duplicate_of"]
        return int(raw.lstrip("#")) if raw else None


class ReferenceForm(forms.Form):
    kind = forms.ChoiceField(choices=list(KINDS.items()))
    value = forms.CharField(max_length=100)


class CannedAnswerForm(forms.Form):
    """A knowledge-base answer; a checkbox left unticked (`is_active`, `national`) is sent as nothing: off."""

    pk = IdField(required=False)
    title = forms.CharField(required=False, max_length=200)
    body = forms.CharField(required=False, max_length=MAX_TEXT_LENGTH)
    tags = forms.CharField(required=False, max_length=300)
    national = forms.BooleanField(required=False)
    is_active = forms.BooleanField(required=False)


class KnowledgeBaseQuery(forms.Form):
    q = forms.CharField(required=False)
    edit = IdField(required=False)


class TicketQueueFilter(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", ""), *Ticket.Status.choices])
    unit = IdField(required=False)
    q = forms.CharField(required=False)


class TicketActionForm(forms.Form):
    """The fields of every ticket action; each action's service says which it needs."""

    text = forms.CharField(required=False, max_length=MAX_TEXT_LENGTH)
    ask = forms.CharField(required=False, max_length=20)
    unit = IdField(required=False)
    reason = forms.CharField(required=False, max_length=MAX_TEXT_LENGTH)
    how = forms.CharField(required=False, max_length=300)


class LookupForm(forms.Form):
    number = forms.CharField(label=_("Ticket number"), max_length=40)
    code = forms.CharField(label=_("Verification code"), max_length=20)
