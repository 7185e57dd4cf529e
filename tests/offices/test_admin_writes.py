"""The admin is not a second write path: its saves and deletes go through the offices services.

Each admin change is posted as a real admin form by a superuser; it must write the audit log, keep the rules
(officer limit, typology limit) as form errors, and move the deadlines of running inquiries after commit.
Dates: the week of Monday 2026-12-07 has no holiday (as in tests/sla/test_engine.py).
"""

from datetime import date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import translation

from audit.models import AuditEvent
from offices.holidays import holidays_load
from offices.models import Holiday, Office, ReopenedDate, Role, SpecialHours, StaffProfile, Typology
from offices.services import officer_limit_error, staff_assign, typology_update
from sla.services import recompute_running_targets
from tests import factories
from tests.factories import response_due as due
from tests.factories import running_inquiry

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
MON = date(2026, 12, 7)
FRI = MON + timedelta(days=4)
NEXT_TUE = MON + timedelta(days=8)


def at(day: date, hour: int, minute: int = 0, zone=WIB) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


@pytest.fixture
def root(db):
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, root):
    client.force_login(root)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def account(office):
    return factories.ChannelAccountFactory(office=office, kind="webchat")


def office_form(office, *, hours=None, staff=(), new_staff=(), reopened=(), **fields) -> dict:
    """The POST of the office change page: its fields and the three inlines, as the browser sends them."""
    data = {
        "code": office.code,
        "name": office.name,
        "kind": office.kind,
        "typology": office.typology.pk,
        "timezone": office.timezone,
        "is_active": "on",
    }
    data.update(fields)
    current_hours = list(office.weekly_hours.order_by("weekday", "start"))
    if hours is None:
        hours = [(row.weekday, f"{row.start:%H:%M}", f"{row.end:%H:%M}") for row in current_hours]
    total = max(len(hours), len(current_hours))
    for index in range(total):
        if index < len(current_hours):
            data[f"weekly_hours-{index}-id"] = current_hours[index].pk
        data[f"weekly_hours-{index}-office"] = office.pk
        if index < len(hours):
            weekday, start, end = hours[index]
            data.update(
                {
                    f"weekly_hours-{index}-weekday": weekday,
                    f"weekly_hours-{index}-start": start,
                    f"weekly_hours-{index}-end": end,
                }
            )
        else:
            row = current_hours[index]
            data.update(
                {
                    f"weekly_hours-{index}-DELETE": "on",
                    f"weekly_hours-{index}-weekday": row.weekday,
                    f"weekly_hours-{index}-start": f"{row.start:%H:%M}",
                    f"weekly_hours-{index}-end": f"{row.end:%H:%M}",
                }
            )
    staff_rows = [(profile.pk, profile.user.pk, profile.role) for profile in staff] + [
        (None, user.pk, role) for user, role in new_staff
    ]
    for index, (pk, user_pk, role) in enumerate(staff_rows):
        if pk:
            data[f"staff-{index}-id"] = pk
        data.update(
            {
                f"staff-{index}-office": office.pk,
                f"staff-{index}-user": user_pk,
                f"staff-{index}-role": role,
                f"staff-{index}-on_duty": "on",
            }
        )
    for index, (day, reason) in enumerate(reopened):
        data.update({f"reopened_dates-{index}-date": day.isoformat(), f"reopened_dates-{index}-reason": reason})
    for prefix, count, initial in (
        ("weekly_hours", total, len(current_hours)),
        ("staff", len(staff_rows), len(staff)),
        ("reopened_dates", len(reopened), 0),
    ):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(count),
                f"{prefix}-INITIAL_FORMS": str(initial),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    return data


