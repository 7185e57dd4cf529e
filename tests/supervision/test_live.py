"""The live board (issue 13, point 1): every number against a hand-made set, each role's view, the links behind
the numbers, the partial's query count and the API.

The clock is frozen at Tuesday 2026-11-10 10:00 WIB (03:00 UTC); no holiday is loaded. Region R holds office A
(Jakarta, WIB, Mon–Fri hours) and office B (Makassar, WITA, open 24/7); office C sits in another region.
"""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from offices.models import Office, Role
from supervision import live
from tests import factories
from tickets.models import Inquiry, TargetStatus, Ticket, Unit

NOW = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)  # Tuesday 10:00 WIB, 11:00 WITA
MINUTE = timedelta(minutes=1)
ALWAYS = {day: (time(0), time(0)) for day in range(7)}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _inquiry(account, *, received, status=Inquiry.Status.OPEN, assigned=None, **fields):
    fields.setdefault("effective_start", received)
    return factories.InquiryFactory(
        account=account, received_at=received, status=status, assigned_to=assigned, **fields
    )


def _ticket(inquiry, unit, status=Ticket.Status.OPEN):
    return Ticket.objects.create(
        number=f"BC-{inquiry.office.code}-20261110-{inquiry.pk:04d}",
        verification_hash="x",
        inquiry=inquiry,
        office=inquiry.office,
        unit=unit,
        status=status,
        summary="Mohon dicek",
    )


