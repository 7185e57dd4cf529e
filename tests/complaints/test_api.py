"""The complaints API: the public intake's 201 and 400 shapes, hostile bodies, the rate limit, and the records
for compliance staff only (401, 403, 404 for the others), with a bounded number of queries."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from audit.models import AuditEvent
from complaints.models import Complaint
from sla.models import Notification

from .conftest import PNG, payload

URL = "/api/v1/complaints/"


def as_user(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def post(body, **extra):
    return APIClient().post(URL, json.dumps(body), content_type="application/json", **extra)


def test_a_complaint_without_login_answers_201_with_only_its_register_number(world):
    response = post(payload())
    assert response.status_code == 201, response.content
    assert set(response.json()) == {"register_number"}
    number = response.json()["register_number"]
    assert number == "PGD-090400-2026-00001" or number.startswith("PGD-090400-")
    complaint = Complaint.objects.get(register_number=number)
    assert complaint.channel == Complaint.Channel.WEB_FORM
    assert complaint.handling_office == world.office
    assert complaint.complainant_name == "Budi Santoso" and complaint.complainant_contact == "budi@example.com"
    assert complaint.occurred_at is not None and complaint.due_at is not None
    # compliance of the office is told (no contents in the notice), the officer is not
    assert Notification.objects.filter(user=world.compliance, kind="complaint.new").count() == 1
    assert not Notification.objects.filter(user=world.officer).exists()
    assert AuditEvent.objects.filter(action="complaint.receive", object_id=str(complaint.pk)).exists()


def test_an_empty_body_is_a_400_naming_each_missing_field(world):
    response = post({})
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"office", "matter", "place", "occurred_at", "chronology", "name", "contact"}
    assert Complaint.objects.count() == 0


def test_a_partial_body_names_only_what_is_missing(world):
    response = post(payload(place="", chronology="  ", occurred_at=None))
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"place", "chronology", "occurred_at"}


def test_an_anonymous_suggestion_needs_only_office_and_matter(world):
    response = post({"kind": "suggestion", "anonymous": True, "office": "090400", "matter": "Tambah loket"})
    assert response.status_code == 201
    complaint = Complaint.objects.get()
    assert complaint.kind == "suggestion" and complaint.anonymous and complaint.complainant_name == ""


def test_an_unknown_office_is_a_400_on_office(world):
    response = post(payload(office_code="999999"))
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"office"}


@pytest.mark.parametrize(
    "raw",
    [
        "[]",
        '"text"',
        "null",
        "42",
        "{not json",
        "[" * 5000 + "]" * 5000,
        json.dumps({**payload(), "matter": {"a": 1}}),
        json.dumps({**payload(), "occurred_at": "yesterday"}),
        json.dumps({**payload(), "kind": ["complaint"]}),
        json.dumps({**payload(), "office": 90400}),
        json.dumps({**payload(), "evidence": "not a file"}),
        json.dumps({**payload(), "matter": "x" * 6000}),
        json.dumps({**payload(), "anonymous": "maybe"}),
        json.dumps({**payload(), "occurred_at": "2999-01-01T00:00:00Z"}),
    ],
)
def test_hostile_bodies_are_400_and_store_nothing(world, raw):
    response = APIClient().post(URL, raw, content_type="application/json")
    assert response.status_code == 400, (raw[:60], response.content[:300])
    assert "error" in response.json()
    assert Complaint.objects.count() == 0


def test_a_nul_character_or_an_oversized_body_never_reaches_the_database(world):
    assert post(payload(matter="a\x00b")).status_code == 400
    huge = json.dumps(payload(chronology="x" * (4 * 1024 * 1024)))
    assert APIClient().post(URL, huge, content_type="application/json").status_code == 413
    assert APIClient().post(URL, "kind=complaint", content_type="text/plain").status_code == 415
    assert Complaint.objects.count() == 0


def test_multipart_with_evidence(world):
    body = {**payload(), "evidence": [SimpleUploadedFile("foto.png", PNG, content_type="image/png")]}
    response = APIClient().post(URL, body, format="multipart")
    assert response.status_code == 201, response.content
    complaint = Complaint.objects.get()
    assert complaint.evidence_files.get().content_type == "image/png"


def test_evidence_of_the_wrong_type_is_refused(world):
    fake = SimpleUploadedFile("foto.png", b"MZ\x90\x00 this is an executable", content_type="image/png")
    response = APIClient().post(URL, {**payload(), "evidence": [fake]}, format="multipart")
    assert response.status_code == 400
    assert "evidence" in response.json()["error"]["fields"]
    assert Complaint.objects.count() == 0


def test_posting_is_rate_limited_per_address(world, own_cache):
    statuses = [post(payload(), REMOTE_ADDR="203.0.113.9").status_code for _ in range(11)]
    assert statuses[:10] == [201] * 10 and statuses[10] == 429
    assert post(payload(), REMOTE_ADDR="203.0.113.10").status_code == 201


def test_a_logged_in_session_posting_without_csrf_is_still_the_public_intake(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.officer)
    response = client.post(URL, json.dumps(payload()), content_type="application/json")
    assert response.status_code == 201
    assert Complaint.objects.get().recorded_by is None


# --- Reading: compliance staff only -----------------------------------------------------------------------------
@pytest.fixture
def filed(world):
    numbers = [post(payload()).json()["register_number"] for _ in range(3)]
    numbers.append(post(payload("090500")).json()["register_number"])
    return numbers


def test_reading_needs_a_login(filed):
    assert APIClient().get(URL).status_code == 401
    assert APIClient().get(f"{URL}{filed[0]}/").status_code == 401


@pytest.mark.parametrize("role", ["officer", "coordinator", "supervisor", "head", "regional_head"])
def test_other_roles_get_403_on_the_records(world, filed, role):
    client = as_user(getattr(world, role))
    for url in (URL, f"{URL}{filed[0]}/"):
        response = client.get(url)
        assert response.status_code == 403
        assert filed[0] not in response.content.decode()


def test_compliance_lists_its_own_office_and_reads_one_logged(world, filed, django_assert_max_num_queries):
    client = as_user(world.compliance)
    with django_assert_max_num_queries(8):
        response = client.get(URL)
    assert response.status_code == 200
    numbers = [row["register_number"] for row in response.json()["results"]]
    assert sorted(numbers) == sorted(filed[:3])
    assert "matter" not in response.json()["results"][0]  # the list has no contents; opening one is logged

    detail = client.get(f"{URL}{filed[0]}/")
    assert detail.status_code == 200
    assert detail.json()["matter"].startswith("Petugas meminta")
    read = AuditEvent.objects.get(action="complaint.read")
    assert read.actor == world.compliance and read.changes == {"via": "api"}


def test_the_list_query_count_does_not_grow_with_the_rows(world, django_assert_max_num_queries):
    for _ in range(30):
        post(payload(), REMOTE_ADDR=f"198.51.100.{_}")
    client = as_user(world.compliance)
    with django_assert_max_num_queries(8):
        assert client.get(URL + "?page_size=50").status_code == 200


def test_compliance_of_another_office_gets_404_and_the_region_reads_both(world, filed):
    assert as_user(world.compliance_other).get(f"{URL}{filed[0]}/").status_code == 404
    other_list = as_user(world.compliance_other).get(URL).json()["results"]
    assert [row["register_number"] for row in other_list] == [filed[3]]
    region = as_user(world.compliance_region).get(URL).json()["results"]
    assert sorted(row["register_number"] for row in region) == sorted(filed)


def test_filters_are_validated(world, filed):
    client = as_user(world.compliance)
    assert client.get(URL + "?status=lost").status_code == 400
    assert client.get(URL + "?status=received").json()["count"] == 3
    assert client.get(URL + "?q=" + filed[1]).json()["count"] == 1


def test_counts_for_supervisors_and_compliance_only(world, filed):
    assert as_user(world.officer).get(URL + "counts/").status_code == 403
    body = as_user(world.head).get(URL + "counts/").json()
    assert body["totals"]["total"] == 3
    assert "matter" not in json.dumps(body)
    assert as_user(world.regional_head).get(URL + "counts/").json()["totals"]["total"] == 4
