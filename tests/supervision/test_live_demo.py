"""The demo's supervision (issue 13, point 4): a regional office above Soekarno-Hatta and Tanjung Priok, users who
see the roll-up, and topics on the demo inquiries; a second run changes nothing."""

import importlib
import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from audit.models import AuditEvent
from offices.models import Office, Role, StaffProfile
from tickets.models import Inquiry, Topic, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def seeded_topics():
    """The migration's seeded list (absent when the test database is built without migrations)."""
    seed = importlib.import_module("tickets.migrations.0008_topics").SEED
    for position, (slug, name, name_en) in enumerate(seed):
        Topic.objects.get_or_create(slug=slug, defaults={"name": name, "name_en": name_en, "position": position})


def snapshot():
    return {
        "offices": sorted(Office.objects.values_list("code", "parent__code")),
        "staff": sorted(StaffProfile.objects.values_list("user__username", "office__code", "role")),
        "units": sorted(Unit.objects.values_list("name", flat=True)),
        "topics": sorted(Inquiry.topics.through.objects.values_list("inquiry_id", "topic__slug")),
        "audit": AuditEvent.objects.filter(action="inquiry.topics").count(),
    }


def test_the_demo_has_a_region_with_its_roll_up_users_and_tagged_inquiries():
    call_command("load_demo", stdout=io.StringIO())
    first = snapshot()
    kanwil = Office.objects.get(code="040000")
    assert kanwil.kind == Office.Kind.REGIONAL and kanwil.name == "Kanwil DJBC Jakarta"
    assert set(kanwil.children.values_list("code", flat=True)) == {"050100", "040300"}
    assert Unit.objects.filter(home_office=kanwil, offices__code="050100").exists()  # escalation to the region
    for username, code in [("kanwil.jakarta", "040000"), ("kanwil.sulbagsel", "090000"),
                           ("kanwil.papua", "180000"), ("pusat.pengawas", "001000")]:  # fmt: skip
        profile = StaffProfile.objects.get(user__username=username)
        assert (profile.office.code, profile.role) == (code, Role.SUPERVISOR)
    # every demo inquiry has a topic, read from its question
    assert not Inquiry.objects.filter(topics__isnull=True).exists()
    imei = Inquiry.objects.filter(preview__icontains="IMEI").first()
    if imei is not None:
        assert "imei" in set(imei.topics.values_list("slug", flat=True))

    # the roll-up: the Kanwil's supervisor sees its two offices side by side, head office every office
    client = Client()
    client.force_login(User.objects.get(username="kanwil.jakarta"))
    rows = {row.office.code for row, _links in client.get("/sla/live/").context["rows"]}
    assert rows == {"040000", "050100", "040300"}
    assert client.get("/sla/live/?office=090400").status_code == 404
    client.force_login(User.objects.get(username="pusat.pengawas"))
    rows = {row.office.code for row, _links in client.get("/sla/live/").context["rows"]}
    assert {"050100", "040300", "090400", "180100"} <= rows
    client.force_login(User.objects.get(username="kanwil.sulbagsel"))
    assert client.get("/sla/live/?office=090400").status_code == 200
    assert client.get("/sla/live/?office=050100").status_code == 404

    call_command("load_demo", stdout=io.StringIO())
    assert snapshot() == first