@pytest.fixture
def world():
    kanwil = factories.TypologyFactory(name="Kantor Wilayah", officer_limit=3)
    head_office = factories.OfficeFactory(code="001000", name="Kantor Pusat", kind=Office.Kind.HEAD_OFFICE)
    region = factories.OfficeFactory(code="040000", name="Kanwil R", kind=Office.Kind.REGIONAL, typology=kanwil)
    region_2 = factories.OfficeFactory(code="090000", name="Kanwil S", kind=Office.Kind.REGIONAL, typology=kanwil)
    a = factories.OfficeFactory(code="040300", name="Office A", parent=region)
    b = factories.OfficeFactory(
        code="090400", name="Office B", parent=region, timezone="Asia/Makassar", always_open=True, hours=ALWAYS
    )
    c = factories.OfficeFactory(code="090500", name="Office C", parent=region_2)
    staff = {
        "off1": factories.StaffFactory(office=a, user__username="off1", user__first_name="Ani").user,
        "off2": factories.StaffFactory(office=a, user__username="off2", user__first_name="Budi").user,
        "off3": factories.StaffFactory(office=a, user__username="off3", on_duty=False).user,
        "coord": factories.StaffFactory(office=a, role=Role.COORDINATOR, user__username="coord").user,
        "head": factories.StaffFactory(office=a, role=Role.HEAD, user__username="head").user,
        "regional": factories.StaffFactory(office=region, role=Role.SUPERVISOR, user__username="kanwil").user,
        "national": factories.StaffFactory(office=head_office, role=Role.SUPERVISOR, user__username="pusat").user,
        "other_officer": factories.StaffFactory(office=c, user__username="other_officer").user,
        "other_coord": factories.StaffFactory(office=c, role=Role.COORDINATOR, user__username="other_coord").user,
        "b_officer": factories.StaffFactory(office=b, user__username="b_officer").user,
    }
    acc_a = factories.ChannelAccountFactory(office=a)
    acc_b = factories.ChannelAccountFactory(office=b)
    acc_c = factories.ChannelAccountFactory(office=c)
    run = TargetStatus.RUNNING
    unit = Unit.objects.create(name="Seksi Pelayanan A", home_office=a)
    monday_15 = datetime(2026, 11, 9, 8, 0, tzinfo=UTC)  # Monday 15:00 WIB
    i = {
        # open, unassigned, on time
        "a1": _inquiry(acc_a, received=NOW - 10 * MINUTE, response_status=run,
                       response_at_risk_at=NOW + 20 * MINUTE, response_due=NOW + 30 * MINUTE),
        # at risk: past 80 %, not yet due
        "a2": _inquiry(acc_a, received=NOW - 45 * MINUTE, assigned=staff["off1"], response_status=run,
                       response_at_risk_at=NOW - 5 * MINUTE, response_due=NOW + 10 * MINUTE),
        # breached: still running past due (the sweep has not come by yet)
        "a3": _inquiry(acc_a, received=NOW - 60 * MINUTE, assigned=staff["off1"], response_status=run,
                       response_at_risk_at=NOW - 16 * MINUTE, response_due=NOW - 5 * MINUTE),
        # breached, stamped by the sweep; the oldest waiting for a response: Monday 15:00 WIB, paused 10 min.
        # Working time to now: Mon 15:00–16:00 + Tue 07:30–10:00 = 210 min, less 10 paused = 200 (wall clock: 19 h).
        "a4": _inquiry(acc_a, received=monday_15, response_status=TargetStatus.BREACHED, late_arrival=True,
                       response_due=monday_15 + timedelta(hours=20), paused_working_seconds=600),
        # waiting for the requester: paused, its overdue target counts for nothing now
        "a5": _inquiry(acc_a, received=NOW - 3 * 60 * MINUTE, status=Inquiry.Status.WAITING, assigned=staff["off2"],
                       paused_at=NOW - 100 * MINUTE, response_status=run, response_due=NOW - 60 * MINUTE,
                       response_at_risk_at=NOW - 70 * MINUTE),
        # escalated: response met, resolution running (a ticket open at the unit)
        "a6": _inquiry(acc_a, received=NOW - 2 * 60 * MINUTE, status=Inquiry.Status.ESCALATED,
                       assigned=staff["off2"], response_status=TargetStatus.MET, response_met_at=NOW - 90 * MINUTE,
                       resolution_status=run, resolution_due=NOW + timedelta(days=2),
                       resolution_at_risk_at=NOW + timedelta(days=1)),
        # closed: counts nowhere (its ticket was answered)
        "a7": _inquiry(acc_a, received=NOW - 5 * 60 * MINUTE, status=Inquiry.Status.CLOSED, assigned=staff["off1"],
                       response_status=TargetStatus.MET, response_met_at=NOW - 4 * 60 * MINUTE),
        # escalated and its resolution breached, unmet: breached (ticket waiting for information)
        "a8": _inquiry(acc_a, received=NOW - timedelta(days=6), status=Inquiry.Status.ESCALATED,
                       assigned=staff["off2"], response_status=TargetStatus.MET,
                       response_met_at=NOW - timedelta(days=6),
                       resolution_status=TargetStatus.BREACHED, resolution_due=NOW - timedelta(days=1)),
        # office B, 24/7 in WITA: received 2 h ago, running past its 55 minutes: breached, the oldest, 120 min
        "b1": _inquiry(acc_b, received=NOW - 120 * MINUTE, response_status=run,
                       response_at_risk_at=NOW - 76 * MINUTE, response_due=NOW - 65 * MINUTE),
        "b2": _inquiry(acc_b, received=NOW - 5 * MINUTE, assigned=staff["b_officer"], response_status=run,
                       response_at_risk_at=NOW + 39 * MINUTE, response_due=NOW + 50 * MINUTE),
        "c1": _inquiry(acc_c, received=NOW - 5 * MINUTE, response_status=run,
                       response_at_risk_at=NOW + 39 * MINUTE, response_due=NOW + 50 * MINUTE),
    }  # fmt: skip
    _ticket(i["a6"], unit)
    _ticket(i["a8"], unit, status=Ticket.Status.WAITING_INFO)
    _ticket(i["a7"], unit, status=Ticket.Status.ANSWERED)
    AuditEvent.objects.create(actor=staff["off1"], actor_label="off1", action="reply.send")  # now: active
    with time_machine.travel(NOW - timedelta(hours=2), tick=False):  # append-only: written two hours ago
        AuditEvent.objects.create(actor=staff["off2"], actor_label="off2", action="reply.send")
    return {"acc_a": acc_a, "a": a, "b": b, "c": c, "region": region, "staff": staff, "i": i}


def _client(client, world, who):
    client.force_login(world["staff"][who])
    return client


