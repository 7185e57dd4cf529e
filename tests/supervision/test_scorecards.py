"""The officer scorecards (`/sla/officers/`) against the hand-computed world of conftest.py.

Added to the world here: survey ratings (inquiry 1 rated 5, 2 rated 4, 3 rated 1 — all answered by O1 —, 7 rated
2 by O2's requester, 12 rated 3 for O_C; 5, never answered, rated 5 and credited to nobody) and complaints about
O1 and O2 (only substantiated complaints concluded in November in the office's zone count).

By hand, office A, November (received 1–30 November, credited to the officer whose answer was delivered):
- O1: inquiries 1 (20 min, met), 2 (90, met), 4 (40, met), 3 (1110, breached): answered 4, met 3, breached 1,
  75.0 %; working minutes 20, 40, 90, 1110: median (40 + 90) / 2 = 65.0, p90 at rank 3.7: 90 + 0.7 × 1020 =
  804.0; no escalation; survey (5 + 4 + 1) / 3 = 3.33 of 3; substantiated 2 (30 Nov 08:00 WIB and 1 Nov 00:10
  WIB; not 31 Oct 23:50 WIB, not the unsubstantiated one, not the suggestion).
- O2: inquiry 7 (30, met; escalated, resolution breached): 1, 100.0 %, 30.0 / 30.0; escalated 1, 0.0 %; survey
  2.0 of 1; substantiated 1.
- O_C (port C): 12 (70, breached), 13 (30, met): 2, 50.0 %, median 50.0, p90 30 + 0.9 × 40 = 66.0; survey 3.0 of 1.
- O_B (office B, WITA): 9 (45), 10 (30): 2, 100.0 %, median 37.5, p90 30 + 0.9 × 15 = 43.5.
"""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from complaints.models import Complaint
from supervision import scorecards
from tickets.models import Inquiry
from tickets.officer_figures import complaint_figures

pytestmark = pytest.mark.django_db
WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def rated(world):
    i = world.inquiries
    for number, rating in ((1, 5), (2, 4), (3, 1), (7, 2), (12, 3), (5, 5)):
        Inquiry.objects.filter(pk=i[number].pk).update(rating=rating, rated_at=datetime(2026, 11, 20, 10, tzinfo=WIB))
    o1, o2 = world.users["officer"], world.users["officer2"]

    def complaint(about, concluded, *, substantiated=True, kind=Complaint.Kind.COMPLAINT):
        return Complaint.objects.create(
            office=world.a,
            handling_office=world.a,
            channel=Complaint.Channel.WEB_FORM,
            kind=kind,
            matter="Rahasia: isi pengaduan",
            concerns=Complaint.Concerns.OFFICER,
            about_user=about,
            status=Complaint.Status.CONCLUDED,
            substantiated=substantiated,
            concluded_at=concluded,
        )

    complaint(o1, datetime(2026, 11, 30, 8, tzinfo=WIB))
    complaint(o1, datetime(2026, 11, 1, 0, 10, tzinfo=WIB))
    complaint(o1, datetime(2026, 10, 31, 23, 50, tzinfo=WIB))  # October in A's zone
    complaint(o1, datetime(2026, 11, 10, 9, tzinfo=WIB), substantiated=False)
    complaint(o1, datetime(2026, 11, 10, 9, tzinfo=WIB), kind=Complaint.Kind.SUGGESTION)
    complaint(o2, datetime(2026, 11, 12, 9, tzinfo=WIB))
    return world


def login(client, world, role):
    client.force_login(world.users[role])
    return client


def by_name(response) -> dict:
    return {row.name: row for row in response.context["rows"]}


def figures(row) -> tuple:
    return (
        row.answered,
        row.response_met,
        row.response_breached,
        row.response_met_rate,
        row.minutes_median,
        row.minutes_p90,
        row.escalated,
        row.resolution_met,
        row.resolution_breached,
        row.resolution_met_rate,
        row.rating_average,
        row.rated,
        row.substantiated,
    )


# --- The figures ---------------------------------------------------------------------------------------------
def test_office_scorecards_by_hand(client, rated, now):
    response = login(client, rated, "coord").get("/sla/officers/")
    assert response.status_code == 200
    rows = by_name(response)
    assert set(rows) == {"O1", "O2"}  # the officers of A (the coordinator and head answered nothing)
    assert figures(rows["O1"]) == (4, 3, 1, 75.0, 65.0, 804.0, 0, 0, 0, None, 3.33, 3, 2)
    assert figures(rows["O2"]) == (1, 1, 0, 100.0, 30.0, 30.0, 1, 0, 1, 0.0, 2.0, 1, 1)
    html = response.content.decode()
    assert "Rahasia" not in html  # a count, never the complaint
    assert "/kepatuhan/" not in html.split('id="scorecards"')[1].split("</table>")[0]  # and no link to it


