"""The REST API: inquiries listed and read per office, replies, errors in one JSON shape, tokens."""

import io

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from tests import factories
from tickets.models import Message


@pytest.fixture
def officer_api(api_client, officer):
    api_client.force_authenticate(officer)
    return api_client


def test_list_shows_the_documented_fields(officer_api, office):
    inquiry = factories.InquiryFactory(account__office=office, account__kind="whatsapp")
    body = officer_api.get("/api/v1/inquiries/").json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["id"] == inquiry.pk
    assert item["office"] == office.code
    assert item["channel"] == "whatsapp"
    assert item["status"] == "open"
    assert item["requester"] == inquiry.requester.display_name
    for key in ("received_at", "response_due", "resolution_due"):
        assert key in item


def test_filters_by_office_status_and_channel(officer_api, office):
    factories.InquiryFactory(account__office=office, account__kind="telegram", status="open")
    factories.InquiryFactory(account__office=office, account__kind="whatsapp", status="closed")
    assert officer_api.get("/api/v1/inquiries/?channel=telegram").json()["count"] == 1
    assert officer_api.get("/api/v1/inquiries/?status=closed").json()["count"] == 1
    assert officer_api.get(f"/api/v1/inquiries/?office={office.code}").json()["count"] == 2
    assert officer_api.get("/api/v1/inquiries/?office=000000").json()["count"] == 0


def test_unknown_filter_values_are_a_clear_400(officer_api, office):
    response = officer_api.get("/api/v1/inquiries/?status=bogus&channel=pigeon")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and {"status", "channel"} <= set(error["fields"])


def test_pagination(officer_api, office):
    account = factories.ChannelAccountFactory(office=office)
    factories.InquiryFactory.create_batch(7, account=account)
    page = officer_api.get("/api/v1/inquiries/?page_size=5").json()
    assert page["count"] == 7 and len(page["results"]) == 5 and page["next"]
    assert len(officer_api.get("/api/v1/inquiries/?page_size=5&page=2").json()["results"]) == 2


def test_a_user_sees_only_their_office_and_a_superuser_sees_all(api_client, officer, office, other_office):
    factories.InquiryFactory(account__office=office)
    theirs = factories.InquiryFactory(account__office=other_office)
    api_client.force_authenticate(officer)
    assert api_client.get("/api/v1/inquiries/").json()["count"] == 1
    assert api_client.get(f"/api/v1/inquiries/{theirs.pk}/").status_code == 404
    assert api_client.post(f"/api/v1/inquiries/{theirs.pk}/reply/", {"text": "x"}, format="json").status_code == 404
    root = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    api_client.force_authenticate(root)
    assert api_client.get("/api/v1/inquiries/").json()["count"] == 2


def test_a_user_without_a_staff_profile_sees_nothing(api_client, office):
    factories.InquiryFactory(account__office=office)
    api_client.force_authenticate(factories.UserFactory())
    assert api_client.get("/api/v1/inquiries/").json()["count"] == 0


def test_detail_has_the_messages(officer_api, office):
    inquiry = factories.InquiryFactory(account__office=office)
    factories.MessageFactory(inquiry=inquiry, text="Halo petugas")
    body = officer_api.get(f"/api/v1/inquiries/{inquiry.pk}/").json()
    assert [(m["direction"], m["text"]) for m in body["messages"]] == [("in", "Halo petugas")]
    assert "created_at" in body["messages"][0]


def test_reply_creates_an_outbound_answer_in_the_outbox(officer_api, office):
    inquiry = factories.InquiryFactory(account__office=office)
    response = officer_api.post(
        f"/api/v1/inquiries/{inquiry.pk}/reply/", {"text": "Jawaban resmi", "kind": "answer"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["delivery"] == "queued"
    message = Message.objects.get(direction="out")
    assert message.kind == "answer" and message.outbound.status == "queued"


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"text": ""}, "text"), ({"text": "ok", "kind": "shout"}, "kind"), ({}, "text")],
)
def test_bad_replies_are_400_in_one_shape_and_store_nothing(officer_api, office, payload, field):
    inquiry = factories.InquiryFactory(account__office=office)
    response = officer_api.post(f"/api/v1/inquiries/{inquiry.pk}/reply/", payload, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"error"}
    assert field in response.json()["error"]["fields"]
    assert not Message.objects.filter(direction="out").exists()


def test_replying_to_a_closed_inquiry_is_refused(officer_api, office):
    inquiry = factories.InquiryFactory(account__office=office, status="closed")
    response = officer_api.post(f"/api/v1/inquiries/{inquiry.pk}/reply/", {"text": "x"}, format="json")
    assert response.status_code == 400 and "text" in response.json()["error"]["fields"]


def test_anonymous_requests_get_401_in_the_same_shape(api_client, db):
    response = api_client.get("/api/v1/inquiries/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_drf_create_token_gives_a_working_token(api_client, officer, office):
    factories.InquiryFactory(account__office=office)
    out = io.StringIO()
    call_command("drf_create_token", officer.username, stdout=out)
    key = Token.objects.get(user=officer).key
    assert key in out.getvalue()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/v1/inquiries/").json()["count"] == 1


def test_list_query_count_is_fixed(officer_api, office, django_assert_max_num_queries):
    account = factories.ChannelAccountFactory(office=office)
    factories.InquiryFactory.create_batch(3, account=account)
    with django_assert_max_num_queries(10) as few:
        officer_api.get("/api/v1/inquiries/")
    factories.InquiryFactory.create_batch(30, account=account)
    with django_assert_max_num_queries(len(few.captured_queries)):
        officer_api.get("/api/v1/inquiries/?page_size=100")


def test_detail_query_count_is_fixed(officer_api, office, django_assert_max_num_queries):
    inquiry = factories.InquiryFactory(account__office=office)
    factories.MessageFactory.create_batch(2, inquiry=inquiry)
    with django_assert_max_num_queries(10) as few:
        officer_api.get(f"/api/v1/inquiries/{inquiry.pk}/")
    factories.MessageFactory.create_batch(30, inquiry=inquiry)
    with django_assert_max_num_queries(len(few.captured_queries)):
        officer_api.get(f"/api/v1/inquiries/{inquiry.pk}/")


def test_openapi_schema_and_offline_docs(client, db):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/inquiries/" in text and "/api/v1/inquiries/{id}/reply/" in text
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in html and "cdn" not in html.lower()
