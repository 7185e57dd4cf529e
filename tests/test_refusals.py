"""Refusals that face the public and staff, each kept by a test: CSRF on pages and on the session API, one
web-chat session never reads another's thread, and script in names and messages is rendered inert."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests import factories
from tickets.models import Message


@pytest.fixture
def inquiry(office):
    account = factories.ChannelAccountFactory(office=office, kind="telegram")
    requester = factories.RequesterFactory(account=account, display_name='<script>alert("name")</script>')
    inquiry = factories.InquiryFactory(office=office, account=account, requester=requester)
    factories.MessageFactory(inquiry=inquiry, text='<img src=x onerror=alert("text")> halo')
    return inquiry


def test_a_page_form_without_its_csrf_token_is_refused_and_changes_nothing(inquiry, officer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)

    response = client.post(f"/inbox/{inquiry.pk}/note/", {"text": "catatan"})

    assert response.status_code == 403
    assert not Message.objects.filter(inquiry=inquiry, kind=Message.Kind.NOTE).exists()


def test_the_api_with_a_session_but_without_csrf_is_refused_and_changes_nothing(inquiry, officer):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(officer)

    response = client.post(f"/api/v1/inquiries/{inquiry.pk}/reply/", {"text": "jawaban"}, format="json")

    assert response.status_code == 403 and response.json()["error"]["code"]
    assert not Message.objects.filter(inquiry=inquiry, direction=Message.Direction.OUTBOUND).exists()


def test_one_web_chat_session_never_reads_another(api_client, office, webchat_account):
    def session(name):
        body = api_client.post("/api/v1/webchat/sessions/", {"office": office.code, "name": name}, format="json")
        return body.json()["token"]

    alice, bob = session("Alice"), session("Bob")
    api_client.post("/api/v1/webchat/messages/", {"text": "rahasia Alice"}, format="json", HTTP_X_WEBCHAT_TOKEN=alice)

    for after in ("0", "-1", ""):
        thread = api_client.get(f"/api/v1/webchat/messages/?after={after}", HTTP_X_WEBCHAT_TOKEN=bob).json()
        assert thread["messages"] == []
    forged = api_client.get("/api/v1/webchat/messages/", HTTP_X_WEBCHAT_TOKEN=alice[:-2] + "xx")
    assert forged.status_code == 401


def test_script_in_names_and_messages_is_rendered_inert(client, officer, inquiry):
    client.force_login(officer)
    for url in ("/inbox/", f"/inbox/{inquiry.pk}/", f"/inbox/{inquiry.pk}/thread/"):
        page = client.get(url).content.decode()
        assert '<script>alert("name")' not in page and '<img src=x onerror=alert("text")>' not in page, url
    conversation = client.get(f"/inbox/{inquiry.pk}/").content.decode()
    assert "&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;" in conversation
    assert "&lt;img src=x onerror=alert(&quot;text&quot;)&gt;" in conversation