# --- The numbers ------------------------------------------------------------------------------------------
def test_every_number_of_an_office_against_the_hand_made_set(world):
    board = live.live_detail(world["a"], now=NOW)
    assert board.figures() == {"open": 7, "unassigned": 2, "waiting": 1, "at_risk": 1, "breached": 3}
    assert board.oldest.inquiry_id == world["i"]["a4"].pk
    assert board.oldest.working_minutes == 200  # working minutes of the office's calendar, not 19 wall-clock hours
    assert board.tickets_open == 2
    assert [t.inquiry_id for t in board.tickets] == [world["i"]["a8"].pk, world["i"]["a6"].pk]  # due first
    assert [t.badge.state for t in board.tickets] == ["breached", "running"]
    assert board.tickets[1].badge.minutes_left == 2 * 510  # Wed and Thu 07:30–16:00 ahead (Tue 10:00 → Thu 10:00)
    officers = {o.username: o for o in board.officers}
    assert set(officers) == {"off1", "off2"}  # off3 is off duty; coordinators and heads are not "on duty" officers
    assert board.officers_on_duty == 2
    assert (officers["off1"].open_load, officers["off2"].open_load) == (2, 3)
    assert officers["off1"].active and not officers["off2"].active
    assert officers["off2"].last_active == NOW - timedelta(hours=2)


def test_a_24_7_office_in_another_zone(world):
    board = live.live_detail(world["b"], now=NOW)
    assert board.figures() == {"open": 2, "unassigned": 1, "waiting": 0, "at_risk": 0, "breached": 1}
    assert board.oldest.inquiry_id == world["i"]["b1"].pk
    assert board.oldest.working_minutes == 120  # open around the clock: working time is elapsed time
    assert board.zone == "WITA"
    assert board.tickets == [] and board.tickets_open == 0


def test_at_risk_and_breached_together_are_the_inboxs_at_risk_queue(world):
    from tickets.selectors import queue_counts

    board = live.live_detail(world["a"], now=NOW)
    counts = queue_counts(user=world["staff"]["coord"], now=NOW)
    assert board.at_risk + board.breached == counts["at_risk"]
    assert (board.open, board.unassigned, board.waiting) == (counts["open"], counts["unassigned"], counts["waiting"])


def test_the_numbers_follow_a_change(world):
    factories.InquiryFactory(account=world["acc_a"], received_at=NOW, effective_start=NOW)
    Inquiry.objects.filter(pk=world["i"]["a3"].pk).update(assigned_to=None)
    board = live.live_detail(world["a"], now=NOW)
    assert (board.open, board.unassigned) == (8, 4)


