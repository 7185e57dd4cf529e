"""Two leftovers of issue 14's complaints.

1. An officer turning an inquiry into a complaint names the colleague it is about (one of the office's staff):
   the named colleague never sees it; about the head of office or compliance staff, it goes to the regional unit.
2. A refused or failed evidence upload leaves no file in the private storage: nothing is written before every
   file is checked, and what was written is removed when a later step fails and the transaction rolls back.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from complaints import notices, services
from complaints.models import Complaint, ComplaintEvidence
from tests import factories

from .conftest import PDF, PNG, page_payload
from .test_confidentiality import EVERYWHERE, NOWHERE, sees
from .test_intake import inquiry_at

pytestmark = pytest.mark.django_db


def officer_client(world) -> Client:
    client = Client()
    client.force_login(world.officer)
    return client


def turn(world, inquiry, about, client=None, **extra):
    return (client or officer_client(world)).post(
        f"/kepatuhan/dari-pertanyaan/{inquiry.pk}/",
        {"kind": "complaint", "concerns": "service", "matter": "Petugas meminta uang", "about_user": about.pk, **extra},
    )


# --- Naming the colleague ---------------------------------------------------------------------------------------
def test_the_form_offers_the_office_s_staff_but_not_oneself_nor_other_offices(world):
    inquiry = inquiry_at(world.office)
    outsider = factories.StaffFactory(office=world.other_office, user__username="orang.lain").user
    page = officer_client(world).get(f"/inbox/{inquiry.pk}/").content.decode()
    form = page.split('id="to-complaint"')[1].split("</details>")[0]
    assert 'name="about_user"' in form
    for colleague in (world.colleague, world.coordinator, world.head, world.compliance):
        assert f'<option value="{colleague.pk}">' in form
    assert f'<option value="{world.officer.pk}">' not in form
    assert f'<option value="{outsider.pk}">' not in form


def test_the_form_names_colleagues_by_name_with_their_role_and_leaves_out_those_who_left(world):
    """The page draws the list from the office's staff it has read anyway: the same people, in the same order
    (first name, last name, user name) and with their role, as office_colleagues gives."""
    from complaints.selectors import office_colleagues

    gone = factories.StaffFactory(office=world.office, user__username="sudah.pergi").user
    gone.is_active = False
    gone.save()
    for user, first in ((world.colleague, "Zaenal"), (world.coordinator, "Ahmad"), (world.head, "Budi")):
        user.first_name = first
        user.save()
    inquiry = inquiry_at(world.office)
    page = officer_client(world).get(f"/inbox/{inquiry.pk}/").content.decode()
    form = page.split('id="tc-about"')[1].split("</select>")[0]
    offered = [int(value) for value in re.findall(r'<option value="(\d+)">', form)]
    assert offered == [u.pk for u in office_colleagues(office=world.office, actor=world.officer)]
    assert gone.pk not in offered and world.officer.pk not in offered
    assert offered.index(world.coordinator.pk) < offered.index(world.head.pk) < offered.index(world.colleague.pk)
    entry = form.split(f'<option value="{world.colleague.pk}">')[1].split("</option>")[0]
    assert entry.startswith("Zaenal") and f"({world.colleague.staff.get_role_display()})" in entry


def test_a_superuser_viewing_an_office_gets_its_colleagues(world):
    """A viewer without a staff profile of the inquiry's office: the list is read for that office."""
    admin = factories.UserFactory(username="super.admin", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin)
    inquiry = inquiry_at(world.office)
    page = client.get(f"/inbox/{inquiry.pk}/").content.decode()
    form = page.split('id="to-complaint"')[1].split("</details>")[0]
    for colleague in (world.colleague, world.coordinator, world.head, world.officer):
        assert f'<option value="{colleague.pk}">' in form


