"""The inbox's search: words of every message (full-text on PostgreSQL, ranked; substrings on SQLite), the
requester's name, identifiers, ticket and inquiry numbers."""

from django.db import connection
from django.urls import reverse

from tests import factories
from tests.tickets.test_workspace import receive
from tickets import selectors
from tickets.models import RequesterReference

VALID_NIK = "3171074507900004"


def found(user, q, queue="open"):
    return [inquiry.pk for inquiry in selectors.inquiry_list(user=user, queue=queue, q=q)]


def test_a_word_of_a_later_message_finds_the_inquiry(officer, account):
    inquiry = receive(account, "Selamat siang", sender="a")
    receive(account, "Bagaimana cara mengajukan restitusi bea masuk?", sender="a")
    receive(account, "Paket saya tertahan", sender="b")
    assert found(officer, "restitusi") == [inquiry.pk]


def test_words_match_as_prefixes_and_all_must_appear(officer, account):
    both = receive(account, "Bagaimana cara mengajukan restitusi bea masuk?", sender="a")
    receive(account, "Restitusi pajak penghasilan", sender="b")
    assert found(officer, "restit") == sorted(found(officer, "restit")) and both.pk in found(officer, "restit")
    assert found(officer, "restitusi bea") == [both.pk]


def test_search_syntax_is_taken_as_words(officer, account):
    receive(account, "Paket saya tertahan", sender="a")
    for term in ["paket & | !", "paket:*", "'paket'", "(paket", "<->", "\\", "%", "_"]:
        found(officer, term)  # no error, whatever the officer types


def test_the_best_match_comes_first(postgres, officer, account):
    once = receive(account, "Paket kiriman saya dari Singapura, mohon dicek", sender="a")
    often = receive(account, "Paket paket paket: tiga paket kiriman tertahan", sender="b")
    assert found(officer, "paket") == [often.pk, once.pk]


def test_an_identifier_outranks_words(postgres, officer, account):
    word = receive(account, f"Soal NIK {VALID_NIK[:6]} saya", sender="a")
    owner = receive(account, "Halo", sender="b", name="Siti Rahma")
    RequesterReference.objects.create(requester=owner.requester, kind="nik", value=VALID_NIK)
    assert found(officer, VALID_NIK)[0] == owner.pk
    assert word.pk not in found(officer, VALID_NIK)


def test_the_requesters_name_and_the_inquiry_number_find_it(officer, account):
    siti = receive(account, "Halo", sender="a", name="Siti Rahma")
    receive(account, "Halo", sender="b", name="Agus Wijaya")
    assert found(officer, "Rahma") == [siti.pk]
    assert found(officer, f"#{siti.pk}") == [siti.pk]


def test_another_offices_inquiries_stay_out(officer, account, other_office):
    elsewhere = factories.ChannelAccountFactory(office=other_office, kind="webchat")
    receive(elsewhere, "Bagaimana cara mengajukan restitusi?", sender="z")
    assert found(officer, "restitusi") == []


def test_the_search_page_in_a_fixed_number_of_queries(logged_in, account, django_assert_max_num_queries):
    for n in range(30):
        receive(account, f"Restitusi bea masuk nomor {n}", sender=f"s{n}")
    with django_assert_max_num_queries(14):
        response = logged_in.get(reverse("tickets:inbox") + "?q=restitusi")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 30


def test_the_message_index_is_used(postgres, officer, account):
    receive(account, "Bagaimana cara mengajukan restitusi bea masuk?", sender="a")
    query = selectors.inquiry_list(user=officer, queue="open", q="restitusi")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = query.explain()
    assert "message_search_gin" in plan
