"""A small world whose every figure is computed by hand (tests/supervision/test_report_figures.py says how).

November 2026 (Sunday 1st). National holiday Friday 6 November. Offices:
- head office HQ (000001) → region R1 (010000): office A (010100, WIB, default hours) and port C (010200, 24/7, WIB);
  region R2 (020000): office B (020100, WITA, default hours).
The SLA state of every inquiry is stamped by the real engine (clock_start, pause/resume, target_met, the sweep,
the lifecycle's abandonment): nothing is written into the SLA columns by hand.
"""

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from offices.models import Holiday, Office, Role
from sla import services as sla
from tests import factories
from tickets import lifecycle
from tickets.models import Inquiry, Message, Ticket, Topic, Unit

WIB, WITA = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=WIB)
ALWAYS = {day: (time(0), time(0)) for day in range(7)}


def at(day: int, hour: int, minute: int = 0, zone=WIB, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=zone)


@dataclass
class World:
    hq: Office
    r1: Office
    r2: Office
    a: Office
    b: Office
    c: Office
    users: dict
    inquiries: dict


def _inquiry(account, received, *, assigned=None, topics=()):
    inquiry = factories.InquiryFactory(account=account, received_at=received, assigned_to=assigned)
    inquiry = Inquiry.objects.select_related("office").get(pk=inquiry.pk)
    sla.clock_start(record=inquiry)
    inquiry.save()
    if topics:
        inquiry.topics.set(Topic.objects.filter(slug__in=topics))
    return inquiry


def _answer(inquiry, at_, by, target="response"):
    inquiry = Inquiry.objects.select_related("office").get(pk=inquiry.pk)
    sla.target_met(record=inquiry, target=target, at=at_, by=by)
    return inquiry


