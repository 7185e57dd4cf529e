"""Escalation tickets: numbers, delivery of the number and the final answer, the lookup, permissions."""

import json
import re
import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone, translation

from audit.models import AuditEvent
from offices.models import Role
from tests import factories
from tests.smtp_standin import parsed
from tickets import escalation
from tickets.models import Inquiry, Message, Requester, TargetStatus, Ticket, Unit

WIB = ZoneInfo("Asia/Jakarta")
MON = date(2026, 12, 7)


def at(day, hour, minute=0, plus_days=0):
    return datetime.combine(day + timedelta(days=plus_days), time(hour, minute), tzinfo=WIB)


@pytest.fixture
def unit(office):
    coordinator = factories.StaffFactory(office=office, role=Role.COORDINATOR).user
    member = factories.StaffFactory(office=office, role=Role.SUPERVISOR).user
    unit = Unit.objects.create(name="Seksi Pelayanan", home_office=office, coordinator=coordinator)
    unit.offices.add(office)
    unit.members.add(member)
    unit.member = member
    return unit


def inquiry_for(office, kind="webchat", *, received=None, language="id", email="", last_inbound_minutes=5):
    received = received or timezone.now() - timedelta(minutes=last_inbound_minutes)
    account = factories.ChannelAccountFactory(
        office=office, kind=kind, external_id="PAGE-1" if kind != "telegram" else "bot", access_token="TOKEN-1"
    )
    requester = Requester.objects.create(
        account=account,
        external_id="user-1",
        display_name="Budi",
        channel="messenger" if kind == "meta" else kind,
        language=language,
        contact_email=email,
    )
    from sla.services import clock_start

    inquiry = Inquiry(
        office=office,
        account=account,
        requester=requester,
        received_at=received,
        last_inbound_at=received,
        preview="Pertanyaan",
    )
    clock_start(record=inquiry)
    inquiry.save()
    return inquiry


def test_escalating_gives_a_number_sends_it_and_starts_the_resolution_target(
    office, officer, unit, django_capture_on_commit_callbacks
):
    inquiry = inquiry_for(office, received=at(MON, 9))
    with time_machine.travel(at(MON, 9, 30), tick=False), django_capture_on_commit_callbacks(execute=True):
        ticket, code = escalation.inquiry_escalate(
            inquiry=inquiry, unit=unit, summary="Perlu cek manifes", actor=officer
        )

    assert ticket.number == f"BC-{office.code}-20261207-0001"
    assert re.fullmatch(r"[A-Z2-9]{6}", code)
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.ESCALATED
    assert inquiry.resolution_due == at(MON, 16, plus_days=2) and inquiry.resolution_status == TargetStatus.RUNNING
    number_message = Message.objects.get(kind=Message.Kind.TICKET_NUMBER)
    assert ticket.number in number_message.text and code in number_message.text
    assert "Nomor tiket" in number_message.text  # the requester's language (Indonesian)
    # The ticket number was delivered (web chat), which meets the response target.
    assert number_message.outbound.status == "sent"
    assert inquiry.response_status == TargetStatus.MET and inquiry.response_met_at == at(MON, 9, 30)
    assert AuditEvent.objects.filter(action="ticket.status", object_id=str(ticket.pk)).exists()


def test_the_number_goes_in_the_requesters_language(office, officer, unit):
    inquiry = inquiry_for(office, language="en")
    ticket, _ = escalation.inquiry_escalate(inquiry=inquiry, unit=unit, summary="x", actor=officer)
    assert "Ticket number" in Message.objects.get(kind="ticket_number").text


def test_numbers_count_per_office_and_local_date(office, officer, unit, other_office):
    def escalate(inq, who, to):
        return escalation.inquiry_escalate(inquiry=inq, unit=to, summary="x", actor=who)[0].number

    with time_machine.travel(at(MON, 23, 30), tick=False):  # 23:30 WIB is still Monday locally (16:30 UTC)
        first = escalate(inquiry_for(office), officer, unit)
        second = escalate(inquiry_for(office), officer, unit)
        other_unit = Unit.objects.create(name="Other", home_office=other_office)
        other_unit.offices.add(other_office)
        other_officer = factories.StaffFactory(office=other_office).user
        other = escalate(inquiry_for(other_office), other_officer, other_unit)
    with time_machine.travel(at(MON, 8, plus_days=1), tick=False):
        next_day = escalate(inquiry_for(office), officer, unit)
    assert first.endswith("20261207-0001") and second.endswith("20261207-0002")
    assert other == f"BC-{other_office.code}-20261207-0001"
    assert next_day.endswith("20261208-0001")


