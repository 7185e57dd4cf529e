"""The SLA engine in the product: stored deadlines, pause and resume, the sweep and its notices, recompute.

Time is travelled with time-machine; no sleeps. Dates: the week of Monday 2026-12-07 has no holiday.
"""

import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.urls import reverse

from audit.models import AuditEvent
from channels_intake.adapters import InboundMessage
from offices.models import Holiday, ReopenedDate, Role, SpecialHours
from sla.models import Notification, SlaNotice, SlaPolicySetting
from sla.services import recompute_running_targets, sla_sweep
from tests import factories
from tickets.inquiries import inbound_message_receive
from tickets.models import Inquiry, TargetStatus
from tickets.replies import reply_send

WIB = ZoneInfo("Asia/Jakarta")
MON = date(2026, 12, 7)


def at(day: date, hour: int, minute: int = 0, zone=WIB, plus_days: int = 0) -> datetime:
    return datetime.combine(day + timedelta(days=plus_days), time(hour, minute), tzinfo=zone)


@pytest.fixture
def staff(office):
    users = {}
    for role in (Role.OFFICER, Role.COORDINATOR, Role.SUPERVISOR, Role.HEAD):
        profile = factories.StaffFactory(office=office, role=role, user__email=f"{role}@example.invalid")
        users[role] = profile.user
    return users


@pytest.fixture
def account(office):
    return factories.ChannelAccountFactory(office=office, kind="webchat")


_counter = iter(range(10**6))


def receive(account, when: datetime, text: str = "Halo", sender: str | None = None) -> Inquiry:
    sender = sender or f"visitor-{next(_counter)}"
    message = InboundMessage(
        dedupe_key=f"m-{next(_counter)}",
        sender_id=sender,
        sender_name="Pemohon",
        text=text,
        sent_at=when,
        recipient_id="",
        channel="webchat",
    )
    with time_machine.travel(when, tick=False):
        return inbound_message_receive(account=account, message=message, received_at=when).inquiry


@pytest.mark.parametrize(
    ("received", "late", "response_due", "resolution_from"),
    [
        (at(MON, 9), False, at(MON, 9, 55), at(MON, 16, plus_days=2)),
        (at(MON, 15, 50), True, at(MON, 16, plus_days=2), at(MON, 16, plus_days=2)),
        (at(MON, 13, 59), False, at(MON, 14, 54), at(MON, 16, plus_days=2)),
        (at(MON, 14), True, at(MON, 16, plus_days=2), at(MON, 16, plus_days=2)),
        (at(MON, 21, plus_days=-1), False, at(MON, 8, 25), at(MON, 16, plus_days=2)),
        (at(MON, 15, plus_days=4), True, at(MON, 16, plus_days=8), at(MON, 16, plus_days=8)),
        (at(MON, 6, plus_days=3), False, at(MON, 8, 25, plus_days=3), at(MON, 16, plus_days=7)),
    ],
)
def test_worked_examples_are_stored_on_the_inquiry(account, received, late, response_due, resolution_from):
    inquiry = receive(account, received)
    inquiry.refresh_from_db()
    assert inquiry.late_arrival is late
    assert inquiry.response_due == response_due
    assert inquiry.response_status == TargetStatus.RUNNING
    from sla.services import resolution_clock_start

    resolution_clock_start(record=inquiry)
    assert inquiry.resolution_due == resolution_from


def test_a_holiday_on_tuesday_moves_a_friday_late_arrival_to_wednesday(account):
    Holiday.objects.create(date=MON + timedelta(days=8), name="Libur", category="public")
    inquiry = receive(account, at(MON, 15, plus_days=4))
    assert inquiry.response_due == at(MON, 16, plus_days=9)