# --- Who sees what ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["off1", "other_officer"])
def test_an_officer_gets_a_clear_403(client, world, who):
    response = _client(client, world, who).get("/sla/live/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Bukan untuk peran Anda" in page and 'href="/inbox/"' in page  # says why, and where to go instead
    assert "live-board" not in page and "040300" not in page
    assert _client(client, world, who).get("/sla/live/list/?office=040300&figure=open").status_code == 403
    assert client.get(f"/sla/live/inquiry/{world['i']['a1'].pk}/").status_code == 403
    assert client.get("/api/v1/reports/live/").status_code == 403


@pytest.mark.parametrize("who", ["coord", "head"])
def test_an_office_supervisor_sees_their_office_only(client, world, who):
    c = _client(client, world, who)
    page = c.get("/sla/live/")
    assert page.status_code == 200
    assert page.context["office"] == world["a"]
    assert page.context["board"].open == 7
    assert c.get("/sla/live/?office=090400").status_code == 404  # office B: same region, not theirs
    assert c.get("/sla/live/?office=090500").status_code == 404
    assert c.get("/sla/live/list/?office=090400&figure=open").status_code == 404
    assert c.get(f"/sla/live/inquiry/{world['i']['b1'].pk}/").status_code == 404
    body = c.get("/api/v1/reports/live/").json()
    assert [o["office"] for o in body["offices"]] == ["040300"]


def test_a_regional_supervisor_sees_every_office_under_them_side_by_side(client, world):
    c = _client(client, world, "regional")
    page = c.get("/sla/live/")
    assert page.status_code == 200 and page.context["office"] is None
    rows = {row.office.code: row for row, _links in page.context["rows"]}
    assert set(rows) == {"040000", "040300", "090400"}  # the region itself and its two offices, not C
    assert (rows["040300"].open, rows["040300"].breached, rows["040300"].oldest.working_minutes) == (7, 3, 200)
    assert (rows["090400"].open, rows["090400"].breached, rows["090400"].oldest.working_minutes) == (2, 1, 120)
    html = page.content.decode()
    assert 'href="?office=040300"' in html and "090500" not in html
    opened = c.get("/sla/live/?office=090400")  # and opens each
    assert opened.status_code == 200 and opened.context["board"].breached == 1
    assert c.get("/sla/live/?office=090500").status_code == 404
    assert c.get(f"/sla/live/inquiry/{world['i']['b1'].pk}/").status_code == 200
    assert c.get(f"/sla/live/inquiry/{world['i']['c1'].pk}/").status_code == 404


def test_head_office_sees_every_office_by_region(client, world):
    page = _client(client, world, "national").get("/sla/live/")
    codes = [row.office.code for row, _links in page.context["rows"]]
    assert {"040300", "090400", "090500"} <= set(codes)
    assert codes.index("040300") < codes.index("090500")  # grouped by region (040000 before 090000)
    assert _client(client, world, "national").get("/sla/live/?office=090500").context["board"].open == 1


def test_another_offices_coordinator_sees_nothing_of_this_office(client, world):
    c = _client(client, world, "other_coord")
    page = c.get("/sla/live/")
    assert page.context["office"] == world["c"]
    assert c.get("/sla/live/?office=040300").status_code == 404
    assert c.get("/api/v1/reports/live/?office=040300").status_code == 404
    assert c.get("/sla/live/list/?office=040300&figure=breached").status_code == 404


# --- Every number is a link to the list behind it ---------------------------------------------------------
def test_numbers_link_to_the_inbox_queue_for_the_own_office_else_the_drill_down(client, world):
    links = _client(client, world, "coord").get("/sla/live/").context["links"]
    assert links["open"] == "/inbox/?queue=open"
    assert links["unassigned"] == "/inbox/?queue=unassigned"
    assert links["waiting"] == "/inbox/?queue=waiting"
    assert links["at_risk"] == "/sla/live/list/?office=040300&figure=at_risk"
    assert links["breached"] == "/sla/live/list/?office=040300&figure=breached"
    regional = _client(client, world, "regional").get("/sla/live/?office=040300").context["links"]
    assert regional["open"] == "/sla/live/list/?office=040300&figure=open"  # not their inbox: the drill-down


def test_the_inbox_queue_behind_a_number_holds_the_same_count(client, world):
    c = _client(client, world, "coord")
    board = c.get("/sla/live/").context
    for figure in ("open", "unassigned", "waiting"):
        inbox = c.get(board["links"][figure])
        assert inbox.context["page"].paginator.count == getattr(board["board"], figure), figure


@pytest.mark.parametrize(
    ("figure", "expected"),
    [
        ("open", ["a1", "a2", "a3", "a4", "a5", "a6", "a8"]),
        ("unassigned", ["a1", "a4"]),
        ("waiting", ["a5"]),
        ("at_risk", ["a2"]),
        ("breached", ["a3", "a4", "a8"]),
        ("oldest", ["a4", "a3", "a2", "a1"]),
    ],
)
def test_drill_down_lists_the_inquiries_behind_each_number(client, world, figure, expected):
    response = _client(client, world, "regional").get(f"/sla/live/list/?office=040300&figure={figure}")
    assert response.status_code == 200
    ids = [inquiry.pk for inquiry, _badge, _href in response.context["rows"]]
    wanted = [world["i"][name].pk for name in expected]
    assert sorted(ids) == sorted(wanted)
    if figure == "oldest":
        assert ids == wanted
    # rows open the inquiry: read-only for a regional supervisor
    assert response.context["rows"][0][2] == f"/sla/live/inquiry/{ids[0]}/"


def test_drill_down_of_tickets_and_of_one_officers_load(client, world):
    c = _client(client, world, "coord")
    tickets = c.get("/sla/live/list/?office=040300&figure=tickets")
    assert [t.inquiry_id for t, _b, _h in tickets.context["rows"]] == [world["i"]["a8"].pk, world["i"]["a6"].pk]
    off2 = world["staff"]["off2"].pk
    officers = {o.username: href for o, href in c.get("/sla/live/").context["officers"]}
    assert officers["off2"] == f"/inbox/?queue=open&officer={off2}"
    regional = _client(client, world, "regional")
    load = regional.get(f"/sla/live/list/?office=040300&figure=open&officer={off2}")
    assert sorted(i.pk for i, _b, _h in load.context["rows"]) == sorted(world["i"][n].pk for n in ("a5", "a6", "a8"))


def test_drill_down_paginates(client, world):
    account = world["acc_a"]
    for n in range(30):
        _inquiry(account, received=NOW - n * MINUTE)
    response = _client(client, world, "coord").get("/sla/live/list/?office=040300&figure=unassigned&page=2")
    assert response.context["page"].paginator.count == 32
    assert len(response.context["rows"]) == 7
    assert "page=1" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    ["office=040300&figure=nope", "office=abc&figure=open", "figure=open", "office=040300&figure=open&officer=x",
     "office=040300&figure=open&officer=99999999999999999999", "office=\u0661\u0662&figure=open"],
)  # fmt: skip
def test_bad_drill_down_input_is_a_404_never_a_500(client, world, query):
    assert _client(client, world, "coord").get(f"/sla/live/list/?{query}").status_code == 404


