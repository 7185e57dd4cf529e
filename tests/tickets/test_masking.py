"""Identifiers a requester writes are masked in every list, preview, notification, e-mail, API list and admin list
(issue 11, point 9; clause a.1.2). The full value appears only after the audited reveal (tests/tickets/test_reveal.py).
"""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from channels_intake.adapters import InboundMessage
from offices.models import Role
from sla.models import Notification
from tests import factories
from tests.smtp_standin import parsed
from tickets import consultations, escalation, inquiries
from tickets.models import Message, Requester, Ticket, Unit

NIK = "3171074507900004"
NPWP = "01.312.166.0-091.000"
NPWP_16 = "0013121660091000"
PASSPORT = "B1234567"
AWB = "123-12345675"
TEXT = f"Selamat siang, NIK saya {NIK}, NPWP {NPWP} (baru: {NPWP_16}), paspor {PASSPORT}, AWB {AWB}. Mohon dicek."
# Every form a full value could take on a page: as written, and compacted.
FULL_VALUES = [NIK, NPWP, "013121660091000", NPWP_16, PASSPORT, AWB, "12312345675"]


def assert_masked(content: str) -> None:
    leaked = [value for value in FULL_VALUES if value in content]
    assert leaked == [], f"full identifiers shown: {leaked}"


@pytest.fixture
def account(office):
    return factories.ChannelAccountFactory(office=office, kind="webchat")


def receive(account, text=TEXT, sender="budi"):
    return inquiries.inbound_message_receive(
        account=account,
        message=InboundMessage(
            dedupe_key=f"m-{timezone.now().timestamp()}-{sender}",
            sender_id=sender,
            sender_name="Budi Santoso",
            text=text,
            sent_at=None,
            recipient_id="",
            channel="webchat",
        ),
    ).inquiry


@pytest.fixture
def unit(office):
    coordinator = factories.StaffFactory(office=office, role=Role.COORDINATOR, user__email="coord@example.invalid")
    unit = Unit.objects.create(name="Seksi Pelayanan", home_office=office, coordinator=coordinator.user)
    unit.offices.add(office)
    return unit


def test_the_inbox_list_and_its_search_show_identifiers_masked(client, officer, account):
    receive(account)
    client.force_login(officer)
    page = client.get(reverse("tickets:inbox")).content.decode()
    assert "••••0004" in page
    assert_masked(page)
    assert_masked(client.get(reverse("tickets:inbox"), {"q": "NIK"}).content.decode())


def test_the_conversation_shows_the_thread_masked_by_default(client, officer, account):
    inquiry = receive(account)
    client.force_login(officer)
    page = client.get(reverse("tickets:conversation", args=[inquiry.pk])).content.decode()
    assert "Mohon dicek." in page and "••••0004" in page
    assert_masked(page)
    assert_masked(client.get(reverse("tickets:thread", args=[inquiry.pk])).content.decode())


def test_notifications_carry_masked_text_only(client, officer, account, office, unit):
    inquiry = receive(account)
    consultations.consultation_ask(inquiry=inquiry, actor=officer, question=f"Cek: {TEXT}", to_user=unit.coordinator)
    ticket, _code = escalation.inquiry_escalate(inquiry=inquiry, unit=unit, summary=TEXT, actor=officer)
    escalation.ticket_request_info(ticket=ticket, actor=unit.coordinator, text=f"Benarkah {NIK}?", ask="officer")
    assert Notification.objects.filter(kind="consultation.ask").exists()
    assert Notification.objects.filter(kind="ticket.request_info").exists()
    assert_masked(str(list(Notification.objects.values_list("params", "text"))))  # not even stored in full

    for reader in (unit.coordinator, officer):
        client.force_login(reader)
        for language in ("id", "en"):
            client.cookies["django_language"] = language
            page = client.get(reverse("notifications")).content.decode()
            assert "0004" in page
            assert_masked(page)


def test_the_ticket_emailed_to_the_requester_has_the_identifiers_masked(
    officer, office, unit, smtp, django_capture_on_commit_callbacks
):
    account = factories.ChannelAccountFactory(office=office, kind="whatsapp")
    inquiry = receive(account)
    Requester.objects.filter(pk=inquiry.requester_id).update(contact_email="budi@example.invalid", language="en")
    # The 24-hour window closed long ago: the final answer goes by e-mail (through the outbox, to the SMTP stand-in).
    inquiry.last_inbound_at = timezone.now() - timezone.timedelta(days=3)
    inquiry.save(update_fields=["last_inbound_at"])
    ticket = Ticket.objects.create(
        number="BC-X-1", verification_hash="-", inquiry=inquiry, office=office, unit=unit, summary="s"
    )
    with django_capture_on_commit_callbacks(execute=True):
        escalation.ticket_answer(ticket=ticket, actor=unit.coordinator, text=f"Data Anda ({TEXT}) sudah kami cek.")
    assert [m["to"] for m in smtp.received] == [["budi@example.invalid"]]
    message = parsed(smtp.received[0])
    assert message["Subject"] == "Answer to your question (ticket BC-X-1)"  # the requester's language
    body = message.get_content()
    assert "sudah kami cek" in body and "••••0004" in body
    assert_masked(message["Subject"] + body)