@pytest.fixture
def world(db):
    hq = factories.OfficeFactory(code="000001", name="Kantor Pusat", kind=Office.Kind.HEAD_OFFICE)
    r1 = factories.OfficeFactory(code="010000", name="Kanwil Satu", kind=Office.Kind.REGIONAL, parent=hq)
    r2 = factories.OfficeFactory(code="020000", name="Kanwil Dua", kind=Office.Kind.REGIONAL, parent=hq)
    a = factories.OfficeFactory(code="010100", name="KPPBC A", parent=r1)
    c = factories.OfficeFactory(code="010200", name="Pelabuhan C", parent=r1, always_open=True, hours=ALWAYS)
    b = factories.OfficeFactory(code="020100", name="KPPBC B", parent=r2, timezone="Asia/Makassar")
    Holiday.objects.create(date=at(6, 0).date(), name="Libur", category=Holiday.Category.PUBLIC)

    def staff(office, role, name):
        user = factories.StaffFactory(office=office, role=role, user__username=name, user__first_name=name.title()).user
        return user

    users = {
        "officer": staff(a, Role.OFFICER, "o1"),
        "officer2": staff(a, Role.OFFICER, "o2"),
        "coord": staff(a, Role.COORDINATOR, "coord_a"),
        "head": staff(a, Role.HEAD, "head_a"),
        "regional": staff(r1, Role.SUPERVISOR, "super_r1"),
        "hq": staff(hq, Role.SUPERVISOR, "super_hq"),
        "other": staff(b, Role.COORDINATOR, "coord_b"),
        "other_officer": staff(b, Role.OFFICER, "o_b"),
        "officer_c": staff(c, Role.OFFICER, "o_c"),
    }
    o1, o2, ob, oc = users["officer"], users["officer2"], users["other_officer"], users["officer_c"]
    acc_a = factories.ChannelAccountFactory(office=a, kind="webchat")
    acc_a2 = factories.ChannelAccountFactory(office=a, kind="whatsapp", slug="wa-a")
    acc_b = factories.ChannelAccountFactory(office=b, kind="webchat", slug="web-b")
    acc_c = factories.ChannelAccountFactory(office=c, kind="webchat", slug="web-c")
    found = {}
    with time_machine.travel(at(2, 8), tick=False):
        # 1. A, Mon 09:00, answered 09:20: met, 20 working minutes.
        found[1] = _inquiry(acc_a, at(2, 9), assigned=o1, topics=["imei"])
        _answer(found[1], at(2, 9, 20), o1)
        # 2. A, Mon 15:00, a late arrival (≥ 16:00 − 2 h): due Wed 16:00; answered Tue 08:00: met, 60 + 30 = 90.
        found[2] = _inquiry(acc_a2, at(2, 15), assigned=o1, topics=["imei", "cukai"])
        _answer(found[2], at(3, 8), o1)
        # 4. A, Tue 10:00, paused 10:10–11:00 (50 min), answered 11:30: met, 90 − 50 = 40.
        found[4] = _inquiry(acc_a, at(3, 10), assigned=o1, topics=["cukai"])
        inquiry = Inquiry.objects.select_related("office").get(pk=found[4].pk)
        sla.clock_pause(record=inquiry, at=at(3, 10, 10))
        inquiry.save()
        sla.clock_resume(record=inquiry, at=at(3, 11))
        inquiry.save()
        _answer(found[4], at(3, 11, 30), o1)
        # 5. A, Tue 12:00, paused 12:05, never answered: closed as no reply (abandoned): not counted.
        found[5] = _inquiry(acc_a, at(3, 12), assigned=o1)
        inquiry = Inquiry.objects.select_related("office").get(pk=found[5].pk)
        sla.clock_pause(record=inquiry, at=at(3, 12, 5))
        inquiry.status = Inquiry.Status.WAITING
        inquiry.save()
        lifecycle.inquiries_close_abandoned(ids=[inquiry.pk], at=at(9, 12))
        # 6. A, Wed 09:00, two officers on duty but nobody took it; the sweep breaches it at 10:00 and it is never
        #    answered (cause: assigned late or never).
        found[6] = _inquiry(acc_a, at(4, 9))
        Inquiry.objects.filter(pk=found[6].pk).update(on_duty_at_receipt=2)
        sla.sla_sweep(now=at(4, 10))
        # 3. A, Thu 15:30, a late arrival; Fri 6 is a holiday: due Tue 10 16:00; answered Wed 11 08:30: breached,
        #    30 + 510 + 510 + 60 = 1110 working minutes (the holiday and the weekend left out).
        found[3] = _inquiry(acc_a, at(5, 15, 30), assigned=o1)
        Inquiry.objects.filter(pk=found[3].pk).update(on_duty_at_receipt=2, assigned_at=at(5, 15, 30))
        _answer(found[3], at(11, 8, 30), o1)
        # 7. A, Mon 9 09:00, escalated: ticket number delivered 09:30 (met, 30); resolution due Wed 11 16:00;
        #    the unit answered Thu 12 08:50 and the final answer went 09:00: resolution breached, waiting at unit.
        found[7] = _inquiry(acc_a2, at(9, 9), assigned=o2, topics=["ekspor"])
        _answer(found[7], at(9, 9, 30), o2)
        inquiry = Inquiry.objects.select_related("office").get(pk=found[7].pk)
        sla.resolution_clock_start(record=inquiry)
        inquiry.save()
        unit = Unit.objects.create(name="Seksi PKC", home_office=a)
        Ticket.objects.create(
            number="BC-010100-20261109-0001",
            verification_hash="x",
            inquiry=inquiry,
            office=a,
            unit=unit,
            summary="s",
            status=Ticket.Status.ANSWERED,
            answered_at=at(12, 8, 50),
        )
        _answer(found[7], at(12, 9), o2, target="resolution")
        # 8. A, Mon 30 11:30: still running at noon.
        found[8] = _inquiry(acc_a, at(30, 11, 30), assigned=o2)
        # 9. B (WITA), Mon 2 08:00 WITA, answered 08:45 WITA: met, 45.
        found[9] = _inquiry(acc_b, at(2, 8, zone=WITA), assigned=ob)
        _answer(found[9], at(2, 8, 45, zone=WITA), ob)
        # 10. B, Sun 1 Nov 00:30 WITA (Sat 31 Oct 23:30 WIB): November in B's zone; starts Mon 07:30 WITA,
        #     answered 08:00 WITA: met, 30.
        found[10] = _inquiry(acc_b, at(1, 0, 30, zone=WITA), assigned=ob)
        _answer(found[10], at(2, 8, 0, zone=WITA), ob)
        # 11. B, Sat 31 Oct 23:30 WITA: October, in no November figure.
        found[11] = _inquiry(acc_b, at(31, 23, 30, zone=WITA, month=10), assigned=ob)
        # 12. C (24/7), Sun 1 03:00: due 03:55; the officer sent the answer at 03:50, the channel delivered it at
        #     04:10: breached, 70 working minutes, cause "delivery failed".
        found[12] = _inquiry(acc_c, at(1, 3), assigned=oc)
        message = Message.objects.create(
            inquiry=found[12], direction=Message.Direction.OUTBOUND, kind=Message.Kind.ANSWER, text="Jawaban"
        )
        Message.objects.filter(pk=message.pk).update(created_at=at(1, 3, 50))
        _answer(found[12], at(1, 4, 10), oc)
        # 13. C, Fri 6 10:00, a national holiday the 24/7 port does not close for: due 10:55, answered 10:30: met.
        found[13] = _inquiry(acc_c, at(6, 10), assigned=oc)
        _answer(found[13], at(6, 10, 30), oc)
    Inquiry.objects.filter(pk=found[12].pk).update(preview="NIK saya 3171234567890001 mohon dicek")
    return World(hq=hq, r1=r1, r2=r2, a=a, b=b, c=c, users=users, inquiries=found)


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW
