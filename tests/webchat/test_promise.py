"""The web chat's promise explains itself (issue 11, point 5), in the visitor's language (point 6).

Each case travels the clock to the moment named and goes through the API, as the widget does: the office's
promise before the first message (`GET /api/v1/webchat/offices/<code>/`) and the acknowledgement of a message
(`POST /api/v1/webchat/messages/`, then each poll). Monday 7 December 2026, default hours (Mon–Thu 07:30–16:00,
Fri 07:30–16:30), no holidays that week unless a test adds one.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from audit.models import AuditEvent
from offices.models import Holiday
from sla.policies import sla_policy_save
from tests import factories
from tickets.models import Inquiry
from webchat.models import WebchatSession

WIB, WIT = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Jayapura")
MON = date(2026, 12, 7)


def at(day: date, hour: int, minute: int = 0, zone=WIB, plus_days: int = 0) -> datetime:
    return datetime.combine(day + timedelta(days=plus_days), time(hour, minute), tzinfo=zone)


@pytest.fixture
def jakarta(db):
    office = factories.OfficeFactory(code="050100", timezone="Asia/Jakarta")
    factories.ChannelAccountFactory(office=office, kind="webchat")
    return office


@pytest.fixture
def jayapura(db):
    office = factories.OfficeFactory(code="090100", timezone="Asia/Jayapura")
    factories.ChannelAccountFactory(office=office, kind="webchat")
    return office


@pytest.fixture
def always_open(db):
    office = factories.OfficeFactory(
        code="040300", always_open=True, hours={day: (time(0), time(0)) for day in range(7)}
    )
    factories.ChannelAccountFactory(office=office, kind="webchat")
    return office


def promise(api_client, office, language="en"):
    response = api_client.get(f"/api/v1/webchat/offices/{office.code}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.json()


def write(api_client, office, language="en", text="Paket saya tertahan di bea cukai"):
    """A visitor of `language` starts a session and writes; returns the POST's body (the acknowledgement)."""
    session = api_client.post("/api/v1/webchat/sessions/", {"office": office.code, "language": language}, format="json")
    assert session.status_code == 201
    token = session.json()["token"]
    response = api_client.post("/api/v1/webchat/messages/", {"text": text}, format="json", HTTP_X_WEBCHAT_TOKEN=token)
    assert response.status_code == 201, response.content
    return response.json() | {"token": token}


# --- A message in the last two hours before closing -----------------------------------------------------------
def test_a_message_at_14_00_wib_is_told_the_second_working_day_and_why(api_client, jakarta):
    with time_machine.travel(at(MON, 14), tick=False):
        before = promise(api_client, jakarta)
        body = write(api_client, jakarta)

    assert before["promise_text"] == "This service is free of charge. We answer within 55 working minutes."
    assert before["hours_text"] == "Today's service hours: 07:30–16:00 (WIB)."
    assert before["now_text"] == (
        "The office closes at 16:00 WIB. A message that arrives in the last 2 hours before closing is answered "
        "within 2 working days: a message sent now is answered by Wednesday 9 December 16:00 WIB at the latest."
    )
    assert body["answer_kind"] == "late"
    assert body["acknowledgement"] == (
        "We have received your message. It arrived in the last 2 hours before the office closes (16:00 WIB), so "
        "it is answered within 2 working days: by Wednesday 9 December 16:00 WIB at the latest."
    )
    assert body["answer_by"] == "2026-12-09T16:00:00+07:00"
    assert Inquiry.objects.get().response_due == at(MON, 16, plus_days=2)  # what the engine stamped


def test_the_same_in_indonesian(api_client, jakarta):
    with time_machine.travel(at(MON, 14), tick=False):
        before = promise(api_client, jakarta, "id")
        body = write(api_client, jakarta, "id")

    assert before["promise_text"] == "Layanan ini gratis. Kami menjawab dalam 55 menit kerja."
    assert before["hours_text"] == "Jam layanan hari ini: 07:30–16:00 (WIB)."
    assert "Kantor tutup pukul 16:00 WIB" in before["now_text"] and "Rabu 9 Desember 16:00 WIB" in before["now_text"]
    assert body["acknowledgement"] == (
        "Pesan Anda sudah kami terima. Pesan masuk dalam 2 jam terakhir sebelum kantor tutup (16:00 WIB), "
        "sehingga dijawab dalam 2 hari kerja: paling lambat Rabu 9 Desember 16:00 WIB."
    )


