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


# --- Identifiers as written, and the page with its total in one statement ------------------------------------------
def test_a_complaint_register_number_is_found_as_written(officer, account):
    notice = receive(account, "Nomor register pengaduan Anda PGD-040300-2026-00012, terima kasih", sender="a")
    receive(account, "Nomor register pengaduan Anda PGD-040300-2026-00013", sender="b")
    receive(account, "Paket 2026 nomor 00012", sender="c")  # the same digits, not the number
    assert found(officer, "PGD-040300-2026-00012") == [notice.pk]
    assert found(officer, "pgd-040300-2026-00012") == [notice.pk]  # whatever its case
    assert found(officer, "2026-00012") == [notice.pk]  # a part of it as written


def test_a_register_number_with_words_needs_both_in_one_message(postgres, officer, account):
    both = receive(account, "Pengaduan saya PGD-040300-2026-00012 belum dijawab", sender="a")
    receive(account, "PGD-040300-2026-00012", sender="b")
    receive(account, "Pengaduan saya belum dijawab", sender="c")
    assert found(officer, "pengaduan PGD-040300-2026-00012") == [both.pk]


def test_a_ticket_number_written_in_a_message_is_found(postgres, officer, account):
    quoted = receive(account, "Tiket saya 040300-20261201-0001 belum selesai", sender="a")
    receive(account, "Tiket saya belum selesai", sender="b")
    assert found(officer, "040300-20261201-0001") == [quoted.pk]


def test_hyphenated_words_stay_words(officer, account):
    obat = receive(account, "Kiriman obat-obatan pribadi ditahan", sender="a")
    receive(account, "Kiriman pakaian ditahan", sender="b")
    assert found(officer, "obat-obatan") == [obat.pk]


def _page(client, query):
    response = client.get(reverse("tickets:inbox") + "?" + query)
    assert response.status_code == 200
    page = response.context["page"]
    return page.number, page.paginator.count, [inquiry.pk for inquiry in page.object_list]


def test_search_pages_and_their_total(logged_in, account, django_assert_num_queries):
    made = [receive(account, f"Restitusi bea masuk nomor {n}", sender=f"s{n}") for n in range(30)]
    receive(account, "Paket tertahan", sender="other")
    first = _page(logged_in, "q=restitusi")
    second = _page(logged_in, "q=restitusi&page=2")
    assert first[:2] == (1, 30) and second[:2] == (2, 30)
    assert len(first[2]) == 25 and len(second[2]) == 5
    assert sorted(first[2] + second[2]) == sorted(inquiry.pk for inquiry in made)
    assert _page(logged_in, "q=restitusi&page=9") == second  # past the end: the last page, as Paginator does
    assert _page(logged_in, "q=restitusi&page=0") == second
    assert _page(logged_in, "q=restitusi&page=99999999999999999999999") == second
    assert _page(logged_in, "q=restitusi&page=abc") == first  # no number: the first
    assert _page(logged_in, "q=nothing-like-it&page=3") == (1, 0, [])


def test_a_search_page_reads_its_rows_and_total_in_two_statements(logged_in, account, django_assert_num_queries):
    for n in range(30):
        receive(account, f"Restitusi bea masuk nomor {n}", sender=f"s{n}")
    logged_in.get(reverse("tickets:inbox") + "?q=restitusi")  # the queue counts are cached from here on
    with django_assert_num_queries(8) as captured:
        response = logged_in.get(reverse("tickets:inbox") + "?q=restitusi&page=2")
    assert response.context["page"].paginator.count == 30
    listing = [q["sql"] for q in captured.captured_queries if 'FROM "tickets_inquiry"' in q["sql"]]
    # the officer's own count ("mine"), the page's ids with the total, the page's 25 rows: no separate COUNT(*)
    assert len(listing) == 3 and sum("OVER ()" in sql for sql in listing) == 1


# --- The automatic messages stay out ---------------------------------------------------------------------------------
def test_the_acknowledgements_words_find_nothing(officer, account):
    """The acknowledgement and the survey question are the same sentences in every thread: left out of the
    search (and of its indexes on PostgreSQL), an officer's search for one of their words finds only what
    requesters and officers wrote."""
    inquiry = receive(account, "Halo", sender="a")
    factories.MessageFactory(
        inquiry=inquiry,
        direction="outbound",
        kind="system",
        text="Pesan Anda kami terima. Layanan ini gratis. Privasi: PGD-040300-2026-00077",
    )
    other = receive(account, "Apakah layanan ini gratis?", sender="b")
    assert found(officer, "gratis") == [other.pk]
    assert found(officer, "PGD-040300-2026-00077") == []


def test_the_identifier_index_is_used(postgres, officer, account):
    receive(account, "Nomor register PGD-040300-2026-00012", sender="a")
    query = selectors.inquiry_list(user=officer, queue="open", q="PGD-040300-2026-00012")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    assert "message_text_trgm" in query.explain()
