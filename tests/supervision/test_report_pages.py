"""The report pages, drill-downs, exports and API as each role sees them (the world of conftest.py)."""

import csv
import io
import re

import pytest
from django.db import connection
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


def login(client, world, role):
    client.force_login(world.users[role])
    return client


def offices_shown(response) -> set[str]:
    """The offices of the table by office (the figures behind each row are in the context)."""
    codes = {row["code"] for row in response.context["report"]["by_office"]}
    html = response.content.decode()
    assert all(f'<th scope="row">{code} ' in html for code in codes)
    return codes


# --- Visibility ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "received", "offices"),
    [
        ("officer", 5, None),  # own work only: no office table
        ("coord", 8, None),  # one office: no roll-up table
        ("head", 8, None),
        ("regional", 10, {"010100", "010200"}),
        ("hq", 12, {"010100", "010200", "020100"}),
        ("other", 2, None),
    ],
)
def test_each_role_sees_its_reach(client, world, now, role, received, offices):
    response = login(client, world, role).get("/sla/")
    assert response.status_code == 200
    assert response.context["t"]["received"] == received
    if offices is not None:
        assert offices_shown(response) == offices


def test_officer_gets_own_figures_and_no_office_choice(client, world, now):
    response = login(client, world, "officer").get("/sla/")
    assert response.context["own"] is True
    html = response.content.decode()
    assert 'name="office"' not in html
    # a colleague's name is not in the officer's report (matched as text between tags: a random CSRF token may
    # hold the letters "O2")
    assert re.search(r">\s*O1\s*<", html)
    assert not re.search(r">\s*O2\s*<", html)
    # asking for the office's figures gives nothing more than their own
    response = client.get("/sla/", {"office": world.a.code})
    assert response.context["t"]["received"] == 5


@pytest.mark.parametrize("role", ["coord", "head", "other", "officer"])
def test_another_office_or_region_is_not_found(client, world, now, role):
    login(client, world, role)
    target = world.b.code if role != "other" else world.a.code
    assert client.get("/sla/", {"office": target}).status_code == 404
    assert client.get("/sla/", {"region": world.r1.code}).status_code == 404
    assert client.get("/sla/inquiries/", {"office": target}).status_code == 404
    assert client.get("/api/v1/reports/sla/", {"office": target}).status_code == 404


def test_regional_staff_open_each_office_but_not_another_region(client, world, now):
    login(client, world, "regional")
    response = client.get("/sla/", {"office": world.c.code})
    assert response.context["t"]["received"] == 2
    assert client.get("/sla/", {"office": world.b.code}).status_code == 404
    assert client.get("/sla/", {"region": world.r2.code}).status_code == 404


def test_head_office_rolls_up_by_region(client, world, now):
    response = login(client, world, "hq").get("/sla/", {"region": world.r1.code})
    assert response.context["t"]["received"] == 10
    response = client.get("/sla/")
    regions = {row["code"]: row["received"] for row in response.context["report"]["by_region"]}
    assert regions == {"010000": 10, "020000": 2}


def test_staff_without_a_profile_get_no_report(client, db, now):
    from tests import factories

    client.force_login(factories.UserFactory())
    assert client.get("/sla/").status_code == 403
    assert client.get("/sla/inquiries/").status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-13-01"},
        {"from": "2026-11-10", "to": "2026-11-01"},
        {"period": "year"},
        {"from": "2000-01-01", "to": "2026-01-01"},
        {"from": "0001-01-01"},
        {"format": "pdf"},
    ],
)
def test_bad_input_is_a_clear_400(client, world, now, query):
    response = login(client, world, "coord").get("/sla/", query)
    assert response.status_code == 400


def test_bad_drilldown_input_is_a_400(client, world, now):
    login(client, world, "coord")
    for query in ({"metric": "nope"}, {"hour": "25"}, {"weekday": "x"}, {"day": "2026-02-30"}, {"officer": "-1"}):
        assert client.get("/sla/inquiries/", query).status_code == 400, query


