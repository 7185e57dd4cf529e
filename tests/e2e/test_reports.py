"""In a real browser: head-office staff read the national SLA report (charts with their tables), open the list
behind a figure and, from it, an inquiry; the same report downloads as CSV. The hand-computed world of
tests/supervision/conftest.py, on the frozen 30 November 2026."""

import re

import pytest

from tests.e2e.test_officer_flow import SHOTS, TIMEOUT, browser  # noqa: F401  (fixtures)
from tests.supervision.conftest import now, world  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_supervisor_reads_the_report_and_drills_down_to_an_inquiry(live_server, world, now, browser):  # noqa: F811
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/sla/")
    page.fill("#id_username", "super_hq")
    page.fill("#id_password", "pw-test-12345")
    page.locator("button[type=submit].primary").click()
    page.wait_for_url(re.compile(r"/sla/$"))
    assert page.locator("h1").first.inner_text().startswith("Laporan SLA")
    assert page.locator("figure.chart svg").count() >= 5
    tiles = page.locator(".tile .big")
    assert tiles.first.inner_text() == "12"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "sla-report.png"), full_page=True)

    # the region's row, then the port's breached response: the list behind the figure
    page.select_option("#r-region", "010000")
    page.locator(".report-filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"region=010000"))
    assert tiles.first.inner_text() == "10"
    row = page.locator(".report-group tr").filter(has_text="010200")
    row.locator("td").nth(2).locator("a").click()
    page.wait_for_url(re.compile(r"/sla/inquiries/\?.*metric=response_breached"))
    rows = page.locator("#report-list tr[data-id]")
    rows.first.wait_for(timeout=TIMEOUT)
    assert rows.count() == 1
    assert "3171234567890001" not in page.content()  # identifiers masked as on screen
    page.screenshot(path=str(SHOTS / "sla-drilldown.png"), full_page=True)
    with page.expect_download() as download:
        page.locator(".report-export a", has_text="CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
    rows.first.locator("a").first.click()
    page.wait_for_url(re.compile(r"/sla/live/inquiry/\d+/$"))
