"""In a real browser: a member of the public files a complaint with a photo on /pengaduan/ (reached from the web
chat's link with its office), in Indonesian and then in English, and gets the register number; compliance staff
log in, land in their own workspace, open it (the "read by" panel names them) and start the review."""

import re
from datetime import time

import pytest

from complaints.models import Complaint
from offices.models import Role
from tests import factories
from tests.complaints.conftest import PNG
from tests.e2e.test_officer_flow import SHOTS, TIMEOUT, browser  # noqa: F401 - the browser fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scene():
    office = factories.OfficeFactory(
        code="050100", name="KPU BC Tipe C Soekarno-Hatta", hours={day: (time(0), time(0)) for day in range(7)}
    )
    factories.OfficeFactory(code="040300", name="KPU BC Tipe A Tanjung Priok")
    officer = factories.StaffFactory(office=office, role=Role.OFFICER, user__username="petugas1").user
    factories.StaffFactory(office=office, role=Role.COMPLIANCE, user__username="kepatuhan.soetta")
    return office, officer


def test_the_public_files_a_complaint_and_compliance_reads_it(live_server, scene, browser):  # noqa: F811
    office, officer = scene
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{base}/pengaduan/?office=050100")
    assert page.locator("h1").inner_text() == "Pengaduan, saran, dan masukan"
    assert page.locator("#id_office").input_value() == "050100"
    assert "pengaduan.beacukai@customs.go.id" in page.content() and "1500 225" in page.content()

    # Sent without what a complaint needs: the page says which fields, nothing is stored.
    page.locator("button[type=submit].primary").click()
    page.locator(".field-error").first.wait_for(timeout=TIMEOUT)
    assert page.locator(".field-error").count() >= 5
    assert Complaint.objects.count() == 0

    page.fill("#id_complainant_name", "Rina Wijaya")
    page.fill("#id_complainant_contact", "rina@example.com")
    page.fill("#id_matter", "Petugas meminta uang agar koper tidak diperiksa.")
    page.fill("#id_place", "Terminal 3 kedatangan internasional")
    page.fill("#id_occurred_at", "2026-11-30T21:15")
    page.fill("#id_chronology", "Saya diarahkan ke jalur merah lalu diminta Rp1.000.000 tanpa tanda terima.")
    page.set_input_files("#id_evidence", files=[{"name": "kuitansi.png", "mimeType": "image/png", "buffer": PNG}])
    page.screenshot(path=str(SHOTS / "complaint-form.png"), full_page=True)
    page.locator("button[type=submit].primary").click()
    page.wait_for_url(re.compile(r"/pengaduan/terkirim/$"), timeout=TIMEOUT)
    number = page.locator("#register-number").inner_text().strip()
    complaint = Complaint.objects.get()
    assert number == complaint.register_number and number.startswith("PGD-050100-")
    assert complaint.evidence_files.get().content_type == "image/png"
    page.screenshot(path=str(SHOTS / "complaint-sent.png"), full_page=True)

    # The site's language switch gives the same page in English.
    page.goto(f"{base}/pengaduan/")
    page.select_option("#lang-select", "en")
    page.wait_for_load_state("load")
    page.locator("h1", has_text="Complaints, suggestions and feedback").wait_for(timeout=TIMEOUT)
    assert "Other ways to complain" in page.content()

    # Compliance logs in and lands in its own workspace, not the officers' inbox.
    desk = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    desk.goto(f"{base}/accounts/login/")
    desk.fill("#id_username", "kepatuhan.soetta")
    desk.fill("#id_password", "pw-test-12345")
    desk.locator("button[type=submit].primary").click()
    desk.wait_for_url(re.compile(r"/kepatuhan/$"), timeout=TIMEOUT)
    desk.locator(f"a[href='/kepatuhan/{number}/']").click()
    desk.wait_for_url(re.compile(rf"/kepatuhan/{number}/$"), timeout=TIMEOUT)
    assert "kepatuhan.soetta" in desk.locator(".read-by").inner_text()
    assert "kuitansi.png" in desk.locator(".evidence").inner_text()
    desk.locator("form[action$='/review/'] button").click()
    desk.wait_for_url(re.compile(rf"/kepatuhan/{number}/$"), timeout=TIMEOUT)
    complaint.refresh_from_db()
    assert complaint.status == "in_review"
    desk.screenshot(path=str(SHOTS / "complaint-workspace.png"), full_page=True)

    # The officer of the office never reaches it.
    officer_page = browser.new_context().new_page()
    officer_page.goto(f"{base}/accounts/login/")
    officer_page.fill("#id_username", "petugas1")
    officer_page.fill("#id_password", "pw-test-12345")
    officer_page.locator("button[type=submit].primary").click()
    officer_page.wait_for_url(re.compile(r"/inbox/$"), timeout=TIMEOUT)
    response = officer_page.goto(f"{base}/kepatuhan/{number}/")
    assert response.status == 403
