"""One message's whole path: web chat → inquiry → officer inbox → reply → the requester reads it."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from tests import factories
from tickets.models import Inquiry, Message, TargetStatus


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def start_session(api_client, office_code, **extra):
    response = api_client.post("/api/v1/webchat/sessions/", {"office": office_code, **extra}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["token"]


def test_a_web_chat_message_travels_to_the_officer_and_the_answer_back(
    api_client, officer_client, office, webchat_account, django_capture_on_commit_callbacks
):
    # Given a visitor of the office's web chat
    token = start_session(api_client, office.code, name="Budi Santoso")
    api_client.credentials(HTTP_X_WEBCHAT_TOKEN=token)

    # When they write
    posted = api_client.post("/api/v1/webchat/messages/", {"text": "Paket saya tertahan, bagaimana?"}, format="json")
    assert posted.status_code == 201

    # Then the officer sees a new inquiry in the inbox and its conversation
    inquiry = Inquiry.objects.get()
    assert inquiry.office == office and inquiry.requester.display_name == "Budi Santoso"
    assert inquiry.response_due is not None and inquiry.response_status == TargetStatus.RUNNING
    inbox = officer_client.get(reverse("tickets:inbox"))
    assert "Paket saya tertahan" in inbox.content.decode()
    conversation = officer_client.get(reverse("tickets:conversation", args=[inquiry.pk]))
    assert conversation.status_code == 200 and "Budi Santoso" in conversation.content.decode()

    # When the officer answers through the reply form
    with django_capture_on_commit_callbacks(execute=True):
        reply = officer_client.post(
            reverse("tickets:conversation", args=[inquiry.pk]),
            {"text": "Silakan kirim nomor resi Anda.", "kind": "answer"},
        )
    assert reply.status_code == 302

    # Then the requester reads it through the web-chat API, and the response target is met on delivery
    thread = api_client.get("/api/v1/webchat/messages/").json()["messages"]
    assert [(m["from"], m["text"]) for m in thread] == [
        ("you", "Paket saya tertahan, bagaimana?"),
        ("office", "Silakan kirim nomor resi Anda."),
    ]
    inquiry.refresh_from_db()
    assert inquiry.response_status in (TargetStatus.MET, TargetStatus.BREACHED)
    assert inquiry.response_met_at is not None and inquiry.assigned_to_id is not None
    assert AuditEvent.objects.filter(action="inquiry.reply", object_id=str(inquiry.pk)).exists()


def test_the_requester_does_not_see_a_reply_before_it_is_delivered(api_client, officer, office, webchat_account):
    from tickets.replies import reply_send

    token = start_session(api_client, office.code)
    api_client.credentials(HTTP_X_WEBCHAT_TOKEN=token)
    api_client.post("/api/v1/webchat/messages/", {"text": "Halo"}, format="json")
    inquiry = Inquiry.objects.get()
    reply_send(inquiry=inquiry, author=officer, text="Jawaban", kind="answer")  # on_commit never runs here

    thread = api_client.get("/api/v1/webchat/messages/").json()["messages"]
    assert [m["text"] for m in thread] == ["Halo"]


def test_internal_notes_never_reach_the_requester(api_client, office, webchat_account):
    token = start_session(api_client, office.code)
    api_client.credentials(HTTP_X_WEBCHAT_TOKEN=token)
    api_client.post("/api/v1/webchat/messages/", {"text": "Halo"}, format="json")
    Message.objects.create(inquiry=Inquiry.objects.get(), direction=Message.Direction.INTERNAL, text="catatan rahasia")
    texts = [m["text"] for m in api_client.get("/api/v1/webchat/messages/").json()["messages"]]
    assert "catatan rahasia" not in texts


def test_a_second_message_joins_the_open_inquiry(api_client, office, webchat_account):
    token = start_session(api_client, office.code)
    api_client.credentials(HTTP_X_WEBCHAT_TOKEN=token)
    for text in ("Halo", "Masih di sana?"):
        api_client.post("/api/v1/webchat/messages/", {"text": text}, format="json")
    assert Inquiry.objects.count() == 1
    assert Inquiry.objects.get().messages.count() == 2


def test_a_retried_post_with_the_same_client_id_is_stored_once(api_client, office, webchat_account):
    token = start_session(api_client, office.code)
    api_client.credentials(HTTP_X_WEBCHAT_TOKEN=token)
    first = api_client.post("/api/v1/webchat/messages/", {"text": "Halo", "client_id": "abc"}, format="json")
    second = api_client.post("/api/v1/webchat/messages/", {"text": "Halo", "client_id": "abc"}, format="json")
    assert first.json()["id"] == second.json()["id"]
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"text": ""}, "text"), ({"text": "x" * 2001}, "text"), ({}, "text")],
)
def test_bad_web_chat_messages_get_a_clear_400_and_change_nothing(api_client, office, webchat_account, payload, field):
    token = start_session(api_client, office.code)
    api_client.credentials(HTTP_X_WEBCHAT_TOKEN=token)
    response = api_client.post("/api/v1/webchat/messages/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert Inquiry.objects.count() == 0


def test_unknown_token_is_401_and_unknown_office_is_400(api_client, office, webchat_account):
    api_client.credentials(HTTP_X_WEBCHAT_TOKEN="nope")
    assert api_client.get("/api/v1/webchat/messages/").status_code == 401
    assert api_client.post("/api/v1/webchat/messages/", {"text": "x"}, format="json").status_code == 401
    response = api_client.post("/api/v1/webchat/sessions/", {"office": "999999"}, format="json")
    assert response.status_code == 400 and "office" in response.json()["error"]["fields"]


def test_the_inbox_requires_login(client, db):
    response = client.get(reverse("tickets:inbox"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_officer_sees_only_the_inquiries_of_their_office(officer_client, office, other_office):
    mine = factories.InquiryFactory(account__office=office, preview="milik kantor saya")
    theirs = factories.InquiryFactory(account__office=other_office, preview="kantor lain")
    page = officer_client.get(reverse("tickets:inbox")).content.decode()
    assert "milik kantor saya" in page and "kantor lain" not in page
    assert officer_client.get(reverse("tickets:conversation", args=[mine.pk])).status_code == 200
    assert officer_client.get(reverse("tickets:conversation", args=[theirs.pk])).status_code == 404
    assert officer_client.post(reverse("tickets:claim", args=[theirs.pk])).status_code == 404


def test_an_empty_reply_is_a_form_error(officer_client, office):
    inquiry = factories.InquiryFactory(account__office=office)
    response = officer_client.post(reverse("tickets:conversation", args=[inquiry.pk]), {"text": "  ", "kind": "answer"})
    assert response.status_code == 200
    assert Message.objects.filter(direction="out").count() == 0


def _bulk_inquiries(account, n):
    import uuid

    from django.utils import timezone

    from tickets.models import Requester

    batch = uuid.uuid4().hex[:8]
    requesters = Requester.objects.bulk_create(
        Requester(account=account, external_id=f"bulk-{batch}-{i}", display_name=f"R {i}") for i in range(n)
    )
    now = timezone.now()
    Inquiry.objects.bulk_create(
        Inquiry(
            office=account.office,
            account=account,
            requester=r,
            received_at=now,
            preview=f"Pertanyaan {i}",
            response_due=now,
            response_status="running",
            effective_start=now,
        )
        for i, r in enumerate(requesters)
    )


def test_inbox_query_count_is_the_same_with_5_or_500_inquiries(officer_client, office, django_assert_max_num_queries):
    account = factories.ChannelAccountFactory(office=office)
    _bulk_inquiries(account, 5)
    with django_assert_max_num_queries(13) as few:  # 7 once the office's calendar and counts are cached
        officer_client.get(reverse("tickets:inbox"))
    _bulk_inquiries(account, 495)
    with django_assert_max_num_queries(len(few.captured_queries)):
        officer_client.get(reverse("tickets:inbox"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        officer_client.get(reverse("tickets:inbox") + "?partial=1&queue=at_risk&q=Pertanyaan")


def test_conversation_query_count_does_not_grow_with_the_thread(officer_client, office, django_assert_max_num_queries):
    inquiry = factories.InquiryFactory(account__office=office)
    factories.MessageFactory.create_batch(3, inquiry=inquiry)
    with django_assert_max_num_queries(17) as few:  # 13 once the office's calendar is cached (4 to build it)
        officer_client.get(reverse("tickets:conversation", args=[inquiry.pk]))
    factories.MessageFactory.create_batch(60, inquiry=inquiry)
    _bulk_inquiries(inquiry.account, 500)
    with django_assert_max_num_queries(len(few.captured_queries)):
        officer_client.get(reverse("tickets:conversation", args=[inquiry.pk]))
