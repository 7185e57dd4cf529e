"""The workflow of compliance staff: each step through a service (audited, refused out of order), due dates in
working days of the handling office's calendar from a configurable policy, and the sweep's reminder and breach
notice, each sent once, to compliance staff only."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from audit.models import AuditEvent
from complaints import services
from complaints.models import Complaint, ComplaintPolicy
from complaints.tasks import due_sweep
from helpdesk.celery import app
from offices.models import Holiday
from sla.models import Notification
from sla.notifications import render

WITA = ZoneInfo("Asia/Makassar")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(date(2026, 12, day), time(hour, minute), tzinfo=WITA)


@pytest.fixture
def christmas(db):
    return Holiday.objects.create(date=date(2026, 12, 25), name="Natal", category=Holiday.Category.PUBLIC)


def receive(world, **data) -> Complaint:
    with time_machine.travel(at(7, 9), tick=False):  # Monday 09:00 WITA
        return services.complaint_submit(
            office=world.office,
            data={
                "kind": "complaint",
                "complainant_name": "Budi",
                "complainant_contact": "budi@example.com",
                "matter": "Pungutan liar",
                "place": "Gudang",
                "occurred_at": at(1, 10),
                "chronology": "…",
                **data,
            },
        )


def test_due_dates_follow_the_policy_on_the_office_calendar(world, christmas):
    complaint = receive(world)
    # review: 3 working days of receipt (Mon 7) → end of Thu 10; reminder a working day before, end of Wed 9
    assert complaint.due_at == at(10, 16) and complaint.remind_at == at(9, 16)
    with time_machine.travel(at(8, 10), tick=False):
        complaint = services.complaint_review_start(complaint=complaint, actor=world.compliance)
    # conclusion: 14 working days of receipt, Christmas (Fri 25) closed → Mon 28
    assert complaint.status == "in_review" and complaint.due_at == at(28, 16)
    assert complaint.handled_by == world.compliance and complaint.reminded_at is None


def test_a_policy_per_office_overrides_the_global_one(world):
    ComplaintPolicy.objects.create(review_working_days=10)
    ComplaintPolicy.objects.create(office=world.office, review_working_days=1, reminder_working_days=0)
    complaint = receive(world)
    assert complaint.due_at == at(8, 16) and complaint.remind_at is None


def test_the_whole_workflow_is_audited_step_by_step(world):
    complaint = receive(world)
    actor = world.compliance
    with time_machine.travel(at(8, 9), tick=False):
        complaint = services.complaint_review_start(complaint=complaint, actor=actor)
        complaint = services.complaint_follow_up(
            complaint=complaint, actor=actor, kind="explanation", text="Nota dinas ke Seksi PKC"
        )
        assert complaint.status == "follow_up"
        complaint = services.complaint_follow_up(
            complaint=complaint, actor=actor, kind="clarification", text="Telepon pengadu: minta foto kuitansi"
        )
        complaint = services.complaint_follow_up_answered(complaint=complaint, actor=actor, text="Penjelasan seksi")
        assert complaint.status == "in_review"
    with time_machine.travel(at(15, 10), tick=False):
        complaint = services.complaint_conclude(
            complaint=complaint, actor=actor, substantiated=True, conclusion="Terbukti", action_taken="Teguran"
        )
    assert complaint.status == "concluded" and complaint.substantiated is True
    assert complaint.due_at == at(18, 16, 30)  # inform within 3 working days of Tue 15: Fri 18, 16:30
    with time_machine.travel(at(16, 10), tick=False):
        complaint = services.complaint_inform(complaint=complaint, actor=actor, note="Ditelepon 16/12 pukul 10.00")
    assert complaint.status == "informed" and complaint.closed_at is not None and complaint.due_at is None
    actions = list(
        AuditEvent.objects.filter(object_id=str(complaint.pk)).order_by("id").values_list("action", flat=True)
    )
    assert actions == [
        "complaint.receive",
        "complaint.review",
        "complaint.explanation",
        "complaint.clarification",
        "complaint.reply",
        "complaint.concluded",
        "complaint.informed",
    ]
    assert [e.kind for e in complaint.events.all()] == [
        "received",
        "review",
        "explanation",
        "clarification",
        "reply",
        "concluded",
        "informed",
    ]


def test_steps_out_of_order_are_refused_and_change_nothing(world):
    complaint = receive(world)
    with pytest.raises(ValidationError):
        services.complaint_conclude(
            complaint=complaint, actor=world.compliance, substantiated=False, conclusion="x", action_taken=""
        )
    with pytest.raises(ValidationError):
        services.complaint_inform(complaint=complaint, actor=world.compliance, note="x")
    services.complaint_review_start(complaint=complaint, actor=world.compliance)
    with pytest.raises(ValidationError):  # twice: the second is refused
        services.complaint_review_start(complaint=complaint, actor=world.compliance)
    with pytest.raises(ValidationError):  # a complaint needs its finding
        services.complaint_conclude(
            complaint=complaint, actor=world.compliance, substantiated=None, conclusion="x", action_taken=""
        )
    complaint.refresh_from_db()
    assert complaint.status == "in_review"
    assert AuditEvent.objects.filter(object_id=str(complaint.pk), action="complaint.review").count() == 1


def test_only_its_compliance_units_work_a_complaint(world):
    complaint = receive(world)
    for user in (world.officer, world.head, world.compliance_other):
        with pytest.raises(PermissionDenied):
            services.complaint_review_start(complaint=complaint, actor=user)
    services.complaint_review_start(complaint=complaint, actor=world.compliance_region)


def test_the_pages_run_the_steps_with_messages_never_a_500(world):
    complaint = receive(world)
    client = Client()
    client.force_login(world.compliance)
    base = f"/kepatuhan/{complaint.register_number}/"
    assert client.post(base + "conclude/", {"conclusion": "x"}, follow=True).status_code == 200
    assert Complaint.objects.get().status == "received"
    client.post(base + "review/")
    client.post(base + "follow-up/", {"kind": "clarification", "text": "Minta kuitansi"})
    client.post(base + "follow-up/", {"kind": "nonsense", "text": "x"})
    client.post(base + "answered/", {"text": "a\x00b"})
    assert Complaint.objects.get().status == "follow_up"
    client.post(base + "answered/", {"text": "Kuitansi diterima"})
    client.post(base + "note/", {"text": "Catatan"})
    client.post(base + "conclude/", {"substantiated": "no", "conclusion": "Tidak terbukti", "action_taken": ""})
    response = client.post(base + "inform/", {"note": "Surel 18/12"}, follow=True)
    assert response.status_code == 200
    assert Complaint.objects.get().status == "informed"
    assert client.post(base + "unknown/").status_code == 404
    assert client.get(base + "review/").status_code == 405
    page = client.get(base).content.decode()
    assert "Tidak terbukti" in page and "WITA" in page


def test_informing_on_the_channel_of_a_complaint_without_a_conversation_is_refused(world):
    complaint = receive(world)
    services.complaint_review_start(complaint=complaint, actor=world.compliance)
    services.complaint_conclude(
        complaint=complaint, actor=world.compliance, substantiated=False, conclusion="x", action_taken=""
    )
    with pytest.raises(ValidationError):
        services.complaint_inform(complaint=complaint, actor=world.compliance, note="", send_on_channel=True)
    assert Complaint.objects.get().status == "concluded"


# --- Reminders and breach notices -------------------------------------------------------------------------------
def test_the_sweep_reminds_then_notices_the_breach_each_once(world):
    complaint = receive(world, concerns="officer")
    Complaint.objects.filter(pk=complaint.pk).update(about_user=world.colleague)
    Notification.objects.all().delete()
    assert services.complaint_due_sweep(now=at(9, 15, 59)) == {"reminders": 0, "breaches": 0}
    assert services.complaint_due_sweep(now=at(9, 16)) == {"reminders": 1, "breaches": 0}
    assert services.complaint_due_sweep(now=at(10, 12)) == {"reminders": 0, "breaches": 0}
    assert services.complaint_due_sweep(now=at(10, 16)) == {"reminders": 0, "breaches": 1}
    assert services.complaint_due_sweep(now=at(11, 9)) == {"reminders": 0, "breaches": 0}
    kinds = sorted(Notification.objects.values_list("user__username", "kind"))
    assert kinds == [("kepatuhan", "complaint.breached"), ("kepatuhan", "complaint.reminder")]
    text = render(Notification.objects.get(kind="complaint.breached"), "id")
    assert complaint.register_number in text and "WITA" in text and "Pungutan" not in text
    assert AuditEvent.objects.filter(action="complaint.breach", object_id=str(complaint.pk)).count() == 1


def test_a_new_step_starts_new_reminders(world):
    complaint = receive(world)
    services.complaint_due_sweep(now=at(10, 17))
    with time_machine.travel(at(11, 9), tick=False):
        services.complaint_review_start(complaint=complaint, actor=world.compliance)
    complaint.refresh_from_db()
    assert complaint.reminded_at is None and complaint.breach_noticed_at is None
    assert services.complaint_due_sweep(now=at(11, 10)) == {"reminders": 0, "breaches": 0}


def test_closed_complaints_are_never_swept(world):
    complaint = receive(world)
    Complaint.objects.filter(pk=complaint.pk).update(status="informed")
    assert services.complaint_due_sweep(now=at(31, 9)) == {"reminders": 0, "breaches": 0}


def test_the_sweep_runs_from_beat(world):
    entries = [e for e in app.conf.beat_schedule.values() if e["task"] == "complaints.due_sweep"]
    assert entries and entries[0]["schedule"] <= 600
    receive(world)
    with time_machine.travel(at(14, 9), tick=False):
        assert due_sweep.apply().get() == {"reminders": 1, "breaches": 1}


def test_the_conclusion_goes_back_on_the_conversation_s_channel(world):
    from channels_intake.models import OutboundMessage
    from tests.complaints.test_intake import inquiry_at
    from tickets.models import Message

    inquiry = inquiry_at(world.office)
    complaint, not_sent = services.complaint_from_inquiry(
        inquiry=inquiry, actor=world.officer, data={"kind": "complaint", "matter": "Petugas tidak ramah"}
    )
    assert not_sent == ""
    services.complaint_review_start(complaint=complaint, actor=world.compliance)
    services.complaint_conclude(
        complaint=complaint, actor=world.compliance, substantiated=True, conclusion="Petugas ditegur", action_taken=""
    )
    complaint = services.complaint_inform(complaint=complaint, actor=world.compliance, note="", send_on_channel=True)
    assert complaint.status == "informed"
    sent = Message.objects.filter(inquiry=inquiry, direction=Message.Direction.OUTBOUND).order_by("pk").last()
    assert complaint.register_number in sent.text and "Petugas ditegur" in sent.text
    assert OutboundMessage.objects.filter(text=sent.text).exists()


def test_the_policy_is_saved_through_its_service_and_audited(world):
    row = services.complaint_policy_save(policy=None, office=None, actor=world.compliance, review_working_days=5)
    assert AuditEvent.objects.filter(action="complaint_policy.save").count() == 1
    with pytest.raises(ValidationError):  # a second global row
        services.complaint_policy_save(policy=None, office=None, review_working_days=4)
    services.complaint_policy_save(policy=row, office=None, review_working_days=4)
    assert ComplaintPolicy.objects.get().review_working_days == 4
    services.complaint_policy_delete(policy=row)
    assert not ComplaintPolicy.objects.exists()
