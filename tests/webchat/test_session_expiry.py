"""Web-chat tokens expire after WEBCHAT_SESSION_IDLE_MINUTES without a request; every use keeps them alive, and
the widget starts a new session by itself when its token has expired."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from tests import factories
from tests.e2e.test_officer_flow import TIMEOUT, browser  # noqa: F401 - browser: Debian's chromium via Playwright
from tickets.models import Message
from webchat.models import WebchatSession


@pytest.fixture
def token(api_client, office, webchat_account):
    response = api_client.post("/api/v1/webchat/sessions/", {"office": office.code}, format="json")
    assert response.status_code == 201
    return response.json()["token"]


def poll(api_client, token):
    return api_client.get("/api/v1/webchat/messages/", HTTP_X_WEBCHAT_TOKEN=token)


def post(api_client, token, text="Halo"):
    return api_client.post("/api/v1/webchat/messages/", {"text": text}, format="json", HTTP_X_WEBCHAT_TOKEN=token)


def test_an_idle_token_answers_401_invalid_token(api_client, token):
    start = timezone.now()
    with time_machine.travel(start + timedelta(minutes=119), tick=False):
        assert poll(api_client, token).status_code == 200
    with time_machine.travel(start + timedelta(minutes=119 + 121), tick=False):
        for response in (poll(api_client, token), post(api_client, token)):
            assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_token"
    assert not Message.objects.exists()


def test_every_use_moves_last_seen_at_so_a_conversation_in_use_stays_open(api_client, token):
    start = timezone.now()
    for minutes in (100, 200, 300):  # each request within the idle time of the one before
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert poll(api_client, token).status_code == 200
            assert WebchatSession.objects.get().last_seen_at == timezone.now()
    with time_machine.travel(start + timedelta(minutes=310), tick=False):
        assert post(api_client, token).status_code == 201


def test_last_seen_at_is_written_at_most_once_a_minute(api_client, token):
    session = WebchatSession.objects.get()
    start = session.last_seen_at
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        poll(api_client, token)
    assert WebchatSession.objects.get().last_seen_at == start  # a poll every few seconds writes nothing
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        poll(api_client, token)
        assert WebchatSession.objects.get().last_seen_at == timezone.now()


def test_the_idle_time_is_a_setting(settings, api_client, token):
    settings.WEBCHAT_SESSION_IDLE_MINUTES = 5
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        assert poll(api_client, token).status_code == 401


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_widget_starts_a_new_session_when_its_token_expired(live_server, browser):  # noqa: F811
    # Playwright's sync API runs this body in a greenlet with a database connection of its own; on PostgreSQL the
    # officer-flow test may have left it terminated (close_worker_connections): check it before the first query.
    connection.close_if_unusable_or_obsolete()
    office = factories.OfficeFactory(code="050100")
    factories.ChannelAccountFactory(office=office, kind="webchat")
    page = browser.new_context().new_page()
    page.goto(f"{live_server.url}/webchat/demo/?office={office.code}")
    page.locator(".fab").click()
    page.locator("#bc-text").fill("Pertanyaan pertama")
    page.locator("form.main .send").click()
    page.locator(".m.you:not(.pending)").filter(has_text="Pertanyaan pertama").wait_for(timeout=TIMEOUT)
    first = WebchatSession.objects.get()

    # The visitor left the page open without a request for longer than the idle time.
    WebchatSession.objects.filter(pk=first.pk).update(last_seen_at=timezone.now() - timedelta(hours=3))
    page.locator("#bc-text").fill("Pertanyaan kedua")
    page.locator("form.main .send").click()
    page.locator(".m.you:not(.pending)").filter(has_text="Pertanyaan kedua").wait_for(timeout=TIMEOUT)

    second = WebchatSession.objects.exclude(pk=first.pk).get()
    assert Message.objects.get(text="Pertanyaan kedua").inquiry.requester_id == second.requester_id
    assert page.locator(".err").inner_text() == ""
    stored = page.evaluate(f"localStorage.getItem('bc-webchat:{office.code}')")
    assert stored and re.fullmatch(r"[A-Za-z0-9_-]{40,}", stored)

    # A poll that meets an expired token forgets it quietly; the next message opens a session again.
    WebchatSession.objects.update(last_seen_at=timezone.now() - timedelta(hours=3))
    # Polled from here: waiting inside the page would evaluate a string, which the page's policy forbids.
    for _ in range(TIMEOUT // 250):
        if page.evaluate(f"localStorage.getItem('bc-webchat:{office.code}')") is None:
            break
        page.wait_for_timeout(250)
    assert page.evaluate(f"localStorage.getItem('bc-webchat:{office.code}')") is None
    page.locator("#bc-text").fill("Pertanyaan ketiga")
    page.locator("form.main .send").click()
    page.locator(".m.you:not(.pending)").filter(has_text="Pertanyaan ketiga").wait_for(timeout=TIMEOUT)
    assert WebchatSession.objects.count() == 3