# --- Closed dates --------------------------------------------------------------------------------------------
def test_adding_a_closed_date_in_the_admin_is_audited_and_moves_the_running_deadline(
    admin_client, root, account, office, django_capture_on_commit_callbacks
):
    inquiry = running_inquiry(account, at(FRI, 15))  # Friday late arrival: Tuesday 16:00
    assert inquiry.response_due == at(NEXT_TUE, 16)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/offices/holiday/add/",
            {"office": office.pk, "date": NEXT_TUE.isoformat(), "name": "Penutupan", "category": "closure"},
        )

    assert response.status_code == 302
    holiday = Holiday.objects.get(name="Penutupan")
    assert holiday.source == Holiday.Source.ADMIN
    event = AuditEvent.objects.get(action="holiday.add", object_id=str(holiday.pk))
    assert event.actor == root and event.office_code == office.code
    assert due(inquiry) == at(NEXT_TUE + timedelta(days=1), 16)


def test_a_national_closed_date_moves_deadlines_of_every_office(
    admin_client, account, django_capture_on_commit_callbacks
):
    other = running_inquiry(factories.ChannelAccountFactory(office=factories.OfficeFactory()), at(FRI, 15))
    mine = running_inquiry(account, at(FRI, 15))

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/offices/holiday/add/",
            {"office": "", "date": NEXT_TUE.isoformat(), "name": "Libur nasional", "category": "public"},
        )

    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="holiday.add", office_code="").count() == 1
    assert due(mine) == due(other) == at(NEXT_TUE + timedelta(days=1), 16)


def test_deleting_closed_dates_one_or_in_bulk_is_audited_and_moves_deadlines_back(
    admin_client, account, office, django_capture_on_commit_callbacks
):
    closure = Holiday.objects.create(office=office, date=NEXT_TUE, name="Penutupan", category="closure")
    inquiry = running_inquiry(account, at(FRI, 15))
    assert inquiry.response_due == at(NEXT_TUE + timedelta(days=1), 16)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/offices/holiday/{closure.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="holiday.delete", object_id=str(closure.pk)).exists()
    assert due(inquiry) == at(NEXT_TUE, 16)

    wednesday, tuesday = (
        Holiday.objects.create(office=office, date=NEXT_TUE + timedelta(days=d), name="Tutup", category="closure")
        for d in (1, 0)
    )
    recompute_running_targets(office_ids=[office.pk])
    assert due(inquiry) == at(NEXT_TUE + timedelta(days=2), 16)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/offices/holiday/",
            {"action": "delete_selected", "_selected_action": [wednesday.pk, tuesday.pk], "post": "yes"},
        )
    assert response.status_code == 302
    assert not Holiday.objects.exists()
    assert AuditEvent.objects.filter(action="holiday.delete").count() == 3
    assert due(inquiry) == at(NEXT_TUE, 16)


def test_a_closed_date_the_form_refuses_moves_nothing(
    admin_client, account, office, django_capture_on_commit_callbacks
):
    Holiday.objects.create(date=NEXT_TUE, name="Libur", category="public")
    inquiry = running_inquiry(account, at(FRI, 15))
    before = inquiry.response_due

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(
            "/admin/offices/holiday/add/",
            {"office": "", "date": NEXT_TUE.isoformat(), "name": "Libur", "category": "public"},
        )

    assert response.status_code == 200  # the same national date twice: a form error
    assert callbacks == [] and due(inquiry) == before
    assert not AuditEvent.objects.filter(action="holiday.add").exists()


# --- Special hours and reopened dates -----------------------------------------------------------------------
def test_special_hours_saved_in_the_admin_are_audited_and_move_the_deadline(
    admin_client, account, office, django_capture_on_commit_callbacks
):
    inquiry = running_inquiry(account, at(MON, 9))
    assert inquiry.response_due == at(MON, 9, 55)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/offices/specialhours/add/",
            {
                "office": office.pk,
                "name": "Jam khusus",
                "start_date": MON.isoformat(),
                "end_date": FRI.isoformat(),
                "weekdays_only": "on",
                "hours": "10:00-15:00",
            },
        )

    assert response.status_code == 302
    special = SpecialHours.objects.get()
    assert special.intervals == {"default": [["10:00", "15:00"]]}
    assert AuditEvent.objects.filter(action="special_hours.save", object_id=str(special.pk)).exists()
    assert due(inquiry) == at(MON, 10, 55)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/offices/specialhours/{special.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="special_hours.delete").exists()
    assert due(inquiry) == at(MON, 9, 55)


