"""The satisfaction survey in the web-chat widget, in chromium (issue 14, points 6 and 7).

After the officer's answer is delivered and the inquiry closed as answered, the visitor sees the survey in the
thread and its choices as buttons; a press (with an optional comment) records the rating on the inquiry, the
buttons give way to a thank-you, and the server's own thanks arrives in the thread. No new inquiry is opened.
"""

from datetime import time

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.test_officer_flow import TIMEOUT, browser  # noqa: F401 - browser: Debian's chromium via Playwright
from tests.e2e.test_widget_languages import fresh_connection, open_widget, send  # noqa: F401 - fixture
from tickets.inquiries import inquiry_resolve
from tickets.models import Inquiry
from tickets.replies import reply_send

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_visitor_rates_the_answer_with_the_widgets_buttons(live_server, browser, fresh_connection):  # noqa: F811
    office = factories.OfficeFactory(
        code="040300", name="KPU Tanjung Priok", always_open=True, hours={day: (time(0), time(0)) for day in range(7)}
    )
    factories.ChannelAccountFactory(office=office, kind="webchat")
    officer = factories.StaffFactory(office=office, user__username="petugas1").user
    page = open_widget(browser, live_server.url, office, "id")
    send(page, "Berapa batas bebas bea barang pribadi?")
    inquiry = Inquiry.objects.get()

    # The officer answers and closes: the answer is delivered, then the survey (the real outbox, eager worker).
    reply_send(inquiry=inquiry, author=officer, text="Batasnya USD 500 per orang.", kind="answer")
    inquiry_resolve(inquiry=inquiry, actor=officer, outcome=Inquiry.Outcome.ANSWERED)

    card = page.locator(".survey")
    expect(card.locator(".sq")).to_have_text("Seberapa puas Anda dengan jawaban kami?", timeout=TIMEOUT)
    expect(page.locator(".m.office").last).to_contain_text("Balas 1 (sangat tidak puas) sampai 5 (sangat puas)")
    buttons = card.locator("button.rate")
    expect(buttons).to_have_count(5)
    expect(buttons.nth(4)).to_have_text("5 – sangat puas")
    assert card.get_attribute("role") == "group"

    card.locator("#bc-survey-comment").fill("jelas dan cepat")
    buttons.nth(3).click()

    expect(card).to_have_text("Terima kasih atas penilaian Anda.", timeout=TIMEOUT)
    expect(page.locator(".m.you .t").last).to_have_text("4, jelas dan cepat", timeout=TIMEOUT)
    expect(page.locator(".m.office").last).to_contain_text("Terima kasih atas penilaian Anda.", timeout=TIMEOUT)
    inquiry.refresh_from_db()
    assert (inquiry.rating, inquiry.rating_comment) == (4, "jelas dan cepat")
    assert inquiry.survey_status == Inquiry.SurveyStatus.ANSWERED
    assert Inquiry.objects.count() == 1

    # After a reload the survey is answered: no buttons any more.
    page.reload()
    page.locator(".fab").click()
    expect(page.locator(".m.office").last).to_contain_text("Terima kasih", timeout=TIMEOUT)
    expect(page.locator(".survey")).to_have_count(0)