def test_sla_notice_emails_carry_no_requester_text(officer, office, account, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from sla.services import sla_sweep

    factories.StaffFactory(office=office, role=Role.COORDINATOR, user__email="coord@example.invalid")
    inquiry = receive(account)
    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(now=inquiry.response_due + timedelta(minutes=1))
    assert mail.outbox, "the breach notice e-mail"
    for message in mail.outbox:
        assert_masked(message.subject + message.body)


def test_api_lists_mask_previews_requesters_and_ticket_texts(
    api_client, officer, account, office, unit, django_assert_max_num_queries
):
    inquiry = receive(account)
    Requester.objects.filter(pk=inquiry.requester_id).update(display_name=f"Budi {NIK}")
    escalation.inquiry_escalate(inquiry=inquiry, unit=unit, summary=TEXT, needed=f"Cek {AWB}", actor=officer)
    api_client.force_authenticate(officer)
    inquiries_list = api_client.get("/api/v1/inquiries/").content.decode()
    assert "0004" in inquiries_list
    assert_masked(inquiries_list)
    with django_assert_max_num_queries(12):
        tickets_list = api_client.get("/api/v1/tickets/")
    assert tickets_list.status_code == 200 and tickets_list.json()["count"] == 1
    row = tickets_list.json()["results"][0]
    assert row["summary"].endswith("Mohon dicek.") and "••••5675" in row["needed"]
    assert_masked(tickets_list.content.decode())


def test_the_ticket_queue_page_masks_summaries(client, officer, account, unit):
    inquiry = receive(account)
    escalation.inquiry_escalate(inquiry=inquiry, unit=unit, summary=f"NIK {NIK}", actor=officer)
    client.force_login(unit.coordinator)
    page = client.get(reverse("tickets:tickets")).content.decode()
    assert "••••0004" in page
    assert_masked(page)


def test_consultation_lists_mask_questions_and_answers(client, officer, account, unit, office):
    inquiry = receive(account, text="Halo")
    colleague = unit.coordinator
    consultation = consultations.consultation_ask(
        inquiry=inquiry, actor=officer, question=f"Pemohon menulis NIK {NIK}", to_user=colleague
    )
    consultations.consultation_answer(consultation=consultation, actor=colleague, answer=f"Paspor {PASSPORT} sah")
    client.force_login(officer)
    assert_masked(client.get(reverse("tickets:conversation", args=[inquiry.pk])).content.decode())
    client.force_login(colleague)
    page = client.get(reverse("tickets:consultations", args=[inquiry.pk])).content.decode()
    assert "••••0004" in page and "••••4567" in page
    assert_masked(page)


ADMIN_LISTS = [
    "/admin/tickets/inquiry/",
    "/admin/tickets/message/",
    "/admin/tickets/requester/",
    "/admin/tickets/requesterreference/",
    "/admin/sla/notification/",
]


def test_admin_changelists_mask_identifiers(client, officer, account, unit):
    inquiry = receive(account)
    Requester.objects.filter(pk=inquiry.requester_id).update(display_name=f"Budi {NIK}")
    consultations.consultation_ask(inquiry=inquiry, actor=officer, question=TEXT, to_user=unit.coordinator)
    assert inquiry.requester.references.exists()  # detected from the message
    client.force_login(factories.UserFactory(username="root-mask", is_staff=True, is_superuser=True))
    for url in ADMIN_LISTS:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_masked(response.content.decode())
    # The inquiry's page lists its messages masked too, and read-only (messages are written by the services).
    change = client.get(f"/admin/tickets/inquiry/{inquiry.pk}/change/").content.decode()
    assert "Mohon dicek." in change
    assert_masked(change)
    # Searching by the full value still finds the message (shown masked).
    found = client.get("/admin/tickets/message/", {"q": NIK}).content.decode()
    # The rows, without the links that carry the admin's own query back (?_changelist_filters=q%3D...).
    results = found[found.index("<tbody>") : found.index("</tbody>")].replace(f"q%3D{NIK}", "")
    assert "Mohon dicek." in results
    assert_masked(results)
    assert Message.objects.filter(text__contains=NIK).count() == 1
