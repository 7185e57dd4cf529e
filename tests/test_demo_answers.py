"""Every demo answer fits its question and is in the requester's language; the demo has Instagram conversations and
the cigarette and alcohol allowances (issue 11, point 13)."""

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from helpdesk.demo_answers import KNOWLEDGE, QUESTIONS, answer_body
from tickets.models import Inquiry, Message

# What each answer is about, written apart from the demo's own mapping: a word its question must contain and a
# fact its answer must state. A question mapped to the wrong answer fails here even if the mapping is consistent.
TOPICS = {
    "allowance": (r"allowance|pembebasan", "USD 500"),
    "tobacco-alcohol": (r"cigarette|rokok|alkohol|wine", "200"),
    "imei": (r"IMEI", "IMEI"),
    "imei-late": (r"IMEI", "IMEI"),
    "warehouse-fee": (r"gudang", "gudang"),
    "scam": (r"rekening pribadi", "rekening pribadi"),
    "scam-check": (r"personal bank account", "personal account"),
    "nppbkc": (r"NPPBKC", "NPPBKC"),
    "export-clinic": (r"klinik ekspor", "klinik ekspor"),
    "invoice": (r"invoice", "invoice"),
    "temporary-import": (r"impor sementara", "impor sementara"),
    "pib": (r"impor", "PIB"),
    "ecd": (r"e-CD|customs declaration", "e-CD"),
    "excise-stamp": (r"pita cukai", "pita cukai"),
    "tracking": (r"lacak", "resi"),
    "shipment-duty": (r"online|belanja", "USD 3"),
    "data-not-found": (r"data tidak ditemukan|data not found", "AWB"),
    "billing": (r"bayar", "kode billing"),
}
# A Wednesday noon in Jakarta: the demo's history (up to six days back, answers within working hours) is the same
# on every run, whatever the day the tests run on.
DEMO_NOW = datetime(2026, 12, 9, 12, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
INDONESIAN_WORDS = re.compile(
    r"\b(yang|dan|untuk|dengan|tidak|anda|silakan|kami|saya|apakah|bagaimana|berapa|mohon|ada|ini|ya)\b", re.I
)


def question_of(inquiry: Inquiry):
    first = inquiry.messages.filter(direction=Message.Direction.INBOUND).order_by("created_at", "pk").first()
    matches = [q for q in QUESTIONS if q.text == first.text]
    assert len(matches) == 1, first.text
    return matches[0]


def test_every_demo_question_names_an_answer_that_fits_it():
    for question in QUESTIONS:
        assert question.answer in KNOWLEDGE, question.text
        words, fact = TOPICS[question.answer]
        assert re.search(words, question.text, re.I), (question.answer, question.text)
        assert fact in answer_body(question.answer, question.language), question.answer
        english = question.language == "en"
        assert bool(INDONESIAN_WORDS.search(question.text)) is not english, question.text


def test_the_allowances_state_the_domain_figures():
    indonesian = answer_body("tobacco-alcohol", "id")
    for fact in ("200 batang sigaret", "25 batang cerutu", "100 gram", "1 liter minuman mengandung etil alkohol"):
        assert fact in indonesian
    english = answer_body("tobacco-alcohol", "en")
    for fact in ("200 cigarettes", "25 cigars", "100 grams of tobacco", "1 litre of drinks containing ethyl alcohol"):
        assert fact in english
    assert "adult" in english and "dewasa" in indonesian


@pytest.mark.django_db
def test_each_answered_demo_conversation_gets_the_answer_to_its_question_in_its_language():
    with time_machine.travel(DEMO_NOW):
        call_command("load_demo", stdout=io.StringIO())
    answered = list(Inquiry.objects.filter(messages__kind=Message.Kind.ANSWER).distinct().select_related("requester"))
    assert len(answered) >= 20  # the 24 questions, each answered once across the offices (a few are too new)
    languages, keys = set(), set()
    for inquiry in answered:
        question = question_of(inquiry)
        reply = inquiry.messages.get(kind=Message.Kind.ANSWER)
        assert answer_body(question.answer, question.language) in reply.text, (question.text, reply.text)
        assert TOPICS[question.answer][1] in reply.text
        assert inquiry.requester.language == question.language
        english = question.language == "en"
        assert bool(INDONESIAN_WORDS.search(reply.text)) is not english, reply.text
        languages.add(question.language)
        keys.add(question.answer)
    assert languages == {"id", "en"}
    assert "tobacco-alcohol" in keys and "allowance" in keys

    # Tourists asking about the allowances, answered in English.
    english_allowances = [
        inquiry
        for inquiry in answered
        if question_of(inquiry).language == "en" and question_of(inquiry).answer in ("allowance", "tobacco-alcohol")
    ]
    assert english_allowances
    assert all("USD 500" in i.messages.get(kind="answer").text or "200 cigarettes" in i.messages.get(kind="answer").text
               for i in english_allowances)  # fmt: skip


@pytest.mark.django_db
def test_the_demo_has_instagram_conversations_on_the_meta_account():
    with time_machine.travel(DEMO_NOW):
        call_command("load_demo", stdout=io.StringIO())
    instagram = Inquiry.objects.filter(requester__channel="instagram")
    assert instagram.count() >= 4
    assert set(instagram.values_list("account__kind", flat=True)) == {"meta"}
    assert Inquiry.objects.filter(requester__channel="messenger", account__kind="meta").exists()
    # Idempotent: a second run adds nothing and changes no answer.
    answers = sorted(Message.objects.filter(kind=Message.Kind.ANSWER).values_list("inquiry_id", "text"))
    call_command("load_demo", stdout=io.StringIO())
    assert sorted(Message.objects.filter(kind=Message.Kind.ANSWER).values_list("inquiry_id", "text")) == answers
