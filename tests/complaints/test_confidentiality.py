"""Routing and confidentiality for every role: the compliance unit of the office or of its region handles a
complaint; the person it is about never sees it (list, count, search, API, page, download); supervisors see
counts only; compliance of another office sees nothing; every opening and download is logged and shown."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from audit.models import AuditEvent
from complaints import services
from complaints.models import Complaint
from complaints.routing import handling_office_for
from offices.models import Office, Role
from sla.models import Notification
from tests import factories

from .conftest import PNG

DATA = {"kind": "complaint", "matter": "Pungutan liar di gudang", "place": "Gudang", "chronology": "..."}


def record(world, *, office=None, concerns="service", about=None, files=None) -> Complaint:
    return services.complaint_record(
        actor=world.compliance_region,
        office=office or world.office,
        channel="phone",
        data={**DATA, "concerns": concerns},
        about_user=about,
        files=files,
    )


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def sees(user, complaint) -> dict[str, bool]:
    """Where ``user`` meets ``complaint``: the workspace list, its search, the page, the API list and record."""
    number = complaint.register_number
    client, rest = logged_in(user), api(user)
    listed = client.get("/kepatuhan/")
    searched = client.get("/kepatuhan/", {"q": number, "status": ""})
    api_list = rest.get("/api/v1/complaints/", {"q": number})
    return {
        # a row links the complaint (the search box echoes what was typed, not a row)
        "list": listed.status_code == 200 and f"/kepatuhan/{number}/" in listed.content.decode(),
        "search": searched.status_code == 200 and f"/kepatuhan/{number}/" in searched.content.decode(),
        "page": client.get(f"/kepatuhan/{number}/").status_code == 200,
        "api list": api_list.status_code == 200 and f'"register_number":"{number}"' in api_list.content.decode(),
        "api record": rest.get(f"/api/v1/complaints/{number}/").status_code == 200,
    }


NOWHERE = {"list": False, "search": False, "page": False, "api list": False, "api record": False}
EVERYWHERE = {"list": True, "search": True, "page": True, "api list": True, "api record": True}


# --- Routing ----------------------------------------------------------------------------------------------------
def test_a_complaint_about_an_officer_goes_to_the_office_compliance(world):
    assert handling_office_for(office=world.office, concerns="officer", about_user=world.officer) == world.office


@pytest.mark.parametrize("concerns", ["head", "compliance"])
def test_about_the_head_or_compliance_it_goes_to_the_region(world, concerns):
    assert handling_office_for(office=world.office, concerns=concerns) == world.region


@pytest.mark.parametrize("role", ["head", "compliance"])
def test_a_named_head_or_compliance_officer_sends_it_up_whatever_was_ticked(world, role):
    about = world.head if role == "head" else world.compliance
    assert handling_office_for(office=world.office, concerns="service", about_user=about) == world.region


def test_an_office_without_a_region_sends_it_to_the_head_office(world):
    head_office = factories.OfficeFactory(code="001000", kind=Office.Kind.HEAD_OFFICE)
    kpu = factories.OfficeFactory(code="050100")
    assert handling_office_for(office=kpu, concerns="head") == head_office


# --- Every role -------------------------------------------------------------------------------------------------
def test_the_office_compliance_sees_it_everywhere_and_the_region_too(world):
    complaint = record(world, concerns="officer", about=world.colleague)
    assert sees(world.compliance, complaint) == EVERYWHERE
    assert sees(world.compliance_region, complaint) == EVERYWHERE


def test_compliance_of_another_office_sees_nothing(world):
    complaint = record(world)
    assert sees(world.compliance_other, complaint) == NOWHERE
    assert logged_in(world.compliance_other).get(f"/kepatuhan/{complaint.register_number}/").status_code == 404


@pytest.mark.parametrize("role", ["officer", "colleague", "coordinator", "supervisor", "head", "regional_head"])
def test_no_other_role_reads_a_complaint(world, role):
    complaint = record(world)
    assert sees(getattr(world, role), complaint) == NOWHERE


def test_the_compliance_officer_a_complaint_is_about_never_sees_it(world):
    """Even compliance staff: about them, it goes up to the region, and they neither read nor count it."""
    complaint = record(world, concerns="compliance", about=world.compliance)
    assert complaint.handling_office == world.region
    assert sees(world.compliance, complaint) == NOWHERE
    assert sees(world.compliance_region, complaint) == EVERYWHERE
    counts = api(world.compliance).get("/api/v1/complaints/counts/").json()
    assert counts["totals"]["total"] == 0
    assert not Notification.objects.filter(user=world.compliance).exists()
    assert Notification.objects.filter(user=world.compliance_region, kind="complaint.new").count() == 1


def test_regional_compliance_named_in_a_complaint_does_not_see_it_either(world):
    complaint = record(world, concerns="officer", about=world.compliance_region)
    assert sees(world.compliance_region, complaint) == NOWHERE
    assert sees(world.compliance, complaint)["page"] is False  # routed up: not the office unit's to read


def test_supervisors_see_counts_not_contents(world):
    record(world)
    record(world, office=world.other_office)
    for user, total in ((world.coordinator, 1), (world.supervisor, 1), (world.head, 1), (world.regional_head, 2)):
        page = logged_in(user).get("/kepatuhan/jumlah/")
        assert page.status_code == 200
        assert "Pungutan liar" not in page.content.decode()
        body = api(user).get("/api/v1/complaints/counts/").json()
        assert body["totals"]["total"] == total and body["channels"] == {"phone": total}
    assert logged_in(world.officer).get("/kepatuhan/jumlah/").status_code == 403
    assert api(world.officer).get("/api/v1/complaints/counts/").status_code == 403


def test_the_head_a_complaint_is_about_does_not_count_it(world):
    record(world)
    record(world, concerns="head")
    record(world, concerns="officer", about=world.head)
    assert api(world.head).get("/api/v1/complaints/counts/").json()["totals"]["total"] == 1
    assert api(world.regional_head).get("/api/v1/complaints/counts/").json()["totals"]["total"] == 3


def test_the_officer_concerned_is_never_notified_nor_shown_in_navigation(world):
    record(world, concerns="officer", about=world.officer)
    assert not Notification.objects.filter(user=world.officer).exists()
    page = logged_in(world.officer).get("/inbox/").content.decode()
    assert "/kepatuhan/" not in page


# --- The audit of reads and downloads ---------------------------------------------------------------------------
def test_every_opening_and_download_is_logged_and_compliance_sees_who_read_what(world):
    complaint = record(world, files=[SimpleUploadedFile("foto.png", PNG)])
    evidence = complaint.evidence_files.get()
    url = f"/kepatuhan/{complaint.register_number}/"

    logged_in(world.compliance_region).get(url)
    download = logged_in(world.compliance).get(f"{url}bukti/{evidence.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Cache-Control"] == "private, no-store"

    events = AuditEvent.objects.filter(object_id=str(complaint.pk), action__startswith="complaint.")
    assert set(events.filter(action="complaint.read").values_list("actor__username", flat=True)) == {"kepatuhan.kanwil"}
    downloaded = events.get(action="complaint.evidence.download")
    assert downloaded.actor == world.compliance and downloaded.changes["file"] == "foto.png"

    panel = logged_in(world.compliance).get(url).content.decode().split('id="read-by"')[1]
    assert "kepatuhan.kanwil" in panel and "foto.png" in panel


def test_nobody_else_downloads_evidence_and_no_attempt_is_served(world):
    complaint = record(world, files=[SimpleUploadedFile("foto.png", PNG)])
    evidence = complaint.evidence_files.get()
    url = f"/kepatuhan/{complaint.register_number}/bukti/{evidence.pk}/"
    assert Client().get(url).status_code == 302  # to the login
    for user, status in ((world.officer, 403), (world.head, 403), (world.compliance_other, 404)):
        assert logged_in(user).get(url).status_code == status
    assert not AuditEvent.objects.filter(action="complaint.evidence.download").exists()
    other = record(world, office=world.other_office)
    wrong = f"/kepatuhan/{other.register_number}/bukti/{evidence.pk}/"
    assert logged_in(world.compliance_region).get(wrong).status_code == 404


def test_list_pages_do_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    for _ in range(30):
        record(world)
    client = logged_in(world.compliance)
    with django_assert_max_num_queries(14):
        assert client.get("/kepatuhan/").status_code == 200
    head = logged_in(world.head)
    with django_assert_max_num_queries(10):
        assert head.get("/kepatuhan/jumlah/").status_code == 200


def test_roles_without_a_profile_and_superusers(world):
    complaint = record(world, concerns="officer", about=world.officer)
    nobody = factories.UserFactory(username="tanpa.profil")
    assert sees(nobody, complaint) == NOWHERE
    root = factories.UserFactory(username="root", is_superuser=True)
    assert sees(root, complaint) == EVERYWHERE
    assert Role.COMPLIANCE == "compliance"


def test_the_complaint_page_does_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    complaint = record(world, files=[SimpleUploadedFile(f"f{i}.png", PNG) for i in range(5)])
    for i in range(10):
        services.complaint_note_add(complaint=complaint, actor=world.compliance, text=f"Catatan {i}")
    client = logged_in(world.compliance)
    for _ in range(5):
        client.get(f"/kepatuhan/{complaint.register_number}/")
    with django_assert_max_num_queries(16):
        assert client.get(f"/kepatuhan/{complaint.register_number}/").status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get("/kepatuhan/baru/").status_code == 200