def test_a_failed_escalation_leaves_no_gap(office, officer, unit):
    inquiry = inquiry_for(office)
    with pytest.raises(ValidationError):
        escalation.inquiry_escalate(inquiry=inquiry, unit=unit, summary="   ", actor=officer)
    ticket, _ = escalation.inquiry_escalate(inquiry=inquiry, unit=unit, summary="ok", actor=officer)
    assert ticket.number.endswith("-0001")


@pytest.mark.django_db(transaction=True)
def test_concurrent_escalations_get_distinct_numbers_without_gaps(postgres):
    office = factories.OfficeFactory()
    officer = factories.StaffFactory(office=office).user
    unit = Unit.objects.create(name="Seksi", home_office=office)
    unit.offices.add(office)
    inquiries = [inquiry_for(office) for _ in range(8)]
    barrier = threading.Barrier(len(inquiries))
    numbers, errors = [], []

    def escalate(inquiry):
        barrier.wait()
        try:
            numbers.append(
                escalation.inquiry_escalate(inquiry=inquiry, unit=unit, summary="x", actor=officer)[0].number
            )
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=escalate, args=(inq,)) for inq in inquiries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    sequences = sorted(int(number.rsplit("-", 1)[1]) for number in numbers)
    assert sequences == list(range(1, 9))


def test_escalation_rules(office, officer, unit, other_office):
    foreign_unit = Unit.objects.create(name="Not ours", home_office=other_office)
    foreign_unit.offices.add(other_office)
    inquiry = inquiry_for(office)
    with pytest.raises(ValidationError):
        escalation.inquiry_escalate(inquiry=inquiry, unit=foreign_unit, summary="x", actor=officer)
    escalation.inquiry_escalate(inquiry=inquiry, unit=unit, summary="x", actor=officer)
    with pytest.raises(ValidationError):  # only once
        escalation.inquiry_escalate(inquiry=inquiry, unit=unit, summary="again", actor=officer)
    outsider = factories.StaffFactory(office=other_office).user
    with pytest.raises(PermissionDenied):
        escalation.inquiry_escalate(inquiry=inquiry_for(office), unit=unit, summary="x", actor=outsider)


WIRE = {
    "meta": ("/v25.0/PAGE-1/messages", {"message_id": "m1"}, lambda body: body["message"]["text"]),
    "whatsapp": ("/v25.0/PAGE-1/messages", {"messages": [{"id": "wamid.1"}]}, lambda body: body["text"]["body"]),
    "telegram": ("/botTOKEN-1/sendMessage", {"ok": True, "result": {"message_id": 3}}, lambda body: body["text"]),
    "x": ("/2/dm_conversations/with/user-1/messages", {"data": {"dm_event_id": "9"}}, lambda body: body["text"]),
}


@pytest.fixture
def platform(httpserver, settings):
    base = httpserver.url_for("").rstrip("/")
    settings.META_GRAPH_URL, settings.TELEGRAM_API_URL, settings.X_API_URL = base + "/v25.0", base, base
    return httpserver


@pytest.mark.parametrize("kind", ["meta", "whatsapp", "telegram", "x"])
def test_number_and_final_answer_are_delivered_on_every_channel_kind(
    platform, office, officer, unit, kind, django_capture_on_commit_callbacks
):
    path, answer, text_of = WIRE[kind]
    platform.expect_request(path, method="POST").respond_with_json(answer)
    inquiry = inquiry_for(office, kind)
    with django_capture_on_commit_callbacks(execute=True):
        ticket, code = escalation.inquiry_escalate(inquiry=inquiry, unit=unit, summary="Cek", actor=officer)
    assert ticket.number in text_of(json.loads(platform.log[-1][0].data))

    with django_capture_on_commit_callbacks(execute=True):
        escalation.ticket_answer(ticket=ticket, actor=unit.member, text="Jawaban akhir: barang sudah dirilis.")
    # The final answer, then the satisfaction survey it triggers (tickets.survey).
    assert text_of(json.loads(platform.log[-2][0].data)) == "Jawaban akhir: barang sudah dirilis."
    inquiry.refresh_from_db()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ANSWERED and inquiry.status == Inquiry.Status.CLOSED
    assert inquiry.resolution_status == TargetStatus.MET and inquiry.resolution_met_at is not None
    assert inquiry.response_status == TargetStatus.MET