def test_15_58_wit_is_late_and_16_00_wit_waits_for_the_next_opening(api_client, jayapura):
    with time_machine.travel(at(MON, 15, 58, zone=WIT), tick=False):
        late = write(api_client, jayapura)
    with time_machine.travel(at(MON, 16, zone=WIT), tick=False):
        before = promise(api_client, jayapura)
        closed = write(api_client, jayapura)

    assert late["answer_kind"] == "late"
    assert "before the office closes (16:00 WIT)" in late["acknowledgement"]
    assert "by Wednesday 9 December 16:00 WIT at the latest" in late["acknowledgement"]

    # 16:00 is closing: the message is outside hours, its clock starts at Tuesday's opening.
    assert closed["answer_kind"] == "outside_hours"
    assert closed["acknowledgement"] == (
        "We have received your message. It arrived outside service hours: the answer time starts when the office "
        "opens, on Tuesday 8 December 07:30 WIT. The answer will reach you by Tuesday 8 December 08:25 WIT at the "
        "latest."
    )
    assert before["now_text"] == (
        "The office is closed now: the answer time starts when it opens, on Tuesday 8 December 07:30 WIT. "
        "A message sent now is answered by Tuesday 8 December 08:25 WIT at the latest."
    )
    assert before["clock_starts_at_label"] == "Tuesday 8 December 07:30 WIT"


def test_in_hours_a_message_is_told_its_due_time_and_the_working_minutes(api_client, jakarta):
    with time_machine.travel(at(MON, 9), tick=False):
        before = promise(api_client, jakarta)
        body = write(api_client, jakarta)

    assert before["now_text"] == ""  # nothing to explain: the plain response target
    assert body["answer_kind"] == "normal"
    assert body["acknowledgement"] == (
        "We have received your message. The answer will reach you by Monday 7 December 09:55 WIB at the latest "
        "(within 55 working minutes)."
    )


# --- Outside hours ----------------------------------------------------------------------------------------------
def test_before_opening_the_clock_starts_at_the_opening(api_client, jakarta):
    thursday = MON + timedelta(days=3)
    with time_machine.travel(at(thursday, 6), tick=False):
        before = promise(api_client, jakarta)
        body = write(api_client, jakarta)

    assert before["open_now"] is False and before["hours_text"] == "Today's service hours: 07:30–16:00 (WIB)."
    assert "on Thursday 10 December 07:30 WIB" in before["now_text"]
    assert body["answer_kind"] == "outside_hours"
    assert "opens, on Thursday 10 December 07:30 WIB" in body["acknowledgement"]
    assert "by Thursday 10 December 08:25 WIB at the latest" in body["acknowledgement"]


def test_on_a_holiday_the_clock_starts_on_the_next_working_day(api_client, jakarta):
    tuesday = MON + timedelta(days=1)
    Holiday.objects.create(office=jakarta, date=tuesday, name="Penutupan kantor", category="closure")
    with time_machine.travel(at(tuesday, 10), tick=False):
        before = promise(api_client, jakarta)
        body = write(api_client, jakarta)

    assert before["hours_text"] == "The office is closed today." and before["today_hours"] == []
    assert "on Wednesday 9 December 07:30 WIB" in before["now_text"]
    assert body["answer_kind"] == "outside_hours"
    assert "opens, on Wednesday 9 December 07:30 WIB" in body["acknowledgement"]
    assert "by Wednesday 9 December 08:25 WIB at the latest" in body["acknowledgement"]


# --- Offices that never close, and policies of other numbers ----------------------------------------------------
@pytest.mark.parametrize("hour", [10, 14, 15, 23])
def test_an_always_open_office_never_shows_a_closing(api_client, always_open, hour):
    with time_machine.travel(at(MON, hour, 30), tick=False):
        before = promise(api_client, always_open)
        body = write(api_client, always_open)

    assert before["hours_text"] == "Open 24 hours, every day."
    assert before["now_text"] == ""
    assert body["answer_kind"] == "normal"
    due = at(MON, hour, 30) + timedelta(minutes=55)
    assert f"by {due:%A} {due.day} December {due:%H:%M} WIB at the latest" in body["acknowledgement"]
    for text in (before["promise_text"], before["hours_text"], body["acknowledgement"]):
        assert "clos" not in text.lower() and "16:00" not in text
    with time_machine.travel(at(MON, hour, 30), tick=False):
        indonesian = promise(api_client, always_open, "id")
    assert indonesian["hours_text"] == "Buka 24 jam, setiap hari." and "tutup" not in str(indonesian).lower()


def test_the_minutes_and_the_window_come_from_the_offices_policy(api_client, jakarta):
    sla_policy_save(office=jakarta, response_minutes=30, late_window_minutes=60, resolution_working_days=1, actor=None)
    with time_machine.travel(at(MON, 10), tick=False):
        before = promise(api_client, jakarta)
        normal = write(api_client, jakarta)
    with time_machine.travel(at(MON, 15, 10), tick=False):
        soon = promise(api_client, jakarta)
        late = write(api_client, jakarta, text="Pertanyaan lain")
    with time_machine.travel(at(MON, 14), tick=False):  # 2 hours before closing: not late with a 1-hour window
        not_late = promise(api_client, jakarta)

    assert before["response_minutes"] == 30
    assert before["promise_text"] == "This service is free of charge. We answer within 30 working minutes."
    assert "by Monday 7 December 10:30 WIB at the latest (within 30 working minutes)" in normal["acknowledgement"]
    assert "in the last 1 hour before closing is answered within 1 working day" in soon["now_text"]
    assert late["answer_kind"] == "late"
    assert "in the last 1 hour before the office closes (16:00 WIB)" in late["acknowledgement"]
    assert "within 1 working day: by Tuesday 8 December 16:00 WIB" in late["acknowledgement"]
    assert not_late["now_text"] == ""


