"""Forms of the public complaint page and of compliance's workspace. Fields the services check themselves (what
a complaint needs) are optional here, so the message is the service's, the same on every path."""

from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from offices.models import Office

from .models import Complaint
from .selectors import office_colleagues
from .services import MANUAL_CHANNELS, MAX_TEXT


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def office_choices():
    return [("", "—")] + [
        (office.code, f"{office.code} {office.name}")
        for office in Office.objects.filter(is_active=True).order_by("code")
    ]


def text_area(rows: int = 4):
    return forms.CharField(required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": rows}))


class ComplaintFieldsForm(forms.Form):
    office = forms.ChoiceField(label=_("Office concerned"), choices=office_choices)
    kind = forms.ChoiceField(label=_("This is a"), choices=Complaint.Kind.choices, initial=Complaint.Kind.COMPLAINT)
    concerns = forms.ChoiceField(
        label=_("About"), choices=Complaint.Concerns.choices, initial=Complaint.Concerns.SERVICE, required=False
    )
    complainant_name = forms.CharField(label=_("Your name"), required=False, max_length=200)
    complainant_contact = forms.CharField(label=_("Your contact (e-mail or phone)"), required=False, max_length=200)
    anonymous = forms.BooleanField(label=_("I want to stay anonymous"), required=False)
    matter = text_area(3)
    place = forms.CharField(label=_("Place"), required=False, max_length=200)
    occurred_at = forms.DateTimeField(
        label=_("When it happened"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    parties = text_area(2)
    chronology = text_area(5)
    evidence = MultipleFileField(label=_("Evidence (photos or PDF)"), required=False)

    field_order = ["office", "kind", "concerns", "complainant_name", "complainant_contact", "anonymous"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["matter"].label = _("What happened (the matter)")
        self.fields["parties"].label = _("Parties involved")
        self.fields["chronology"].label = _("Chronology")

    def clean_office(self):
        office = Office.objects.filter(code=self.cleaned_data["office"], is_active=True).first()
        if office is None:
            raise forms.ValidationError(_("Choose the office concerned."))
        return office

    def clean(self):
        data = super().clean()
        occurred, office = data.get("occurred_at"), data.get("office")
        if occurred is not None and office is not None:
            # The visitor wrote the office's local time: read it in the office's zone, not the server's.
            naive = timezone.make_naive(occurred) if timezone.is_aware(occurred) else occurred
            data["occurred_at"] = naive.replace(tzinfo=ZoneInfo(office.timezone))
        return data

    def service_data(self) -> dict:
        return {
            name: self.cleaned_data.get(name)
            for name in (
                "kind",
                "concerns",
                "complainant_name",
                "complainant_contact",
                "anonymous",
                "matter",
                "place",
                "occurred_at",
                "parties",
                "chronology",
            )
        }


class PublicComplaintForm(ComplaintFieldsForm):
    pass


class ManualComplaintForm(ComplaintFieldsForm):
    """Compliance staff enter what came by e-mail, phone, fax, letter or in person."""

    channel = forms.ChoiceField(label=_("Received through"), choices=[(c.value, c.label) for c in MANUAL_CHANNELS])
    sipuma_number = forms.CharField(label=_("SIPUMA register number"), required=False, max_length=60)
    about_user = forms.ModelChoiceField(
        label=_("Officer concerned (if known)"), required=False, queryset=get_user_model().objects.none()
    )
    evidence_text = text_area(2)
    field_order = ["channel", "office", "kind", "concerns", "about_user", "sipuma_number"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["complainant_name"].label = _("Complainant's name")
        self.fields["complainant_contact"].label = _("Complainant's contact")
        self.fields["anonymous"].label = _("Anonymous")
        self.fields["evidence_text"].label = _("Evidence received on paper (described)")
        self.fields["about_user"].queryset = (
            get_user_model()
            .objects.filter(staff__isnull=False, is_active=True)
            .select_related("staff__office")
            .order_by("staff__office__code", "username")
        )
        self.fields["about_user"].label_from_instance = lambda u: (
            f"{u.get_full_name() or u.get_username()} ({u.staff.office.code})"
        )

    def service_data(self) -> dict:
        data = super().service_data()
        data["sipuma_number"] = self.cleaned_data.get("sipuma_number")
        data["evidence"] = self.cleaned_data.get("evidence_text")
        return data


class FromInquiryForm(forms.Form):
    kind = forms.ChoiceField(choices=Complaint.Kind.choices, required=False)
    concerns = forms.ChoiceField(choices=Complaint.Concerns.choices, required=False)
    matter = forms.CharField(required=False, max_length=MAX_TEXT)
    # The colleague it is about: one of the office's staff (never the officer filing it).
    about_user = forms.ModelChoiceField(
        label=_("Officer concerned"),
        required=False,
        queryset=get_user_model().objects.none(),
        error_messages={"invalid_choice": _("Choose a colleague of this office.")},
    )

    def __init__(self, *args, office=None, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        if office is not None:
            self.fields["about_user"].queryset = office_colleagues(office=office, actor=actor)


class FilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("open", _("Open")), ("", _("All")), *Complaint.Status.choices])
    kind = forms.ChoiceField(required=False, choices=[("", _("Any kind")), *Complaint.Kind.choices])
    q = forms.CharField(required=False, max_length=100)
    overdue = forms.BooleanField(required=False)


class TextForm(forms.Form):
    text = forms.CharField(required=False, max_length=MAX_TEXT)


class FollowUpForm(TextForm):
    kind = forms.ChoiceField(
        choices=[
            ("clarification", _("Ask the complainant for a clarification")),
            ("explanation", _("Ask the unit concerned for its explanation")),
        ]
    )


class ConcludeForm(forms.Form):
    substantiated = forms.TypedChoiceField(
        required=False,
        choices=[("", "—"), ("yes", _("Substantiated")), ("no", _("Not substantiated"))],
        coerce=lambda v: {"yes": True, "no": False}.get(v),
        empty_value=None,
    )
    conclusion = forms.CharField(required=False, max_length=MAX_TEXT)
    action_taken = forms.CharField(required=False, max_length=MAX_TEXT)


class InformForm(forms.Form):
    note = forms.CharField(required=False, max_length=MAX_TEXT)
    send_on_channel = forms.BooleanField(required=False)


class EvidenceForm(forms.Form):
    evidence = MultipleFileField(required=False)
