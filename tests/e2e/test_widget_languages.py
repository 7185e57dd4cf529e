"""The web-chat widget in both languages, in chromium (issue 11, points 4 to 6).

The widget in English shows every text in English (no "undefined", nothing left in Indonesian) and the server's
promise; switching to Indonesian changes the texts, the promise and the acknowledgement, and the choice is kept
on the session and across a reload; a message sent in English gets the English acknowledgement; a message in
the last two hours before closing is told why its answer takes two working days. The complaint link opens the
office's complaint page in a new tab.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from offices.selectors import zone_label
from tests import factories
from tests.e2e.test_officer_flow import TIMEOUT, browser  # noqa: F401 - browser: Debian's chromium via Playwright
from tests.webchat.test_widget_strings import WIDGET, widget_tables
from webchat.models import WebchatSession

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Texts shown only on some event (an error, a badge, a failed lookup, a message queued for the re-drive).
SHOWN_LATER = {"error", "tooLong", "unread", "notFound", "received", "you", "officeLabel", "newTab", "empty"}

WIDGET_TEXT = """() => {
  const root = document.getElementById('bc-webchat').shadowRoot;
  const parts = [root.textContent];
  for (const el of root.querySelectorAll('*')) {
    for (const name of ['placeholder', 'aria-label', 'title']) {
      if (el.getAttribute(name)) parts.push(el.getAttribute(name));
    }
  }
  return parts.join('\\n');
}"""


@pytest.fixture
def tables():
    return {language: dict(entries) for language, entries in widget_tables(WIDGET.read_text("utf-8")).items()}


@pytest.fixture
def fresh_connection():
    # Playwright's sync API runs the body in a greenlet with a database connection of its own; an earlier e2e test
    # may have left it terminated on PostgreSQL (close_worker_connections): check it before the first query.
    connection.close_if_unusable_or_obsolete()


def open_widget(browser, base, office, language):  # noqa: F811
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(f"{base}/webchat/demo/?office={office.code}&lang={language}")
    page.locator(".fab").click()
    return page


def send(page, text):
    page.locator("#bc-text").fill(text)
    page.locator("form.main .send").click()
    page.locator(".m.you:not(.pending)").filter(has_text=text).wait_for(timeout=TIMEOUT)


def test_the_widget_speaks_the_chosen_language_everywhere(live_server, browser, tables, fresh_connection):  # noqa: F811
    office = factories.OfficeFactory(
        code="040300", name="KPU Tanjung Priok", always_open=True, hours={day: (time(0), time(0)) for day in range(7)}
    )
    factories.ChannelAccountFactory(office=office, kind="webchat")
    page = open_widget(browser, live_server.url, office, "en")

    # English: every text the widget always shows, in English; the promise as the server words it.
    expect(page.locator(".p1")).to_have_text(
        "This service is free of charge. We answer within 55 working minutes.", timeout=TIMEOUT
    )
    expect(page.locator(".p2")).to_have_text("Open 24 hours, every day.")
    shown = page.evaluate(WIDGET_TEXT)
    assert "undefined" not in shown and "null" not in shown
    for key, english in tables["en"].items():
        if key not in SHOWN_LATER:
            assert english in shown, f"{key}: {english!r} is not shown"
        if tables["id"][key] not in english:
            assert tables["id"][key] not in shown, f"{key}: still in Indonesian"
    assert page.locator(".langs button[data-lang=en]").get_attribute("aria-pressed") == "true"
    assert page.locator("#bc-panel").get_attribute("lang") == "en"

    complaint = page.locator("a.complaint")
    assert complaint.inner_text() == "Complaint or suggestion"
    assert complaint.get_attribute("href") == f"{live_server.url}/pengaduan/?office={office.code}"
    assert complaint.get_attribute("target") == "_blank" and "noopener" in complaint.get_attribute("rel")
    # The privacy notice (UU 27/2022) before the first message, with the full page and the service standard.
    expect(page.locator(".pnote")).to_contain_text("used only to answer you")
    assert page.locator("a.privacy-link").get_attribute("href") == f"{live_server.url}/privasi/"
    assert page.locator("a.standard-link").get_attribute("href") == f"{live_server.url}/standar-layanan/"

    # A message sent in English gets the English acknowledgement, with its deadline and why.
    send(page, "What is the duty-free allowance for personal goods?")
    eta = page.locator(".eta")
    expect(eta).to_contain_text("We have received your message. The answer will reach you by", timeout=TIMEOUT)
    expect(eta).to_contain_text("WIB at the latest (within 55 working minutes).")
    assert page.locator(".m.you small").first.inner_text().startswith("You ·")
    session = WebchatSession.objects.select_related("requester").get()
    assert session.language == "en" and session.requester.language == "en"

    # Switching to Indonesian changes the texts, the server's promise and the acknowledgement, and the session.
    page.locator(".langs button[data-lang=id]").click()
    expect(page.locator(".fab-label")).to_have_text(tables["id"]["open"])
    expect(page.locator("#bc-title")).to_have_text(tables["id"]["title"])
    expect(page.locator(".p1")).to_have_text("Layanan ini gratis. Kami menjawab dalam 55 menit kerja.", timeout=TIMEOUT)
    expect(page.locator(".p2")).to_have_text("Buka 24 jam, setiap hari.")
    expect(eta).to_contain_text("Pesan Anda sudah kami terima. Jawaban paling lambat kami sampaikan", timeout=TIMEOUT)
    expect(page.locator("a.complaint")).to_have_text("Pengaduan atau saran")
    expect(page.locator(".pnote")).to_contain_text("hanya dipakai untuk menjawab")
    expect(page.locator("a.privacy-link")).to_have_text("Privasi")
    expect(page.locator(".m.you small").first).to_contain_text("Anda ·")
    shown = page.evaluate(WIDGET_TEXT)
    assert "undefined" not in shown
    for key, indonesian in tables["id"].items():
        if key not in SHOWN_LATER:
            assert indonesian in shown, f"{key}: {indonesian!r} is not shown after switching"
    for _ in range(TIMEOUT // 250):  # the switch reaches the server (polled from here: the page's policy forbids eval)
        if WebchatSession.objects.get().language == "id":
            break
        page.wait_for_timeout(250)
    session = WebchatSession.objects.select_related("requester").get()
    assert session.language == "id" and session.requester.language == "id"

    # The choice survives a reload, whatever the page says.
    page.reload()
    page.locator(".fab").click()
    expect(page.locator(".fab-label")).to_have_text(tables["id"]["open"])
    assert page.locator(".langs button[data-lang=id]").get_attribute("aria-pressed") == "true"


def _office_closing_in_an_hour():
    """An office whose hours today end 61 minutes from now (in a zone where that is still today), open the other
    days 07:30–16:00: a message now is a late arrival, deterministically."""
    now = timezone.now()
    for zone in ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"):
        local = now.astimezone(ZoneInfo(zone))
        closing = (local + timedelta(minutes=61)).replace(second=0, microsecond=0)
        if closing.date() == local.date():
            break
    hours = {day: (time(7, 30), time(16)) for day in range(7)}
    hours[local.weekday()] = (time(0), closing.time())
    office = factories.OfficeFactory(code="050100", name="KPU BC Soekarno-Hatta", timezone=zone, hours=hours)
    factories.ChannelAccountFactory(office=office, kind="webchat")
    return office, closing


def test_a_message_just_before_closing_is_told_why_it_takes_two_working_days(live_server, browser, fresh_connection):  # noqa: F811
    office, closing = _office_closing_in_an_hour()
    label = zone_label(office.timezone)
    due = datetime.combine(closing.date() + timedelta(days=2), time(16), tzinfo=closing.tzinfo)
    due_label = f"{due:%A} {due.day} {due:%B} 16:00 {label}"
    page = open_widget(browser, live_server.url, office, "en")

    expect(page.locator(".p3")).to_have_text(
        f"The office closes at {closing:%H:%M} {label}. A message that arrives in the last 2 hours before closing "
        f"is answered within 2 working days: a message sent now is answered by {due_label} at the latest.",
        timeout=TIMEOUT,
    )
    send(page, "Is my parcel held at customs?")
    expect(page.locator(".eta")).to_have_text(
        f"We have received your message. It arrived in the last 2 hours before the office closes "
        f"({closing:%H:%M} {label}), so it is answered within 2 working days: by {due_label} at the latest.",
        timeout=TIMEOUT,
    )

    # The same explanation in Indonesian, after switching.
    page.locator(".langs button[data-lang=id]").click()
    expect(page.locator(".eta")).to_contain_text(
        f"Pesan masuk dalam 2 jam terakhir sebelum kantor tutup ({closing:%H:%M} {label})", timeout=TIMEOUT
    )
    expect(page.locator(".p3")).to_contain_text(f"Kantor tutup pukul {closing:%H:%M} {label}.", timeout=TIMEOUT)