def test_the_region_and_the_national_view_by_hand(client, rated, now):
    rows = by_name(login(client, rated, "regional").get("/sla/officers/"))
    assert set(rows) == {"O1", "O2", "O_C"}
    assert figures(rows["O_C"])[:6] == (2, 1, 1, 50.0, 50.0, 66.0)
    assert (rows["O_C"].rating_average, rows["O_C"].rated, rows["O_C"].substantiated) == (3.0, 1, 0)
    rows = by_name(login(client, rated, "hq").get("/sla/officers/"))
    assert set(rows) == {"O1", "O2", "O_C", "O_B"}
    assert figures(rows["O_B"])[:6] == (2, 2, 0, 100.0, 37.5, 43.5)  # 10 counts: 1 November 00:30 WITA
    assert rows["O1"].substantiated == 2


def test_another_month_counts_that_month(client, rated, now):
    response = login(client, rated, "hq").get("/sla/officers/", {"month": "2026-10", "office": rated.b.code})
    rows = by_name(response)
    assert figures(rows["O_B"])[:3] == (0, 0, 0)  # 11 (31 October) was never answered
    assert response.context["scope"].period.start.isoformat() == "2026-10-01"
    assert response.context["scope"].period.end.isoformat() == "2026-10-31"
    rows = by_name(client.get("/sla/officers/", {"month": "2026-10", "office": rated.a.code}))
    assert rows["O1"].substantiated == 1  # the one concluded 31 October 23:50 WIB


@pytest.mark.parametrize("month", ["2026-13", "11-2026", "x", "1999-01", "2026-1-1"])
def test_a_bad_month_is_a_clear_400(client, rated, now, month):
    response = login(client, rated, "coord").get("/sla/officers/", {"month": month})
    assert response.status_code == 400
    assert "YYYY-MM" in response.content.decode()


def test_a_bad_format_is_400(client, rated, now):
    assert login(client, rated, "coord").get("/sla/officers/", {"format": "pdf"}).status_code == 400


# --- Each figure is the list behind it ---------------------------------------------------------------------------
def drill_ids(response) -> set[int]:
    return {inquiry.pk for inquiry, _href, _preview, _zone in response.context["rows"]}


@pytest.mark.parametrize("role", ["coord", "officer"])
def test_every_figure_links_to_what_it_counts(client, rated, now, role):
    i = rated.inquiries
    rows = by_name(login(client, rated, role).get("/sla/officers/"))
    o1 = rows["O1"]
    expected = {
        "answered": {1, 2, 3, 4},
        "response_met": {1, 2, 4},
        "response_breached": {3},
        "escalated": set(),
        "rated": {1, 2, 3},
    }
    for figure, numbers in expected.items():
        response = client.get(o1.links[figure])
        assert response.status_code == 200, figure
        assert drill_ids(response) == {i[n].pk for n in numbers}, figure
        assert len(numbers) == getattr(o1, figure)


def test_the_escalation_links_of_a_colleague(client, rated, now):
    i = rated.inquiries
    o2 = by_name(login(client, rated, "head").get("/sla/officers/"))["O2"]
    assert drill_ids(client.get(o2.links["escalated"])) == {i[7].pk}
    assert drill_ids(client.get(o2.links["resolution_breached"])) == {i[7].pk}
    assert drill_ids(client.get(o2.links["rated"])) == {i[7].pk}


def test_the_rated_filter_refuses_other_values(client, rated, now):
    response = login(client, rated, "coord").get("/sla/inquiries/", {"rated": "yes"})
    assert response.status_code == 400


# --- Who sees which rows ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "names"),
    [
        ("officer", {"O1"}),
        ("officer2", {"O2"}),
        ("coord", {"O1", "O2"}),
        ("head", {"O1", "O2"}),
        ("regional", {"O1", "O2", "O_C"}),
        ("hq", {"O1", "O2", "O_C", "O_B"}),
        ("other", {"O_B"}),
        ("other_officer", {"O_B"}),
    ],
)
def test_each_role_sees_its_rows(client, rated, now, role, names):
    response = login(client, rated, role).get("/sla/officers/")
    assert response.status_code == 200
    assert set(by_name(response)) == names
    html = response.content.decode()
    for hidden in {"O1", "O2", "O_C", "O_B"} - names:
        assert f">{hidden}<" not in html


