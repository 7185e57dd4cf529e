"""Survey statistics (issue 14, point 8) against a hand-computed data set, and who sees which figures.

November 2026. Head office HQ → region R1: office A; region R2: office B. Surveys as the survey module leaves them
(status, rating, comment on the inquiry; the officer who answered in response_met_by):

| office | channel  | answered by | survey        | rating | comment      |
|--------|----------|-------------|---------------|--------|--------------|
| A      | webchat  | o1          | answered      | 5      | mantap       |
| A      | webchat  | o1          | answered      | 4      |              |
| A      | webchat  | o1          | answered      | 2      | lambat, NIK… |
| A      | webchat  | o1          | sent          |        |              |
| A      | telegram | o2          | answered      | 1      | kasar        |
| A      | telegram | o2          | sent          |        |              |
| A      | telegram | o2          | window_closed |        |              |
| B      | whatsapp | o3          | answered      | 5      |              |
| B      | whatsapp | o3          | skipped       |        |              |
plus an inquiry of A never surveyed and one of A received in October (outside the period).

Everything (HQ): asked 7 (sent or answered), answered 5 → response rate 71.4 %; ratings 1, 2, 4, 5, 5 →
distribution 1/1/0/1/2, satisfaction (4 and 5) 3 of 5 = 60.0 %, mean 3.4; 3 comments.
Office A: asked 6, answered 4 → 66.7 %; satisfied 2 of 4 = 50.0 %; mean 3.0. Office B: 1, 1 → 100 %, 100 %, 5.0.
Web chat: asked 4, answered 3 → 75.0 %, satisfied 2 of 3 = 66.7 %, mean 3.67. Telegram: 2, 1 → 50.0 %, 0.0 %, 1.0.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from offices.models import Office, Role
from supervision import survey as stats
from supervision.filters import parse_scope
from tests import factories
from tickets.models import Inquiry

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=WIB)
NIK = "3171234567890001"


@pytest.fixture
def world(db):
    hq = factories.OfficeFactory(code="000001", name="Kantor Pusat", kind=Office.Kind.HEAD_OFFICE)
    r1 = factories.OfficeFactory(code="010000", name="Kanwil Satu", kind=Office.Kind.REGIONAL, parent=hq)
    r2 = factories.OfficeFactory(code="020000", name="Kanwil Dua", kind=Office.Kind.REGIONAL, parent=hq)
    a = factories.OfficeFactory(code="010100", name="KPPBC A", parent=r1)
    b = factories.OfficeFactory(code="020100", name="KPPBC B", parent=r2)

    def staff(office, role, name):
        return factories.StaffFactory(office=office, role=role, user__username=name, user__first_name=name.title()).user

    users = {
        "o1": staff(a, Role.OFFICER, "o1"),
        "o2": staff(a, Role.OFFICER, "o2"),
        "o3": staff(b, Role.OFFICER, "o3"),
        "coord": staff(a, Role.COORDINATOR, "coord_a"),
        "head": staff(a, Role.HEAD, "head_a"),
        "regional": staff(r1, Role.SUPERVISOR, "super_r1"),
        "hq": staff(hq, Role.SUPERVISOR, "super_hq"),
    }
    accounts = {
        "a-webchat": factories.ChannelAccountFactory(office=a, kind="webchat"),
        "a-telegram": factories.ChannelAccountFactory(office=a, kind="telegram"),
        "b-whatsapp": factories.ChannelAccountFactory(office=b, kind="whatsapp"),
    }
    rows = [
        ("a-webchat", "o1", "answered", 5, "mantap"),
        ("a-webchat", "o1", "answered", 4, ""),
        ("a-webchat", "o1", "answered", 2, f"lambat, NIK saya {NIK}"),
        ("a-webchat", "o1", "sent", None, ""),
        ("a-telegram", "o2", "answered", 1, "kasar"),
        ("a-telegram", "o2", "sent", None, ""),
        ("a-telegram", "o2", "window_closed", None, ""),
        ("b-whatsapp", "o3", "answered", 5, ""),
        ("b-whatsapp", "o3", "skipped", None, ""),
        ("a-webchat", "o1", "", None, ""),
    ]
    for day, (account, officer, status, rating, comment) in enumerate(rows, start=2):
        factories.InquiryFactory(
            account=accounts[account],
            received_at=datetime(2026, 11, day, 9, 0, tzinfo=WIB),
            status=Inquiry.Status.CLOSED,
            outcome=Inquiry.Outcome.ANSWERED,
            response_met_by=users[officer],
            survey_status=status,
            survey_sent_at=datetime(2026, 11, day, 10, 0, tzinfo=WIB) if status in ("sent", "answered") else None,
            rating=rating,
            rating_comment=comment,
            rated_at=datetime(2026, 11, day, 11, 0, tzinfo=WIB) if rating else None,
        )
    factories.InquiryFactory(  # October: outside the period
        account=accounts["a-webchat"],
        received_at=datetime(2026, 10, 20, 9, 0, tzinfo=WIB),
        response_met_by=users["o1"],
        survey_status="answered",
        rating=1,
        rated_at=datetime(2026, 10, 20, 11, 0, tzinfo=WIB),
    )
    return {"a": a, "b": b, "r1": r1, "users": users}


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield


MONTH = {"period": "month", "on": "2026-11-15"}


def report_for(user, **params):
    return stats.survey_report(parse_scope(user, {**MONTH, **params}))


def figures(row):
    return (row["asked"], row["answered"], row["response_rate"], row["satisfaction"], row["mean"])


def test_the_head_office_sees_every_figure_as_computed_by_hand(world):
    report = report_for(world["users"]["hq"])
    total = report["total"]
    assert figures(total) == (7, 5, 71.4, 60.0, 3.4)
    assert [d["count"] for d in total["distribution"]] == [1, 1, 0, 1, 2]
    assert [d["share"] for d in total["distribution"]] == [20.0, 20.0, 0.0, 20.0, 40.0]
    assert (total["comments"], total["window_closed"], total["skipped"]) == (3, 1, 1)
    assert {row["key"]: figures(row) for row in report["by_office"]} == {
        "010100": (6, 4, 66.7, 50.0, 3.0),
        "020100": (1, 1, 100.0, 100.0, 5.0),
    }
    assert {row["key"]: figures(row) for row in report["by_channel"]} == {
        "webchat": (4, 3, 75.0, 66.7, 3.67),
        "telegram": (2, 1, 50.0, 0.0, 1.0),
        "whatsapp": (1, 1, 100.0, 100.0, 5.0),
    }
    assert {row["label"]: figures(row) for row in report["by_officer"]} == {
        "O1": (4, 3, 75.0, 66.7, 3.67),
        "O2": (2, 1, 50.0, 0.0, 1.0),
        "O3": (1, 1, 100.0, 100.0, 5.0),
    }


def test_each_role_sees_its_reach_only(world):
    users = world["users"]
    assert figures(report_for(users["o1"])["total"]) == (4, 3, 75.0, 66.7, 3.67)  # own answers only
    assert [row["label"] for row in report_for(users["o1"])["by_officer"]] == ["O1"]
    assert figures(report_for(users["coord"])["total"]) == (6, 4, 66.7, 50.0, 3.0)
    assert figures(report_for(users["head"])["total"]) == (6, 4, 66.7, 50.0, 3.0)
    assert figures(report_for(users["regional"])["total"]) == (6, 4, 66.7, 50.0, 3.0)  # R1 holds A only
    assert [row["key"] for row in report_for(users["hq"], region="020000")["by_office"]] == ["020100"]


def test_the_page_shows_the_figures_in_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    client.force_login(world["users"]["hq"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("sla-survey"), MONTH)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Survei kepuasan" in page and ("71,4 %" in page or "71.4 %" in page)
    assert 'id="survey-by-office"' in page and 'id="survey-by-channel"' in page
    # Officers are compared within one office; a roll-up of several says how to get there.
    assert 'id="survey-by-officer"' not in page and 'id="survey-officers-hint"' in page
    with django_assert_max_num_queries(12):
        one = client.get(reverse("sla-survey"), {**MONTH, "office": "010100"}).content.decode()
    assert 'id="survey-by-officer"' in one and "O1" in one and "O3" not in one


def test_an_officer_of_another_office_is_refused_office_b(client, world):
    client.force_login(world["users"]["coord"])
    assert client.get(reverse("sla-survey"), {**MONTH, "office": "020100"}).status_code == 404
    assert client.get(reverse("sla-survey-comments"), {**MONTH, "office": "020100"}).status_code == 404


def test_the_comments_behind_a_figure_masked_and_in_reach(client, world, django_assert_max_num_queries):
    client.force_login(world["users"]["coord"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("sla-survey-comments"), {**MONTH, "comments": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('<tr data-id="') == 3
    assert "mantap" in page and "kasar" in page and "lambat" in page
    assert NIK not in page  # identifiers masked (clause a.1.2)

    low = client.get(reverse("sla-survey-comments"), {**MONTH, "rating": "2"}).content.decode()
    assert low.count('<tr data-id="') == 1 and "lambat" in low

    client.force_login(world["users"]["o2"])
    own = client.get(reverse("sla-survey-comments"), MONTH).content.decode()
    assert own.count('<tr data-id="') == 1 and "kasar" in own and "mantap" not in own


def test_the_survey_page_is_linked_from_the_sla_report(client, world):
    client.force_login(world["users"]["coord"])
    assert reverse("sla-survey") in client.get(reverse("sla-dashboard"), MONTH).content.decode()


@pytest.mark.parametrize(
    "params", [{"rating": "9"}, {"rating": "x"}, {"officer": "-1"}, {"channel": "x" * 41}, {"period": "year"}]
)
def test_bad_input_is_a_clear_400(client, world, params):
    client.force_login(world["users"]["hq"])
    response = client.get(reverse("sla-survey-comments"), {**MONTH, **params})
    assert response.status_code == 400


def test_an_empty_period_says_so(client, world):
    client.force_login(world["users"]["hq"])
    page = client.get(reverse("sla-survey"), {"period": "month", "on": "2026-06-01"}).content.decode()
    assert "Belum ada survei dalam periode ini." in page


def test_staff_only(client, db):
    user = factories.UserFactory()
    client.force_login(user)
    assert client.get(reverse("sla-survey")).status_code == 403
    client.logout()
    assert client.get(reverse("sla-survey")).status_code == 302