def test_a_bad_office_on_the_board_is_a_404(client, world):
    c = _client(client, world, "coord")
    assert c.get("/sla/live/?office=%00").status_code in (400, 404)
    assert c.get("/sla/live/?office=999999").status_code == 404
    assert c.get(f"/sla/live/inquiry/{2**64}/").status_code == 404


# --- Cheap to poll ----------------------------------------------------------------------------------------
def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_partial_reads_in_a_fixed_small_number_of_queries(client, world, django_assert_max_num_queries):
    c = _client(client, world, "coord")
    with django_assert_max_num_queries(24):
        c.get("/sla/live/?partial=1")
    before = _queries(c, "/sla/live/?partial=1")
    account = world["acc_a"]
    unit = Unit.objects.get()
    for n in range(20):  # more inquiries, tickets and officers: the same number of queries
        inquiry = _inquiry(account, received=NOW - n * MINUTE, status=Inquiry.Status.ESCALATED,
                           resolution_status=TargetStatus.RUNNING, resolution_due=NOW + timedelta(days=1))  # fmt: skip
        _ticket(inquiry, unit)
    factories.StaffFactory(office=world["a"])
    assert _queries(c, "/sla/live/?partial=1") == before


def test_the_regional_partial_does_not_grow_with_offices(client, world, django_assert_max_num_queries):
    c = _client(client, world, "regional")
    before = _queries(c, "/sla/live/?partial=1")
    for _n in range(5):
        office = factories.OfficeFactory(parent=world["region"])
        _inquiry(factories.ChannelAccountFactory(office=office), received=NOW - MINUTE)
    with django_assert_max_num_queries(before):
        c.get("/sla/live/?partial=1")


def test_the_page_polls_its_partial_every_5_seconds(client, world):
    html = _client(client, world, "regional").get("/sla/live/?office=040300").content.decode()
    assert 'hx-get="/sla/live/?office=040300&amp;partial=1"' in html
    assert 'hx-trigger="every 5s"' in html
    assert "<script>" not in html and "style=" not in html  # CSP: no inline script or style


# --- The API ----------------------------------------------------------------------------------------------
def test_the_api_answers_the_boards_numbers(client, world, django_assert_max_num_queries):
    c = _client(client, world, "regional")
    with django_assert_max_num_queries(24):
        body = c.get("/api/v1/reports/live/?office=040300").json()
    assert [o["office"] for o in body["offices"]] == ["040300"]
    board = body["office"]
    assert {k: board[k] for k in ("open", "unassigned", "waiting_for_requester", "at_risk", "breached")} == {
        "open": 7,
        "unassigned": 2,
        "waiting_for_requester": 1,
        "at_risk": 1,
        "breached": 3,
    }
    oldest = board["oldest_waiting"]
    assert (oldest["inquiry"], oldest["working_minutes"]) == (world["i"]["a4"].pk, 200)
    assert datetime.fromisoformat(oldest["received_at"]) == datetime(2026, 11, 9, 8, 0, tzinfo=UTC)
    assert board["zone"] == "WIB" and board["region"] == "040000"
    assert board["officers_on_duty"] == 2 and board["tickets_open"] == 2
    assert {o["username"]: o["open_load"] for o in board["officers"]} == {"off1": 2, "off2": 3}
    assert [t["state"] for t in board["tickets"]] == ["breached", "running"]
    assert datetime.fromisoformat(body["generated_at"]) == NOW