def test_the_global_policy_decides_for_an_office_without_its_own(api_client, jakarta):
    sla_policy_save(office=None, response_minutes=40, actor=None)
    with time_machine.travel(at(MON, 10), tick=False):
        before = promise(api_client, jakarta, "id")
        body = write(api_client, jakarta, "id")
    assert before["promise_text"] == "Layanan ini gratis. Kami menjawab dalam 40 menit kerja."
    assert body["acknowledgement"].endswith("Senin 7 Desember 10:40 WIB (dalam 40 menit kerja).")


def test_an_office_whose_calendar_gives_no_deadline_promises_an_answer_without_a_time(api_client, db):
    office = factories.OfficeFactory(hours={})
    factories.ChannelAccountFactory(office=office, kind="webchat")
    before = promise(api_client, office)
    body = write(api_client, office)

    assert before["now_text"] == "An officer will answer your question as soon as possible."
    assert body["answer_kind"] == "no_deadline" and body["answer_by"] is None
    assert body["acknowledgement"] == (
        "We have received your message. An officer will answer your question as soon as possible."
    )
    assert Inquiry.objects.get().messages.count() == 1  # nothing lost


# --- The visitor's language -------------------------------------------------------------------------------------
def test_the_acknowledgement_follows_the_session_not_the_request(api_client, jakarta):
    with time_machine.travel(at(MON, 9), tick=False):
        body = write(api_client, jakarta, "en")
        polled = api_client.get(
            "/api/v1/webchat/messages/", HTTP_X_WEBCHAT_TOKEN=body["token"], HTTP_ACCEPT_LANGUAGE="id"
        )
    assert polled.json()["acknowledgement"].startswith("We have received your message.")


def test_switching_the_language_moves_the_session_and_the_requester_and_is_audited(api_client, jakarta):
    with time_machine.travel(at(MON, 9), tick=False):
        body = write(api_client, jakarta, "id")
        assert body["acknowledgement"].startswith("Pesan Anda sudah kami terima.")
        switched = api_client.post(
            "/api/v1/webchat/language/", {"language": "en"}, format="json", HTTP_X_WEBCHAT_TOKEN=body["token"]
        )
        polled = api_client.get("/api/v1/webchat/messages/", HTTP_X_WEBCHAT_TOKEN=body["token"])

    assert switched.status_code == 200 and switched.json() == {"language": "en"}
    session = WebchatSession.objects.select_related("requester").get()
    assert session.language == "en" and session.requester.language == "en"
    event = AuditEvent.objects.get(action="webchat.language")
    assert event.actor_label == "requester" and event.changes == {
        "before": {"language": "id"},
        "after": {"language": "en"},
    }
    assert polled.json()["acknowledgement"] == (
        "We have received your message. The answer will reach you by Monday 7 December 09:55 WIB at the latest "
        "(within 55 working minutes)."
    )


def test_a_message_carries_the_widgets_language(api_client, jakarta):
    body = write(api_client, jakarta, "id")
    again = api_client.post(
        "/api/v1/webchat/messages/",
        {"text": "Satu lagi", "language": "en"},
        format="json",
        HTTP_X_WEBCHAT_TOKEN=body["token"],
    )
    assert again.status_code == 201 and again.json()["acknowledgement"].startswith("We have received")
    assert WebchatSession.objects.get().requester.language == "en"


def test_a_bad_language_or_token_changes_nothing(api_client, jakarta):
    body = write(api_client, jakarta, "id")
    bad = api_client.post(
        "/api/v1/webchat/language/", {"language": "fr"}, format="json", HTTP_X_WEBCHAT_TOKEN=body["token"]
    )
    anonymous = api_client.post("/api/v1/webchat/language/", {"language": "en"}, format="json")
    not_json = api_client.post(
        "/api/v1/webchat/language/", "en", content_type="text/plain", HTTP_X_WEBCHAT_TOKEN=body["token"]
    )

    assert bad.status_code == 400 and "language" in bad.json()["error"]["fields"]
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "invalid_token"
    assert 400 <= not_json.status_code < 500
    assert WebchatSession.objects.get().language == "id" and not AuditEvent.objects.filter(action="webchat.language")


def test_polling_the_promise_takes_a_fixed_number_of_queries(api_client, jakarta, django_assert_max_num_queries):
    with time_machine.travel(at(MON, 14), tick=False):  # a late arrival: the calendar is read for its closing
        body = write(api_client, jakarta)
        for number in range(3):
            api_client.post(
                "/api/v1/webchat/messages/",
                {"text": f"lagi {number}"},
                format="json",
                HTTP_X_WEBCHAT_TOKEN=body["token"],
            )
        with django_assert_max_num_queries(12):
            polled = api_client.get("/api/v1/webchat/messages/", HTTP_X_WEBCHAT_TOKEN=body["token"])
        with django_assert_max_num_queries(8):
            assert promise(api_client, jakarta)["now_text"]
    assert polled.json()["answer_kind"] == "late" and len(polled.json()["messages"]) == 4
