import io

import pytest
from django.core.management import call_command

from channels_intake.models import ChannelAccount
from offices.models import Office, Role, StaffProfile
from tickets.models import Inquiry, Message


def counts():
    return {model.__name__: model.objects.count() for model in (Office, StaffProfile, ChannelAccount, Inquiry)}


@pytest.mark.django_db
def test_load_demo_gives_real_offices_staff_channels_and_inquiries_and_is_idempotent(settings):
    settings.SOCIAL_ACKNOWLEDGEMENT = True  # as in production (the suite switches it off)
    call_command("load_demo", stdout=io.StringIO())
    first = counts()
    zones = dict(Office.objects.values_list("code", "timezone"))
    assert zones["050100"] == "Asia/Jakarta"
    assert {"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"} <= set(zones.values())
    assert Office.objects.get(code="050100").name == "KPU BC Tipe C Soekarno-Hatta"
    for office in Office.objects.filter(code__in=["050100", "090400", "180100"]):
        roles = set(StaffProfile.objects.filter(office=office).values_list("role", flat=True))
        assert {Role.OFFICER, Role.COORDINATOR, Role.HEAD, Role.COMPLIANCE, Role.ADMIN} <= roles
        assert set(ChannelAccount.objects.filter(office=office).values_list("kind", flat=True)) == {
            "webchat",
            "meta",
            "whatsapp",
            "telegram",
            "x",
        }
    assert Inquiry.objects.count() >= 36
    assert len(set(Inquiry.objects.values_list("status", flat=True))) >= 2
    assert Inquiry.objects.filter(response_due__isnull=False).count() == Inquiry.objects.count()
    # Social channels' threads open with the acknowledgement (history: delivered, with the privacy link); the web
    # chat's do not (the widget shows the promise and the notice).
    social = Inquiry.objects.exclude(account__kind="webchat")
    acknowledged = Message.objects.filter(kind=Message.Kind.SYSTEM, direction="out", outbound__status="sent")
    assert acknowledged.filter(inquiry__in=social).count() == social.count() > 0
    assert not acknowledged.filter(inquiry__account__kind="webchat").exists()
    assert all("/privasi/" in text for text in acknowledged.values_list("text", flat=True))

    call_command("load_demo", stdout=io.StringIO())
    assert counts() == first