# --- The page --------------------------------------------------------------------------------------------------
def test_the_page_has_charts_with_tables_and_links_to_lists(client, world, now):
    response = login(client, world, "coord").get("/sla/")
    html = response.content.decode()
    assert html.count("<svg") >= 4
    assert "<script" not in html.split("<main", 1)[-1]  # no inline script (CSP)
    assert "style=" not in html
    assert "/sla/inquiries/?metric=response_breached" in html
    assert "metric=cause_response_assigned_late" in html
    assert "weekday=1&amp;hour=9" in html  # a heatmap cell's list
    assert ',5"' not in html  # SVG coordinates are never written with a decimal comma


def test_previous_period_is_shown(client, world, now):
    response = login(client, world, "other").get("/sla/", {"from": "2026-11-01", "to": "2026-11-30"})
    assert response.context["p"]["received"] == 1


def test_page_queries_are_fixed(client, world, now, django_assert_max_num_queries):
    login(client, world, "hq")
    limit = 17 if connection.vendor == "postgresql" else 22
    with django_assert_max_num_queries(limit):
        assert client.get("/sla/").status_code == 200
    login(client, world, "coord")
    with django_assert_max_num_queries(limit):
        assert client.get("/sla/").status_code == 200


# --- Drill-down --------------------------------------------------------------------------------------------------
def drill_ids(response) -> set[int]:
    return {inquiry.pk for inquiry, _href, _preview, _zone in response.context["rows"]}


def test_drilldown_lists_the_rows_behind_each_figure(client, world, now):
    i = world.inquiries
    login(client, world, "coord")
    cases = {
        "received": {1, 2, 3, 4, 5, 6, 7, 8},
        "response_breached": {3, 6},
        "not_counted": {5},
        "late_arrivals": {2, 3},
        "cause_response_assigned_late": {6},
        "cause_response_no_officer": set(),
        "cause_response_answered_late": {3},
        "cause_resolution_waiting_at_unit": {7},
        "bin_m30": {1, 7},
        "bin_later": {3},
    }
    for metric, numbers in cases.items():
        response = client.get("/sla/inquiries/", {"metric": metric})
        assert response.status_code == 200
        assert drill_ids(response) == {i[n].pk for n in numbers}, metric
    response = client.get("/sla/inquiries/", {"metric": "received", "weekday": 1, "hour": 9})
    assert drill_ids(response) == {i[1].pk, i[7].pk}
    response = client.get("/sla/inquiries/", {"metric": "received", "day": "2026-11-03"})
    assert drill_ids(response) == {i[4].pk, i[5].pk}
    response = client.get("/sla/inquiries/", {"metric": "received", "topic": "imei"})
    assert drill_ids(response) == {i[1].pk, i[2].pk}
    response = client.get("/sla/inquiries/", {"metric": "received", "channel": "whatsapp"})
    assert drill_ids(response) == {i[2].pk, i[7].pk}


def test_drilldown_rows_open_the_inquiry(client, world, now):
    i = world.inquiries
    response = login(client, world, "coord").get("/sla/inquiries/", {"metric": "response_breached"})
    links = {inquiry.pk: href for inquiry, href, _p, _z in response.context["rows"]}
    assert links[i[3].pk] == f"/inbox/{i[3].pk}/"
    # a regional supervisor opens another office's inquiry in the supervisors' read-only view
    response = login(client, world, "regional").get(
        "/sla/inquiries/", {"office": world.c.code, "metric": "response_breached"}
    )
    ((inquiry, href, preview, zone),) = response.context["rows"]
    assert inquiry.pk == i[12].pk and href == f"/sla/live/inquiry/{i[12].pk}/"
    assert "3171234567890001" not in preview and "0001" in preview  # masked as on screen
    assert zone == "WIB"


