"""In a real browser: Debian's chromium driven by Playwright, against the app served by pytest with a real
Celery worker (filesystem broker in a temporary folder, so no service is needed for the broker).

An officer sees a new web-chat inquiry arrive live, takes it, answers with a canned answer, and the visitor's
widget on the demo page shows the answer; another inquiry is escalated and the widget shows the ticket number;
a request for data pauses the countdown and the visitor's reply resumes it. Screenshots go to docs/screenshots/.
"""

import os
import re
import shutil
from datetime import time
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker

from helpdesk.celery import app
from offices.models import Role
from tests import factories
from tests.conftest import close_worker_connections, need_service
from tickets.models import CannedAnswer, Inquiry, Unit

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TIMEOUT = 20_000  # ms: generous for a loaded 2-core CI machine; the inbox itself refreshes every 4 s

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API keeps an event loop on the main thread; the test's own ORM calls are plain sync code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    need_service(shutil.which(CHROMIUM) is not None or Path(CHROMIUM).exists(), f"no chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
        # The test's ORM calls ran while Playwright's loop was running: a database connection of that context,
        # which pytest-django never closes; left open, it blocks the DROP of the test database at the end.
        from django.db import connection

        connection.close()


@pytest.fixture
def worker(tmp_path):
    """A real worker consuming from a filesystem broker, as in `make run`."""
    folder = tmp_path / "broker"
    folder.mkdir()
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "broker_transport_options")}
    app.conf.update(
        broker_url="filesystem://",
        task_always_eager=False,
        broker_transport_options={
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "store_processed": False,
            "polling_interval": 0.2,
        },
    )
    app._pool = None
    app.amqp._producer_pool = None
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield
    close_worker_connections()
    app.conf.update(saved)
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def scene():
    typology = factories.TypologyFactory(name="KPU", officer_limit=6)
    office = factories.OfficeFactory(
        code="050100",
        name="KPU BC Tipe C Soekarno-Hatta",
        typology=typology,
        hours={day: (time(0), time(0)) for day in range(7)},
    )
    factories.ChannelAccountFactory(office=office, kind="webchat", slug="web-soetta")
    officer = factories.StaffFactory(
        office=office, role=Role.OFFICER, user__username="petugas1", user__first_name="Rina"
    ).user
    unit = Unit.objects.create(name="Seksi Pelayanan Kepabeanan dan Cukai", home_office=office)
    unit.offices.add(office)
    CannedAnswer.objects.create(
        title="Batas pembebasan barang penumpang",
        body="Pembebasan bea masuk barang pribadi penumpang adalah USD 500 (FOB) per orang per kedatangan.",
    )
    return office, officer


def visitor_writes(browser, base, office_code, text):
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(f"{base}/webchat/demo/?office={office_code}")
    page.locator(".fab").click()
    page.locator("#bc-text").fill(text)
    page.locator("form.main .send").click()
    page.locator(".m.you:not(.pending)").filter(has_text=text).wait_for(timeout=TIMEOUT)
    return page


def test_officer_and_visitor_in_real_browsers(worker, live_server, scene, browser):
    office, officer = scene
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)

    staff = browser.new_context(viewport={"width": 1366, "height": 768})
    desk = staff.new_page()
    desk.goto(f"{base}/accounts/login/?next=/inbox/")
    desk.fill("#id_username", "petugas1")
    desk.fill("#id_password", "pw-test-12345")
    desk.locator("button[type=submit].primary").click()
    desk.wait_for_url(re.compile(r"/inbox/"))

    # 1. A visitor writes; the inquiry appears in the open inbox without a reload.
    first = visitor_writes(browser, base, office.code, "Berapa batas pembebasan barang bawaan penumpang?")
    row = desk.locator("#inbox-list tr[data-id]").filter(has_text="batas pembebasan")
    row.wait_for(timeout=TIMEOUT)
    desk.keyboard.press("j")  # keyboard: select the first row...
    desk.screenshot(path=str(SHOTS / "inbox.png"), full_page=True)
    desk.keyboard.press("Enter")  # ...and open it
    desk.wait_for_url(re.compile(r"/inbox/\d+/$"))

    # 2. Take it, answer with the canned answer.
    desk.locator("#claim-form button").click()
    desk.locator("#canned-q").fill("pembebasan penumpang")
    desk.locator("button.canned").first.click()
    assert "USD 500" in desk.locator("#composer textarea").input_value()
    desk.locator("#composer button[type=submit]").click()
    desk.locator(".delivery-sent").first.wait_for(timeout=TIMEOUT)
    desk.screenshot(path=str(SHOTS / "conversation.png"), full_page=True)

    # 3. The visitor's widget shows the answer.
    first.locator(".m.office").filter(has_text="USD 500").wait_for(timeout=TIMEOUT)
    first.screenshot(path=str(SHOTS / "widget.png"))

    # 4. Another inquiry is escalated; the widget shows the ticket number.
    second = visitor_writes(browser, base, office.code, "Paket saya tertahan, mohon dicek manifesnya.")
    desk.goto(f"{base}/inbox/")
    desk.locator("#inbox-list tr[data-id]").filter(has_text="tertahan").locator("a").first.click()
    desk.locator("#escalate summary").click()
    desk.select_option("#id_unit", label="Seksi Pelayanan Kepabeanan dan Cukai")
    desk.fill("#id_summary", "Cek manifes kiriman")
    desk.locator("#escalate button[type=submit]").click()
    number = Inquiry.objects.get(preview__contains="tertahan").ticket.number
    second.locator(".m.office").filter(has_text=number).wait_for(timeout=TIMEOUT)

    # 5. A request for data pauses the countdown; the visitor's reply resumes it.
    third = visitor_writes(browser, base, office.code, "Bagaimana cara daftar IMEI HP dari luar negeri?")
    desk.goto(f"{base}/inbox/")
    desk.locator("#inbox-list tr[data-id]").filter(has_text="IMEI").locator("a").first.click()
    conversation_url = desk.url
    desk.select_option("#id_kind", "request_data")
    desk.fill("#composer textarea", "Mohon kirim nomor IMEI (15 digit) dan nomor paspor Anda.")
    desk.locator("#composer button[type=submit]").click()
    desk.locator("#countdown .sla-paused").wait_for(timeout=TIMEOUT)
    third.locator(".m.office").filter(has_text="nomor IMEI").wait_for(timeout=TIMEOUT)
    third.locator("#bc-text").fill("IMEI 490154203237518, paspor B1234567")
    third.locator("form.main .send").click()
    third.locator(".m.you:not(.pending)").filter(has_text="490154203237518").wait_for(timeout=TIMEOUT)
    desk.goto(conversation_url)
    assert desk.locator("#countdown .sla-paused").count() == 0
    assert desk.locator("#countdown .sla-running, #countdown .sla-at_risk").count() == 1
    # The identifiers in the reply were recognised and are shown masked.
    assert "7518" in desk.locator(".refs").inner_text() and "490154203237518" not in desk.locator(".refs").inner_text()

    # 6. On a phone-sized screen the conversation still reads.
    desk.set_viewport_size({"width": 390, "height": 844})
    desk.screenshot(path=str(SHOTS / "conversation-phone.png"), full_page=True)
