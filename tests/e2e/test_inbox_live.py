"""In a real browser: the inbox's live refresh sends the ETag of what it shows, a 304 keeps the list as it is,
a change shows up by itself, and the countdowns tick in the browser between redraws."""

import re
from datetime import time

import pytest
from django.utils import timezone

from channels_intake.adapters import InboundMessage
from offices.models import Role
from tests import factories
from tests.e2e.test_officer_flow import TIMEOUT, browser  # noqa: F401 - the fixture
from tickets import inquiries

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def receive(account, text, sender):
    return inquiries.inbound_message_receive(
        account=account,
        message=InboundMessage(
            dedupe_key=f"m-{timezone.now().timestamp()}-{sender}",
            sender_id=sender,
            sender_name="Budi Santoso",
            text=text,
            sent_at=None,
            recipient_id="",
            channel="webchat",
        ),
    ).inquiry


@pytest.fixture
def desk_scene():
    office = factories.OfficeFactory(code="050100", hours={day: (time(0), time(0)) for day in range(7)})
    account = factories.ChannelAccountFactory(office=office, kind="webchat", slug="web-live")
    factories.StaffFactory(office=office, role=Role.OFFICER, user__username="petugas1", user__first_name="Rina")
    return office, account


def test_refresh_is_304_until_something_changes(live_server, desk_scene, browser):  # noqa: F811
    office, account = desk_scene
    receive(account, "Paket saya tertahan di bea cukai", sender="a")
    desk = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    refreshes = []
    desk.on(
        "response",
        lambda r: (
            refreshes.append((r.status, r.request.headers.get("if-none-match", ""))) if "partial=1" in r.url else None
        ),
    )
    desk.goto(f"{live_server.url}/accounts/login/?next=/inbox/")
    desk.fill("#id_username", "petugas1")
    desk.fill("#id_password", "pw-test-12345")
    desk.locator("button[type=submit].primary").click()
    desk.wait_for_url(re.compile(r"/inbox/"))
    rows = desk.locator("#inbox-list tr[data-id]")
    rows.filter(has_text="tertahan").wait_for(timeout=TIMEOUT)

    # Nothing changes: the refresh asks with the page's ETag and gets a 304; the list stays.
    deadline = timezone.now().timestamp() + TIMEOUT / 1000
    while not any(status == 304 for status, _tag in refreshes) and timezone.now().timestamp() < deadline:
        desk.wait_for_timeout(500)
    assert any(status == 304 and tag.startswith('"') for status, tag in refreshes), refreshes
    assert rows.filter(has_text="tertahan").count() == 1

    # A message arrives: the next refresh is a 200 with it.
    receive(account, "Berapa batas pembebasan barang bawaan?", sender="b")
    rows.filter(has_text="batas pembebasan").wait_for(timeout=TIMEOUT)
    assert rows.filter(has_text="tertahan").count() == 1
    assert any(status == 200 for status, _tag in refreshes)


def test_countdown_ticks_in_the_browser(live_server, desk_scene, browser):  # noqa: F811
    office, account = desk_scene
    receive(account, "Paket saya tertahan di bea cukai", sender="a")
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    desk = context.new_page()
    desk.clock.install()  # the browser's clock, still flowing; moved on below
    desk.goto(f"{live_server.url}/accounts/login/?next=/inbox/")
    desk.fill("#id_username", "petugas1")
    desk.fill("#id_password", "pw-test-12345")
    desk.locator("button[type=submit].primary").click()
    desk.wait_for_url(re.compile(r"/inbox/"))
    badge = desk.locator("#inbox-list [data-sla-seconds]").first
    badge.wait_for(timeout=TIMEOUT)
    before = int(re.search(r"\d+", badge.inner_text())[0])
    # Two minutes later by the browser's clock (the server's ETag stays valid: no state change in between).
    desk.clock.run_for(125_000)
    desk.wait_for_function(
        "(n) => { const b = document.querySelector('#inbox-list [data-sla-seconds]');"
        " return b && parseInt(b.textContent.match(/\\d+/)[0], 10) <= n - 2; }",
        arg=before,
        timeout=TIMEOUT,
    )