def test_drilldown_is_paginated_and_keeps_its_filters(client, world, now, django_assert_max_num_queries):
    from tests import factories

    account = world.inquiries[1].account
    for _n in range(60):
        factories.InquiryFactory(account=account, received_at=now, response_status="breached")
    login(client, world, "coord")
    with django_assert_max_num_queries(8):
        response = client.get("/sla/inquiries/", {"metric": "response_breached"})
    assert response.context["page"].paginator.count == 62
    assert len(response.context["rows"]) == 50
    assert "metric=response_breached&amp;page=2" in response.content.decode()
    response = client.get("/sla/inquiries/", {"metric": "response_breached", "page": 2})
    assert len(response.context["rows"]) == 12
    assert client.get("/sla/inquiries/", {"metric": "response_breached", "page": "x"}).status_code == 200


def test_an_officer_drills_into_their_own_work_only(client, world, now):
    i = world.inquiries
    response = login(client, world, "officer").get("/sla/inquiries/", {"metric": "received"})
    assert drill_ids(response) == {i[n].pk for n in (1, 2, 3, 4, 5)}


# --- Exports ----------------------------------------------------------------------------------------------------
def parse_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_report_csv_has_period_office_time_and_the_figures(client, world, now):
    response = login(client, world, "coord").get("/sla/", {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = parse_csv(response)
    head = {row[0]: row[1] for row in rows[:5] if len(row) > 1}
    assert head["Periode"] == "2026-11-01 – 2026-11-30"
    assert head["Kantor"].startswith("010100")
    assert head["Dibuat pada"] == "2026-11-30 12:00 WIB"
    summary = rows.index(["Ringkasan"])
    header, this = rows[summary + 1], rows[summary + 2]
    figures = dict(zip(header, this, strict=True))
    assert figures["Diterima"] == "8"
    assert figures["Respons tepat waktu (%)"] == "66.7"
    assert figures["Median menit kerja"] == "40.0"
    assert figures["Persentil ke-90 menit kerja"] == "702.0"
    causes = rows.index(["Pelanggaran menurut penyebab"])
    by_cause = dict(row[:2] for row in rows[causes + 2 : causes + 8])
    assert by_cause["Respons: terlambat ditugaskan atau tidak pernah (ada petugas bertugas)"] == "1"  # inquiry 6
    assert by_cause["Respons: tidak ada petugas bertugas saat pesan masuk"] == "0"


def test_report_xlsx_parses_back(client, world, now):
    response = login(client, world, "hq").get("/sla/", {"format": "xlsx"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    about = [list(row) for row in book[book.sheetnames[0]].iter_rows(values_only=True)]
    assert about[1] == ["Periode", "2026-11-01 – 2026-11-30"]
    by_office = next(name for name in book.sheetnames if name.startswith("Per kantor"))
    rows = [list(row) for row in book[by_office].iter_rows(values_only=True)]
    header = rows.index(next(row for row in rows if row and row[0] == "Per kantor"))
    table = {row[0][:6]: row[1] for row in rows[header + 1 :]}
    assert table == {"010100": 8, "010200": 2, "020100": 2}


def test_drilldown_exports_mask_identifiers(client, world, now):
    login(client, world, "hq")
    response = client.get("/sla/inquiries/", {"office": world.c.code, "metric": "response_breached", "format": "csv"})
    rows = parse_csv(response)
    text = response.content.decode("utf-8-sig")
    assert "3171234567890001" not in text
    assert ["Angka", "Respons melewati batas"] in rows
    data = rows[rows.index(["Respons melewati batas"]) + 2 :]
    assert [row[0] for row in data] == [str(world.inquiries[12].pk)]
    assert data[0][2] == "2026-11-01 03:00 WIB"
    response = client.get("/sla/inquiries/", {"office": world.c.code, "metric": "response_breached", "format": "xlsx"})
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    cells = [value for sheet in book for row in sheet.iter_rows(values_only=True) for value in row if value]
    assert not any("3171234567890001" in str(value) for value in cells)
    assert world.inquiries[12].pk in cells


def test_an_officer_exports_only_their_own_work(client, world, now):
    response = login(client, world, "officer").get("/sla/inquiries/", {"format": "csv"})
    rows = parse_csv(response)
    ids = {row[0] for row in rows[rows.index(["Diterima"]) + 2 :]}
    assert ids == {str(world.inquiries[n].pk) for n in (1, 2, 3, 4, 5)}
    assert ["Angka", "Diterima"] in rows or any(row[:1] == ["Data"] for row in rows)


# --- API --------------------------------------------------------------------------------------------------------
FIELDS = {
    "received",
    "response_met",
    "response_breached",
    "response_running",
    "not_counted",
    "response_met_rate",
    "response_minutes_median",
    "response_minutes_p90",
    "late_arrivals",
    "escalated",
    "resolution_met",
    "resolution_breached",
    "resolution_met_rate",
}


def test_api_answers_the_named_fields(api_client, world, now, django_assert_max_num_queries):
    api_client.force_authenticate(world.users["hq"])
    with django_assert_max_num_queries(16 if connection.vendor == "postgresql" else 22):
        response = api_client.get(
            "/api/v1/reports/sla/", {"region": world.r1.code, "from": "2026-11-01", "to": "2026-11-30"}
        )
    assert response.status_code == 200
    body = response.json()
    assert FIELDS <= set(body)
    for group in ("by_office", "by_channel", "by_officer", "by_topic"):
        assert isinstance(body[group], list)
        for row in body[group]:
            assert FIELDS <= set(row)
    assert body["received"] == 10
    assert (body["from"], body["to"], body["region"]) == ("2026-11-01", "2026-11-30", "010000")
    offices = {row["office"]: row["received"] for row in body["by_office"]}
    assert offices == {"010100": 8, "010200": 2}
    response = api_client.get("/api/v1/reports/sla/", {"office": world.a.code})
    body = response.json()
    assert (
        body["received"],
        body["response_met_rate"],
        body["response_minutes_median"],
        body["response_minutes_p90"],
    ) == (
        8,
        66.7,
        40.0,
        702.0,
    )
    assert {row["topic"]: row["received"] for row in body["by_topic"]} == {"imei": 2, "cukai": 2, "ekspor": 1}
    assert {row["name"]: row["received"] for row in body["by_officer"]} == {"O1": 4, "O2": 1}


def test_api_exports_and_permissions(api_client, world, now):
    api_client.force_authenticate(world.users["coord"])
    response = api_client.get("/api/v1/reports/sla/", {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert ["Diterima"] != parse_csv(response)[0]
    response = api_client.get("/api/v1/reports/sla/", {"format": "xlsx"})
    assert response.status_code == 200
    load_workbook(io.BytesIO(response.content), read_only=True)
    assert api_client.get("/api/v1/reports/sla/", {"from": "2026-11-31"}).status_code == 400
    assert api_client.get("/api/v1/reports/sla/", {"office": "12"}).status_code == 400
    assert api_client.get("/api/v1/reports/sla/", {"office": world.b.code}).status_code == 404
    api_client.force_authenticate(world.users["officer"])
    body = api_client.get("/api/v1/reports/sla/").json()
    assert (body["received"], body["own_figures_only"]) == (5, True)
    api_client.force_authenticate(None)
    assert api_client.get("/api/v1/reports/sla/").status_code == 401


def test_an_empty_period_says_so_in_both_languages(client, world, now):
    login(client, world, "coord")
    response = client.get("/sla/", {"from": "2026-01-01", "to": "2026-01-31"})
    assert response.status_code == 200
    assert "Tidak ada pertanyaan pada periode ini." in response.content.decode()
    client.cookies["django_language"] = "en"
    response = client.get("/sla/", {"from": "2026-01-01", "to": "2026-01-31"})
    assert "No inquiries in this period." in response.content.decode()
    response = client.get("/sla/inquiries/", {"from": "2026-01-01", "to": "2026-01-31", "metric": "response_breached"})
    assert "No inquiries behind this figure." in response.content.decode()