def test_a_complaint_about_a_colleague_is_hidden_from_them(world):
    inquiry = inquiry_at(world.office)
    response = turn(world, inquiry, world.colleague)
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.about_user, complaint.concerns) == (world.colleague, "officer")
    assert complaint.handling_office == world.office  # the office's own compliance unit
    assert sees(world.colleague, complaint) == NOWHERE
    assert sees(world.compliance, complaint) == EVERYWHERE
    # named as compliance staff, the colleague would still not see it: the rule is on the person, not the role
    colleague_profile = world.colleague.staff
    colleague_profile.role = "compliance"
    colleague_profile.save()
    assert sees(world.colleague, complaint) == NOWHERE


@pytest.mark.parametrize("who", ["head", "compliance"])
def test_about_the_head_or_compliance_it_goes_to_the_regional_unit(world, who):
    inquiry = inquiry_at(world.office)
    named = getattr(world, who)
    turn(world, inquiry, named)
    complaint = Complaint.objects.get()
    assert complaint.about_user == named and complaint.concerns == who
    assert complaint.handling_office == world.region
    assert sees(named, complaint) == NOWHERE
    assert sees(world.compliance_region, complaint) == EVERYWHERE
    if who == "head":  # the office's own compliance unit does not judge its head
        assert sees(world.compliance, complaint) == NOWHERE


def test_naming_someone_outside_the_office_or_oneself_is_refused(world):
    inquiry = inquiry_at(world.office)
    outsider = factories.StaffFactory(office=world.other_office, user__username="orang.lain").user
    for named in (outsider, world.officer):
        client = officer_client(world)
        response = turn(world, inquiry, named, client)
        assert response.status_code == 302  # back to the conversation, with the error
        page = client.get(response["Location"]).content.decode()
        assert "Pilih rekan dari kantor ini." in page or "Choose a colleague of this office." in page
    assert response.status_code == 302
    assert Complaint.objects.count() == 0
    with pytest.raises(services.ValidationError):  # the service refuses it too, whatever the form
        services.complaint_from_inquiry(
            inquiry=inquiry, actor=world.officer, data={"kind": "complaint"}, about_user=outsider
        )
    assert Complaint.objects.count() == 0


def test_nobody_named_keeps_the_chosen_concern(world):
    inquiry = inquiry_at(world.office)
    officer_client(world).post(
        f"/kepatuhan/dari-pertanyaan/{inquiry.pk}/", {"kind": "complaint", "concerns": "service", "about_user": ""}
    )
    complaint = Complaint.objects.get()
    assert complaint.about_user is None and complaint.concerns == "service"


# --- No orphan evidence -----------------------------------------------------------------------------------------
def stored_files() -> set[Path]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()}


def test_a_refused_file_among_good_ones_stores_nothing(world, client):
    before = stored_files()
    files = [
        SimpleUploadedFile("foto.png", PNG),
        SimpleUploadedFile("surat.pdf", PDF),
        SimpleUploadedFile("skrip.exe", b"MZ\x90\x00" + b"\x00" * 300),
    ]
    response = client.post("/pengaduan/", {**page_payload(), "evidence": files})
    assert response.status_code == 400
    assert stored_files() == before
    assert not Complaint.objects.exists()


def test_a_file_over_the_limit_after_a_good_one_stores_nothing(world, client, settings):
    settings.COMPLAINT_EVIDENCE_MAX_BYTES = 1024
    before = stored_files()
    files = [SimpleUploadedFile("foto.png", PNG), SimpleUploadedFile("besar.pdf", PDF + b"0" * 2048)]
    assert client.post("/pengaduan/", {**page_payload(), "evidence": files}).status_code == 400
    assert stored_files() == before