def test_an_officer_sees_their_own_row_only_and_no_complaint_count(client, rated, now):
    response = login(client, rated, "officer").get("/sla/officers/", {"office": rated.a.code})
    rows = response.context["rows"]
    assert [row.name for row in rows] == ["O1"]
    assert figures(rows[0])[:12] == (4, 3, 1, 75.0, 65.0, 804.0, 0, 0, 0, None, 3.33, 3)
    assert rows[0].substantiated is None  # never a count of complaints about oneself
    assert 'name="office"' not in response.content.decode()


@pytest.mark.parametrize(("role", "office"), [("coord", "b"), ("officer", "b"), ("other", "a"), ("regional", "b")])
def test_another_office_is_not_found(client, rated, now, role, office):
    response = login(client, rated, role).get("/sla/officers/", {"office": getattr(rated, office).code})
    assert response.status_code == 404


def test_a_user_without_a_staff_profile_is_refused(client, rated, now, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody"))
    assert client.get("/sla/officers/").status_code == 403


def test_complaint_counts_follow_the_complaints_rule(rated, now):
    provider = complaint_figures()
    assert provider is not None  # complaints registered it at start-up
    scope = scorecards.scorecard_scope(rated.users["coord"], {})
    rows = {row.name: row for row in scorecards.officer_scorecards(scope, viewer=rated.users["coord"])}
    assert (rows["O1"].substantiated, rows["O2"].substantiated) == (2, 1)
    # an office administrator sees the scorecards but no complaint counts (complaints' may_count)
    from offices.models import Role
    from tests import factories

    admin = factories.StaffFactory(office=rated.a, role=Role.ADMIN, user__username="adm").user
    scope = scorecards.scorecard_scope(admin, {})
    rows = {row.name: row for row in scorecards.officer_scorecards(scope, viewer=admin)}
    assert rows["O1"].answered == 4 and rows["O1"].substantiated is None
    # the officer a complaint is about is never counted for themselves, whoever asks
    o1 = rated.users["officer"]
    scope = scorecards.scorecard_scope(o1, {})
    assert [row.substantiated for row in scorecards.officer_scorecards(scope, viewer=o1)] == [None]


# --- Exports ----------------------------------------------------------------------------------------------------
def test_csv_has_the_rows_of_the_page(client, rated, now):
    response = login(client, rated, "coord").get("/sla/officers/", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "officer-scorecards-2026-11" in response["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = next(
        index
        for index, line in enumerate(lines)
        if line[:2] == ["Kantor", "Petugas"] or line[:2] == ["Office", "Officer"]
    )
    body = {line[1]: line for line in lines[header + 1 :] if line}
    assert set(body) == {"O1", "O2"}
    assert body["O1"] == ["010100", "O1", "4", "3", "1", "75.0", "65.0", "804.0", "0", "0", "0", "", "3.33", "3", "2"]
    assert body["O2"] == ["010100", "O2", "1", "1", "0", "100.0", "30.0", "30.0", "1", "0", "1", "0.0", "2.0", "1", "1"]
    assert "Rahasia" not in response.content.decode("utf-8-sig")


def test_xlsx_parses_back_and_an_officer_gets_their_own_row(client, rated, now):
    response = login(client, rated, "officer").get("/sla/officers/", {"format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[-1]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    officers = [row for row in values if row and row[0] == "010100"]
    assert officers == [["010100", "O1", 4, 3, 1, 75, 65, 804, 0, 0, 0, None, 3.33, 3, None]]


# --- Queries ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["officer", "coord", "regional", "hq"])
def test_queries_are_fixed(client, rated, now, role, django_assert_max_num_queries):
    from tests import factories

    login(client, rated, role)
    # session, user, profile, reach (one per level of the office tree, twice for a region: the reports' and the
    # complaints' rule), figures (on SQLite + the ranked percentiles; on PostgreSQL + the savepoint and the
    # SET LOCAL of the report's transaction), names, complaint counts, the bell
    limit = 15
    with django_assert_max_num_queries(limit):
        assert client.get("/sla/officers/").status_code == 200
    # more officers and answered inquiries: the same number of queries
    account = rated.inquiries[1].account
    for number in range(15):
        user = factories.StaffFactory(office=rated.a, user__username=f"extra{number}").user
        factories.InquiryFactory(
            account=account,
            received_at=now,
            response_met_by=user,
            response_status="met",
            response_working_seconds=600 + number,
            rating=4,
        )
    with django_assert_max_num_queries(limit):
        assert client.get("/sla/officers/").status_code == 200
    with django_assert_max_num_queries(limit):
        assert client.get("/sla/officers/", {"format": "xlsx"}).status_code == 200
