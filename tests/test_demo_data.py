import io

import pytest
from django.core.management import call_command

from channels_intake.models import ChannelAccount
from offices.models import Office, Role, StaffProfile
from tickets.models import Inquiry


def counts():
    return {model.__name__: model.objects.count() for model in (Office, StaffProfile, ChannelAccount, Inquiry)}


@pytest.mark.django_db
def test_load_demo_gives_real_offices_staff_channels_and_inquiries_and_is_idempotent():
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

    call_command("load_demo", stdout=io.StringIO())
    assert counts() == first
