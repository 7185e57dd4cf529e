"""A burst's acknowledgements are formatted once per distinct text (``acknowledgements_prepare``): inquiries
whose promise reads the same at the minute shown share it. Each must still read exactly what formatting it alone
gives (``acknowledgement_text``): in hours, in the last hour before closing, outside hours, in either language,
with and without the privacy notice."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from offices.selectors import office_calendar
from sla.services import policy_for_office
from tests import factories
from tickets import acknowledgement
from tickets.models import Requester

WIB = ZoneInfo("Asia/Jakarta")
MON = date(2026, 12, 7)


def at(hour, minute, second=0, day=MON):
    return datetime.combine(day, time(hour, minute, second), tzinfo=WIB)


@pytest.fixture(autouse=True)
def acknowledging(settings):
    settings.SOCIAL_ACKNOWLEDGEMENT = True
    settings.SITE_URL = "https://layanan.example.go.id"


def test_each_shared_text_is_the_one_formatted_alone(db, monkeypatch):
    office = factories.OfficeFactory()
    account = factories.ChannelAccountFactory(office=office, kind="telegram", slug="tg-texts", external_id="bot")
    moments = [
        at(10, 0, 5),
        at(10, 0, 40),  # same minute as the first: the same text
        at(10, 1, 10),  # due a minute later
        at(15, 45, 0),  # in the last hour before closing
        at(15, 45, 30),
        at(19, 0, 0),  # outside hours: waits for Tuesday's opening
        at(19, 0, 30),
        at(9, 0, 0, day=MON + timedelta(days=5)),  # Saturday
        at(10, 0, 20),  # in English
        at(10, 0, 25),  # had the privacy notice already
    ]
    with time_machine.travel(at(7, 0), tick=False):
        inquiries = [factories.running_inquiry(account, moment) for moment in moments]
    Requester.objects.filter(pk=inquiries[8].requester_id).update(language="en")
    Requester.objects.filter(pk=inquiries[9].requester_id).update(privacy_notice_at=at(7, 0))
    for inquiry in inquiries:
        inquiry.refresh_from_db()
    assert inquiries[3].late_arrival and not inquiries[0].late_arrival
    assert inquiries[5].effective_start > inquiries[5].received_at
    calendar, policy = office_calendar(office), policy_for_office(office)
    alone = [
        acknowledgement.acknowledgement_text(
            inquiry=inquiry, with_privacy=inquiry.requester.privacy_notice_at is None, calendar=calendar, policy=policy
        )
        for inquiry in inquiries
    ]
    assert len(set(alone)) == 7  # 10:00 ×2, 10:01, 15:45 ×2, 19:00 ×2, Saturday, English, without the notice

    formatted = []
    real = acknowledgement.acknowledgement_text

    def counted(**kwargs):
        formatted.append(kwargs["inquiry"].pk)
        return real(**kwargs)

    monkeypatch.setattr(acknowledgement, "acknowledgement_text", counted)
    messages = acknowledgement.acknowledgements_prepare(inquiries=inquiries, calendar=calendar, policy=policy)
    assert [messages[inquiry.pk].text for inquiry in inquiries] == alone
    assert len(formatted) == 7  # one formatting per distinct text
