"""The visitor's language choice reaches every message we send them (issue 11, point 6): the acknowledgement of
their message, and the ticket number when the inquiry is escalated, whatever the officer's own language."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from offices.models import Role
from tests import factories
from tickets import escalation
from tickets.models import Inquiry, Message, Requester, Unit
from webchat.models import WebchatSession

MONDAY_9 = datetime(2026, 12, 7, 9, tzinfo=ZoneInfo("Asia/Jakarta"))


@pytest.fixture
def scene(db):
    office = factories.OfficeFactory(code="050100", timezone="Asia/Jakarta")
    factories.ChannelAccountFactory(office=office, kind="webchat")
    officer = factories.StaffFactory(office=office, role=Role.OFFICER).user
    unit = Unit.objects.create(name="Seksi Pelayanan Kepabeanan", home_office=office)
    unit.offices.add(office)
    return office, officer, unit


def visitor(api_client, office, language):
    session = api_client.post("/api/v1/webchat/sessions/", {"office": office.code, "language": language}, format="json")
    token = session.json()["token"]
    posted = api_client.post(
        "/api/v1/webchat/messages/", {"text": "My parcel is held"}, format="json", HTTP_X_WEBCHAT_TOKEN=token
    )
    assert posted.status_code == 201
    return token, posted.json()


def escalate(office, officer, unit, django_capture_on_commit_callbacks):
    inquiry = Inquiry.objects.get(office=office)
    with (
        translation.override("id" if inquiry.requester.language == "en" else "en"),  # the officer's UI: the other
        django_capture_on_commit_callbacks(execute=True),
    ):
        ticket, _code = escalation.inquiry_escalate(inquiry=inquiry, unit=unit, summary="Cek manifes", actor=officer)
    return Message.objects.get(inquiry=inquiry, kind=Message.Kind.TICKET_NUMBER), ticket


def test_an_english_visitor_gets_the_english_acknowledgement_and_ticket_message(
    api_client, scene, django_capture_on_commit_callbacks
):
    office, officer, unit = scene
    with time_machine.travel(MONDAY_9, tick=False):
        token, posted = visitor(api_client, office, "en")
        message, ticket = escalate(office, officer, unit, django_capture_on_commit_callbacks)
        polled = api_client.get("/api/v1/webchat/messages/", HTTP_X_WEBCHAT_TOKEN=token).json()

    assert posted["acknowledgement"].startswith("We have received your message. The answer will reach you by Monday")
    assert message.text.startswith("Your question has been forwarded to Seksi Pelayanan Kepabeanan.")
    assert f"Ticket number: {ticket.number}" in message.text
    assert "Wednesday 9 December 2026 16:00 WIB" in message.text and "free of charge" in message.text
    assert [m["text"] for m in polled["messages"] if m["from"] == "office"] == [message.text]  # the widget shows it


def test_an_indonesian_visitor_gets_the_indonesian_acknowledgement_and_ticket_message(
    api_client, scene, django_capture_on_commit_callbacks
):
    office, officer, unit = scene
    with time_machine.travel(MONDAY_9, tick=False):
        _token, posted = visitor(api_client, office, "id")
        message, ticket = escalate(office, officer, unit, django_capture_on_commit_callbacks)

    assert posted["acknowledgement"].startswith(
        "Pesan Anda sudah kami terima. Jawaban paling lambat kami sampaikan Senin"
    )
    assert message.text.startswith("Pertanyaan Anda telah diteruskan kepada Seksi Pelayanan Kepabeanan.")
    assert f"Nomor tiket: {ticket.number}" in message.text and "Rabu 9 Desember 2026 16:00 WIB" in message.text


def test_a_visitor_who_switches_to_english_gets_the_ticket_message_in_english(
    api_client, scene, django_capture_on_commit_callbacks
):
    office, officer, unit = scene
    with time_machine.travel(MONDAY_9, tick=False):
        token, _posted = visitor(api_client, office, "id")
        api_client.post("/api/v1/webchat/language/", {"language": "en"}, format="json", HTTP_X_WEBCHAT_TOKEN=token)
        message, _ticket = escalate(office, officer, unit, django_capture_on_commit_callbacks)
    assert message.text.startswith("Your question has been forwarded")


def test_a_social_requester_of_known_language_gets_the_ticket_message_in_it(scene, django_capture_on_commit_callbacks):
    office, officer, unit = scene
    account = factories.ChannelAccountFactory(office=office, kind="telegram")
    inquiry = factories.running_inquiry(account, MONDAY_9)
    Requester.objects.filter(pk=inquiry.requester_id).update(language="en")
    inquiry.requester.refresh_from_db()
    with translation.override("id"), django_capture_on_commit_callbacks(execute=True):
        escalation.inquiry_escalate(inquiry=inquiry, unit=unit, summary="Cek", actor=officer)
    assert Message.objects.get(inquiry=inquiry, kind=Message.Kind.TICKET_NUMBER).text.startswith(
        "Your question has been forwarded"
    )


def test_a_session_without_a_language_takes_the_requests_and_indonesian_when_unsure(api_client, scene):
    office, _officer, _unit = scene
    for accept, expected in (("en-GB,en;q=0.9", "en"), ("fr-FR", "id"), ("", "id")):
        response = api_client.post(
            "/api/v1/webchat/sessions/", {"office": office.code}, format="json", HTTP_ACCEPT_LANGUAGE=accept
        )
        assert response.status_code == 201
        assert WebchatSession.objects.order_by("-pk").first().language == expected
