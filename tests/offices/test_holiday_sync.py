"""Loading holidays keeps the national closed dates in step with the holidays package.

The package revises dates during the year: when an estimated date moves (here Idul Adha 2027, estimated on
Monday 17 May, decreed for Sunday 16 May), the old date goes, the new one comes, and running deadlines follow.
"""

from datetime import date, datetime, time
from io import StringIO
from zoneinfo import ZoneInfo

import holidays as holidays_pkg
import pytest
import time_machine
from django.core.management import call_command

from audit.models import AuditEvent
from offices.holidays import holidays_load
from offices.models import Holiday
from sla.services import recompute_running_targets
from tests import factories
from tickets.models import Inquiry, TargetStatus

WIB = ZoneInfo("Asia/Jakarta")
IDUL_ADHA_ESTIMATED = date(2027, 5, 17)
IDUL_ADHA_DECREED = date(2027, 5, 16)
THURSDAY = date(2027, 5, 13)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=WIB)


@pytest.fixture
def idul_adha_moved(monkeypatch):
    """The package's answer once the government fixed Idul Adha 2027 a day earlier than estimated."""
    real = holidays_pkg.country_holidays

    def revised(*args, **kwargs):
        calendar = real(*args, **kwargs)
        if IDUL_ADHA_ESTIMATED in calendar and "Idul Adha" in calendar[IDUL_ADHA_ESTIMATED]:
            name = calendar.pop(IDUL_ADHA_ESTIMATED).replace(" (perkiraan)", "")
            calendar[IDUL_ADHA_DECREED] = name
        return calendar

    def apply():
        monkeypatch.setattr(holidays_pkg, "country_holidays", revised)

    return apply


@pytest.fixture
def running(office):
    account = factories.ChannelAccountFactory(office=office, kind="webchat")
    inquiry = factories.InquiryFactory(
        account=account, received_at=at(THURSDAY, 15), response_status=TargetStatus.RUNNING
    )
    return inquiry


def recompute(inquiry: Inquiry) -> datetime:
    recompute_running_targets(office_ids=[inquiry.office_id])
    inquiry.refresh_from_db()
    return inquiry.response_due


def due(inquiry: Inquiry) -> datetime:
    inquiry.refresh_from_db()
    return inquiry.response_due


def test_a_moved_estimated_date_is_replaced_and_the_running_deadline_follows(
    running, idul_adha_moved, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(THURSDAY, 15, 5), tick=False):
        first = holidays_load(years=[2027])
        assert first.added > 0 and first.removed == 0
        # Late on Thursday: two working days after it. Mon 17 Idul Adha, Tue 18 and Wed 19 cuti bersama,
        # Thu 20 Waisak: Friday 14 and Friday 21.
        assert recompute(running) == at(date(2027, 5, 21), 16, 30)

        idul_adha_moved()
        with django_capture_on_commit_callbacks(execute=True):
            changes = holidays_load(years=[2027])

    assert (changes.added, changes.removed) == (1, 1)
    assert not Holiday.objects.filter(date=IDUL_ADHA_ESTIMATED).exists()
    assert Holiday.objects.get(date=IDUL_ADHA_DECREED).name == "Hari Raya Idul Adha"
    assert Holiday.objects.get(date=IDUL_ADHA_DECREED).estimated is False
    # Monday 17 is a working day again: Friday 14 and Monday 17.
    assert due(running) == at(date(2027, 5, 17), 16)
    event = AuditEvent.objects.filter(action="holidays.load").latest("pk")
    assert event.changes["added"] == 1 and event.changes["removed"] == 1


def test_a_second_load_changes_nothing_and_recomputes_nothing(db, django_capture_on_commit_callbacks):
    holidays_load(years=[2027])
    events = AuditEvent.objects.filter(action="holidays.load").count()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        changes = holidays_load(years=[2027])

    assert (changes, changes.added, changes.removed) == (0, 0, 0)
    assert callbacks == [] and AuditEvent.objects.filter(action="holidays.load").count() == events


def test_dates_made_by_hand_and_other_years_are_kept(db, idul_adha_moved):
    by_hand = Holiday.objects.create(
        date=IDUL_ADHA_ESTIMATED, name="Hari Raya Idul Adha (perkiraan)", category=Holiday.Category.PUBLIC
    )  # an admin's own date (source admin by default), the same as the package's estimate
    old_year = Holiday.objects.create(
        date=date(2025, 3, 3), name="Dari paket lama", category="public", source=Holiday.Source.PACKAGE
    )
    idul_adha_moved()

    changes = holidays_load(years=[2027])

    assert changes.removed == 0
    assert Holiday.objects.filter(pk__in=[by_hand.pk, old_year.pk]).count() == 2


def test_the_command_says_how_many_were_added_and_removed(db, idul_adha_moved):
    call_command("load_holidays", "2027", stdout=StringIO())
    idul_adha_moved()
    out = StringIO()

    call_command("load_holidays", "2027", stdout=out)

    assert "1 closed date(s) added and 1 removed for 2027" in out.getvalue()


def test_holidays_are_synced_every_day_and_when_a_worker_starts():
    from helpdesk import celery

    schedules = [e["schedule"] for e in celery.app.conf.beat_schedule.values() if e["task"] == "offices.load_holidays"]
    assert len(schedules) == 1 and schedules[0].hour == {1} and len(schedules[0].day_of_month) == 31
    assert celery.load_holidays_at_start in [r() for _, r in celery.worker_ready.receivers]
