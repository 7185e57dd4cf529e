"""Access and erasure requests: compliance staff find a requester by any of their identifiers, export everything
(audited), or erase it with a reason, keeping what an open matter needs; nobody else can."""

import json
from datetime import UTC, datetime

import pytest
from django.core.files.base import ContentFile

from audit.models import AuditEvent
from common.storage import private_storage
from offices.models import Role
from tests import factories
from tickets.models import Attachment, Inquiry, Message, RequesterReference

pytestmark = pytest.mark.django_db
NIK = "3171234567890003"


@pytest.fixture
def held(office):
    account = factories.ChannelAccountFactory(office=office, kind="telegram")
    requester = factories.RequesterFactory(
        account=account, external_id="555", display_name="Budi Santoso", contact_email="budi@example.com"
    )
    closed = factories.InquiryFactory(
        account=account,
        requester=requester,
        status=Inquiry.Status.CLOSED,
        closed_at=datetime(2026, 11, 1, tzinfo=UTC),
        preview="NIK saya ****0003",
    )
    factories.MessageFactory(inquiry=closed, text=f"NIK saya {NIK}")
    factories.MessageFactory(inquiry=closed, direction=Message.Direction.INTERNAL, text="catatan internal")
    RequesterReference.objects.create(requester=requester, inquiry=closed, kind="nik", value=NIK)
    stored = private_storage().save("t/ktp.pdf", ContentFile(b"%PDF-1.4"))
    Attachment.objects.create(
        message=closed.messages.first(), status="stored", storage_name=stored, mime_type="application/pdf", name="k.pdf"
    )
    still_open = factories.InquiryFactory(account=account, requester=requester, preview="masih buka")
    factories.MessageFactory(inquiry=still_open, text="Apakah sudah ada kabar?")
    return requester, closed, still_open, stored


def compliance(office):
    return factories.StaffFactory(office=office, role=Role.COMPLIANCE).user


@pytest.mark.parametrize("query", ["555", "budi@example.com", NIK, "Budi"])
def test_compliance_finds_the_requester_by_any_identifier(client, office, held, query):
    client.force_login(compliance(office))
    page = client.get("/privasi/permintaan/", {"q": query}).content.decode()
    assert "Budi Santoso" in page and f"/privasi/permintaan/{held[0].pk}/ekspor/" in page


def test_the_export_holds_everything_but_internal_notes_and_is_audited(client, office, held):
    requester, closed, still_open, _stored = held
    user = compliance(office)
    client.force_login(user)
    response = client.get(f"/privasi/permintaan/{requester.pk}/ekspor/")
    assert response.status_code == 200 and "attachment;" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["requester"]["name"] == "Budi Santoso" and data["references"][0]["value"] == NIK
    assert {i["id"] for i in data["inquiries"]} == {closed.pk, still_open.pk}
    texts = [m["text"] for i in data["inquiries"] for m in i["messages"]]
    assert f"NIK saya {NIK}" in texts and "catatan internal" not in texts
    assert data["files"][0]["name"] == "k.pdf"
    event = AuditEvent.objects.get(action="privacy.export")
    assert event.actor == user and event.object_id == str(requester.pk) and "Budi" not in event.object_repr


def test_erasure_needs_a_reason_and_a_confirmation_then_keeps_only_the_open_matter(client, office, held):
    requester, closed, still_open, stored = held
    client.force_login(compliance(office))
    url = f"/privasi/permintaan/{requester.pk}/hapus/"
    confirmation = client.get(url).content.decode()
    assert "2 pertanyaan" in confirmation and "1 disimpan untuk urusan yang masih terbuka" in confirmation
    assert "••••0003" in confirmation and NIK not in confirmation
    assert client.post(url, {"reason": "", "confirm": "yes"}).status_code == 400
    assert client.post(url, {"reason": "permintaan e-mail 1 Des", "confirm": ""}).status_code == 400
    assert Inquiry.objects.get(pk=closed.pk).anonymised_at is None  # nothing changed yet
    response = client.post(url, {"reason": "permintaan e-mail 1 Des", "confirm": "yes"})
    assert response.status_code == 302
    closed.refresh_from_db()
    assert closed.anonymised_at is not None and set(closed.messages.values_list("text", flat=True)) == {""}
    assert not private_storage().exists(stored) and not Attachment.objects.exists()
    assert Inquiry.objects.get(pk=still_open.pk).messages.get().text == "Apakah sudah ada kabar?"
    requester.refresh_from_db()
    # The open inquiry still needs a way to answer: the requester is kept until it is closed.
    assert requester.external_id == "555"
    event = AuditEvent.objects.get(action="privacy.erase")
    assert event.changes["reason"] == "permintaan e-mail 1 Des" and event.changes["kept_inquiries"] == 1


def test_erasure_of_a_requester_with_nothing_open_removes_them(client, office, held):
    requester, _closed, still_open, _stored = held
    Inquiry.objects.filter(pk=still_open.pk).update(status=Inquiry.Status.CLOSED)
    client.force_login(compliance(office))
    client.post(f"/privasi/permintaan/{requester.pk}/hapus/", {"reason": "permintaan", "confirm": "yes"})
    requester.refresh_from_db()
    assert (
        requester.display_name == "" and requester.contact_email == "" and requester.external_id.startswith("erased-")
    )
    assert not RequesterReference.objects.exists()
    page = client.get("/privasi/permintaan/", {"q": "Budi"}).content.decode()
    assert "Budi Santoso" not in page


@pytest.mark.parametrize("role", [Role.OFFICER, Role.COORDINATOR, Role.HEAD, Role.ADMIN])
def test_other_roles_are_refused(client, office, held, role):
    client.force_login(factories.StaffFactory(office=office, role=role).user)
    requester = held[0]
    assert client.get("/privasi/permintaan/", {"q": "555"}).status_code == 403
    assert client.get(f"/privasi/permintaan/{requester.pk}/ekspor/").status_code == 403
    assert (
        client.post(f"/privasi/permintaan/{requester.pk}/hapus/", {"reason": "x", "confirm": "yes"}).status_code == 403
    )
    assert not AuditEvent.objects.filter(action__startswith="privacy.").exists()


def test_compliance_of_another_office_neither_finds_nor_opens_the_requester(client, held, other_office):
    client.force_login(compliance(other_office))
    requester = held[0]
    assert "Budi Santoso" not in client.get("/privasi/permintaan/", {"q": "555"}).content.decode()
    assert client.get(f"/privasi/permintaan/{requester.pk}/ekspor/").status_code == 404
    assert (
        client.post(f"/privasi/permintaan/{requester.pk}/hapus/", {"reason": "x", "confirm": "yes"}).status_code == 404
    )


def test_search_is_bounded_in_queries(client, office, held, django_assert_max_num_queries):
    client.force_login(compliance(office))
    with django_assert_max_num_queries(8):
        client.get("/privasi/permintaan/", {"q": "Budi"})