def test_a_special_hours_range_over_a_year_is_a_form_error(admin_client):
    response = admin_client.post(
        "/admin/offices/specialhours/add/",
        {"name": "Too long", "start_date": "2027-01-01", "end_date": "2028-03-01", "hours": "08:00-15:00"},
    )
    assert response.status_code == 200
    assert "at most one year" in response.content.decode()
    assert not SpecialHours.objects.exists()


def test_reopening_a_closed_date_in_the_admin_is_audited_and_moves_the_deadline(
    admin_client, account, office, django_capture_on_commit_callbacks
):
    Holiday.objects.create(date=NEXT_TUE, name="Cuti bersama", category="government")
    inquiry = running_inquiry(account, at(FRI, 15))
    assert inquiry.response_due == at(NEXT_TUE + timedelta(days=1), 16)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/offices/reopeneddate/add/", {"office": office.pk, "date": NEXT_TUE.isoformat(), "reason": "Piket"}
        )
    assert response.status_code == 302
    reopened = ReopenedDate.objects.get()
    assert AuditEvent.objects.filter(action="reopened_date.save", object_id=str(reopened.pk)).exists()
    assert due(inquiry) == at(NEXT_TUE, 16)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/offices/reopeneddate/",
            {"action": "delete_selected", "_selected_action": [reopened.pk], "post": "yes"},
        )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="reopened_date.delete", object_id=str(reopened.pk)).exists()
    assert due(inquiry) == at(NEXT_TUE + timedelta(days=1), 16)


# --- The office form: weekly hours, zone, reopened dates, staff ---------------------------------------------
def test_weekly_hours_changed_in_the_office_form_are_audited_and_move_the_deadline(
    admin_client, account, office, django_capture_on_commit_callbacks
):
    inquiry = running_inquiry(account, at(MON, 9))
    hours = [(0, "10:00", "16:00"), (1, "07:30", "16:00"), (2, "07:30", "16:00"), (3, "07:30", "16:00")]
    hours.append((4, "07:30", "16:30"))

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/offices/office/{office.pk}/change/", office_form(office, hours=hours))

    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(office.weekly_hours.filter(weekday=0).values_list("start", flat=True)) == [time(10)]
    event = AuditEvent.objects.get(action="hours.update", object_id=str(office.pk))
    assert event.changes == {"before": {"0": "07:30-16:00"}, "after": {"0": "10:00-16:00"}}
    assert due(inquiry) == at(MON, 10, 55)


def test_saving_the_office_form_unchanged_writes_and_recomputes_nothing(
    admin_client, office, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(f"/admin/offices/office/{office.pk}/change/", office_form(office))
    assert response.status_code == 302
    assert callbacks == []
    assert not AuditEvent.objects.filter(action__in=["office.update", "hours.update"]).exists()


def test_a_new_time_zone_is_audited_and_moves_the_deadline(
    admin_client, account, office, django_capture_on_commit_callbacks
):
    inquiry = running_inquiry(account, at(MON, 7))  # before 07:30 WIB opening: due 08:25 WIB
    assert inquiry.response_due == at(MON, 8, 25)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/offices/office/{office.pk}/change/", office_form(office, timezone="Asia/Makassar")
        )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="office.update", object_id=str(office.pk))
    assert event.changes == {"before": {"timezone": "Asia/Jakarta"}, "after": {"timezone": "Asia/Makassar"}}
    assert due(inquiry) == at(MON, 8, 55, zone=WITA)  # 07:00 WIB is 08:00 WITA, within working time


