"""The thread shows identifiers masked; an officer of the inquiry's office reveals one message (htmx POST), the
reveal is audited, and nobody else can (issue 11, point 9)."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from channels_intake.adapters import InboundMessage
from offices.models import Role
from tests import factories
from tests.e2e.test_officer_flow import TIMEOUT, browser  # noqa: F401 (fixture)
from tickets import consultations, inquiries
from tickets.models import Message, Unit

NIK = "3171074507900004"
AWB = "123-12345675"
PASSPORT = "B1234567"
TEXT = f"NIK saya {NIK}, paspor {PASSPORT}, kiriman AWB {AWB}."


@pytest.fixture
def account(office):
    return factories.ChannelAccountFactory(office=office, kind="webchat")


@pytest.fixture
def inquiry(account):
    return inquiries.inbound_message_receive(
        account=account,
        message=InboundMessage(
            dedupe_key=f"m-{timezone.now().timestamp()}",
            sender_id="budi",
            sender_name="Budi",
            text=TEXT,
            sent_at=None,
            recipient_id="",
            channel="webchat",
        ),
    ).inquiry


def reveal_url(inquiry, message) -> str:
    return reverse("tickets:message-reveal", args=[inquiry.pk, message.pk])


def test_the_thread_offers_the_reveal_only_where_there_is_something_masked(client, officer, inquiry):
    plain = Message.objects.create(inquiry=inquiry, direction=Message.Direction.INBOUND, text="Terima kasih")
    first = inquiry.messages.order_by("pk").first()
    client.force_login(officer)
    page = client.get(reverse("tickets:conversation", args=[inquiry.pk])).content.decode()
    assert NIK not in page and "••••0004" in page
    assert f'hx-post="{reveal_url(inquiry, first)}"' in page
    assert reveal_url(inquiry, plain) not in page
    # The live refresh keeps the same text element (hx-preserve), so a revealed message stays revealed.
    partial = client.get(reverse("tickets:thread", args=[inquiry.pk])).content.decode()
    assert f'id="text-{first.pk}" hx-preserve="true"' in partial and NIK not in partial


def test_an_officer_of_the_office_reveals_a_message_and_it_is_audited(client, officer, inquiry):
    message = inquiry.messages.get()
    client.force_login(officer)
    before = timezone.now()
    response = client.post(reveal_url(inquiry, message), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert NIK in body and AWB in body and PASSPORT in body
    assert f'id="text-{message.pk}"' in body and "hx-preserve" not in body  # replaces the masked element
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="message.reveal")
    assert event.actor == officer and event.object_id == str(inquiry.pk)
    assert event.changes["message"] == message.pk and event.created_at >= before
    assert NIK not in str(event.changes)  # the audit log itself never holds the value


def test_another_offices_officer_cannot_reveal(client, inquiry, other_office):
    stranger = factories.StaffFactory(office=other_office).user
    client.force_login(stranger)
    message = inquiry.messages.get()
    response = client.post(reveal_url(inquiry, message))
    assert response.status_code == 404 and NIK not in response.content.decode()
    assert not AuditEvent.objects.filter(action="message.reveal").exists()


def test_a_role_that_does_not_work_inquiries_is_refused(client, office, inquiry):
    compliance = factories.StaffFactory(office=office, role=Role.COMPLIANCE).user
    client.force_login(compliance)
    response = client.post(reveal_url(inquiry, inquiry.messages.get()))
    assert response.status_code == 403 and NIK not in response.content.decode()
    assert not AuditEvent.objects.filter(action="message.reveal").exists()


def test_a_consulted_colleague_of_another_office_sees_the_thread_masked_and_cannot_reveal(
    client, officer, inquiry, other_office
):
    member = factories.StaffFactory(office=other_office, role=Role.SUPERVISOR).user
    unit = Unit.objects.create(name="Kanwil", home_office=other_office, coordinator=member)
    consultations.consultation_ask(inquiry=inquiry, actor=officer, question="Mohon arahan", to_unit=unit)
    client.force_login(member)
    page = client.get(reverse("tickets:consultations", args=[inquiry.pk])).content.decode()
    assert "••••0004" in page and NIK not in page
    assert "message-reveal" not in page and "/reveal/" not in page
    assert client.post(reveal_url(inquiry, inquiry.messages.get())).status_code == 404


def test_the_reveal_refuses_get_unknown_messages_and_messages_of_another_inquiry(client, officer, inquiry, account):
    client.force_login(officer)
    message = inquiry.messages.get()
    assert client.get(reveal_url(inquiry, message)).status_code == 405
    assert client.post(reverse("tickets:message-reveal", args=[inquiry.pk, 10**12])).status_code == 404
    assert client.post(reverse("tickets:message-reveal", args=[10**30, message.pk])).status_code == 404
    other = factories.InquiryFactory(account=account)
    assert client.post(reverse("tickets:message-reveal", args=[other.pk, message.pk])).status_code == 404
    client.logout()
    assert client.post(reveal_url(inquiry, message)).status_code == 302  # to the login page
    assert not AuditEvent.objects.filter(action="message.reveal").exists()


# --- The API: the detail masks, the reveal is audited --------------------------------------------------------
def api_reveal_url(inquiry, message) -> str:
    return f"/api/v1/inquiries/{inquiry.pk}/messages/{message.pk}/reveal/"


def test_the_api_detail_masks_and_the_api_reveal_is_audited(api_client, officer, inquiry):
    api_client.force_authenticate(officer)
    detail = api_client.get(f"/api/v1/inquiries/{inquiry.pk}/")
    assert detail.status_code == 200 and NIK not in detail.content.decode()
    message = inquiry.messages.get()
    assert "••••0004" in detail.json()["messages"][0]["text"]
    revealed = api_client.post(api_reveal_url(inquiry, message))
    assert revealed.status_code == 200 and revealed.json() == {"id": message.pk, "text": TEXT}
    event = AuditEvent.objects.get(action="message.reveal")
    assert event.actor == officer and event.changes["message"] == message.pk


def test_the_api_reveal_refuses_other_offices_and_non_working_roles(api_client, office, other_office, inquiry):
    message = inquiry.messages.get()
    api_client.force_authenticate(factories.StaffFactory(office=other_office).user)
    assert api_client.post(api_reveal_url(inquiry, message)).status_code == 404
    api_client.force_authenticate(factories.StaffFactory(office=office, role=Role.COMPLIANCE).user)
    refused = api_client.post(api_reveal_url(inquiry, message))
    assert refused.status_code == 403 and NIK not in refused.content.decode()
    api_client.force_authenticate(None)
    assert api_client.post(api_reveal_url(inquiry, message)).status_code == 401
    assert not AuditEvent.objects.filter(action="message.reveal").exists()


# --- In a real browser: the button, the htmx swap, and the live refresh keeping it ---------------------------
@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_reveal_in_a_real_browser_survives_the_live_refresh(live_server, browser, office, officer, account):  # noqa: F811
    officer.set_password("pw-test-12345")
    officer.save()
    inquiry = inquiries.inbound_message_receive(
        account=account,
        message=InboundMessage(
            dedupe_key="browser-1", sender_id="budi", sender_name="Budi", text=TEXT, sent_at=None, recipient_id="",
            channel="webchat",
        ),
    ).inquiry  # fmt: skip
    message = inquiry.messages.get()
    errors = []
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/accounts/login/?next=/inbox/{inquiry.pk}/")
    page.fill("#id_username", officer.username)
    page.fill("#id_password", "pw-test-12345")
    page.locator("button[type=submit].primary").click()
    page.wait_for_url(re.compile(rf"/inbox/{inquiry.pk}/$"))
    text = page.locator(f"#text-{message.pk}")
    assert "••••0004" in text.inner_text() and NIK not in page.content()

    text.locator("button").click()
    text.filter(has_text=NIK).wait_for(timeout=TIMEOUT)
    assert AuditEvent.objects.filter(action="message.reveal", actor=officer).count() == 1
    # The thread refreshes every 4 s: after the next refresh the message is still shown in full.
    with page.expect_response(lambda r: f"/inbox/{inquiry.pk}/thread/" in r.url, timeout=TIMEOUT):
        pass
    page.wait_for_timeout(200)  # let htmx settle the swap it just received
    assert NIK in page.locator(f"#text-{message.pk}").inner_text()
    # A new visit starts masked again.
    page.reload()
    assert "••••0004" in page.locator(f"#text-{message.pk}").inner_text() and NIK not in page.content()
    assert not [e for e in errors if "Content Security Policy" in e or "htmx" in e.lower()], errors
