"""Notifications are a kind and its parameters, rendered in the reader's language (issue 11, point 12).

The same stored notification reads in Indonesian on the page of a user who kept Indonesian and in English on the
page of one who chose English; e-mail copies follow the recipient's StaffProfile.language; rows written before
kinds (a finished sentence in `text`) still show.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils.translation import gettext_noop

from channels_intake.adapters import InboundMessage
from offices.models import Role
from sla import notifications
from sla.models import Notification
from sla.notice_mail import notice_mails_send
from sla.services import sla_sweep
from tests import factories
from tickets import consultations, escalation
from tickets.inquiries import inbound_message_receive
from tickets.models import Unit

WIB = ZoneInfo("Asia/Jakarta")
MON = date(2026, 12, 7)  # no holiday that week
VALID_NIK = "3171074507900004"


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(MON, time(hour, minute), tzinfo=WIB)


@pytest.fixture
def account(office):
    return factories.ChannelAccountFactory(office=office, kind="webchat")


def receive(account, when: datetime | None = None, text: str = "Halo"):
    when = when or at(9)
    message = InboundMessage(
        dedupe_key=f"m-{when.isoformat()}-{text[:8]}",
        sender_id="visitor-1",
        sender_name="Budi",
        text=text,
        sent_at=when,
        recipient_id="",
        channel="webchat",
    )
    with time_machine.travel(when, tick=False):
        return inbound_message_receive(account=account, message=message, received_at=when).inquiry


def page_text(client, user, language: str | None = None) -> str:
    client.force_login(user)
    if language:
        client.cookies["django_language"] = language
    else:
        client.cookies.pop("django_language", None)
    return client.get(reverse("notifications")).content.decode()


# --- The registry and notify() ----------------------------------------------------------------------------
def test_notify_dedupes_users_skips_none_and_returns_the_count(office):
    notifications.register_kind("test.hello", gettext_noop("New ticket %(number)s for %(unit)s."))
    one, two = factories.UserFactory(), factories.UserFactory()
    created = notifications.notify(users=[one, None, two, one], kind="test.hello", params={"number": "X", "unit": "U"})
    assert created == 2
    assert sorted(Notification.objects.values_list("user", flat=True)) == sorted([one.pk, two.pk])
    row = Notification.objects.first()
    assert row.params == {"number": "X", "unit": "U"} and row.text == ""
    assert notifications.notify(users=[], kind="test.hello") == 0


def test_an_unregistered_kind_or_a_second_message_for_a_kind_is_refused(db):
    with pytest.raises(ValueError):
        notifications.notify(users=[factories.UserFactory()], kind="never.registered")
    notifications.register_kind("test.twice", gettext_noop("New ticket %(number)s for %(unit)s."))
    notifications.register_kind("test.twice", gettext_noop("New ticket %(number)s for %(unit)s."))  # same: fine
    with pytest.raises(ValueError):
        notifications.register_kind("test.twice", gettext_noop("Something else"))
    assert not Notification.objects.exists()


def test_render_translates_terms_and_shows_times_in_the_office_zone(db):
    row = Notification(
        kind="sla.response.at_risk",
        params={
            "id": 7,
            "target": notifications.term("response"),
            "due": notifications.moment(at(9, 55), "Asia/Makassar"),
        },
    )
    english = row.render("en")
    assert english == "Inquiry #7: the response target is at risk (due 7 Dec 2026 10:55 WITA)."
    indonesian = row.render("id")
    assert indonesian.startswith("Pertanyaan #7: target jawaban berisiko") and "10:55 WITA" in indonesian


def test_a_broken_row_renders_without_raising(db):
    assert Notification(kind="ticket.new", params={"number": "BC-1"}).render("en")  # "unit" missing
    assert Notification(kind="gone.kind", params={}).render("en") == "gone.kind"


# --- The reader's language ----------------------------------------------------------------------------------
def test_the_same_notification_reads_in_each_readers_language(client, office, account):
    asker = factories.StaffFactory(office=office, user__first_name="Sari", user__last_name="Dewi").user
    indonesian_reader = factories.StaffFactory(office=office, role=Role.COORDINATOR).user
    english_reader = factories.StaffFactory(office=office, role=Role.SUPERVISOR, language="en").user
    unit = Unit.objects.create(name="Seksi PKC", home_office=office, coordinator=indonesian_reader)
    unit.members.add(english_reader)
    inquiry = receive(account)
    consultations.consultation_ask(inquiry=inquiry, actor=asker, question="Apakah ini kena cukai?", to_unit=unit)

    assert Notification.objects.filter(kind="consultation.ask").count() == 2
    assert f"Sari Dewi bertanya tentang pertanyaan #{inquiry.pk}: Apakah ini kena cukai?" in page_text(
        client, indonesian_reader
    )
    english_page = page_text(client, english_reader, "en")
    assert f"Sari Dewi asks about inquiry #{inquiry.pk}: Apakah ini kena cukai?" in english_page
    assert "bertanya tentang" not in english_page
    # The switch decides on the page: the Indonesian reader who picks English reads it in English.
    assert f"Sari Dewi asks about inquiry #{inquiry.pk}" in page_text(client, indonesian_reader, "en")


def test_ticket_notices_follow_the_reader(client, office, account):
    officer = factories.StaffFactory(office=office).user
    coordinator = factories.StaffFactory(office=office, role=Role.COORDINATOR).user
    unit = Unit.objects.create(name="Seksi Layanan", home_office=office, coordinator=coordinator)
    unit.offices.add(office)
    inquiry = receive(account)
    ticket, _code = escalation.inquiry_escalate(inquiry=inquiry, unit=unit, summary="Mohon cek", actor=officer)
    assert f"Tiket baru {ticket.number} untuk Seksi Layanan." in page_text(client, coordinator)
    assert f"New ticket {ticket.number} for Seksi Layanan." in page_text(client, coordinator, "en")


def test_rows_from_before_kinds_still_show_masked(client, office):
    user = factories.StaffFactory(office=office).user
    Notification.objects.create(
        user=user, kind="consultation.ask", text=f"budi bertanya tentang pertanyaan #3: NIK {VALID_NIK}"
    )
    for language in (None, "en"):
        page = page_text(client, user, language)
        assert "budi bertanya tentang pertanyaan #3: NIK ••••••••••••0004" in page
        assert VALID_NIK not in page


def test_the_notifications_page_has_a_fixed_number_of_queries(client, office, django_assert_max_num_queries):
    user = factories.StaffFactory(office=office).user
    inquiry = factories.InquiryFactory(account=factories.ChannelAccountFactory(office=office))
    notifications.notify(users=[user], kind="ticket.approval", params={"number": "BC-1"}, inquiry=inquiry)
    for n in range(30):
        notifications.notify(users=[user], kind="ticket.new", params={"number": f"BC-{n}", "unit": "U"})
    client.force_login(user)
    client.get(reverse("notifications"))  # warm the session
    with django_assert_max_num_queries(8):
        page = client.get(reverse("notifications")).content.decode()
    assert "BC-29" in page and "BC-1:" in page


def test_the_empty_page_says_so(client, office):
    user = factories.StaffFactory(office=office).user
    assert "Belum ada notifikasi." in page_text(client, user)
    assert "No notifications yet." in page_text(client, user, "en")


# --- E-mail in the recipient's language -----------------------------------------------------------------------
def test_sla_notice_mails_are_in_each_recipients_language(office, account, django_capture_on_commit_callbacks):
    coordinator = factories.StaffFactory(office=office, role=Role.COORDINATOR, user__email="coord@example.invalid").user
    supervisor = factories.StaffFactory(
        office=office, role=Role.SUPERVISOR, language="en", user__email="super@example.invalid"
    ).user
    factories.StaffFactory(office=office, role=Role.OFFICER)
    inquiry = receive(account, at(9))
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_sweep(now=at(9, 56))["response.breached"] == 1
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {coordinator.email, supervisor.email}
    english = by_address[supervisor.email]
    assert english.subject == f"Inquiry #{inquiry.pk}: the response target was breached at 7 Dec 2026 09:55 WIB."
    assert english.body.endswith(f"/inbox/{inquiry.pk}/")
    indonesian = by_address[coordinator.email]
    assert indonesian.subject == f"Pertanyaan #{inquiry.pk}: target jawaban terlampaui pada 7 Des 2026 09:55 WIB."
    # Stored once per reader, language-free: the page renders the same row in the reader's language.
    row = Notification.objects.get(user=supervisor)
    assert row.text == "" and row.params["id"] == inquiry.pk


def test_mails_queued_before_the_change_still_go_out(db):
    assert notice_mails_send([["Subject", "Body", "old@example.invalid"]]) == 1
    assert mail.outbox[0].subject == "Subject" and mail.outbox[0].to == ["old@example.invalid"]


def test_the_page_shows_times_in_the_readers_office_zone_and_pages_through(client, db):
    makassar = factories.OfficeFactory(timezone="Asia/Makassar")
    user = factories.StaffFactory(office=makassar).user
    with time_machine.travel(at(9), tick=True):  # 09:00 WIB is 10:00 WITA; ticking: each one a moment later
        for n in range(51):
            notifications.notify(users=[user], kind="ticket.new", params={"number": f"BC-{n:02d}", "unit": "U"})
    client.force_login(user)
    first = client.get(reverse("notifications")).content.decode()
    assert "10:00 WITA" in first and "Halaman 1 dari 2" in first and "BC-50" in first and "BC-00" not in first
    second = client.get(reverse("notifications"), {"page": 2}).content.decode()
    assert "BC-00" in second and "BC-50" not in second
    assert client.get(reverse("notifications"), {"page": "x"}).status_code == 200  # a bad page is the first
