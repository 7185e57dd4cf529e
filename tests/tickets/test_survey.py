"""The satisfaction survey (issue 14, points 6 and 7): asked once after the answer, on the requester's channel,
through the real outbox to a local stand-in of each platform; the reply parsed, recorded on the inquiry and the
officer who answered; never a response to any SLA target."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from channels_intake.adapters import InboundMessage
from complaints.models import Complaint
from offices.models import Role
from sla.models import Notification
from tests import factories
from tests.channels_intake.test_outbox import make_inquiry, platform  # noqa: F401  (platform: fixture)
from tests.tickets.test_escalation import inquiry_for
from tickets import escalation, survey
from tickets.inquiries import inbound_message_receive, inquiry_resolve
from tickets.models import Inquiry, Message, TargetStatus, Unit
from tickets.replies import reply_send

Survey = Inquiry.SurveyStatus

# Where each platform's messages go on the stand-in, what it answers, and the text of a request body.
WIRE = {
    "telegram": (
        "/botTOKEN-1/sendMessage",
        {"ok": True, "result": {"message_id": 77}},
        lambda body: body["text"],
    ),
    "whatsapp": (
        "/v25.0/PAGE-1/messages",
        {"messaging_product": "whatsapp", "messages": [{"id": "wamid.1"}]},
        lambda body: body["text"]["body"] if body["type"] == "text" else body["interactive"]["body"]["text"],
    ),
    "meta": ("/v25.0/PAGE-1/messages", {"recipient_id": "user-1", "message_id": "m_1"}, lambda b: b["message"]["text"]),
    "x": (
        "/2/dm_conversations/with/user-1/messages",
        {"data": {"dm_conversation_id": "1-2", "dm_event_id": "555"}},
        lambda body: body["text"],
    ),
}


def inbound(inquiry, text, key):
    """The requester's next message on the inquiry's account, as its adapter would have parsed it."""
    message = InboundMessage(
        dedupe_key=key,
        sender_id=inquiry.requester.external_id,
        sender_name="",
        text=text,
        sent_at=timezone.now(),
        recipient_id="PAGE-1",
        channel=inquiry.requester.channel or inquiry.account.kind,
    )
    return inbound_message_receive(account=inquiry.account, message=message)


def answer_and_close(inquiry, officer, capture, text="Barang Anda sudah dirilis."):
    with capture(execute=True):
        reply_send(inquiry=inquiry, author=officer, text=text, kind="answer")
    with capture(execute=True):
        inquiry_resolve(inquiry=inquiry, actor=officer, outcome=Inquiry.Outcome.ANSWERED)
    inquiry.refresh_from_db()
    return inquiry


def sla_state(inquiry):
    inquiry.refresh_from_db()
    return (
        inquiry.response_status,
        inquiry.response_met_at,
        inquiry.response_met_by_id,
        inquiry.resolution_status,
        inquiry.resolution_due,
        inquiry.paused_at,
    )


# --- Parsing ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("5", (5, "")),
        ("lima", (5, "")),
        ("Lima, mantap sekali", (5, "mantap sekali")),
        ("⭐⭐⭐⭐", (4, "")),
        ("⭐️⭐️⭐️ lumayan", (3, "lumayan")),
        ("survey:2", (2, "")),
        ("RATING_1", (1, "")),
        ("4, cepat dan jelas", (4, "cepat dan jelas")),
        ("5/5", (5, "")),
        ("2 bintang - lambat", (2, "lambat")),
        ("1. lambat sekali", (1, "lambat sekali")),
        ("four", (4, "")),
        ("50 kg", None),
        ("5.000", None),
        ("5,5", None),
        ("5 kg barang saya ditahan", None),
        ("satu lagi pertanyaan", None),
        ("3, kapan paket saya dikirim?", None),
        ("6", None),
        ("0", None),
        ("Kapan kantor buka?", None),
        ("", None),
    ],
)
def test_a_reply_reads_as_a_rating_only_when_it_is_one(text, parsed):
    assert survey.survey_parse(text) == parsed


# --- Web chat --------------------------------------------------------------------------------------------------
def start_session(api_client, office_code, **extra):
    response = api_client.post("/api/v1/webchat/sessions/", {"office": office_code, **extra}, format="json")
    assert response.status_code == 201, response.content
    api_client.credentials(HTTP_X_WEBCHAT_TOKEN=response.json()["token"])


def test_web_chat_visitor_is_asked_once_after_the_answer_and_rates_by_writing_the_number(
    api_client, client, office, officer, webchat_account, django_capture_on_commit_callbacks
):
    start_session(api_client, office.code, name="Budi")
    api_client.post("/api/v1/webchat/messages/", {"text": "Paket saya tertahan"}, format="json")
    inquiry = Inquiry.objects.get()

    # An answer alone does not ask: the inquiry is still open (the officer may go on).
    with django_capture_on_commit_callbacks(execute=True):
        reply_send(inquiry=inquiry, author=officer, text="Sudah dirilis.", kind="answer")
    inquiry.refresh_from_db()
    assert inquiry.survey_status == Survey.NONE
    assert api_client.get("/api/v1/webchat/messages/").json()["survey"] is None

    with django_capture_on_commit_callbacks(execute=True):
        inquiry_resolve(inquiry=inquiry, actor=officer, outcome=Inquiry.Outcome.ANSWERED)
    before = sla_state(inquiry)
    assert inquiry.survey_status == Survey.SENT and inquiry.survey_sent_at is not None

    polled = api_client.get("/api/v1/webchat/messages/").json()
    last = polled["messages"][-1]
    assert last["from"] == "office" and last["kind"] == "system"
    assert last["text"].startswith("Seberapa puas Anda dengan jawaban kami? Balas 1 (sangat tidak puas) sampai 5")
    assert "5 – sangat puas" in last["text"]
    assert [c["value"] for c in polled["survey"]["choices"]] == [1, 2, 3, 4, 5]
    assert polled["survey"]["question"] == "Seberapa puas Anda dengan jawaban kami?"

    with django_capture_on_commit_callbacks(execute=True):
        posted = api_client.post("/api/v1/webchat/messages/", {"text": "4, cepat dan jelas"}, format="json")

    assert posted.status_code == 201
    inquiry.refresh_from_db()
    assert (inquiry.rating, inquiry.rating_comment, inquiry.survey_status) == (4, "cepat dan jelas", Survey.ANSWERED)
    assert inquiry.rated_at is not None and inquiry.response_met_by_id == officer.pk
    assert Inquiry.objects.count() == 1  # the rating opened no new inquiry...
    assert inquiry.messages.filter(direction="in", text="4, cepat dan jelas").exists()  # ...and is in the thread
    assert sla_state(inquiry) == before  # the survey met, started or paused nothing
    polled = api_client.get("/api/v1/webchat/messages/").json()
    assert polled["survey"] is None
    assert polled["messages"][-1]["text"] == "Terima kasih atas penilaian Anda."

    # The inquiry API carries the rating under its contract names.
    client.force_login(officer)
    detail = client.get(f"/api/v1/inquiries/{inquiry.pk}/").json()
    assert detail["rating"] == 4 and detail["rating_comment"] == "cepat dan jelas"
    assert detail["survey_status"] == "answered"

    # Asked once: a second answer of the same inquiry (survey_send again) sends nothing more.
    assert survey.survey_send(inquiry_id=inquiry.pk) == Survey.ANSWERED
    assert Message.objects.filter(inquiry=inquiry, kind=Message.Kind.SYSTEM).count() == 2  # the survey, the thanks


def test_a_web_chat_reply_that_is_no_rating_continues_the_conversation(
    api_client, office, officer, webchat_account, django_capture_on_commit_callbacks
):
    start_session(api_client, office.code)
    api_client.post("/api/v1/webchat/messages/", {"text": "Halo"}, format="json")
    inquiry = answer_and_close(Inquiry.objects.get(), officer, django_capture_on_commit_callbacks)
    assert inquiry.survey_status == Survey.SENT

    api_client.post("/api/v1/webchat/messages/", {"text": "Satu lagi: kapan kantor buka hari Sabtu?"}, format="json")

    inquiry.refresh_from_db()
    assert inquiry.survey_status == Survey.SENT and inquiry.rating is None
    newer = Inquiry.objects.exclude(pk=inquiry.pk).get()  # an ordinary message: a new inquiry, its clock running
    assert newer.status == Inquiry.Status.OPEN and newer.response_status == TargetStatus.RUNNING
    # The survey can still be answered afterwards.
    api_client.post("/api/v1/webchat/messages/", {"text": "5"}, format="json")
    inquiry.refresh_from_db()
    assert inquiry.rating == 5


def test_an_english_visitor_is_asked_in_english(
    api_client, office, officer, webchat_account, django_capture_on_commit_callbacks
):
    start_session(api_client, office.code, language="en")
    api_client.post("/api/v1/webchat/messages/", {"text": "Hello"}, format="json")
    answer_and_close(Inquiry.objects.get(), officer, django_capture_on_commit_callbacks)
    polled = api_client.get("/api/v1/webchat/messages/").json()
    assert polled["messages"][-1]["text"].startswith("How satisfied are you with our answer? Reply 1")
    assert polled["survey"]["choices"][4]["label"] == "very satisfied"


# --- Social channels -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "channel", "reply"),
    [
        ("telegram", "telegram", "⭐⭐⭐⭐⭐"),
        ("whatsapp", "whatsapp", "survey:5"),
        ("meta", "messenger", "⭐⭐⭐⭐⭐"),
        ("x", "x", "5"),
    ],
)
def test_each_social_channel_gets_numbered_choices_and_its_reply_is_recorded(
    platform,  # noqa: F811
    office,
    officer,
    kind,
    channel,
    reply,
    django_capture_on_commit_callbacks,  # noqa: F811
):
    path, answer, text_of = WIRE[kind]
    platform.expect_request(path, method="POST").respond_with_json(answer)
    inquiry = make_inquiry(office, kind, channel=channel)

    inquiry = answer_and_close(inquiry, officer, django_capture_on_commit_callbacks)

    texts = [text_of(json.loads(request.data)) for request, _response in platform.log]
    assert texts[0] == "Barang Anda sudah dirilis."
    assert texts[1].startswith("Seberapa puas Anda dengan jawaban kami?")
    assert all(f"{n} – " in texts[1] for n in range(1, 6))  # numbered choices
    # ...and the platform's own buttons where it has them, whose press is the stars the parser reads back.
    stars = ["⭐" * n for n in (5, 4, 3, 2, 1)]
    asked = json.loads(platform.log[1][0].data)
    if kind == "telegram":
        assert [row[0]["text"] for row in asked["reply_markup"]["keyboard"]] == stars
        assert asked["reply_markup"]["one_time_keyboard"] is True
    elif kind == "meta":
        quick = asked["message"]["quick_replies"]
        assert [(q["content_type"], q["title"], q["payload"]) for q in quick] == [
            ("text", "⭐" * n, f"survey:{n}") for n in (5, 4, 3, 2, 1)
        ]
    elif kind == "whatsapp":
        assert asked["type"] == "interactive" and asked["interactive"]["type"] == "list"
        rows = asked["interactive"]["action"]["sections"][0]["rows"]
        assert [(r["id"], r["title"]) for r in rows] == [(f"survey:{n}", "⭐" * n) for n in (5, 4, 3, 2, 1)]
        assert len(asked["interactive"]["action"]["button"]) <= 20
    else:  # X: the numbered text only
        assert set(asked) == {"text"}
    first = json.loads(platform.log[0][0].data)  # the answer itself carries no buttons
    assert "reply_markup" not in first and "quick_replies" not in first.get("message", {})
    assert first.get("type", "text") == "text"
    assert inquiry.survey_status == Survey.SENT
    survey_message = Message.objects.get(inquiry=inquiry, kind=Message.Kind.SYSTEM)
    assert survey_message.outbound.status == "sent"
    before = sla_state(inquiry)

    # A reply that is not a number: an ordinary message, in a new inquiry.
    with django_capture_on_commit_callbacks(execute=True):
        other = inbound(inquiry, "Apakah bisa diambil besok?", "in-1")
    assert other.inquiry_id != inquiry.pk
    inquiry.refresh_from_db()
    assert inquiry.survey_status == Survey.SENT

    with django_capture_on_commit_callbacks(execute=True):
        rated = inbound(inquiry, reply, "in-2")

    assert rated.inquiry_id == inquiry.pk and rated.text == reply
    inquiry.refresh_from_db()
    assert inquiry.rating == 5 and inquiry.survey_status == Survey.ANSWERED
    assert sla_state(inquiry) == before
    assert text_of(json.loads(platform.log[-1][0].data)) == "Terima kasih atas penilaian Anda."


@pytest.mark.parametrize(("kind", "hours"), [("whatsapp", 25), ("meta", 25), ("meta", 24 * 8)])
def test_no_survey_once_the_reply_window_has_closed(
    platform,  # noqa: F811
    office,
    officer,
    kind,
    hours,
    django_capture_on_commit_callbacks,  # noqa: F811
):
    path, answer, _text_of = WIRE[kind]
    platform.expect_request(path, method="POST").respond_with_json(answer)
    inquiry = make_inquiry(office, kind, channel="messenger" if kind == "meta" else kind)
    with django_capture_on_commit_callbacks(execute=True):
        reply_send(inquiry=inquiry, author=officer, text="Jawaban", kind="answer")
    sent_before = len(platform.log)

    # Meta's tagged window (HUMAN_AGENT, up to 7 days) is for a person's answer, never for a survey.
    with time_machine.travel(timezone.now() + timedelta(hours=hours)), django_capture_on_commit_callbacks(execute=True):
        inquiry_resolve(inquiry=inquiry, actor=officer, outcome=Inquiry.Outcome.ANSWERED)

    inquiry.refresh_from_db()
    assert inquiry.survey_status == Survey.WINDOW_CLOSED and inquiry.survey_sent_at is None
    assert len(platform.log) == sent_before
    assert not Message.objects.filter(inquiry=inquiry, kind=Message.Kind.SYSTEM).exists()


# --- Escalated inquiries ---------------------------------------------------------------------------------------
@pytest.fixture
def unit(office):
    member = factories.StaffFactory(office=office, role=Role.SUPERVISOR).user
    unit = Unit.objects.create(name="Seksi Pelayanan", home_office=office)
    unit.offices.add(office)
    unit.members.add(member)
    unit.member = member
    return unit


def test_an_escalated_inquiry_is_asked_after_the_tickets_final_answer_not_the_number(
    office, officer, unit, django_capture_on_commit_callbacks
):
    inquiry = inquiry_for(office)
    with django_capture_on_commit_callbacks(execute=True):
        ticket, _code = escalation.inquiry_escalate(inquiry=inquiry, unit=unit, summary="Cek", actor=officer)
    inquiry.refresh_from_db()
    assert inquiry.survey_status == Survey.NONE  # the ticket number is no answer to rate

    with django_capture_on_commit_callbacks(execute=True):
        escalation.ticket_answer(ticket=ticket, actor=unit.member, text="Jawaban akhir.")

    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.CLOSED and inquiry.survey_status == Survey.SENT
    assert inquiry.resolution_status == TargetStatus.MET
    kinds = list(inquiry.messages.filter(direction="out").values_list("kind", flat=True))
    assert kinds == ["ticket_number", "final_answer", "system"]


# --- Not asked -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("outcome", [Inquiry.Outcome.NOT_REQUEST, Inquiry.Outcome.NO_REPLY])
def test_spam_and_abandoned_inquiries_are_not_asked(
    office, officer, webchat_account, outcome, django_capture_on_commit_callbacks
):
    inquiry = factories.InquiryFactory(account=webchat_account, received_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        inquiry_resolve(inquiry=inquiry, actor=officer, outcome=outcome)
    inquiry.refresh_from_db()
    assert inquiry.survey_status == Survey.SKIPPED
    assert not Message.objects.filter(kind=Message.Kind.SYSTEM).exists()


def test_a_merged_duplicate_and_an_anonymised_inquiry_are_not_asked(
    office, officer, webchat_account, django_capture_on_commit_callbacks
):
    kept = factories.InquiryFactory(account=webchat_account, received_at=timezone.now())
    duplicate = factories.InquiryFactory(account=webchat_account, received_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        inquiry_resolve(inquiry=duplicate, actor=officer, outcome=Inquiry.Outcome.DUPLICATE, duplicate_of=kept)
    duplicate.refresh_from_db()
    assert duplicate.survey_status == Survey.SKIPPED

    gone = factories.InquiryFactory(
        account=webchat_account,
        received_at=timezone.now(),
        status=Inquiry.Status.CLOSED,
        outcome=Inquiry.Outcome.ANSWERED,
        anonymised_at=timezone.now(),
    )
    assert survey.survey_send(inquiry_id=gone.pk) == Survey.SKIPPED


def test_a_closed_inquiry_without_a_delivered_answer_is_not_asked_yet(office, officer, webchat_account):
    inquiry = factories.InquiryFactory(
        account=webchat_account, received_at=timezone.now(), status=Inquiry.Status.CLOSED, outcome="answered"
    )
    assert survey.survey_send(inquiry_id=inquiry.pk) == Survey.NONE
    assert not Message.objects.filter(kind=Message.Kind.SYSTEM).exists()


# --- Low ratings, complaints, the conversation page ------------------------------------------------------------
def test_a_low_rating_notifies_the_coordinator_and_its_comment_becomes_a_complaint_in_one_step(
    api_client, client, office, officer, webchat_account, django_capture_on_commit_callbacks
):
    coordinator = factories.StaffFactory(office=office, role=Role.COORDINATOR).user
    officer.first_name = "Sari"
    officer.save()
    start_session(api_client, office.code)
    api_client.post("/api/v1/webchat/messages/", {"text": "Halo"}, format="json")
    inquiry = answer_and_close(Inquiry.objects.get(), officer, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        api_client.post("/api/v1/webchat/messages/", {"text": "1, petugas tidak sopan"}, format="json")

    notice = Notification.objects.get(user=coordinator)
    with translation.override("id"):
        assert notice.render() == f"Pertanyaan #{inquiry.pk}: pemohon memberi nilai 1 dari 5 untuk jawaban Sari."
    with translation.override("en"):
        assert notice.render() == f"Inquiry #{inquiry.pk}: the requester rated the answer of Sari 1 of 5."
    assert not Notification.objects.filter(user=officer).exists()

    client.force_login(officer)
    page = client.get(reverse("tickets:conversation", args=[inquiry.pk])).content.decode()
    assert "Dinilai 1 dari 5" in page and "petugas tidak sopan" in page
    assert reverse("complaints:from-inquiry", args=[inquiry.pk]) in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("complaints:from-inquiry", args=[inquiry.pk]),
            {"kind": "complaint", "concerns": "service", "matter": "petugas tidak sopan"},
        )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.matter == "petugas tidak sopan" and complaint.inquiry_id == inquiry.pk


def test_a_good_rating_notifies_nobody(
    api_client, office, officer, webchat_account, django_capture_on_commit_callbacks
):
    factories.StaffFactory(office=office, role=Role.COORDINATOR)
    start_session(api_client, office.code)
    api_client.post("/api/v1/webchat/messages/", {"text": "Halo"}, format="json")
    answer_and_close(Inquiry.objects.get(), officer, django_capture_on_commit_callbacks)
    api_client.post("/api/v1/webchat/messages/", {"text": "3"}, format="json")
    assert not Notification.objects.exists()


# --- The cost on the filing path -------------------------------------------------------------------------------
def test_a_message_that_is_no_rating_costs_no_query_and_a_rating_one_indexed_query(
    office, webchat_account, django_assert_num_queries
):
    requester = factories.RequesterFactory(account=webchat_account)
    message = InboundMessage(
        dedupe_key="k",
        sender_id=requester.external_id,
        sender_name="",
        text="Halo, saya mau tanya",
        sent_at=None,
        recipient_id="",
        channel="webchat",
    )
    with django_assert_num_queries(0):
        assert survey.survey_reply_receive(requester=requester, message=message, received_at=timezone.now()) is None
    rating = InboundMessage(
        dedupe_key="k2",
        sender_id=requester.external_id,
        sender_name="",
        text="5",
        sent_at=None,
        recipient_id="",
        channel="webchat",
    )
    with django_assert_num_queries(1):  # nobody asked this requester: one look, then the usual path
        assert survey.survey_reply_receive(requester=requester, message=rating, received_at=timezone.now()) is None


def test_a_reply_long_after_the_survey_is_an_ordinary_message(
    api_client, office, officer, webchat_account, django_capture_on_commit_callbacks
):
    start_session(api_client, office.code)
    api_client.post("/api/v1/webchat/messages/", {"text": "Halo"}, format="json")
    inquiry = answer_and_close(Inquiry.objects.get(), officer, django_capture_on_commit_callbacks)
    later = timezone.now() + timedelta(days=survey.REPLY_DAYS + 1)
    message = InboundMessage(
        dedupe_key="late",
        sender_id=inquiry.requester.external_id,
        sender_name="",
        text="5",
        sent_at=None,
        recipient_id="",
        channel="webchat",
    )
    with time_machine.travel(later):
        stored = inbound_message_receive(account=webchat_account, message=message, received_at=later)
    inquiry.refresh_from_db()
    assert inquiry.rating is None and stored.inquiry_id != inquiry.pk


def test_anonymising_removes_the_comment_and_keeps_the_rating(office, webchat_account):
    from privacy.anonymise import inquiries_anonymise

    inquiry = factories.InquiryFactory(
        account=webchat_account,
        received_at=timezone.now(),
        survey_status=Survey.ANSWERED,
        rating=2,
        rating_comment="Budi, NIK 3171234567890001: lambat",
        rated_at=timezone.now(),
    )
    inquiries_anonymise([inquiry.pk])
    inquiry.refresh_from_db()
    assert (inquiry.rating, inquiry.rating_comment, inquiry.survey_status) == (2, "", Survey.ANSWERED)


def test_a_survey_the_broker_never_queued_is_asked_by_the_redrive(
    api_client, office, officer, webchat_account, django_capture_on_commit_callbacks
):
    start_session(api_client, office.code)
    api_client.post("/api/v1/webchat/messages/", {"text": "Halo"}, format="json")
    inquiry = Inquiry.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        reply_send(inquiry=inquiry, author=officer, text="Jawaban", kind="answer")
    inquiry_resolve(inquiry=inquiry, actor=officer, outcome=Inquiry.Outcome.ANSWERED)  # its after-commit is lost
    inquiry.refresh_from_db()
    assert inquiry.survey_status == Survey.NONE

    with django_capture_on_commit_callbacks(execute=True):
        assert survey.surveys_redrive(now=timezone.now()) == 1
    inquiry.refresh_from_db()
    assert inquiry.survey_status == Survey.SENT
    assert survey.surveys_redrive(now=timezone.now()) == 0  # asked once
    assert Message.objects.filter(inquiry=inquiry, kind=Message.Kind.SYSTEM).count() == 1


def test_a_final_answer_that_went_by_e_mail_is_not_followed_by_a_survey(
    office, officer, unit, smtp, django_capture_on_commit_callbacks
):
    from sla.services import resolution_clock_start
    from tickets.models import Ticket

    inquiry = inquiry_for(office, "whatsapp", email="budi@example.invalid", last_inbound_minutes=3 * 24 * 60)
    ticket = Ticket.objects.create(
        number="BC-X-1", verification_hash="-", inquiry=inquiry, office=office, unit=unit, summary="s"
    )
    resolution_clock_start(record=inquiry)
    inquiry.save()
    with django_capture_on_commit_callbacks(execute=True):
        escalation.ticket_answer(ticket=ticket, actor=unit.member, text="Jawaban akhir")

    inquiry.refresh_from_db()
    assert len(smtp.received) == 1  # the answer, and nothing more
    assert inquiry.status == Inquiry.Status.CLOSED and inquiry.survey_status == Survey.WINDOW_CLOSED
