"""The inbox's 4-second refresh: 304 in two queries when nothing changed, 200 with the change as soon as
anything the list shows moved, however it was written (services, QuerySet.update, the SLA sweep)."""

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from sla.services import sla_sweep
from tests import factories
from tests.tickets.test_workspace import receive
from tickets import inquiries, lifecycle
from tickets.live import inbox_version
from tickets.models import Inquiry

REFRESH = reverse("tickets:inbox") + "?queue=open&partial=1"
# A working Tuesday morning in Jakarta (08:00-16:00 local, UTC+7).
MORNING = "2026-03-10 02:30:00+00:00"


def refresh(client, etag):
    return client.get(REFRESH, HTTP_IF_NONE_MATCH=etag)


def first_etag(client) -> str:
    response = client.get(REFRESH)
    assert response.status_code == 200
    return response.headers["ETag"]


@pytest.fixture
def morning():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


def test_nothing_changed_is_304_in_two_queries(morning, logged_in, account, django_assert_max_num_queries):
    receive(account, text="Paket saya tertahan")
    etag = first_etag(logged_in)
    with django_assert_max_num_queries(2):
        response = refresh(logged_in, etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["Cache-Control"] == "private, no-store"


def test_full_page_carries_the_etag_for_the_first_refresh(morning, logged_in, account):
    receive(account, text="Paket saya tertahan")
    page = logged_in.get(reverse("tickets:inbox") + "?queue=open")
    etag = page.headers["ETag"]
    assert f'data-etag="{html.escape(etag)}"' in page.content.decode()
    assert refresh(logged_in, etag).status_code == 304


def test_a_new_message_makes_the_next_refresh_a_200(morning, logged_in, account):
    receive(account, text="Paket saya tertahan", sender="a")
    etag = first_etag(logged_in)
    receive(account, text="Berapa batas pembebasan bea masuk?", sender="b")
    response = refresh(logged_in, etag)
    assert response.status_code == 200
    assert "Berapa batas pembebasan" in response.content.decode()
    assert response.headers["ETag"] != etag


def test_a_follow_up_message_in_the_same_inquiry_counts(morning, logged_in, account):
    receive(account, text="Paket saya tertahan", sender="a")
    etag = first_etag(logged_in)
    receive(account, text="Mohon dibantu", sender="a")
    assert refresh(logged_in, etag).status_code == 200


def test_an_assignment_makes_the_next_refresh_a_200(morning, logged_in, officer, office, account):
    inquiry = receive(account, text="Paket saya tertahan")
    colleague = factories.StaffFactory(office=office, user__first_name="Sari", user__last_name="Lestari").user
    etag = first_etag(logged_in)
    inquiries.inquiry_assign(inquiry=Inquiry.objects.get(pk=inquiry.pk), actor=officer, to_user=colleague)
    response = refresh(logged_in, etag)
    assert response.status_code == 200
    assert "Sari" in response.content.decode()


def test_a_lifecycle_status_change_by_queryset_update_makes_a_200(morning, logged_in, account):
    inquiry = receive(account, text="Paket saya tertahan")
    etag = first_etag(logged_in)
    # The lifecycle moves the status with a conditional QuerySet.update(): no save(), no signal.
    assert lifecycle.inquiry_wait(inquiry=Inquiry.objects.get(pk=inquiry.pk), at=timezone.now())
    response = refresh(logged_in, etag)
    assert response.status_code == 200
    assert re.search(r'data-queue="waiting">[^<]*<span class="count">1</span>', response.content.decode())


def test_a_raw_queryset_update_counts_too(morning, logged_in, account):
    inquiry = receive(account, text="Paket saya tertahan")
    etag = first_etag(logged_in)
    Inquiry.objects.filter(pk=inquiry.pk).update(preview="Teks baru dari pembaruan massal")
    response = refresh(logged_in, etag)
    assert response.status_code == 200
    assert "Teks baru dari pembaruan massal" in response.content.decode()


def test_an_sla_sweep_stamp_makes_the_next_refresh_a_200(logged_in, account):
    with time_machine.travel(MORNING, tick=False) as traveller:
        inquiry = receive(account, text="Paket saya tertahan")
        inquiry.refresh_from_db()
        assert inquiry.response_status == "running"
        # Past the due moment: the page itself expires then (the ETag's time), and the sweep stamps the breach.
        traveller.move_to(inquiry.response_due + timedelta(minutes=2))
        etag = first_etag(logged_in)
        before = inbox_version(inquiry.office.staff.first().user)
        counts = sla_sweep()
        assert counts["response.breached"] == 1
        assert inbox_version(inquiry.office.staff.first().user).version > before.version
        response = refresh(logged_in, etag)
        assert response.status_code == 200
        assert 'class="sla sla-breached"' in response.content.decode()


def test_the_at_risk_sweep_notice_makes_a_200(logged_in, account):
    with time_machine.travel(MORNING, tick=False) as traveller:
        inquiry = receive(account, text="Paket saya tertahan")
        inquiry.refresh_from_db()
        traveller.move_to(inquiry.response_at_risk_at + timedelta(seconds=30))
        etag = first_etag(logged_in)
        assert refresh(logged_in, etag).status_code == 304
        assert sla_sweep()["response.at_risk"] == 1
        assert refresh(logged_in, etag).status_code == 200


def test_countdowns_tick_in_the_browser_and_the_etag_expires_at_the_next_state_change(logged_in, account):
    with time_machine.travel(MORNING, tick=False) as traveller:
        inquiry = receive(account, text="Paket saya tertahan")
        inquiry.refresh_from_db()
        response = logged_in.get(REFRESH)
        etag = response.headers["ETag"]
        # The badge carries its working seconds for the browser's countdown.
        seconds = int((inquiry.response_due - timezone.now()).total_seconds())
        assert f'data-sla-seconds="{seconds}"' in response.content.decode()
        # The ETag expires at the at-risk moment, the first moment the server draws the row differently.
        assert etag.strip('"').split(".")[1] == str(int(inquiry.response_at_risk_at.timestamp()))
        traveller.move_to(timezone.now() + timedelta(minutes=5))
        assert refresh(logged_in, etag).status_code == 304  # only the minutes moved: the browser ticks them
        traveller.move_to(inquiry.response_at_risk_at)
        response = refresh(logged_in, etag)
        assert response.status_code == 200
        assert "sla-at_risk" in response.content.decode()


def test_outside_working_hours_the_countdown_is_frozen_until_work_starts(logged_in, account):
    # Tuesday 20:00 in Jakarta: the office is closed, the countdown waits for 08:00 tomorrow.
    with time_machine.travel("2026-03-10 13:00:00+00:00", tick=False) as traveller:
        receive(account, text="Paket saya tertahan")
        response = logged_in.get(REFRESH)
        assert "data-sla-seconds" not in response.content.decode()
        etag = response.headers["ETag"]
        traveller.move_to("2026-03-10 13:40:00+00:00")
        assert refresh(logged_in, etag).status_code == 304
        traveller.move_to("2026-03-11 00:31:00+00:00")  # 07:31 local: working time has started
        response = refresh(logged_in, etag)
        assert response.status_code == 200
        assert "data-sla-seconds" in response.content.decode()


def test_the_view_is_part_of_the_etag(morning, logged_in, account):
    receive(account, text="Paket saya tertahan")
    etag = first_etag(logged_in)
    other = reverse("tickets:inbox") + "?queue=mine&partial=1"
    assert logged_in.get(other, HTTP_IF_NONE_MATCH=etag).status_code == 200
    logged_in.cookies["django_language"] = "en"
    english = logged_in.get(REFRESH, HTTP_IF_NONE_MATCH=etag)
    assert english.status_code == 200
    assert "working min left" in english.content.decode()


def test_another_officers_etag_is_no_304(morning, client, logged_in, office, account):
    receive(account, text="Paket saya tertahan")
    etag = first_etag(logged_in)
    colleague = factories.StaffFactory(office=office).user
    client.force_login(colleague)
    assert client.get(REFRESH, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_another_offices_change_leaves_the_refresh_304(morning, logged_in, account, other_office):
    receive(account, text="Paket saya tertahan")
    etag = first_etag(logged_in)
    elsewhere = factories.ChannelAccountFactory(office=other_office, kind="webchat")
    receive(elsewhere, text="Pesan di kantor lain", sender="z")
    assert refresh(logged_in, etag).status_code == 304


def test_a_calendar_change_makes_a_200(morning, logged_in, office, account):
    from offices.models import Holiday

    receive(account, text="Paket saya tertahan")
    etag = first_etag(logged_in)
    Holiday.objects.create(office=office, date=timezone.now().date() + timedelta(days=1), name="Libur kantor")
    assert refresh(logged_in, etag).status_code == 200


def test_a_forged_or_garbled_etag_is_a_200(morning, logged_in, account):
    receive(account, text="Paket saya tertahan")
    for header in ['"nonsense"', "*", 'W/"' + "0" * 24 + '.99999999999"', '"' + "a" * 5000 + '"']:
        assert refresh(logged_in, header).status_code == 200


def test_logged_out_refresh_is_no_304(morning, client, account):
    receive(account, text="Paket saya tertahan")
    response = client.get(REFRESH, HTTP_IF_NONE_MATCH='"' + "0" * 24 + '.99999999999"')
    assert response.status_code == 302


def test_the_officers_own_presence_counts(morning, logged_in, officer, account):
    from offices.models import StaffProfile

    receive(account, text="Paket saya tertahan")
    etag = first_etag(logged_in)
    StaffProfile.objects.filter(user=officer).update(on_duty=False)
    assert refresh(logged_in, etag).status_code == 200


def test_a_requesters_new_name_counts(morning, logged_in, account):
    from tickets.models import Requester

    inquiry = receive(account, text="Paket saya tertahan")
    etag = first_etag(logged_in)
    Requester.objects.filter(pk=inquiry.requester_id).update(display_name="Siti Aminah")
    assert refresh(logged_in, etag).status_code == 200
