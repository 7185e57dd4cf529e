"""Always-open offices (SLA_RULES.md): national closed dates and national special hours do not apply to them;
only what an admin sets for that office does. Working time never stops, so there is no late arrival."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from offices.models import Holiday, SpecialHours
from offices.selectors import office_calendar
from offices.services import office_create
from sla.services import clock_start
from tests import factories

WIB = ZoneInfo("Asia/Jakarta")
INDEPENDENCE_DAY = date(2026, 8, 17)  # a Monday, a national public holiday
RAMADAN_SATURDAY = date(2027, 2, 13)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=WIB)


@pytest.fixture
def national_calendar(db):
    """Independence Day closed and Ramadan hours (08:00–15:00 every day, weekends included) for every office."""
    Holiday.objects.create(date=INDEPENDENCE_DAY, name="Hari Kemerdekaan", category=Holiday.Category.PUBLIC)
    SpecialHours.objects.create(
        name="Ramadan",
        start_date=date(2027, 2, 8),
        end_date=date(2027, 3, 9),
        weekdays_only=False,
        intervals={"default": [["08:00", "15:00"]]},
    )


@pytest.fixture
def priok(national_calendar):
    return office_create(
        code="040300", name="KPU BC Tipe A Tanjung Priok", typology=factories.TypologyFactory(), always_open=True
    )


def started(office, received: datetime):
    account = factories.ChannelAccountFactory(office=office)
    inquiry = factories.InquiryFactory(account=account, received_at=received)
    clock_start(record=inquiry)
    return inquiry


@pytest.mark.parametrize("day", [INDEPENDENCE_DAY, RAMADAN_SATURDAY], ids=["independence-day", "ramadan-saturday"])
def test_the_always_open_office_works_national_holidays_and_ramadan_weekends_with_55_minutes(priok, day):
    inquiry = started(priok, at(day, 10))

    assert inquiry.effective_start == at(day, 10)
    assert inquiry.response_due == at(day, 10, 55)
    assert inquiry.late_arrival is False


@pytest.mark.parametrize("day", [INDEPENDENCE_DAY, RAMADAN_SATURDAY], ids=["independence-day", "ramadan-saturday"])
def test_a_message_at_1530_at_the_always_open_office_is_not_a_late_arrival(priok, day):
    inquiry = started(priok, at(day, 15, 30))

    assert inquiry.late_arrival is False
    assert inquiry.response_due == at(day, 16, 25)


def test_an_ordinary_office_still_closes_on_the_national_dates(national_calendar):
    office = factories.OfficeFactory()
    calendar = office_calendar(office)

    assert not calendar.is_working(at(INDEPENDENCE_DAY, 10))
    assert calendar.is_working(at(date(2027, 2, 8), 14)) and not calendar.is_working(at(date(2027, 2, 8), 15, 30))


def test_a_closure_or_special_hours_set_for_the_always_open_office_itself_still_apply(priok):
    closed_day = INDEPENDENCE_DAY + timedelta(days=1)
    Holiday.objects.create(office=priok, date=closed_day, name="Pemeliharaan", category=Holiday.Category.CLOSURE)
    SpecialHours.objects.create(
        office=priok,
        name="Jam khusus",
        start_date=RAMADAN_SATURDAY,
        end_date=RAMADAN_SATURDAY,
        weekdays_only=False,
        intervals={"default": [["09:00", "12:00"]]},
    )
    calendar = office_calendar(priok)

    assert calendar.is_working(at(INDEPENDENCE_DAY, 23))
    assert not calendar.is_working(at(closed_day, 10))
    assert not calendar.is_working(at(RAMADAN_SATURDAY, 8)) and calendar.is_working(at(RAMADAN_SATURDAY, 10))
