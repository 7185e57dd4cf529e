"""In a real browser: a supervisor keeps the live board open; a visitor writes in the web chat; the board shows the
new inquiry by itself (htmx polling, no reload) within 10 seconds."""

import re
import time
from datetime import time as clock

import pytest
from playwright.sync_api import expect

from offices.models import Office, Role
from tests import factories
from tests.e2e.test_officer_flow import SHOTS, TIMEOUT, browser, visitor_writes  # noqa: F401  (fixtures)
from tickets.models import Inquiry, Topic

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def office():
    office = factories.OfficeFactory(
        code="050100",
        name="KPU BC Tipe C Soekarno-Hatta",
        typology=factories.TypologyFactory(name="KPU", officer_limit=6),
        hours={day: (clock(0), clock(0)) for day in range(7)},
    )
    factories.ChannelAccountFactory(office=office, kind="webchat", slug="web-soetta")
    factories.StaffFactory(office=office, role=Role.OFFICER, user__username="petugas1", user__first_name="Rina")
    factories.StaffFactory(office=office, role=Role.COORDINATOR, user__username="koordinator1")
    Topic.objects.get_or_create(slug="barang-kiriman", defaults={"name": "Barang kiriman", "name_en": "Parcels"})
    return office


def test_the_live_board_shows_a_new_inquiry_by_itself_within_10_seconds(live_server, office, browser):  # noqa: F811
    base = live_server.url
    board = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    board.goto(f"{base}/accounts/login/?next=/sla/live/")
    board.fill("#id_username", "koordinator1")
    board.fill("#id_password", "pw-test-12345")
    board.locator("button[type=submit].primary").click()
    board.wait_for_url(re.compile(r"/sla/live/"))
    assert board.locator("nav a[href='/sla/live/']").count() == 1  # in the navigation for supervisory roles
    open_count = board.locator("#live-open .big")
    unassigned = board.locator("#live-unassigned .big")
    assert open_count.inner_text() == "0" and unassigned.inner_text() == "0"
    board.evaluate("window.__notReloaded = true")

    visitor_writes(browser, base, office.code, "Paket saya tertahan di bandara, mohon dicek.")
    arrived = time.monotonic()
    expect(open_count).to_have_text("1", timeout=10_000)  # the page polls every 5 s
    took = time.monotonic() - arrived
    assert took < 10, took
    assert unassigned.inner_text() == "1"
    assert board.evaluate("window.__notReloaded") is True  # the partial was swapped in, the page not reloaded
    assert re.fullmatch(r"\d+ menit kerja", board.locator("#live-oldest .big").inner_text())  # Indonesian by default
    SHOTS.mkdir(parents=True, exist_ok=True)
    board.screenshot(path=str(SHOTS / "live-board.png"), full_page=True)

    # the number opens the list behind it: the coordinator's own inbox queue, holding the new inquiry
    board.locator("#live-unassigned").click()
    board.wait_for_url(re.compile(r"/inbox/\?queue=unassigned"))
    board.locator("#inbox-list tr[data-id]").filter(has_text="tertahan").wait_for(timeout=TIMEOUT)

    # from the list, the inquiry; the coordinator tags its topic in place (htmx), without leaving the page
    board.locator("#inbox-list tr[data-id]").filter(has_text="tertahan").locator("a").first.click()
    board.wait_for_url(re.compile(r"/inbox/\d+/$"))
    board.evaluate("window.__notReloaded = true")
    board.locator("#topics label").filter(has_text="Barang kiriman").locator("input").check()
    board.locator("#topics button[type=submit]").click()
    board.locator("#topics [role=status]").wait_for(timeout=TIMEOUT)
    assert board.evaluate("window.__notReloaded") is True
    inquiry = Inquiry.objects.get(preview__contains="tertahan")
    assert list(inquiry.topics.values_list("slug", flat=True)) == ["barang-kiriman"]
    assert board.locator("#topics input[type=checkbox]:checked").count() == 1


def test_a_regional_supervisor_sees_the_offices_side_by_side_and_opens_one(live_server, office, browser):  # noqa: F811
    kanwil = factories.OfficeFactory(
        code="040000", name="Kanwil DJBC Jakarta", kind=Office.Kind.REGIONAL, typology=office.typology
    )
    Office.objects.filter(pk=office.pk).update(parent=kanwil)
    priok = factories.OfficeFactory(code="040300", name="KPU BC Tipe A Tanjung Priok", parent=kanwil)
    factories.StaffFactory(office=kanwil, role=Role.SUPERVISOR, user__username="kanwil1")
    factories.InquiryFactory(account=factories.ChannelAccountFactory(office=priok), status="open")
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/sla/live/")
    page.fill("#id_username", "kanwil1")
    page.fill("#id_password", "pw-test-12345")
    page.locator("button[type=submit].primary").click()
    page.wait_for_url(re.compile(r"/sla/live/"))
    rows = page.locator("#live-offices tr[data-office]")
    expect(rows).to_have_count(3)  # the Kanwil and its two offices
    expect(page.locator("#live-offices .region-row")).to_contain_text("Kanwil DJBC Jakarta")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "live-board-region.png"), full_page=True)
    page.locator("#live-offices tr[data-office='040300'] th a").click()
    page.wait_for_url(re.compile(r"office=040300"))
    expect(page.locator("#live-open .big")).to_have_text("1")
    page.select_option("#live-office-select", "050100")  # the office selector, limited to the reach
    page.wait_for_url(re.compile(r"office=050100"))
    assert page.locator("#live-office-select option").count() == 4  # all, and the three offices