@pytest.mark.parametrize("zone", ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"])
def test_offices_in_every_indonesian_zone_keep_local_deadlines(db, zone):
    office = factories.OfficeFactory(timezone=zone)
    account = factories.ChannelAccountFactory(office=office)
    tz = ZoneInfo(zone)
    inquiry = receive(account, at(MON, 9, zone=tz))
    inquiry.refresh_from_db()
    assert inquiry.response_due.astimezone(tz) == at(MON, 9, 55, zone=tz)
    offset = {"Asia/Jakarta": 7, "Asia/Makassar": 8, "Asia/Jayapura": 9}[zone]
    assert inquiry.response_due.astimezone(ZoneInfo("UTC")).hour == 9 - offset


def test_at_risk_and_head_moments_are_stored(account):
    inquiry = receive(account, at(MON, 9))
    assert inquiry.response_at_risk_at == at(MON, 9, 44)
    assert inquiry.response_head_at == at(MON, 10, 55)


def test_a_per_office_policy_overrides_the_global_one(office, account):
    SlaPolicySetting.objects.create(office=None, response_minutes=45)
    SlaPolicySetting.objects.create(office=office, response_minutes=30)
    assert receive(account, at(MON, 9)).response_due == at(MON, 9, 30)
    other = factories.ChannelAccountFactory(office=factories.OfficeFactory())
    assert receive(other, at(MON, 9)).response_due == at(MON, 9, 45)


def test_ramadan_special_hours_and_a_reopened_joint_leave_day(office, account):
    SpecialHours.objects.create(
        name="Ramadan",
        start_date=MON,
        end_date=MON + timedelta(days=4),
        intervals={"default": [["08:00", "15:00"]], "4": [["08:00", "15:30"]]},
    )
    assert receive(account, at(MON, 7, 45)).response_due == at(MON, 8, 55)
    # 13:00 is within 2 h of the 15:00 Ramadan closing: a late arrival.
    assert receive(account, at(MON, 13, 30)).late_arrival is True

    tuesday = MON + timedelta(days=8)
    Holiday.objects.create(date=tuesday, name="Cuti bersama", category="government")
    ReopenedDate.objects.create(office=office, date=tuesday)
    assert receive(account, at(tuesday, 9)).response_due == at(tuesday, 9, 55)


def test_a_24_7_office_has_no_late_arrivals(db):
    office = factories.OfficeFactory(hours={day: (time(0), time(0)) for day in range(7)})
    account = factories.ChannelAccountFactory(office=office)
    inquiry = receive(account, at(MON, 23, 30, plus_days=5))  # Saturday night
    assert inquiry.late_arrival is False and inquiry.response_due == at(MON, 0, 25, plus_days=6)


def test_a_request_for_data_pauses_and_the_reply_resumes_with_the_due_time_moved(account, staff):
    inquiry = receive(account, at(MON, 9), sender="budi")
    with time_machine.travel(at(MON, 9, 20), tick=False):
        reply_send(inquiry=inquiry, author=staff[Role.OFFICER], text="Mohon nomor resi", kind="request_data")
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.WAITING and inquiry.paused_at == at(MON, 9, 20)
    assert inquiry.waiting_until == at(MON, 16, plus_days=3)  # end of day of the 3rd working date

    receive(account, at(MON, 10, plus_days=1), sender="budi", text="Resi 123-12345675")
    inquiry.refresh_from_db()
    # Paused Mon 09:20–16:00 and Tue 07:30–10:00: 9 h 10 min of working time.
    assert inquiry.paused_working_seconds == (9 * 60 + 10) * 60
    assert inquiry.status == Inquiry.Status.OPEN and inquiry.paused_at is None
    assert inquiry.response_due == at(MON, 10, 35, plus_days=1)
    assert AuditEvent.objects.filter(action="sla.resume", object_id=str(inquiry.pk)).exists()


def test_no_reply_within_three_working_days_closes_as_no_reply(account, staff):
    inquiry = receive(account, at(MON, 9))
    with time_machine.travel(at(MON, 9, 20), tick=False):
        reply_send(inquiry=inquiry, author=staff[Role.OFFICER], text="Mohon NIK", kind="request_data")
    sla_sweep(now=at(MON, 15, 59, plus_days=3))
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.WAITING
    sla_sweep(now=at(MON, 16, plus_days=3))
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.CLOSED and inquiry.outcome == Inquiry.Outcome.NO_REPLY
    assert inquiry.response_status == TargetStatus.CANCELLED


def test_paused_inquiries_get_no_at_risk_or_breach_notice(account, staff):
    inquiry = receive(account, at(MON, 9))
    with time_machine.travel(at(MON, 9, 20), tick=False):
        reply_send(inquiry=inquiry, author=staff[Role.OFFICER], text="Mohon NIK", kind="request_data")
    sla_sweep(now=at(MON, 11))
    inquiry.refresh_from_db()
    assert inquiry.response_status == TargetStatus.RUNNING
    assert not SlaNotice.objects.exists()


def test_the_escalation_chain_notifies_each_level_once(account, staff, django_capture_on_commit_callbacks):
    inquiry = receive(account, at(MON, 9))
    officer, coordinator, supervisor, head = (
        staff[Role.OFFICER],
        staff[Role.COORDINATOR],
        staff[Role.SUPERVISOR],
        staff[Role.HEAD],
    )

    assert sla_sweep(now=at(MON, 9, 43))["response.at_risk"] == 0
    assert sla_sweep(now=at(MON, 9, 44))["response.at_risk"] == 1
    assert sla_sweep(now=at(MON, 9, 50))["response.at_risk"] == 0
    # Unassigned: every on-duty officer of the office is told.
    assert set(Notification.objects.filter(kind="sla.response.at_risk").values_list("user", flat=True)) == {officer.pk}

    with django_capture_on_commit_callbacks(execute=True):
        counts = sla_sweep(now=at(MON, 9, 55))
    assert counts["response.breached"] == 1
    inquiry.refresh_from_db()
    assert inquiry.response_status == TargetStatus.BREACHED
    breached_to = set(Notification.objects.filter(kind="sla.response.breached").values_list("user", flat=True))
    assert breached_to == {coordinator.pk, supervisor.pk}

    assert sla_sweep(now=at(MON, 10, 54))["response.head"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_sweep(now=at(MON, 10, 55))["response.head"] == 1
    assert sla_sweep(now=at(MON, 11))["response.head"] == 0
    assert list(Notification.objects.filter(kind="sla.response.head").values_list("user", flat=True)) == [head.pk]
    assert SlaNotice.objects.filter(inquiry=inquiry).count() == 3
    assert AuditEvent.objects.filter(action__startswith="sla.notice.").count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted([coordinator.email, supervisor.email, head.email])


def test_the_assigned_officer_alone_gets_the_at_risk_notice(account, staff, office):
    colleague = factories.StaffFactory(office=office, role=Role.OFFICER).user
    inquiry = receive(account, at(MON, 9))
    Inquiry.objects.filter(pk=inquiry.pk).update(assigned_to=colleague)
    sla_sweep(now=at(MON, 9, 45))
    assert list(Notification.objects.values_list("user", flat=True)) == [colleague.pk]


def test_a_met_target_is_never_notified_nor_changed_by_a_recompute(
    account, staff, office, django_capture_on_commit_callbacks
):
    inquiry = receive(account, at(MON, 9))
    with time_machine.travel(at(MON, 9, 30), tick=False), django_capture_on_commit_callbacks(execute=True):
        reply_send(inquiry=inquiry, author=staff[Role.OFFICER], text="Jawaban", kind="answer")
    inquiry.refresh_from_db()
    assert inquiry.response_status == TargetStatus.MET
    assert inquiry.response_met_at == at(MON, 9, 30) and inquiry.response_met_by == staff[Role.OFFICER]
    assert inquiry.response_working_seconds == 30 * 60

    assert sla_sweep(now=at(MON, 12))["response.breached"] == 0
    SlaPolicySetting.objects.create(office=office, response_minutes=10)
    recompute_running_targets(office_ids=[office.pk])
    inquiry.refresh_from_db()
    assert inquiry.response_status == TargetStatus.MET and inquiry.response_due == at(MON, 9, 55)


def test_a_late_delivery_records_the_breach(account, staff, django_capture_on_commit_callbacks):
    inquiry = receive(account, at(MON, 9))
    with time_machine.travel(at(MON, 10, 30), tick=False), django_capture_on_commit_callbacks(execute=True):
        reply_send(inquiry=inquiry, author=staff[Role.OFFICER], text="Jawaban", kind="answer")
    inquiry.refresh_from_db()
    assert inquiry.response_status == TargetStatus.BREACHED and inquiry.response_met_at == at(MON, 10, 30)


def test_a_request_for_data_does_not_meet_the_response_target(account, staff, django_capture_on_commit_callbacks):
    inquiry = receive(account, at(MON, 9))
    with time_machine.travel(at(MON, 9, 10), tick=False), django_capture_on_commit_callbacks(execute=True):
        reply_send(inquiry=inquiry, author=staff[Role.OFFICER], text="Mohon data", kind="request_data")
    inquiry.refresh_from_db()
    assert inquiry.response_status == TargetStatus.RUNNING and inquiry.response_met_at is None


def test_a_calendar_change_recomputes_running_targets(account, office):
    inquiry = receive(account, at(MON, 15, plus_days=4))  # Friday late arrival: Tuesday 16:00
    assert inquiry.response_due == at(MON, 16, plus_days=8)
    Holiday.objects.create(office=office, date=MON + timedelta(days=8), name="Penutupan kantor", category="closure")
    assert recompute_running_targets(office_ids=[office.pk]) == 1
    inquiry.refresh_from_db()
    assert inquiry.response_due == at(MON, 16, plus_days=9)


def test_adding_a_closed_date_in_the_admin_recomputes_after_commit(
    client, account, office, django_capture_on_commit_callbacks
):
    inquiry = receive(account, at(MON, 15, plus_days=4))
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/offices/holiday/add/",
            {"office": office.pk, "date": "2026-12-15", "name": "Penutupan", "category": "closure", "source": "admin"},
        )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.response_due == at(MON, 16, plus_days=9)


def test_the_sweep_runs_a_fixed_number_of_queries(account, staff, django_assert_max_num_queries):
    for _ in range(3):
        receive(account, at(MON, 9))
    with django_assert_max_num_queries(40) as few:
        sla_sweep(now=at(MON, 9, 50))
    for _ in range(30):
        receive(account, at(MON, 9, 1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        sla_sweep(now=at(MON, 9, 51))


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_send_each_notice_once(postgres):
    office = factories.OfficeFactory()
    factories.StaffFactory(office=office, role=Role.OFFICER)
    factories.StaffFactory(office=office, role=Role.COORDINATOR)
    account = factories.ChannelAccountFactory(office=office)
    for _ in range(25):
        receive(account, at(MON, 9))
    barrier = threading.Barrier(2)
    results = []

    def sweep():
        barrier.wait()
        try:
            results.append(sla_sweep(now=at(MON, 10)))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(r["response.at_risk"] for r in results) == 25
    assert sum(r["response.breached"] for r in results) == 25
    assert SlaNotice.objects.count() == 50
    assert Notification.objects.count() == 50  # one officer and one coordinator per inquiry and level


def test_the_inbox_shows_the_countdown_and_why(english, client, account, staff):
    receive(account, at(MON, 9))
    late = receive(account, at(MON, 15))
    with time_machine.travel(at(MON, 9, 30), tick=False):
        client.force_login(staff[Role.OFFICER])  # staff sessions last a working day: log in on that day
        page = client.get(reverse("tickets:inbox")).content.decode()
    assert "25 working min left" in page
    assert "late arrival" in page
    with time_machine.travel(at(MON, 10, 5), tick=False):
        page = client.get(reverse("tickets:conversation", args=[late.pk])).content.decode()
        first = client.get(reverse("tickets:inbox")).content.decode()
    assert "late arrival: 2 working days" in page
    assert "10 working min overdue" in first


def test_notifications_page_lists_and_marks_read(client, account, staff):
    receive(account, at(MON, 9))
    sla_sweep(now=at(MON, 9, 50))
    client.force_login(staff[Role.OFFICER])
    page = client.get("/notifications/")
    assert page.status_code == 200 and page.context["unread_notifications"] == 1
    client.post("/notifications/read/")
    assert client.get("/notifications/").context["unread_notifications"] == 0


def test_calendar_api_lists_working_intervals_in_the_office_zone(api_client, office):
    Holiday.objects.create(date=MON + timedelta(days=1), name="Libur", category="public")
    body = api_client.get(f"/api/v1/offices/{office.code}/calendar/?from=2026-12-07&to=2026-12-13").json()
    assert body["timezone"] == "Asia/Jakarta"
    assert [i["date"] for i in body["intervals"]] == ["2026-12-07", "2026-12-09", "2026-12-10", "2026-12-11"]
    assert body["intervals"][0]["start"] == "2026-12-07T07:30:00+07:00"
    assert body["intervals"][-1]["end"] == "2026-12-11T16:30:00+07:00"


@pytest.mark.parametrize(
    ("query", "status"),
    [("from=2026-12-10&to=2026-12-01", 400), ("from=bogus", 400), ("from=2026-01-01&to=2026-12-31", 400)],
)
def test_calendar_api_rejects_bad_ranges(api_client, office, query, status):
    response = api_client.get(f"/api/v1/offices/{office.code}/calendar/?{query}")
    assert response.status_code == status and "error" in response.json()


def test_calendar_api_unknown_office_is_404(api_client, db):
    assert api_client.get("/api/v1/offices/999999/calendar/").status_code == 404


def test_the_widget_promise_says_when_the_clock_starts(api_client, office, account):
    with time_machine.travel(at(MON, 21, plus_days=-2), tick=False):  # Saturday evening
        body = api_client.get(f"/api/v1/webchat/offices/{office.code}/").json()
    assert body["free_of_charge"] is True and body["response_minutes"] == 55
    assert body["open_now"] is False and body["today_hours"] == []
    assert body["clock_starts_at"] == "2026-12-07T07:30:00+07:00"
    with time_machine.travel(at(MON, 10), tick=False):
        body = api_client.get(f"/api/v1/webchat/offices/{office.code}/").json()
    assert body["open_now"] is True and body["today_hours"] == [["07:30", "16:00"]]


def test_load_holidays_is_idempotent_and_includes_joint_leave(db):
    from io import StringIO

    from django.core.management import call_command

    call_command("load_holidays", "2026", stdout=StringIO())
    count = Holiday.objects.count()
    call_command("load_holidays", "2026", stdout=StringIO())
    assert Holiday.objects.count() == count
    assert Holiday.objects.filter(category="government", date=date(2026, 12, 24)).exists()
    assert Holiday.objects.filter(category="public", date=date(2026, 8, 17)).exists()


def test_special_hours_admin_takes_a_ramadan_range_in_one_step(client, db):
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/offices/specialhours/add/",
        {
            "name": "Ramadan",
            "start_date": "2027-02-08",
            "end_date": "2027-03-09",
            "weekdays_only": "on",
            "hours": "08:00-15:00",
            "friday_hours": "08:00-15:30",
        },
    )
    assert response.status_code == 302
    special = SpecialHours.objects.get()
    assert special.intervals == {"default": [["08:00", "15:00"]], "4": [["08:00", "15:30"]]}
    bad = client.post(
        "/admin/offices/specialhours/add/",
        {"name": "Bad", "start_date": "2027-02-08", "end_date": "2027-03-09", "hours": "15:00-08:00"},
    )
    assert bad.status_code == 200 and SpecialHours.objects.count() == 1


def test_overlapping_weekly_hours_are_a_form_error(client, office):
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    hours = list(office.weekly_hours.order_by("weekday"))
    data = {
        "code": office.code,
        "name": office.name,
        "kind": office.kind,
        "typology": office.typology.pk,
        "timezone": office.timezone,
        "is_active": "on",
        "staff-TOTAL_FORMS": "0",
        "staff-INITIAL_FORMS": "0",
        "staff-MIN_NUM_FORMS": "0",
        "staff-MAX_NUM_FORMS": "1000",
        "weekly_hours-TOTAL_FORMS": str(len(hours) + 1),
        "weekly_hours-INITIAL_FORMS": str(len(hours)),
        "weekly_hours-MIN_NUM_FORMS": "0",
        "weekly_hours-MAX_NUM_FORMS": "1000",
        "reopened_dates-TOTAL_FORMS": "0",
        "reopened_dates-INITIAL_FORMS": "0",
        "reopened_dates-MIN_NUM_FORMS": "0",
        "reopened_dates-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(hours):
        data.update(
            {
                f"weekly_hours-{index}-id": row.pk,
                f"weekly_hours-{index}-office": office.pk,
                f"weekly_hours-{index}-weekday": row.weekday,
                f"weekly_hours-{index}-start": row.start.strftime("%H:%M"),
                f"weekly_hours-{index}-end": row.end.strftime("%H:%M"),
            }
        )
    n = len(hours)
    data.update(
        {
            f"weekly_hours-{n}-office": office.pk,
            f"weekly_hours-{n}-weekday": 0,
            f"weekly_hours-{n}-start": "12:00",
            f"weekly_hours-{n}-end": "13:00",
        }
    )
    response = client.post(f"/admin/offices/office/{office.pk}/change/", data)
    assert response.status_code == 200
    assert office.weekly_hours.count() == n


def test_api_exposes_the_countdown_and_reason(api_client, account, staff):
    inquiry = receive(account, at(MON, 15))
    api_client.force_authenticate(staff[Role.OFFICER])
    with time_machine.travel(at(MON, 15, 30), tick=False):
        item = api_client.get("/api/v1/inquiries/").json()["results"][0]
        detail = api_client.get(f"/api/v1/inquiries/{inquiry.pk}/").json()
    assert item["sla"]["reason"] == "late" and item["sla"]["target"] == "response"
    assert item["late_arrival"] is True
    assert detail["sla"]["minutes_left"] == 30 + 8 * 60 * 2 + 30 * 2  # rest of Mon + Tue + Wed


def test_the_dashboard_reports_met_rates_by_office_and_officer(
    client, account, staff, office, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    officer = staff[Role.OFFICER]
    on_time = receive(account, at(MON, 9))
    late = receive(account, at(MON, 9, 5))
    spam = receive(account, at(MON, 9, 10))
    with time_machine.travel(at(MON, 9, 30), tick=False), django_capture_on_commit_callbacks(execute=True):
        reply_send(inquiry=on_time, author=officer, text="Jawaban", kind="answer")
    with time_machine.travel(at(MON, 11), tick=False), django_capture_on_commit_callbacks(execute=True):
        reply_send(inquiry=late, author=officer, text="Jawaban", kind="answer")
    Inquiry.objects.filter(pk=spam.pk).update(response_status=TargetStatus.CANCELLED)
    client.force_login(staff[Role.HEAD])
    with django_assert_max_num_queries(22):  # the period report (supervision.reports): SQLite ranks percentiles apart
        page = client.get("/sla/?from=2026-12-01&to=2026-12-31")
    report = page.context["report"]
    assert report["total"]["received"] == 3
    assert report["total"]["response_met_rate"] == 50.0  # the spam inquiry is not counted
    assert report["total"]["response_minutes_mean"] == pytest.approx((30 + 115) / 2, abs=0.1)
    assert [(r["key"], r["response_met"], r["response_breached"]) for r in report["by_officer"]] == [(officer.pk, 1, 1)]
    other = client.get("/sla/?from=2027-01-01&to=2027-01-31").context["report"]
    assert other["total"]["received"] == 0 and other["total"]["response_met_rate"] is None