def test_a_closed_channel_falls_back_to_the_requesters_email(
    office, officer, unit, smtp, django_capture_on_commit_callbacks
):
    inquiry = inquiry_for(office, "whatsapp", email="budi@example.invalid", last_inbound_minutes=3 * 24 * 60)
    from sla.services import resolution_clock_start

    ticket = Ticket.objects.create(
        number="BC-X-1", verification_hash="-", inquiry=inquiry, office=office, unit=unit, summary="s"
    )
    resolution_clock_start(record=inquiry)
    inquiry.save()
    with django_capture_on_commit_callbacks(execute=True):
        escalation.ticket_answer(ticket=ticket, actor=unit.member, text="Jawaban akhir")
    ticket.refresh_from_db()
    assert "e-mail" in ticket.delivery_note.lower() or "email" in ticket.delivery_note.lower()
    (received,) = smtp.received
    assert received["to"] == ["budi@example.invalid"] and parsed(received).get_content().strip() == "Jawaban akhir"
    final = Message.objects.get(kind="final_answer")
    assert final.outbound.account.kind == "email" and final.outbound.status == "sent"
    inquiry.refresh_from_db()
    assert inquiry.resolution_met_at is not None  # met on delivery, by the mail server's 250


def test_without_a_fallback_the_ticket_says_so_and_delivery_can_be_recorded(office, officer, unit):
    inquiry = inquiry_for(office, "whatsapp", last_inbound_minutes=3 * 24 * 60)
    ticket = Ticket.objects.create(
        number="BC-X-2", verification_hash="-", inquiry=inquiry, office=office, unit=unit, summary="s"
    )
    from sla.services import resolution_clock_start

    resolution_clock_start(record=inquiry)
    inquiry.save()
    with translation.override("en"):
        escalation.ticket_answer(ticket=ticket, actor=unit.member, text="Jawaban akhir")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ANSWERED and "lookup" in ticket.delivery_note.lower()
    escalation.ticket_mark_delivered(ticket=ticket, actor=officer, how="telepon 0812")
    inquiry.refresh_from_db()
    assert inquiry.resolution_met_at is not None and inquiry.resolution_met_by == officer


def test_coordinator_approval_when_the_unit_requires_it(office, officer, unit, django_capture_on_commit_callbacks):
    unit.requires_approval = True
    unit.save()
    inquiry = inquiry_for(office)
    ticket, _ = escalation.inquiry_escalate(inquiry=inquiry, unit=unit, summary="x", actor=officer)
    escalation.ticket_answer(ticket=ticket, actor=unit.member, text="Draf jawaban")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.AWAITING_APPROVAL
    assert not Message.objects.filter(kind="final_answer").exists()
    with pytest.raises(PermissionDenied):
        escalation.ticket_approve(ticket=ticket, actor=unit.member)
    escalation.ticket_approve(ticket=ticket, actor=unit.coordinator, approve=False, reason="Perjelas dasar hukum")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_PROGRESS
    escalation.ticket_answer(ticket=ticket, actor=unit.member, text="Draf jawaban v2")
    with django_capture_on_commit_callbacks(execute=True):
        escalation.ticket_approve(ticket=ticket, actor=unit.coordinator)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ANSWERED and ticket.final_answer == "Draf jawaban v2"
    assert ticket.approved_by == unit.coordinator
    assert list(ticket.events.values_list("kind", flat=True)) == [
        "status",
        "draft",
        "rejection",
        "draft",
        "approval",
        "answer",
    ]


def test_working_a_ticket_take_comment_ask_reassign(office, officer, unit, other_office):
    inquiry = inquiry_for(office)
    ticket, _ = escalation.inquiry_escalate(inquiry=inquiry, unit=unit, summary="x", actor=officer)
    escalation.ticket_take(ticket=ticket, actor=unit.member)
    escalation.ticket_comment(ticket=ticket, actor=unit.member, text="Sedang dicek")
    escalation.ticket_request_info(ticket=ticket, actor=unit.member, text="Mohon nomor AWB", ask="requester")
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.WAITING and inquiry.paused_at is not None
    assert Message.objects.filter(kind="request_data", text="Mohon nomor AWB").exists()
    escalation.ticket_request_info(ticket=ticket, actor=unit.member, text="Apa jenis barangnya?", ask="officer")
    regional = Unit.objects.create(name="Kanwil", home_office=other_office)
    with pytest.raises(ValidationError):
        escalation.ticket_reassign(ticket=ticket, actor=unit.member, unit=regional, reason="")
    escalation.ticket_reassign(ticket=ticket, actor=unit.member, unit=regional, reason="Wewenang Kanwil")
    ticket.refresh_from_db()
    assert ticket.unit == regional and ticket.number.endswith("-0001")  # the number stays
    with pytest.raises(PermissionDenied):  # no longer the unit's ticket
        escalation.ticket_comment(ticket=ticket, actor=factories.StaffFactory(office=other_office).user, text="x")


