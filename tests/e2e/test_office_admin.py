"""In a real browser (Debian's chromium through Playwright): the office admin of Soekarno-Hatta logs in to the
admin site, sees their office and no other, opens an account for a new officer, is refused a seventh officer
(the KPU typology allows 6), and sets the office's Ramadan service hours. Screenshots go to docs/screenshots/.
"""

import re
from datetime import date

import pytest

from offices.models import Office, Role, SpecialHours, StaffProfile
from offices.services import staff_assign
from tests import factories
from tests.e2e.test_officer_flow import SHOTS, TIMEOUT, browser  # noqa: F401 - the browser fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def offices():
    kpu = factories.TypologyFactory(name="KPU", officer_limit=6)
    soetta = factories.OfficeFactory(
        code="050100", name="KPU BC Tipe C Soekarno-Hatta", kind=Office.Kind.KPU, typology=kpu
    )
    priok = factories.OfficeFactory(
        code="040300", name="KPU BC Tipe A Tanjung Priok", kind=Office.Kind.KPU, typology=kpu
    )
    for number in range(1, 6):
        factories.StaffFactory(
            office=soetta, role=Role.OFFICER, user__username=f"petugas{number}.soetta", user__first_name="Petugas"
        )
    factories.StaffFactory(office=priok, role=Role.OFFICER, user__username="petugas1.priok")
    admin = factories.UserFactory(username="admin.soetta", first_name="Admin", last_name="Soetta")
    staff_assign(user=admin, office=soetta, role=Role.ADMIN)  # an admin's role opens the admin site
    return soetta, priok


def add_officer(page, base, username, first, last):
    page.goto(f"{base}/admin/offices/staffprofile/add/")
    page.fill("#id_new_username", username)
    page.fill("#id_new_first_name", first)
    page.fill("#id_new_last_name", last)
    page.fill("#id_new_password", "Kata-sandi-awal-2026")
    page.select_option("#id_role", Role.OFFICER)
    page.locator("input[name=_save]").click()
    page.wait_for_load_state()


def test_an_office_admin_staffs_within_the_limit_and_sets_ramadan_hours(live_server, offices, browser):  # noqa: F811
    soetta, priok = offices
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.set_default_timeout(TIMEOUT)

    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", "admin.soetta")
    page.fill("#id_password", "pw-test-12345")
    page.locator("input[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    assert "Kantor dan pegawai" in page.content() or "Offices and staff" in page.content()

    # Their office and no other.
    page.goto(f"{base}/admin/offices/office/")
    listing = page.content()
    assert "Soekarno-Hatta" in listing and "Tanjung Priok" not in listing
    assert "5 dari 6 petugas" in listing
    assert page.goto(f"{base}/admin/offices/office/{priok.pk}/change/").status == 404

    # A sixth officer: a new account opened in the staff form.
    add_officer(page, base, "petugas6.soetta", "Rudi", "Hartono")
    page.locator(".messagelist .success").wait_for()
    assert StaffProfile.objects.get(user__username="petugas6.soetta").office == soetta

    # A seventh is refused, with the real numbers once, in Indonesian; nothing is created.
    add_officer(page, base, "petugas7.soetta", "Lina", "Marlina")
    refusal = page.locator(".errornote, .errorlist").first
    refusal.wait_for()
    text = page.content()
    assert "kini memiliki 6 petugas aktif dan akan menjadi 7" in text and "paling banyak 6" in text
    page.screenshot(path=str(SHOTS / "office-admin-limit.png"), full_page=True)
    assert not StaffProfile.objects.filter(user__username="petugas7.soetta").exists()

    # Ramadan hours for the office: 08:00–15:00, Friday until 15:30.
    page.goto(f"{base}/admin/offices/specialhours/add/")
    office_choices = page.locator("#id_office option").all_inner_texts()
    assert office_choices == [str(soetta)]
    page.fill("#id_name", "Jam layanan Ramadan 1448 H")
    page.fill("#id_start_date", "2027-02-08")
    page.fill("#id_end_date", "2027-03-09")
    page.fill("#id_hours", "08:00-15:00")
    page.fill("#id_friday_hours", "08:00-15:30")
    page.locator("input[name=_save]").click()
    page.locator(".messagelist .success").wait_for()
    page.screenshot(path=str(SHOTS / "office-admin-ramadan.png"), full_page=True)
    ramadan = SpecialHours.objects.get(name="Jam layanan Ramadan 1448 H")
    assert ramadan.office == soetta
    assert (ramadan.start_date, ramadan.end_date) == (date(2027, 2, 8), date(2027, 3, 9))
    assert ramadan.intervals == {"default": [["08:00", "15:00"]], "4": [["08:00", "15:30"]]}
