"""The web chat files its messages through the same inbound path as every platform: adapter, log, workflow."""

import pytest

from channels_intake.adapters import WebchatAdapter
from channels_intake.models import InboundEvent
from tickets.models import Message
from webchat.models import WebchatSession


@pytest.fixture
def token(api_client, office, webchat_account):
    response = api_client.post("/api/v1/webchat/sessions/", {"office": office.code, "name": "Sari"}, format="json")
    assert response.status_code == 201
    return response.json()["token"]


def post(api_client, token, text, client_id=""):
    return api_client.post(
        "/api/v1/webchat/messages/",
        {"text": text, "client_id": client_id},
        format="json",
        HTTP_X_WEBCHAT_TOKEN=token,
    )


def test_a_visitors_message_is_parsed_by_the_adapter_logged_and_filed(api_client, token, monkeypatch):
    parsed = []
    original = WebchatAdapter.parse

    def spy(self, body):
        parsed.append(body)
        return original(self, body)

    monkeypatch.setattr(WebchatAdapter, "parse", spy)
    response = post(api_client, token, "Paket saya tertahan", client_id="c-1")

    assert response.status_code == 201 and len(parsed) == 1
    session = WebchatSession.objects.get()
    event = InboundEvent.objects.get(account=session.account)
    assert event.status == InboundEvent.Status.PROCESSED and event.dedupe_key == f"{session.pk}:c-1"
    assert (
        event.message["text"] == "Paket saya tertahan" and event.message["sender_id"] == session.requester.external_id
    )
    message = Message.objects.get(platform_id=event.dedupe_key)
    assert message.inquiry.requester_id == session.requester_id and response.json()["id"] == message.pk


def test_a_retried_post_is_one_event_and_one_message(api_client, token):
    first = post(api_client, token, "Halo", client_id="same")
    again = post(api_client, token, "Halo", client_id="same")

    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert InboundEvent.objects.count() == 1 and Message.objects.count() == 1


def test_sessions_live_in_the_webchat_app_on_their_old_table():
    assert WebchatSession._meta.app_label == "webchat"
    assert WebchatSession._meta.db_table == "channels_intake_webchatsession"