def test_the_api_escalates_and_lists_per_unit(api_client, office, officer, unit, other_office):
    inquiry = inquiry_for(office)
    api_client.force_authenticate(officer)
    units = api_client.get(f"/api/v1/units/?office={office.code}").json()
    assert [u["id"] for u in units] == [unit.pk]
    response = api_client.post(
        f"/api/v1/inquiries/{inquiry.pk}/escalate/", {"unit": unit.pk, "summary": "Cek"}, format="json"
    )
    assert response.status_code == 201
    number = response.json()["ticket_number"]
    assert number.startswith(f"BC-{office.code}-")

    api_client.force_authenticate(unit.member)
    assert [t["ticket_number"] for t in api_client.get("/api/v1/tickets/").json()["results"]] == [number]
    assert api_client.post(f"/api/v1/tickets/{number}/comments/", {"text": "ok"}, format="json").status_code == 201
    detail = api_client.get(f"/api/v1/tickets/{number}/").json()
    assert [e["kind"] for e in detail["events"]] == ["status", "comment"]
    answered = api_client.post(f"/api/v1/tickets/{number}/answer/", {"text": "Jawaban"}, format="json")
    assert answered.status_code == 200 and answered.json()["status"] == "answered"

    # Another unit, in another office, sees nothing of it.
    stranger = factories.StaffFactory(office=other_office, role=Role.COORDINATOR).user
    other_unit = Unit.objects.create(name="Lain", home_office=other_office, coordinator=stranger)
    other_unit.members.add(stranger)
    api_client.force_authenticate(stranger)
    assert api_client.get("/api/v1/tickets/").json()["count"] == 0
    assert api_client.get(f"/api/v1/tickets/{number}/").status_code == 404
    assert api_client.post(f"/api/v1/tickets/{number}/comments/", {"text": "x"}, format="json").status_code == 404


def test_the_api_refuses_bad_escalations_clearly(api_client, office, officer, unit):
    inquiry = inquiry_for(office)
    api_client.force_authenticate(officer)
    assert (
        api_client.post(
            f"/api/v1/inquiries/{inquiry.pk}/escalate/", {"unit": 999999, "summary": "x"}, format="json"
        ).status_code
        == 400
    )
    bad = api_client.post(f"/api/v1/inquiries/{inquiry.pk}/escalate/", {"unit": unit.pk}, format="json")
    assert bad.status_code == 400 and "summary" in bad.json()["error"]["fields"]
    assert api_client.get("/api/v1/units/").status_code == 400
    assert not Ticket.objects.exists()


def test_public_lookup_shows_status_then_the_answer(english, client, office, officer, unit):
    inquiry = inquiry_for(office)
    ticket, code = escalation.inquiry_escalate(inquiry=inquiry, unit=unit, summary="x", actor=officer)
    page = client.post("/tiket/", {"number": ticket.number, "code": code.lower()})
    assert page.status_code == 200 and "In progress" in page.content.decode()
    escalation.ticket_answer(ticket=ticket, actor=unit.member, text="Barang Anda sudah dirilis.")
    page = client.post("/tiket/", {"number": ticket.number, "code": code})
    assert "Barang Anda sudah dirilis." in page.content.decode()


def test_a_wrong_code_reveals_nothing(client, api_client, office, officer, unit):
    ticket, code = escalation.inquiry_escalate(inquiry=inquiry_for(office), unit=unit, summary="rahasia", actor=officer)
    wrong = client.post("/tiket/", {"number": ticket.number, "code": "AAAAAA"})
    missing = client.post("/tiket/", {"number": "BC-000000-20260101-0001", "code": "AAAAAA"})
    assert wrong.status_code == missing.status_code == 404

    def page(response, number):
        return re.sub(r'value="[A-Za-z0-9]{32,}"', "", response.content.decode().replace(number, ""))

    assert page(wrong, ticket.number) == page(missing, "BC-000000-20260101-0001")
    api_wrong = api_client.post("/api/v1/tickets/lookup/", {"number": ticket.number, "code": "AAAAAA"}, format="json")
    api_missing = api_client.post("/api/v1/tickets/lookup/", {"number": "BC-1", "code": "AAAAAA"}, format="json")
    assert api_wrong.status_code == api_missing.status_code == 404
    assert api_wrong.json() == api_missing.json()
    ok = api_client.post("/api/v1/tickets/lookup/", {"number": ticket.number, "code": code}, format="json").json()
    assert ok["ticket_number"] == ticket.number and ok["status"] == "in_progress" and "rahasia" not in str(ok)