def test_an_office_added_in_the_admin_gets_default_hours_and_an_audit_row(admin_client):
    typology = factories.TypologyFactory()
    data = {"code": "123456", "name": "KPPBC Baru", "kind": "kppbc", "typology": typology.pk}
    data.update({"timezone": "Asia/Jayapura", "is_active": "on"})
    for prefix in ("staff", "weekly_hours", "reopened_dates"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})

    response = admin_client.post("/admin/offices/office/add/", data)

    assert response.status_code == 302
    office = Office.objects.get(code="123456")
    assert office.weekly_hours.count() == 5 and office.timezone == "Asia/Jayapura"
    assert AuditEvent.objects.filter(action="office.create", object_id=str(office.pk)).exists()


def test_an_office_added_with_its_hours_and_staff_keeps_them(admin_client):
    typology = factories.TypologyFactory()
    user = factories.UserFactory()
    data = {"code": "123457", "name": "KPPBC Pelabuhan", "kind": "kppbc", "typology": typology.pk}
    data.update({"timezone": "Asia/Jakarta", "is_active": "on", "always_open": "on"})
    for day in range(7):
        data.update(
            {
                f"weekly_hours-{day}-weekday": day,
                f"weekly_hours-{day}-start": "00:00",
                f"weekly_hours-{day}-end": "00:00",
            }
        )
    data.update({"staff-0-user": user.pk, "staff-0-role": Role.OFFICER, "staff-0-on_duty": "on"})
    for prefix, count in (("staff", 1), ("weekly_hours", 7), ("reopened_dates", 0)):
        data.update({f"{prefix}-TOTAL_FORMS": str(count), f"{prefix}-INITIAL_FORMS": "0"})

    response = admin_client.post("/admin/offices/office/add/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    office = Office.objects.get(code="123457")
    assert office.weekly_hours.count() == 7
    assert StaffProfile.objects.get(user=user).office == office
    assert AuditEvent.objects.filter(action="staff.assign", office_code="123457").exists()


def test_a_refusal_after_a_calendar_change_rolls_everything_back_and_shows_on_the_form(
    admin_client, office, monkeypatch, django_capture_on_commit_callbacks
):
    """A service refusing late in the save (a race the form could not see) is a form error, never a 500."""
    from offices import services

    def refuse(**kwargs):
        raise ValidationError("Refused by the service for this test.")

    monkeypatch.setattr(services, "reopened_date_save", refuse)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(
            f"/admin/offices/office/{office.pk}/change/",
            office_form(office, timezone="Asia/Jayapura", reopened=[(NEXT_TUE, "Piket")]),
        )

    assert response.status_code == 200
    assert "Refused by the service for this test." in response.content.decode()
    assert callbacks == []  # the time-zone change was rolled back, and so was its recompute
    office.refresh_from_db()
    assert office.timezone == "Asia/Jakarta"
    assert not AuditEvent.objects.filter(action="office.update").exists()


def test_staff_added_in_the_office_form_is_assigned_through_the_service(admin_client, office):
    newcomer = factories.UserFactory()
    response = admin_client.post(
        f"/admin/offices/office/{office.pk}/change/", office_form(office, new_staff=[(newcomer, Role.OFFICER)])
    )
    assert response.status_code == 302
    profile = StaffProfile.objects.get(user=newcomer)
    assert profile.office == office and profile.role == Role.OFFICER
    assert AuditEvent.objects.filter(action="staff.assign", object_id=str(profile.pk)).exists()


def test_a_typology_too_small_for_the_staffing_is_refused_in_the_office_form(admin_client, office):
    for _ in range(3):
        factories.StaffFactory(office=office, role=Role.OFFICER)
    solo = factories.TypologyFactory(name="Solo", officer_limit=1)
    staff = list(office.staff.select_related("user"))

    response = admin_client.post(
        f"/admin/offices/office/{office.pk}/change/", office_form(office, staff=staff, typology=solo.pk)
    )

    assert response.status_code == 200
    assert "has 3 active officer(s) now and would have 3" in response.content.decode()
    office.refresh_from_db()
    assert office.typology.name != "Solo"


# --- The officer limit: one rule, the real count -----------------------------------------------------------
@pytest.fixture
def small_office(db):
    return factories.OfficeFactory(typology=factories.TypologyFactory(name="KPPBC TMP C", officer_limit=2))


def test_the_inline_error_gives_the_current_count_and_the_count_the_form_would_make(admin_client, small_office):
    existing = factories.StaffFactory(office=small_office, role=Role.OFFICER)
    newcomers = [(factories.UserFactory(), Role.OFFICER) for _ in range(2)]

    response = admin_client.post(
        f"/admin/offices/office/{small_office.pk}/change/",
        office_form(small_office, staff=[existing], new_staff=newcomers),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "has 1 active officer(s) now and would have 3" in page and "at most 2" in page
    assert StaffProfile.objects.filter(office=small_office).count() == 1


def test_an_office_over_its_limit_reports_its_real_count(admin_client, small_office):
    """Three officers where two are allowed (a user reactivated elsewhere): the error counts all three."""
    officers = [factories.StaffFactory(office=small_office, role=Role.OFFICER) for _ in range(3)]

    response = admin_client.post(
        f"/admin/offices/staffprofile/{officers[0].pk}/change/",
        {"office": small_office.pk, "role": Role.OFFICER, "language": "id", "is_active": "on"},  # off duty
    )

    assert response.status_code == 200
    assert "has 3 active officer(s) now and would have 3" in response.content.decode()
    officers[0].refresh_from_db()
    assert officers[0].on_duty is True


def test_staff_assign_and_the_admin_share_one_rule(small_office):
    users = [factories.UserFactory() for _ in range(3)]
    factories.StaffFactory(office=small_office, role=Role.OFFICER, user__is_active=False)  # does not count
    for user in users[:2]:
        staff_assign(user=user, office=small_office, role=Role.OFFICER)

    with pytest.raises(ValidationError) as error, translation.override("en"):
        staff_assign(user=users[2], office=small_office, role=Role.OFFICER)

    assert "has 2 active officer(s) now and would have 3" in str(error.value)
    with translation.override("en"):
        assert officer_limit_error(office=small_office, officers_after=3) == error.value.message_dict["role"][0]


def test_a_staff_profile_saved_in_the_admin_is_audited(admin_client, root, small_office):
    user = factories.UserFactory()
    response = admin_client.post(
        "/admin/offices/staffprofile/add/",
        {"user": user.pk, "office": small_office.pk, "role": Role.COORDINATOR, "on_duty": "on", "language": "en"},
    )
    assert response.status_code == 302
    profile = StaffProfile.objects.get(user=user)
    assert profile.language == "en"
    event = AuditEvent.objects.get(action="staff.assign", object_id=str(profile.pk))
    assert event.actor == root

    response = admin_client.post(f"/admin/offices/staffprofile/{profile.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not StaffProfile.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action="staff.remove", object_id=str(profile.pk)).exists()


# --- Typologies ----------------------------------------------------------------------------------------------
def test_a_typology_limit_cannot_go_below_the_officers_an_office_has(admin_client, small_office):
    for _ in range(2):
        factories.StaffFactory(office=small_office, role=Role.OFFICER)
    typology = small_office.typology

    response = admin_client.post(
        f"/admin/offices/typology/{typology.pk}/change/", {"name": typology.name, "officer_limit": 1}
    )

    assert response.status_code == 200  # a form error, not a 500
    page = response.content.decode()
    assert "already has 2 active officers" in page
    typology.refresh_from_db()
    assert typology.officer_limit == 2
    assert not AuditEvent.objects.filter(action="typology.update").exists()


def test_typology_update_counts_only_active_officers_and_is_audited(root, small_office):
    factories.StaffFactory(office=small_office, role=Role.OFFICER)
    factories.StaffFactory(office=small_office, role=Role.OFFICER, user__is_active=False)
    factories.StaffFactory(office=small_office, role=Role.COORDINATOR)

    typology = typology_update(typology=small_office.typology, name="KPPBC TMP C", officer_limit=1, actor=root)

    assert typology.officer_limit == 1
    event = AuditEvent.objects.get(action="typology.update")
    assert event.changes == {"before": {"officer_limit": 2}, "after": {"officer_limit": 1}} and event.actor == root
    with pytest.raises(ValidationError) as error:
        typology_update(typology=typology, name="KPPBC TMP C", officer_limit=0)
    assert "officer_limit" in error.value.message_dict


@pytest.mark.parametrize("limit", [0, 7])
def test_a_typology_limit_stays_within_1_and_6(admin_client, limit):
    response = admin_client.post("/admin/offices/typology/add/", {"name": "Baru", "officer_limit": limit})
    assert response.status_code == 200
    assert not Typology.objects.filter(name="Baru").exists()


def test_a_typology_added_in_the_admin_is_audited(admin_client):
    response = admin_client.post("/admin/offices/typology/add/", {"name": "Baru", "officer_limit": 4})
    assert response.status_code == 302
    typology = Typology.objects.get(name="Baru")
    assert AuditEvent.objects.filter(action="typology.create", object_id=str(typology.pk)).exists()


# --- Loading holidays moves running deadlines ---------------------------------------------------------------
CHRISTMAS_WEEK_WED = date(2026, 12, 23)  # Thursday 24 is cuti bersama, Friday 25 Christmas


@pytest.fixture
def christmas_inquiry(account):
    inquiry = running_inquiry(account, at(CHRISTMAS_WEEK_WED, 15))  # late: 2 working days after Wednesday
    assert inquiry.response_due == at(date(2026, 12, 25), 16, 30)
    return inquiry


def test_holidays_load_moves_a_running_deadline(christmas_inquiry, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        added = holidays_load(years=[2026])

    assert added > 0
    assert due(christmas_inquiry) == at(date(2026, 12, 29), 16)
    assert AuditEvent.objects.filter(action="holidays.load").count() == 1

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert holidays_load(years=[2026]) == 0  # nothing new: no audit row, no recompute
    assert callbacks == [] and AuditEvent.objects.filter(action="holidays.load").count() == 1


def test_the_load_holidays_command_moves_a_running_deadline(christmas_inquiry, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_holidays", "2026", stdout=StringIO())
    assert due(christmas_inquiry) == at(date(2026, 12, 29), 16)


def test_the_beat_task_moves_a_running_deadline(christmas_inquiry, django_capture_on_commit_callbacks):
    from offices.tasks import load_holidays

    with time_machine.travel(at(date(2026, 12, 1), 3), tick=False), django_capture_on_commit_callbacks(execute=True):
        load_holidays.delay()
    assert due(christmas_inquiry) == at(date(2026, 12, 29), 16)


# --- The knowledge base (tickets admin, same principle) -----------------------------------------------------
def test_a_superuser_saves_a_national_answer_in_the_admin_through_the_service(admin_client, root):
    from tickets.models import CannedAnswer

    response = admin_client.post(
        "/admin/tickets/cannedanswer/add/",
        {"office": "", "title": "Bea masuk", "body": "Jawaban nasional", "tags": "", "is_active": "on"},
    )

    assert response.status_code == 302
    answer = CannedAnswer.objects.get()
    assert answer.office is None and answer.updated_by == root
    assert AuditEvent.objects.filter(action="canned.save", object_id=str(answer.pk)).exists()


def test_an_answer_for_another_office_is_a_form_error(admin_client, office):
    from tickets.models import CannedAnswer

    response = admin_client.post(
        "/admin/tickets/cannedanswer/add/",
        {"office": office.pk, "title": "Bea masuk", "body": "Jawaban", "tags": "", "is_active": "on"},
    )

    assert response.status_code == 200
    assert "leave the office empty for a national answer" in response.content.decode()
    assert not CannedAnswer.objects.exists()
