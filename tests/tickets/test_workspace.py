"""The officer's workspace without a browser: queues, search, assignment, references, notes, consultations,
resolving, retries, the knowledge base and presence."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from channels_intake.adapters import InboundMessage
from channels_intake.models import OutboundMessage
from offices.models import Role
from sla.models import Notification
from tests import factories
from tickets import escalation, inquiries, replies
from tickets.models import CannedAnswer, Consultation, Inquiry, Message, RequesterReference, TargetStatus, Unit

VALID_NIK = "3171074507900004"


def receive(account, text="Halo", sender="budi", name="Budi Santoso"):
    return inquiries.inbound_message_receive(
        account=account,
        message=InboundMessage(
            dedupe_key=f"m-{timezone.now().timestamp()}-{text[:5]}-{sender}",
            sender_id=sender,
            sender_name=name,
            text=text,
            sent_at=None,
            recipient_id="",
            channel="webchat",
        ),
    ).inquiry


def test_queues_have_live_counts(logged_in, officer, account, office):
    mine = receive(account, sender="a")
    receive(account, sender="b")
    Inquiry.objects.filter(pk=mine.pk).update(assigned_to=officer)
    waiting = receive(account, sender="c")
    Inquiry.objects.filter(pk=waiting.pk).update(status=Inquiry.Status.WAITING, paused_at=timezone.now())
    late = receive(account, sender="d")
    Inquiry.objects.filter(pk=late.pk).update(response_status="breached")
    closed = receive(account, sender="e")
    Inquiry.objects.filter(pk=closed.pk).update(status=Inquiry.Status.CLOSED)

    counts = logged_in.get(reverse("tickets:inbox")).context["counts"]
    assert counts == {"unassigned": 3, "mine": 1, "waiting": 1, "escalated": 0, "at_risk": 1, "open": 4, "closed": 1}
    page = logged_in.get(reverse("tickets:inbox") + "?queue=waiting").context["page"]
    assert [i.pk for i in page.object_list] == [waiting.pk]


def test_the_live_refresh_returns_the_list_and_the_counts(logged_in, account):
    receive(account, text="Paket tertahan di gudang")
    partial = logged_in.get(reverse("tickets:inbox") + "?partial=1").content.decode()
    assert "Paket tertahan" in partial and 'hx-swap-oob="true"' in partial and "<html" not in partial


def test_search_by_text_name_identifier_and_ticket_number(logged_in, officer, account, office):
    first = receive(account, text="Halo", sender="x1", name="Siti Rahmawati")
    inquiries.inbound_message_receive(
        account=account,
        message=InboundMessage(
            dedupe_key="later",
            sender_id="x1",
            sender_name="Siti Rahmawati",
            text="Mohon info pita cukai",
            sent_at=None,
            recipient_id="",
            channel="webchat",
        ),
    )
    second = receive(account, text=f"NIK saya {VALID_NIK}", sender="x2", name="Andi")
    third = receive(account, text="Tanya", sender="x3", name="Dewi")
    unit = Unit.objects.create(name="Seksi", home_office=office)
    unit.offices.add(office)
    ticket, _ = escalation.inquiry_escalate(inquiry=third, unit=unit, summary="x", actor=officer)

    def found(term):
        return {i.pk for i in logged_in.get(reverse("tickets:inbox"), {"q": term, "queue": "open"}).context["page"]}

    assert found("pita cukai") == {first.pk}  # a later message, not the first line
    assert found("rahmawati") == {first.pk}
    assert found(VALID_NIK) == {second.pk}
    assert found(ticket.number) == {third.pk}
    assert found(f"#{second.pk}") == {second.pk}


def test_filters_by_channel_officer_and_date(logged_in, officer, account, office):
    wa = factories.ChannelAccountFactory(office=office, kind="whatsapp")
    web = receive(account, sender="w1")
    other = receive(wa, sender="w2")
    Inquiry.objects.filter(pk=other.pk).update(assigned_to=officer, received_at=timezone.now() - timedelta(days=10))
    base = reverse("tickets:inbox")
    assert {i.pk for i in logged_in.get(base, {"channel": "whatsapp"}).context["page"]} == {other.pk}
    assert {i.pk for i in logged_in.get(base, {"officer": officer.pk}).context["page"]} == {other.pk}
    since = (timezone.now() - timedelta(days=2)).date().isoformat()
    assert {i.pk for i in logged_in.get(base, {"received_from": since}).context["page"]} == {web.pk}
    bad = logged_in.get(base, {"received_from": "not-a-date"})
    assert bad.status_code == 200  # a bad filter is shown as such, never a 500


def test_auto_assignment_round_robin_weighted_by_open_load(office, account):
    office.auto_assign = True
    office.save()
    a, b = (factories.StaffFactory(office=office, role=Role.OFFICER).user for _ in range(2))
    off_duty = factories.StaffFactory(office=office, role=Role.OFFICER, on_duty=False).user
    assigned = [receive(account, sender=f"s{i}").assigned_to for i in range(4)]
    assert off_duty not in assigned
    assert sorted(u.pk for u in assigned) == sorted([a.pk, a.pk, b.pk, b.pk])
    Inquiry.objects.filter(assigned_to=a).update(status=Inquiry.Status.CLOSED)  # a is free again
    assert receive(account, sender="s9").assigned_to == a


def test_no_auto_assignment_when_off(office, account):
    factories.StaffFactory(office=office, role=Role.OFFICER)
    assert receive(account).assigned_to is None


def test_reassign_to_a_colleague_and_not_outside_the_office(logged_in, officer, account, office, other_office):
    inquiry = receive(account)
    colleague = factories.StaffFactory(office=office).user
    logged_in.post(reverse("tickets:assign", args=[inquiry.pk]), {"to_user": colleague.pk})
    assert Inquiry.objects.get(pk=inquiry.pk).assigned_to == colleague
    stranger = factories.StaffFactory(office=other_office).user
    logged_in.post(reverse("tickets:assign", args=[inquiry.pk]), {"to_user": stranger.pk})
    assert Inquiry.objects.get(pk=inquiry.pk).assigned_to == colleague
    assert AuditEvent.objects.filter(action="inquiry.assign").count() == 1


def test_references_are_parsed_masked_and_revealing_is_audited(logged_in, officer, account):
    inquiry = receive(account, text=f"NIK {VALID_NIK} dan AWB 123-12345675")
    assert set(RequesterReference.objects.values_list("kind", "source")) == {("nik", "message"), ("awb", "message")}
    page = logged_in.get(reverse("tickets:conversation", args=[inquiry.pk])).content.decode()
    thread_free = page.split('id="thread"')[1].split("</ol>")[1]  # the side panel, not the message itself
    assert "••••••••••••0004" in thread_free and VALID_NIK not in thread_free
    reference = RequesterReference.objects.get(kind="nik")
    revealed = logged_in.post(reverse("tickets:reference-reveal", args=[inquiry.pk, reference.pk]))
    assert revealed.content.decode() == VALID_NIK
    event = AuditEvent.objects.get(action="reference.reveal")
    assert event.actor == officer and VALID_NIK not in str(event.changes) and "0004" in str(event.changes)


def test_an_officer_adds_a_reference_validated_by_type(logged_in, account):
    inquiry = receive(account)
    logged_in.post(reverse("tickets:reference-add", args=[inquiry.pk]), {"kind": "imei", "value": "490154203237517"})
    assert not RequesterReference.objects.exists()  # Luhn fails: refused
    logged_in.post(reverse("tickets:reference-add", args=[inquiry.pk]), {"kind": "imei", "value": "490154203237518"})
    assert RequesterReference.objects.get().value == "490154203237518"


def test_notes_stay_internal(logged_in, account, api_client, office):
    inquiry = receive(account)
    logged_in.post(reverse("tickets:note", args=[inquiry.pk]), {"text": "Sudah cek CEISA"})
    note = Message.objects.get(kind="note")
    assert note.direction == "internal" and not OutboundMessage.objects.exists()


def test_consultations_notify_both_ways(client, officer, account, office):
    coordinator = factories.StaffFactory(office=office, role=Role.COORDINATOR).user
    inquiry = receive(account)
    client.force_login(officer)
    client.post(
        reverse("tickets:consult", args=[inquiry.pk]),
        {"to": f"user:{coordinator.pk}", "question": "Apakah ini kena cukai?"},
    )
    consultation = Consultation.objects.get()
    assert Notification.objects.filter(user=coordinator, kind="consultation.ask").exists()

    client.force_login(coordinator)
    client.post(reverse("tickets:consultation-answer", args=[inquiry.pk, consultation.pk]), {"answer": "Ya, kena."})
    consultation.refresh_from_db()
    assert consultation.answer == "Ya, kena." and consultation.answered_by == coordinator
    assert Notification.objects.filter(user=officer, kind="consultation.answer").exists()
    client.force_login(officer)
    assert "Ya, kena." in client.get(reverse("tickets:conversation", args=[inquiry.pk])).content.decode()


def test_a_consulted_unit_of_another_office_sees_the_question_and_answers(
    client, officer, account, office, other_office
):
    member = factories.StaffFactory(office=other_office, role=Role.SUPERVISOR).user
    unit = Unit.objects.create(name="Kanwil", home_office=other_office, coordinator=member)
    unit.offices.add(office)
    inquiry = receive(account)
    client.force_login(officer)
    client.post(reverse("tickets:consult", args=[inquiry.pk]), {"to": f"unit:{unit.pk}", "question": "Mohon arahan"})
    client.force_login(member)
    assert client.get(reverse("tickets:conversation", args=[inquiry.pk])).status_code == 404  # not their office
    page = client.get(reverse("tickets:consultations", args=[inquiry.pk]))
    assert page.status_code == 200 and "Mohon arahan" in page.content.decode()
    consultation = Consultation.objects.get()
    client.post(reverse("tickets:consultation-answer", args=[inquiry.pk, consultation.pk]), {"answer": "Silakan"})
    assert Consultation.objects.get().answer == "Silakan"


@pytest.mark.parametrize("outcome", ["not_request", "no_reply"])
def test_resolve_without_an_answer_counts_neither_met_nor_breached(logged_in, account, outcome):
    inquiry = receive(account)
    logged_in.post(reverse("tickets:resolve", args=[inquiry.pk]), {"outcome": outcome})
    inquiry.refresh_from_db()
    assert inquiry.status == "closed" and inquiry.outcome == outcome
    assert inquiry.response_status == TargetStatus.CANCELLED


def test_resolve_as_answered_needs_a_delivered_answer(logged_in, officer, account, django_capture_on_commit_callbacks):
    inquiry = receive(account)
    logged_in.post(reverse("tickets:resolve", args=[inquiry.pk]), {"outcome": "answered"})
    assert Inquiry.objects.get(pk=inquiry.pk).status == "open"
    with django_capture_on_commit_callbacks(execute=True):
        replies.reply_send(inquiry=inquiry, author=officer, text="Jawaban", kind="answer")
    logged_in.post(reverse("tickets:resolve", args=[inquiry.pk]), {"outcome": "answered"})
    inquiry.refresh_from_db()
    assert inquiry.status == "closed" and inquiry.response_status == TargetStatus.MET


def test_a_duplicate_is_merged_into_the_other_inquiry(logged_in, account, office):
    first = receive(account, sender="p", text="Pertama")
    second = receive(factories.ChannelAccountFactory(office=office, kind="webchat"), sender="q", text="Kedua")
    logged_in.post(reverse("tickets:resolve", args=[second.pk]), {"outcome": "duplicate", "duplicate_of": first.pk})
    second.refresh_from_db()
    assert second.status == "closed" and second.duplicate_of == first
    assert list(Message.objects.filter(inquiry=first).values_list("text", flat=True)) == ["Pertama", "Kedua"]


def test_a_failed_reply_can_be_sent_again(english, logged_in, officer, account):
    inquiry = receive(account)
    message = replies.reply_send(inquiry=inquiry, author=officer, text="Jawaban", kind="answer")
    OutboundMessage.objects.filter(pk=message.outbound_id).update(status="failed", last_error="(#100) error")
    assert "Send again" in logged_in.get(reverse("tickets:conversation", args=[inquiry.pk])).content.decode()
    logged_in.post(reverse("tickets:retry", args=[inquiry.pk, message.pk]))
    assert OutboundMessage.objects.get(pk=message.outbound_id).status in ("queued", "sent")


def test_canned_answers_are_searched_by_words_national_and_own_office(logged_in, office, other_office):
    CannedAnswer.objects.create(
        title="Batas pembebasan barang penumpang", body="Pembebasan bea masuk USD 500 per orang per kedatangan."
    )
    CannedAnswer.objects.create(
        office=office,
        title="Penipuan",
        body="Bea Cukai tidak pernah meminta transfer ke rekening pribadi; pembayaran hanya dengan kode billing.",
    )
    CannedAnswer.objects.create(office=other_office, title="Kantor lain", body="transfer rekening")
    url = reverse("tickets:canned-search")
    assert "Penipuan" in logged_in.get(url, {"q": "rekening pribadi"}).content.decode()
    assert "Kantor lain" not in logged_in.get(url, {"q": "rekening"}).content.decode()
    body = logged_in.get(url, {"q": "bea masuk penumpang"}).content.decode()  # words in title and body
    assert "Batas pembebasan" in body and "Penipuan" not in body


def test_canned_search_uses_the_indonesian_stemmer_on_postgresql(logged_in, postgres):
    assert connection.vendor == "postgresql"
    CannedAnswer.objects.create(title="Pengiriman barang", body="Status kiriman dapat dicek dengan nomor resi.")
    assert "Pengiriman barang" in logged_in.get(reverse("tickets:canned-search"), {"q": "mengirimkan"}).content.decode()


def test_only_coordinators_and_admins_curate_the_knowledge_base(client, officer, office):
    client.force_login(officer)
    assert client.get(reverse("tickets:knowledge-base")).status_code == 200  # officers read it
    assert client.post(reverse("tickets:knowledge-base"), {"title": "x", "body": "y"}).status_code == 403
    assert not CannedAnswer.objects.exists()
    coordinator = factories.StaffFactory(office=office, role=Role.COORDINATOR).user
    client.force_login(coordinator)
    client.post(
        reverse("tickets:knowledge-base"),
        {"title": "IMEI", "body": "Daftarkan IMEI di bandara.", "is_active": "on", "national": "on"},
    )
    assert not CannedAnswer.objects.exists()  # a coordinator cannot make national answers
    client.post(
        reverse("tickets:knowledge-base"), {"title": "IMEI", "body": "Daftarkan IMEI di bandara.", "is_active": "on"}
    )
    assert CannedAnswer.objects.get().office == office


def test_presence_shows_who_else_is_in_the_conversation(client, officer, account, office):
    colleague = factories.StaffFactory(office=office).user
    inquiry = receive(account)
    client.force_login(colleague)
    client.post(reverse("tickets:presence", args=[inquiry.pk]), {"typing": "1"})
    client.force_login(officer)
    others = client.post(reverse("tickets:presence", args=[inquiry.pk]), {"typing": "0"}).json()["others"]
    assert others == [{"name": colleague.get_username(), "typing": True}]


def test_drafts_shortcuts_and_htmx_are_served_locally(logged_in, account):
    inquiry = receive(account)
    page = logged_in.get(reverse("tickets:conversation", args=[inquiry.pk])).content.decode()
    assert "/static/vendor/htmx-2.0.11.min.js" in page and "/static/js/workspace.js" in page
    assert 'id="shortcuts"' in page and "https://" not in page.split("<body>")[0]


def test_the_conversation_names_people_of_other_offices_in_a_fixed_number_of_queries(
    client, officer, account, office, other_office, django_assert_max_num_queries
):
    """The page takes the people it names from the office's staff; those of another office (a consulted
    colleague, an assignee who moved) are read in one query, never one each."""
    elsewhere = [factories.StaffFactory(office=other_office, role=Role.OFFICER).user for _ in range(3)]
    for n, user in enumerate(elsewhere):
        user.first_name, user.last_name = f"Rekan{n}", "Jauh"
        user.save()
    unit = Unit.objects.create(name="Seksi Kanwil", home_office=other_office)
    unit.offices.add(office)
    inquiry = receive(account)
    Inquiry.objects.filter(pk=inquiry.pk).update(assigned_to=elsewhere[0], response_met_by=elsewhere[1])
    Consultation.objects.create(inquiry=inquiry, asked_by=officer, to_user=elsewhere[2], question="Mohon arahan")
    Consultation.objects.create(
        inquiry=inquiry,
        asked_by=officer,
        to_unit=unit,
        question="Apakah kena cukai?",
        answer="Ya",
        answered_by=elsewhere[1],
    )
    client.force_login(officer)
    client.get(reverse("tickets:conversation", args=[inquiry.pk]))  # the office's calendar cached from here on
    with django_assert_max_num_queries(13):
        page = client.get(reverse("tickets:conversation", args=[inquiry.pk])).content.decode()
    for name in ("Rekan0 Jauh", "Rekan1 Jauh", "Rekan2 Jauh", "Seksi Kanwil", "Mohon arahan", "Apakah kena cukai?"):
        assert name in page