def test_lookups_are_rate_limited_so_numbers_cannot_be_enumerated(client, office, officer, unit):
    ticket, code = escalation.inquiry_escalate(inquiry=inquiry_for(office), unit=unit, summary="x", actor=officer)
    codes = [
        client.post("/tiket/", {"number": f"BC-{office.code}-20261207-{i:04d}", "code": "AAAAAA"}).status_code
        for i in range(10)
    ]
    assert codes == [404] * 10
    assert client.post("/tiket/", {"number": ticket.number, "code": code}).status_code == 429  # even the right one


def test_resolution_breach_follows_the_escalation_chain(office, officer, unit):
    from sla.models import Notification
    from sla.services import sla_sweep

    head = factories.StaffFactory(office=office, role=Role.HEAD).user
    inquiry = inquiry_for(office, received=at(MON, 9))
    with time_machine.travel(at(MON, 9, 10), tick=False):
        escalation.inquiry_escalate(inquiry=inquiry, unit=unit, summary="x", actor=officer)
    counts = sla_sweep(now=at(MON, 16, plus_days=2))
    assert counts["resolution.breached"] == 1
    # 60 working minutes after Wednesday 16:00 is Thursday 08:30.
    assert sla_sweep(now=at(MON, 8, 29, plus_days=3))["resolution.head"] == 0
    assert sla_sweep(now=at(MON, 8, 30, plus_days=3))["resolution.head"] == 1
    assert Notification.objects.filter(kind="sla.resolution.head", user=head).exists()


def test_unit_queue_and_ticket_pages(client, office, officer, unit):
    ticket, _ = escalation.inquiry_escalate(
        inquiry=inquiry_for(office), unit=unit, summary="Cek manifes", actor=officer
    )
    client.force_login(unit.member)
    queue = client.get("/inbox/tickets/").content.decode()
    assert ticket.number in queue
    page = client.get(f"/inbox/tickets/{ticket.number}/")
    assert page.status_code == 200 and "Cek manifes" in page.content.decode()
    client.post(f"/inbox/tickets/{ticket.number}/take/")
    client.post(f"/inbox/tickets/{ticket.number}/comment/", {"text": "dicek"})
    client.post(f"/inbox/tickets/{ticket.number}/answer/", {"text": "Jawaban final"})
    ticket.refresh_from_db()
    assert ticket.assigned_to == unit.member and ticket.status == Ticket.Status.ANSWERED


def test_the_officer_escalates_from_the_conversation_page(
    client, office, officer, unit, django_capture_on_commit_callbacks
):
    inquiry = inquiry_for(office)
    client.force_login(officer)
    assert "Seksi Pelayanan" in client.get(f"/inbox/{inquiry.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/inbox/{inquiry.pk}/escalate/", {"unit": unit.pk, "summary": "Mohon dicek"})
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.number in client.get(f"/inbox/{inquiry.pk}/").content.decode()


def test_the_lookup_shows_the_due_time_in_the_offices_zone_with_its_name(english, client, api_client, officer, unit):
    """Every time shown to a person is in the office's zone: a WITA office's deadline reads 16:00 WITA."""
    office = unit.home_office
    office.timezone = "Asia/Makassar"
    office.save(update_fields=["timezone"])
    received = datetime.combine(MON, time(9), tzinfo=ZoneInfo("Asia/Makassar"))
    with time_machine.travel(received + timedelta(minutes=10), tick=False):
        ticket, code = escalation.inquiry_escalate(
            inquiry=inquiry_for(office, received=received), unit=unit, summary="x", actor=officer
        )
        page = client.post("/tiket/", {"number": ticket.number, "code": code}).content.decode()
        body = api_client.post("/api/v1/tickets/lookup/", {"number": ticket.number, "code": code}, format="json")

    assert "Wednesday 9 December 2026 16:00 WITA" in page
    assert body.json()["resolution_due_label"] == "Rabu 9 Desember 2026 16:00 WITA"  # the API: Indonesian first
    assert body.json()["resolution_due"] == "2026-12-09T08:00:00+00:00"
