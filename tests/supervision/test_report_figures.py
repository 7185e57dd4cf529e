"""Every figure of the period report against the hand-computed world of conftest.py.

Office A, November 2026 (inquiries 1–8):
- received 8; response met 1, 2, 4, 7 (4); breached 3 (delivered late) and 6 (never answered) (2); running 8;
  not counted 5 (abandoned): met rate 4 / 6 = 66.7 %, the abandoned one in no rate;
- normal target: met 1, 4, 7, breached 6 → 75.0 %; late arrivals 2 and 3: met 2, breached 3 → 50.0 %;
- working minutes of the delivered responses: 20, 90, 40, 30 and 1110 (3: across the weekend and the Friday
  holiday) → median 40; p90 at rank 1 + 0.9 × 4 = 4.6: 90 + 0.6 × (1110 − 90) = 702.0; mean 1290 / 5 = 258.0;
- bins: 15–30: 20, 30; 30–45: 40; 55–120: 90; later: 1110; breached and never answered: 6;
- escalated 7: resolution breached (the unit answered after the due time): 0.0 %;
- causes: 3 answered late (assigned on arrival, nothing sent before the due time), 6 assigned late (two officers
  on duty, nobody took it), 7 waiting at the unit.
Office B (WITA): 9 (45) and 10 (received 00:30 WITA on 1 November, still October in WIB: counted, 30); 11 is
October. Port C (24/7): 12 breached (70; sent 03:50, delivered 04:10: delivery failed), 13 met on the national
holiday (30).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from channels_intake.models import ChannelAccount
from supervision import reports
from supervision.filters import parse_scope
from tests import factories
from tests.supervision.conftest import at

pytestmark = pytest.mark.django_db


def report_for(user, **params):
    scope = parse_scope(user, params)
    return reports.period_report(scope)


def test_office_figures_by_hand(world, now):
    report = report_for(world.users["coord"])
    t = report["total"]
    assert report["scope"].offices == (world.a,)
    assert (t["received"], t["response_met"], t["response_breached"], t["response_running"], t["not_counted"]) == (
        8,
        4,
        2,
        1,
        1,
    )
    assert t["response_met_rate"] == 66.7
    assert (t["normal_met"], t["normal_breached"], t["normal_met_rate"]) == (3, 1, 75.0)
    assert (t["late_arrivals"], t["late_met"], t["late_breached"], t["late_met_rate"]) == (2, 1, 1, 50.0)
    assert t["response_minutes_median"] == 40.0
    assert t["response_minutes_p90"] == 702.0
    assert t["response_minutes_mean"] == 258.0
    assert {b["key"]: b["count"] for b in report["bins"]} == {
        "bin_m15": 0,
        "bin_m30": 2,
        "bin_m45": 1,
        "bin_m55": 0,
        "bin_m120": 1,
        "bin_later": 1,
    }
    assert t["unanswered_breached"] == 1
    assert (t["escalated"], t["resolution_met"], t["resolution_breached"], t["resolution_met_rate"]) == (1, 0, 1, 0.0)
    assert {c["key"]: c["count"] for c in report["causes"]} == {
        "cause_response_delivery_failed": 0,
        "cause_response_no_officer": 0,
        "cause_response_assigned_late": 1,
        "cause_response_answered_late": 1,
        "cause_resolution_waiting_at_unit": 1,
        "cause_resolution_delivery_failed": 0,
    }


def test_office_groups_by_hand(world, now):
    report = report_for(world.users["coord"])
    channels = {row["key"]: (row["received"], row["response_met"]) for row in report["by_channel"]}
    assert channels == {"webchat": (6, 2), "whatsapp": (2, 2)}
    officers = {
        row["label"]: (row["received"], row["response_met"], row["response_breached"]) for row in report["by_officer"]
    }
    assert officers == {"O1": (4, 3, 1), "O2": (1, 1, 0)}
    o1 = next(row for row in report["by_officer"] if row["label"] == "O1")
    assert (o1["response_minutes_median"], o1["response_minutes_p90"]) == (65.0, 804.0)  # 20, 40, 90, 1110
    topics = {row["key"]: row["received"] for row in report["by_topic"]}
    assert topics == {"imei": 2, "cukai": 2, "ekspor": 1}
    imei = next(row for row in report["by_topic"] if row["key"] == "imei")
    assert imei["response_minutes_median"] == 55.0  # 20 and 90
    assert [row["code"] for row in report["by_office"]] == ["010100"]
    assert report["by_region"] == []


def test_heatmap_and_trend_in_local_time(world, now):
    report = report_for(world.users["coord"])
    cells = report["heatmap"]["cells"]
    assert cells == {(1, 9): 2, (1, 15): 1, (2, 10): 1, (2, 12): 1, (3, 9): 1, (4, 15): 1, (1, 11): 1}
    trend = {
        d["day"].day: (d["received"], d["response_met"], d["response_breached"])
        for d in report["trend"]
        if d["received"]
    }
    assert trend == {2: (2, 2, 0), 3: (2, 1, 0), 4: (1, 0, 1), 5: (1, 0, 1), 9: (1, 1, 0), 30: (1, 0, 0)}
    assert len(report["trend"]) == 30  # 1–30 November: this month so far


def test_two_zones_each_office_cut_at_its_own_midnight(world, now):
    report = report_for(world.users["other"])
    t = report["total"]
    assert t["received"] == 2  # 9 and 10 (00:30 WITA on 1 November), not 11 (October)
    assert (t["response_met"], t["response_minutes_median"]) == (2, 37.5)
    cells = report["heatmap"]["cells"]
    assert cells == {(1, 8): 1, (7, 0): 1}  # 10 is Sunday 00:30 in B's own zone


def test_always_open_port_works_on_the_national_holiday(world, now):
    report = report_for(world.users["hq"], office=world.c.code)
    t = report["total"]
    assert (t["received"], t["response_met"], t["response_breached"]) == (2, 1, 1)
    assert t["response_minutes_median"] == 50.0  # 30 and 70
    causes = {c["key"]: c["count"] for c in report["causes"]}
    assert causes["cause_response_delivery_failed"] == 1


def test_national_roll_up_by_region_and_office(world, now):
    report = report_for(world.users["hq"])
    t = report["total"]
    assert t["received"] == 12
    assert (t["response_met"], t["response_breached"]) == (7, 3)
    # 20, 30, 30, 30, 40, 45, 70, 90, 1110: median 40; p90 at 8.2: 90 + 0.2 × 1020 = 294.0; mean 1465 / 9
    assert (t["response_minutes_median"], t["response_minutes_p90"], t["response_minutes_mean"]) == (40.0, 294.0, 162.8)
    offices = {row["code"]: row["received"] for row in report["by_office"]}
    assert offices == {"010100": 8, "010200": 2, "020100": 2}
    regions = {row["code"]: (row["received"], row["response_met_rate"]) for row in report["by_region"]}
    assert regions == {"010000": (10, 62.5), "020000": (2, 100.0)}  # R1: 5 met of 8 decided
    assert report["by_officer"] == []  # per officer within one office only


def test_previous_period_of_the_same_length(world, now):
    report = report_for(world.users["other"], **{"from": "2026-11-01", "to": "2026-11-30"})
    previous = report["previous_period"]
    assert (previous.start.isoformat(), previous.end.isoformat()) == ("2026-10-02", "2026-10-31")
    assert report["previous"]["received"] == 1  # 11


def test_an_officer_sees_only_their_own_work(world, now):
    report = report_for(world.users["officer"])
    t = report["total"]
    assert report["scope"].own_user_id == world.users["officer"].pk
    assert (t["received"], t["response_met"], t["response_breached"], t["not_counted"]) == (5, 3, 1, 1)
    assert [row["label"] for row in report["by_officer"]] == ["O1"]


def test_week_and_day_periods(world, now):
    week = report_for(world.users["coord"], period="week", on="2026-11-04")
    assert (week["scope"].period.start.isoformat(), week["scope"].period.end.isoformat()) == (
        "2026-11-02",
        "2026-11-08",
    )
    assert week["total"]["received"] == 6  # 1, 2, 3, 4, 5, 6
    day = report_for(world.users["coord"], period="day", on="2026-11-02")
    assert day["total"]["received"] == 2
    assert day["previous"]["received"] == 0


def test_a_fixed_number_of_queries_whatever_the_rows(world, now):
    scope = parse_scope(world.users["hq"], {})
    with CaptureQueriesContext(connection) as few:
        reports.period_report(scope)
    for office in (world.a, world.b, world.c):  # more rows do not mean more queries
        for _n in range(3):
            account = ChannelAccount.objects.filter(office=office).first()
            factories.InquiryFactory(account=account, received_at=now, response_working_seconds=600)
    with CaptureQueriesContext(connection) as many:
        reports.period_report(scope)
    assert len(many) == len(few)
    expected = 10 if connection.vendor == "postgresql" else 14
    assert len(few) == expected


def test_breach_causes_tell_no_officer_from_assigned_late_from_answered_late(world, now):
    """The same two breaches of office A with other stored facts: 6 arrived with nobody on duty; 3 was first
    assigned only after its due time (Tue 10 16:00). An inquiry filed before these facts were kept (both null)
    counts as before: unassigned is assigned late, assigned is answered late."""
    from tickets.models import Inquiry

    i = world.inquiries
    Inquiry.objects.filter(pk=i[6].pk).update(on_duty_at_receipt=0)
    Inquiry.objects.filter(pk=i[3].pk).update(assigned_at=at(10, 16, 5))
    causes = {c["key"]: c["count"] for c in report_for(world.users["coord"])["causes"]}
    assert (causes["cause_response_no_officer"], causes["cause_response_assigned_late"]) == (1, 1)
    assert causes["cause_response_answered_late"] == 0
    Inquiry.objects.filter(pk__in=[i[3].pk, i[6].pk]).update(on_duty_at_receipt=None, assigned_at=None)
    causes = {c["key"]: c["count"] for c in report_for(world.users["coord"])["causes"]}
    assert (causes["cause_response_no_officer"], causes["cause_response_assigned_late"]) == (0, 1)
    assert causes["cause_response_answered_late"] == 1
