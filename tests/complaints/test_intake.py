"""Every intake path: the public page (CSRF, validation, evidence, the register number), an officer turning an
inquiry into a complaint (the requester is told on their channel), compliance entering what came by hand."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from channels_intake.models import OutboundMessage
from common.storage import private_storage
from complaints.models import Complaint
from sla.services import clock_start
from tests import factories
from tickets.models import Inquiry, Message, Requester

from .conftest import PDF, PNG, page_payload

PAGE = "/pengaduan/"


# --- The public page --------------------------------------------------------------------------------------------
def test_the_page_is_indonesian_first_and_shows_every_other_channel(world, client):
    page = client.get(PAGE).content.decode()
    assert "Pengaduan, saran, dan masukan" in page or "Pengaduan" in page
    for channel in (
        "beacukai.go.id/pengaduan.html",
        "pengaduan.beacukai@customs.go.id",
        "1500 225",
        "(021) 4890966",
        "Jl. Ahmad Yani By Pass",
        "Kepatuhan Internal",
    ):
        assert channel in page, channel
    assert 'enctype="multipart/form-data"' in page and "csrfmiddlewaretoken" in page


def test_the_page_in_english_through_the_language_switch(world, english):
    page = english.get(PAGE).content.decode()
    assert "Complaints, suggestions and feedback" in page
    assert "Other ways to complain" in page


def test_the_widget_link_chooses_the_office(world, client):
    page = client.get(PAGE + "?office=090500").content.decode()
    assert '<option value="090500" selected>' in page
    assert "selected>" not in client.get(PAGE + "?office=123").content.decode().split("id_office")[1][:2000]


def test_sending_gives_the_register_number_once_and_stores_evidence_privately(world, client):
    files = [
        SimpleUploadedFile("kuitansi.pdf", PDF, content_type="application/pdf"),
        SimpleUploadedFile("foto.png", PNG, content_type="image/png"),
    ]
    response = client.post(PAGE, {**page_payload(), "evidence": files})
    assert response.status_code == 302 and response["Location"] == "/pengaduan/terkirim/"
    complaint = Complaint.objects.get()
    page = client.get("/pengaduan/terkirim/").content.decode()
    assert complaint.register_number in page
    assert complaint.channel == "web_form" and complaint.office == world.office
    # the office's own time: 10:30 WITA typed into the form is 02:30 UTC
    assert complaint.occurred_at == datetime(2026, 12, 1, 2, 30, tzinfo=UTC)
    stored = list(complaint.evidence_files.order_by("content_type"))
    assert [e.content_type for e in stored] == ["application/pdf", "image/png"]
    assert private_storage().exists(stored[0].path)
    with pytest.raises(ValueError):
        private_storage().url(stored[0].path)


def test_missing_fields_come_back_as_form_errors_and_nothing_is_stored(world, client):
    response = client.post(PAGE, page_payload(matter="", place="", chronology=""))
    assert response.status_code == 400
    page = response.content.decode()
    assert page.count('class="errorlist"') >= 3
    assert Complaint.objects.count() == 0


def test_the_page_needs_its_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    assert client.post(PAGE, page_payload()).status_code == 403
    assert Complaint.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("surat.pdf", b"#!/bin/sh\nrm -rf /\n", "not a photo"),
        ("foto.jpg", b"<html><script>alert(1)</script></html>", "not a photo"),
        ("kosong.png", b"", "empty"),
    ],
)
def test_evidence_of_a_wrong_type_is_refused_with_the_file_named(world, client, name, content, why):
    response = client.post(PAGE, {**page_payload(), "evidence": [SimpleUploadedFile(name, content)]})
    assert response.status_code == 400
    assert Complaint.objects.count() == 0
    assert name in response.content.decode() or "kosong" in name


def test_evidence_over_the_size_limit_is_refused(world, client, settings):
    settings.COMPLAINT_EVIDENCE_MAX_BYTES = 1000
    big = SimpleUploadedFile("besar.pdf", PDF + b"0" * 2000, content_type="application/pdf")
    response = client.post(PAGE, {**page_payload(), "evidence": [big]})
    assert response.status_code == 400
    assert "besar.pdf" in response.content.decode()
    assert Complaint.objects.count() == 0


def test_too_many_files_are_refused(world, client, settings):
    settings.COMPLAINT_EVIDENCE_MAX_FILES = 2
    files = [SimpleUploadedFile(f"f{i}.png", PNG) for i in range(3)]
    assert client.post(PAGE, {**page_payload(), "evidence": files}).status_code == 400
    assert Complaint.objects.count() == 0


def test_the_page_and_the_api_share_the_rate_limit(world, client, own_cache):
    for _ in range(10):
        assert client.post(PAGE, page_payload(), REMOTE_ADDR="203.0.113.7").status_code == 302
    assert client.post(PAGE, page_payload(), REMOTE_ADDR="203.0.113.7").status_code == 429
    assert Complaint.objects.count() == 10


def test_the_ticket_lookup_links_the_page(world, client):
    assert 'href="/pengaduan/"' in client.get("/tiket/").content.decode()


# --- An officer turns an inquiry into a complaint ---------------------------------------------------------------
def inquiry_at(office, kind="webchat", *, minutes_ago=5, language="id"):
    account = factories.ChannelAccountFactory(office=office, kind=kind, external_id="PAGE-1", access_token="T")
    requester = Requester.objects.create(
        account=account, external_id="user-1", display_name="Siti", channel=kind, language=language
    )
    received = timezone.now() - timedelta(minutes=minutes_ago)
    inquiry = Inquiry(
        office=office, account=account, requester=requester, received_at=received, last_inbound_at=received
    )
    clock_start(record=inquiry)
    inquiry.preview = "Petugas di loket tidak ramah"
    inquiry.save()
    Message.objects.create(inquiry=inquiry, direction=Message.Direction.INBOUND, text="Petugas di loket tidak ramah")
    return inquiry


def test_an_officer_turns_an_inquiry_into_a_complaint_and_the_requester_is_told(world):
    inquiry = inquiry_at(world.office)
    client = Client()
    client.force_login(world.officer)
    response = client.post(
        f"/kepatuhan/dari-pertanyaan/{inquiry.pk}/",
        {"kind": "complaint", "concerns": "officer", "matter": "Petugas tidak ramah"},
    )
    assert response.status_code == 302 and response["Location"] == f"/inbox/{inquiry.pk}/"
    complaint = Complaint.objects.get()
    assert complaint.inquiry == inquiry and complaint.channel == "webchat"
    assert complaint.complainant_name == "Siti" and complaint.recorded_by == world.officer
    told = Message.objects.filter(inquiry=inquiry, direction=Message.Direction.OUTBOUND).get()
    assert complaint.register_number in told.text and "kepatuhan internal" in told.text.lower()
    assert OutboundMessage.objects.get(pk=told.outbound_id).text == told.text
    assert AuditEvent.objects.filter(action="inquiry.complaint", object_id=str(inquiry.pk)).exists()
    # the officer who filed it cannot read it afterwards
    assert client.get(f"/kepatuhan/{complaint.register_number}/").status_code == 403


def test_in_english_for_an_english_requester(world):
    inquiry = inquiry_at(world.office, language="en")
    client = Client()
    client.force_login(world.officer)
    client.post(f"/kepatuhan/dari-pertanyaan/{inquiry.pk}/", {"kind": "complaint", "concerns": "service"})
    told = Message.objects.get(inquiry=inquiry, direction=Message.Direction.OUTBOUND)
    assert "internal compliance unit" in told.text


def test_a_closed_reply_window_keeps_the_complaint_and_says_so(world):
    inquiry = inquiry_at(world.office, kind="meta", minutes_ago=60 * 24 * 9)
    client = Client()
    client.force_login(world.officer)
    response = client.post(f"/kepatuhan/dari-pertanyaan/{inquiry.pk}/", {"kind": "complaint"}, follow=True)
    complaint = Complaint.objects.get()
    assert complaint.channel == "social"
    assert not Message.objects.filter(inquiry=inquiry, direction=Message.Direction.OUTBOUND).exists()
    page = response.content.decode()
    assert complaint.register_number in page
    assert AuditEvent.objects.get(action="inquiry.complaint").changes["told"] is False
    assert complaint.events.filter(text__startswith="Pemohon belum diberi tahu").exists()


def test_an_officer_of_another_office_or_compliance_cannot_turn_it(world):
    inquiry = inquiry_at(world.office)
    outsider = factories.StaffFactory(office=world.other_office).user
    for user, status in ((outsider, 404), (world.compliance, 403)):
        client = Client()
        client.force_login(user)
        assert client.post(f"/kepatuhan/dari-pertanyaan/{inquiry.pk}/", {"kind": "complaint"}).status_code == status
    assert Complaint.objects.count() == 0


def test_the_conversation_page_offers_the_button(world):
    inquiry = inquiry_at(world.office)
    client = Client()
    client.force_login(world.officer)
    page = client.get(f"/inbox/{inquiry.pk}/").content.decode()
    assert f'action="/kepatuhan/dari-pertanyaan/{inquiry.pk}/"' in page


# --- Compliance enters what came by hand ------------------------------------------------------------------------
@pytest.mark.parametrize("channel", ["email", "phone", "fax", "letter", "in_person"])
def test_compliance_records_a_complaint_received_by_hand(world, channel):
    client = Client()
    client.force_login(world.compliance)
    body = {**page_payload(), "channel": channel, "sipuma_number": "SIPUMA-2026-77", "evidence_text": "Surat 2 lembar"}
    body["evidence"] = [SimpleUploadedFile("scan.pdf", PDF)]
    response = client.post("/kepatuhan/baru/", body)
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/kepatuhan/{complaint.register_number}/"
    assert complaint.channel == channel and complaint.recorded_by == world.compliance
    assert complaint.sipuma_number == "SIPUMA-2026-77" and complaint.evidence_files.count() == 1


def test_only_compliance_reaches_the_manual_form(world):
    for user in (world.officer, world.head, world.coordinator):
        client = Client()
        client.force_login(user)
        assert client.get("/kepatuhan/baru/").status_code == 403
        assert client.post("/kepatuhan/baru/", {**page_payload(), "channel": "phone"}).status_code == 403
    assert Complaint.objects.count() == 0


def test_compliance_lands_in_its_workspace_others_in_the_inbox(world):
    client = Client()
    response = client.post("/accounts/login/", {"username": "kepatuhan", "password": "pw-test-12345"}, follow=True)
    assert response.redirect_chain[-1][0] == "/kepatuhan/"
    client = Client()
    response = client.post("/accounts/login/", {"username": "petugas", "password": "pw-test-12345"}, follow=True)
    assert response.redirect_chain[-1][0] == "/inbox/"


@pytest.mark.parametrize(
    "changes",
    [
        {"office": "999999"},
        {"office": "'; DROP TABLE"},
        {"occurred_at": "kemarin sore"},
        {"occurred_at": "2999-01-01T00:00"},
        {"matter": "a\x00b"},
        {"kind": "bribe"},
        {"concerns": "everyone"},
        {"complainant_name": "x" * 300},
        {"chronology": "x" * 6000},
    ],
)
def test_hostile_page_posts_are_form_errors(world, client, changes):
    response = client.post(PAGE, page_payload(**changes))
    assert response.status_code == 400
    assert Complaint.objects.count() == 0


def test_an_oversized_upload_is_refused_before_reading(world, client, settings):
    settings.COMPLAINT_EVIDENCE_MAX_BYTES = 1000
    settings.COMPLAINT_EVIDENCE_MAX_FILES = 1
    big = SimpleUploadedFile("besar.pdf", PDF + b"0" * (4 * 1024 * 1024), content_type="application/pdf")
    response = client.post(PAGE, {**page_payload(), "evidence": [big]})
    assert response.status_code == 413
    assert Complaint.objects.count() == 0
