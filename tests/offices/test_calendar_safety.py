"""Calendars cannot break the product: new offices get working hours, an office cannot be saved without
working time ahead, and an existing office without hours still takes web-chat messages (no deadline, no 500)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from offices.models import Holiday, Office, WeeklyHours
from offices.selectors import office_calendar
from offices.services import office_create, office_hours_set, office_update
from tests import factories
from tests.offices.test_admin_writes import office_form
from tickets.models import Inquiry, TargetStatus


def _hours(office) -> dict[int, list[tuple[str, str]]]:
    weekly: dict[int, list[tuple[str, str]]] = {}
    for row in WeeklyHours.objects.filter(office=office).order_by("weekday", "start"):
        weekly.setdefault(row.weekday, []).append((f"{row.start:%H:%M}", f"{row.end:%H:%M}"))
    return weekly


def test_a_new_office_gets_the_civil_service_hours_unless_given_others(db):
    office = office_create(code="123456", name="KPPBC Baru", typology=factories.TypologyFactory())

    assert _hours(office) == {
        **{day: [("07:30", "16:00")] for day in range(4)},
        4: [("07:30", "16:30")],
    }


def test_creating_an_office_without_working_time_is_refused_and_creates_nothing(db):
    with pytest.raises(ValidationError) as error, translation.override("en"):
        office_create(code="123456", name="KPPBC Tutup", typology=factories.TypologyFactory(), weekly={})

    assert "no working time in the next 366 days" in str(error.value)
    assert not Office.objects.filter(code="123456").exists()


def test_removing_every_working_hour_of_an_office_is_refused_and_keeps_its_hours(office):
    before = _hours(office)
    with pytest.raises(ValidationError), translation.override("id"):
        office_hours_set(office=office, weekly={})

    assert _hours(office) == before


def test_turning_always_open_off_without_hours_is_refused(db):
    office = factories.OfficeFactory(hours={}, always_open=False)
    with pytest.raises(ValidationError):
        office_update(office=office, data={"timezone": "Asia/Makassar"})
    office.refresh_from_db()
    assert office.timezone == "Asia/Jakarta"


@pytest.fixture
def admin_client(db, client):
    client.force_login(factories.UserFactory(username="root", is_staff=True, is_superuser=True))
    client.cookies["django_language"] = "en"
    return client


def test_the_admin_shows_a_form_error_for_an_office_without_working_time(admin_client, office):
    before = _hours(office)
    response = admin_client.post(f"/admin/offices/office/{office.pk}/change/", office_form(office, hours=[]))

    assert response.status_code == 200
    assert "no working time in the next 366 days" in response.content.decode()
    assert _hours(office) == before


# --- An existing office with no hours --------------------------------------------------------------------
@pytest.fixture
def closed_office(db):
    return factories.OfficeFactory(hours={})


@pytest.fixture
def closed_account(closed_office):
    return factories.ChannelAccountFactory(office=closed_office, kind="webchat")


def test_the_web_chat_of_an_office_without_hours_keeps_the_message_with_no_response_due(
    api_client, closed_office, closed_account
):
    session = api_client.post("/api/v1/webchat/sessions/", {"office": closed_office.code}, format="json")
    assert session.status_code == 201
    token = session.json()["token"]

    with translation.override("en"):
        response = api_client.post(
            "/api/v1/webchat/messages/", {"text": "Halo, paket saya"}, format="json", HTTP_X_WEBCHAT_TOKEN=token
        )

    assert response.status_code == 201, response.content
    inquiry = Inquiry.objects.get(office=closed_office)
    assert inquiry.response_due is None
    assert inquiry.response_status == TargetStatus.RUNNING
    body = response.json()
    assert body["answer_by"] is None
    assert body["answer_by_label"]  # a promise, without a time

    polled = api_client.get("/api/v1/webchat/messages/", HTTP_X_WEBCHAT_TOKEN=token)
    assert polled.status_code == 200
    assert polled.json()["answer_by"] is None


def test_the_promise_and_the_calendar_of_an_office_without_hours_answer_200(api_client, closed_office, closed_account):
    promise = api_client.get(f"/api/v1/webchat/offices/{closed_office.code}/")
    assert promise.status_code == 200
    assert promise.json()["open_now"] is False
    assert promise.json()["clock_starts_at"] is None

    calendar = api_client.get(f"/api/v1/offices/{closed_office.code}/calendar/")
    assert calendar.status_code == 200
    assert calendar.json()["intervals"] == []


def test_recomputing_an_office_without_hours_leaves_its_targets_without_a_due_time(closed_account):
    from sla.services import recompute_running_targets

    inquiry = factories.InquiryFactory(account=closed_account, response_status=TargetStatus.RUNNING)
    assert recompute_running_targets(office_ids=[closed_account.office_id]) == 1
    inquiry.refresh_from_db()
    assert inquiry.response_due is None
    with pytest.raises(ValueError):
        office_calendar(closed_account.office).next_working_moment(inquiry.received_at)


def test_special_hours_closing_an_office_for_a_whole_year_are_refused(office):
    import datetime as dt

    from django.utils import timezone

    from offices.models import SpecialHours
    from offices.services import special_hours_save

    today = timezone.now().date()
    for days in (366, 367, 368):  # the office's own closures on the days after the longest range
        Holiday.objects.create(
            office=office, date=today + dt.timedelta(days=days), name="Tutup", category=Holiday.Category.CLOSURE
        )
    with pytest.raises(ValidationError):
        special_hours_save(
            office=office,
            name="Tutup",
            start_date=today - dt.timedelta(days=1),
            end_date=today + dt.timedelta(days=365),
            intervals={"default": []},
            weekdays_only=False,
        )
    assert not SpecialHours.objects.filter(office=office).exists()
