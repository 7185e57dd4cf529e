"""The public service-standard and privacy pages: the time norms from the SLA policy, each office's hours and
channels from its own calendar and accounts, Indonesian first and English on request, no login."""

from datetime import time

import pytest

from offices.models import Office
from sla.models import SlaPolicySetting
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def offices():
    makassar = factories.OfficeFactory(code="090400", name="KPPBC TMP B Makassar", timezone="Asia/Makassar")
    factories.ChannelAccountFactory(office=makassar, kind="webchat", slug="wc-mks")
    factories.ChannelAccountFactory(office=makassar, kind="meta", slug="meta-mks")
    priok = factories.OfficeFactory(code="040300", name="KPU Tanjung Priok", always_open=True, hours={})
    factories.ChannelAccountFactory(office=priok, kind="telegram", slug="tg-priok")
    # An office with no active account does not serve the public through these channels: not listed.
    silent = factories.OfficeFactory(code="180100", name="KPPBC Tanpa Kanal")
    factories.ChannelAccountFactory(office=silent, kind="webchat", slug="wc-off", is_active=False)
    return makassar, priok, silent


def test_the_standard_speaks_indonesian_and_shows_each_office_from_its_own_data(client, offices):
    page = client.get("/standar-layanan/").content.decode()
    assert 'lang="id"' in page
    assert "55 menit kerja" in page and "2 hari kerja" in page
    assert "Tidak dipungut biaya" in page
    row = page.split('id="office-090400"')[1].split("</tr>")[0]
    assert "WITA" in row and "07:30–16:00" in row and "07:30–16:30" in row  # Friday closes later
    assert "Messenger" in row and "Instagram" in row and "Web chat" in row
    priok = page.split('id="office-040300"')[1].split("</tr>")[0]
    assert "24 jam" in priok and "Telegram" in priok
    assert "office-180100" not in page
    # Clause b.1 and a.6, by their official names and numbers.
    for text in (
        "14 Tahun 2008",
        "110/PMK.01/2022",
        "KEP-111/BC/2022",
        "SE-13/BC/2022",
        "SE-30/BC/2022",
        "KEP-151/BC/2023",
        "pengaduan.beacukai@customs.go.id",
        "1500 225",
        "(021) 4890966",
    ):
        assert text in page


def test_the_time_norms_follow_the_policy_and_an_office_s_own_override(client, offices):
    makassar, _priok, _silent = offices
    SlaPolicySetting.objects.create(office=None, response_minutes=45, resolution_working_days=3)
    SlaPolicySetting.objects.create(office=makassar, response_minutes=30)
    page = client.get("/standar-layanan/").content.decode()
    assert "45 menit kerja" in page and "3 hari kerja" in page and "55 menit" not in page
    row = page.split('id="office-090400"')[1].split("</tr>")[0]
    assert "30 menit kerja" in row


def test_the_standard_in_english(client, offices):
    client.post("/i18n/setlang/", {"language": "en", "next": "/standar-layanan/"})
    page = client.get("/standar-layanan/").content.decode()
    assert 'lang="en"' in page and "Free of charge." in page and "55 working minutes" in page
    assert "Open 24 hours, every day, holidays included." in page


def test_the_page_costs_a_fixed_number_of_queries(client, offices, django_assert_max_num_queries):
    for n in range(20):
        office = factories.OfficeFactory(code=f"{200000 + n:06d}")
        factories.ChannelAccountFactory(office=office, slug=f"wc-{n}")
    with django_assert_max_num_queries(8):
        assert client.get("/standar-layanan/").status_code == 200
    assert Office.objects.count() == 23


def test_an_empty_product_shows_an_empty_state(client):
    page = client.get("/standar-layanan/").content.decode()
    assert "Belum ada kantor" in page


def test_privacy_page_in_both_languages(client):
    page = client.get("/privasi/").content.decode()
    assert "27/2022" in page and "pengaduan.beacukai@customs.go.id" in page and "Hak Anda" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/privasi/"})
    assert "Your rights" in client.get("/privasi/").content.decode()


def test_an_office_whose_day_ends_at_midnight_reads_24_00(client):
    office = factories.OfficeFactory(code="300100", hours={5: (time(20), time(0))})
    factories.ChannelAccountFactory(office=office, slug="wc-night")
    row = client.get("/standar-layanan/").content.decode().split('id="office-300100"')[1].split("</tr>")[0]
    assert "20:00–24:00" in row