def test_the_api_without_office_gives_every_office_in_reach(client, world):
    body = _client(client, world, "regional").get("/api/v1/reports/live/").json()
    assert {o["office"]: o["breached"] for o in body["offices"]} == {"040000": 0, "040300": 3, "090400": 1}
    assert body["office"] is None
    b = next(o for o in body["offices"] if o["office"] == "090400")
    assert b["zone"] == "WITA" and b["oldest_waiting"]["working_minutes"] == 120


def test_the_api_refuses_like_the_page(client, api_client, world):
    assert api_client.get("/api/v1/reports/live/").status_code == 401
    refused = _client(client, world, "off1").get("/api/v1/reports/live/")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    coord = _client(client, world, "coord")
    bad = coord.get("/api/v1/reports/live/?office=12")
    assert bad.status_code == 400 and "office" in bad.json()["error"]["fields"]
    missing = coord.get("/api/v1/reports/live/?office=090400")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_the_read_only_inquiry_masks_identifiers_and_offers_no_action(client, world):
    inquiry = world["i"]["b1"]
    factories.MessageFactory(inquiry=inquiry, text="NIK saya 3171234567890001, paket tertahan")
    page = _client(client, world, "regional").get(f"/sla/live/inquiry/{inquiry.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "0001, paket tertahan" in html
    assert "3171234567890001" not in html
    assert "<form" not in html.split("<main", 1)[1].split("</main>", 1)[0]  # read only
    assert "WITA" in html  # times in the office's zone, with its label


def test_head_office_sees_the_regions_rolled_up(client, world):
    page = _client(client, world, "national").get("/sla/live/")
    groups = {group.code: group for group, _rows in page.context["groups"]}
    region = groups["040000"]
    assert [row.office.code for row in region.rows] == ["040000", "040300", "090400"]  # the Kanwil's own row first
    assert region.totals == {
        "open": 9, "unassigned": 3, "waiting": 1, "at_risk": 1, "breached": 4, "officers_on_duty": 3, "tickets_open": 2,
    }  # fmt: skip
    assert region.oldest.office.code == "040300"  # 200 working minutes beat B's 120
    assert groups["090000"].totals["open"] == 1
    assert groups[""].region is None and [r.office.code for r in groups[""].rows] == ["001000"]
    html = page.content.decode()
    assert "Kanwil R" in html and 'data-region="090000"' in html


def test_the_api_rolls_the_offices_up_by_region(client, world):
    body = _client(client, world, "national").get("/api/v1/reports/live/").json()
    regions = {r["region"]: r for r in body["regions"]}
    assert regions["040000"]["offices"] == ["040000", "040300", "090400"]
    assert (regions["040000"]["open"], regions["040000"]["breached"]) == (9, 4)
    assert regions[None]["offices"] == ["001000"] and regions[None]["name"] is None


def test_the_oldest_age_follows_a_calendar_change_at_once(world):
    from datetime import date

    from offices.models import Holiday

    assert live.live_detail(world["a"], now=NOW).oldest.working_minutes == 200
    Holiday.objects.create(office=world["a"], date=date(2026, 11, 9), name="Tutup", category="closure")
    # Monday closed: only Tuesday 07:30–10:00 counts, less the 10 paused minutes (calendars are reused, never stale)
    assert live.live_detail(world["a"], now=NOW).oldest.working_minutes == 140


@pytest.mark.parametrize(("who", "shown"), [("off1", False), ("coord", True), ("head", True), ("regional", True)])
def test_the_navigation_offers_the_live_board_to_supervisory_roles(client, world, who, shown):
    page = _client(client, world, who).get("/inbox/").content.decode()
    nav = page.split('<nav aria-label="', 1)[1].split("</nav>", 1)[0]
    assert ('href="/sla/live/"' in nav) is shown
    assert 'href="/sla/"' in nav  # the SLA report link stays
