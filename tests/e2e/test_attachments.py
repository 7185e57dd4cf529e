"""In a real browser (chromium): a visitor attaches a PDF and a photo in the widget, the officer sees them in the
thread (the photo as a thumbnail) and downloads the PDF; the officer answers with a file, which the visitor
downloads from the widget; a web page dressed as a photo is refused in the widget with the server's reason."""

import re

import pytest

from tests.attachment_samples import HTML, PDF, PNG
from tests.e2e.test_officer_flow import SHOTS, TIMEOUT, browser, scene, worker  # noqa: F401 (fixtures)
from tickets.models import Attachment, Inquiry

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def attach(page, name: str, mime_type: str, content: bytes) -> None:
    page.locator("form.main input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": mime_type, "buffer": content}]
    )


def test_files_travel_between_the_widget_and_the_officer(worker, live_server, scene, browser):  # noqa: F811
    office, officer = scene
    base = live_server.url

    # The visitor opens the widget and attaches a boarding pass and a photo of a receipt.
    visitor = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True).new_page()
    visitor.goto(f"{base}/webchat/demo/?office={office.code}")
    visitor.locator(".fab").click()
    assert visitor.locator("form.main button.attach").inner_text().strip() == "📎 Lampirkan foto/PDF"
    attach(visitor, "boarding-pass.pdf", "application/pdf", PDF)
    visitor.locator(".m.you:not(.pending) button.file").filter(has_text="boarding-pass.pdf").wait_for(timeout=TIMEOUT)
    attach(visitor, "struk.png", "image/png", PNG)
    visitor.locator(".m.you:not(.pending) button.file").filter(has_text="struk.png").wait_for(timeout=TIMEOUT)

    # A web page called image.png is refused, with the server's reason in the widget's language.
    attach(visitor, "image.png", "image/png", HTML)
    visitor.locator(".err").filter(has_text="PDF").wait_for(timeout=TIMEOUT)
    assert "Hanya foto" in visitor.locator(".err").inner_text()
    assert Attachment.objects.count() == 2

    # The officer sees both in the thread: the photo as a thumbnail that loads, the PDF as a download.
    desk = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True).new_page()
    desk.goto(f"{base}/accounts/login/?next=/inbox/")
    desk.fill("#id_username", "petugas1")
    desk.fill("#id_password", "pw-test-12345")
    desk.locator("button[type=submit].primary").click()
    desk.wait_for_url(re.compile(r"/inbox/"))
    inquiry = Inquiry.objects.get()
    desk.goto(f"{base}/inbox/{inquiry.pk}/")
    thumb = desk.locator("#thread img.thumb")
    thumb.wait_for(timeout=TIMEOUT)
    desk.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle(), timeout=TIMEOUT)
    with desk.expect_download(timeout=TIMEOUT) as download:
        desk.locator("#thread a[download]").filter(has_text="boarding-pass.pdf").click()
    assert download.value.suggested_filename == "boarding-pass.pdf"
    assert open(download.value.path(), "rb").read() == PDF
    SHOTS.mkdir(parents=True, exist_ok=True)
    desk.screenshot(path=str(SHOTS / "conversation-attachments.png"), full_page=True)

    # The officer answers with a form; the visitor downloads it from the widget.
    desk.fill("#composer textarea", "Silakan isi formulir terlampir.")
    desk.locator("#id_file").set_input_files(
        files=[{"name": "Formulir BC 2.2.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    desk.locator("#composer button[type=submit]").click()
    desk.locator(".delivery-sent").first.wait_for(timeout=TIMEOUT)
    office_file = visitor.locator(".m.office button.file").filter(has_text="Formulir_BC_2.2.pdf")
    office_file.wait_for(timeout=TIMEOUT)
    with visitor.expect_download(timeout=TIMEOUT) as download:
        office_file.click()
    assert download.value.suggested_filename == "Formulir_BC_2.2.pdf"
    assert open(download.value.path(), "rb").read() == PDF
    visitor.screenshot(path=str(SHOTS / "widget-attachments.png"))