def test_a_failure_after_the_files_were_written_removes_them(world, monkeypatch):
    """The files are in storage when a later step of the same transaction fails: the rollback leaves no row,
    and the cleanup no file (on_commit never runs on a rollback)."""
    before = stored_files()

    def broken(**kwargs):
        assert len(stored_files() - before) == 2  # the files were written before this step
        raise RuntimeError("notification failed")

    monkeypatch.setattr(notices, "notify_complaint", broken)
    with pytest.raises(RuntimeError):
        services.complaint_submit(
            office=world.office,
            data={
                "kind": "complaint",
                "complainant_name": "Budi",
                "complainant_contact": "budi@example.com",
                "matter": "Pungutan liar",
                "place": "Loket",
                "occurred_at": timezone.now() - timedelta(days=1),
                "chronology": "Diminta uang",
            },
            files=[SimpleUploadedFile("foto.png", PNG), SimpleUploadedFile("surat.pdf", PDF)],
        )
    assert not Complaint.objects.exists() and not ComplaintEvidence.objects.exists()
    assert stored_files() == before


def test_evidence_added_later_is_removed_when_its_transaction_fails(world, monkeypatch):
    complaint = services.complaint_record(
        actor=world.compliance, office=world.office, channel="phone", data={"kind": "complaint", "matter": "Pungli"}
    )
    before = stored_files()
    from complaints import services as module

    def broken(**kwargs):
        raise RuntimeError("audit failed")

    monkeypatch.setattr(module, "audit_record", broken)
    with pytest.raises(RuntimeError):
        services.complaint_evidence_add(
            complaint=complaint, actor=world.compliance, files=[SimpleUploadedFile("a.png", PNG)]
        )
    assert not complaint.evidence_files.exists()
    assert stored_files() == before


def test_a_good_upload_is_kept(world, client):
    before = stored_files()
    response = client.post("/pengaduan/", {**page_payload(), "evidence": [SimpleUploadedFile("foto.png", PNG)]})
    assert response.status_code == 302
    new = stored_files() - before
    assert len(new) == 1
    assert ComplaintEvidence.objects.get().path in str(next(iter(new)))


def test_the_requesters_notice_is_withheld_from_the_named_colleague_only(world):
    """The requester is told the register number in the inquiry's thread; the colleague the complaint is about
    works the same office's inquiries, and must not learn of it there: not in the thread, the API, a reveal or a
    search. The officer who filed it and the others still see the notice; the visitor's widget shows it too."""
    from tickets.models import Message

    inquiry = inquiry_at(world.office)
    assert turn(world, inquiry, world.colleague).status_code == 302
    number = Complaint.objects.get().register_number
    notice = Message.objects.get(inquiry=inquiry, direction="out")
    assert number in notice.text and notice.withheld_from == world.colleague

    colleague = Client()
    colleague.force_login(world.colleague)
    said = "Pengaduan Anda telah diteruskan"  # the notice's words (the thread masks the number's digits)
    page = colleague.get(f"/inbox/{inquiry.pk}/")
    assert page.status_code == 200 and said not in page.content.decode()
    detail = colleague.get(f"/api/v1/inquiries/{inquiry.pk}/").json()
    assert detail["messages"] and all(number not in m["text"] for m in detail["messages"])
    assert notice.pk not in {m["id"] for m in detail["messages"]}
    assert colleague.post(f"/api/v1/inquiries/{inquiry.pk}/messages/{notice.pk}/reveal/").status_code == 404
    assert colleague.post(f"/inbox/{inquiry.pk}/messages/{notice.pk}/reveal/").status_code == 404
    for term in (number, "diteruskan"):  # the number, and a word of the notice
        found = colleague.get("/inbox/", {"q": term}).content.decode()
        assert f"/inbox/{inquiry.pk}/" not in found, term

    author = officer_client(world)
    assert said in author.get(f"/inbox/{inquiry.pk}/").content.decode()
    assert f"/inbox/{inquiry.pk}/" in author.get("/inbox/", {"q": "diteruskan"}).content.decode()
    coordinator = Client()
    coordinator.force_login(world.coordinator)
    assert said in coordinator.get(f"/inbox/{inquiry.pk}/").content.decode()
