"""The knowledge base: read by everyone who answers, curated by coordinators and admins, searchable in Indonesian."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from offices.models import Role
from tests import factories
from tickets.knowledge_base import canned_answer_save
from tickets.models import CannedAnswer
from tickets.permissions import can_curate_knowledge_base

ANSWERING = (Role.OFFICER, Role.COORDINATOR, Role.SUPERVISOR, Role.HEAD, Role.ADMIN)


@pytest.fixture
def imei_answer(db):
    return CannedAnswer.objects.create(
        title="Registrasi IMEI", body="Daftarkan IMEI ponsel Anda saat tiba, paling banyak 2 unit.", tags="imei ponsel"
    )


@pytest.mark.parametrize("role", ANSWERING)
def test_everyone_who_answers_reads_the_knowledge_base_from_the_navigation(client, office, role, imei_answer):
    client.force_login(factories.StaffFactory(office=office, role=role).user)
    client.cookies["django_language"] = "id"

    response = client.get(reverse("tickets:knowledge-base"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Registrasi IMEI" in page and "paling banyak 2 unit" in page
    assert f'href="{reverse("tickets:knowledge-base")}"' in client.get(reverse("tickets:inbox")).content.decode()
    assert response.context["may_curate"] is (role in (Role.COORDINATOR, Role.ADMIN))


def test_an_officer_reads_without_the_editing_form_and_cannot_post(client, officer, imei_answer):
    client.force_login(officer)

    page = client.get(reverse("tickets:knowledge-base"), {"edit": imei_answer.pk})

    assert page.context["editing"] is None and 'name="body"' not in page.content.decode()
    response = client.post(reverse("tickets:knowledge-base"), {"title": "IMEI", "body": "Baru", "is_active": "on"})
    assert response.status_code == 403
    assert CannedAnswer.objects.count() == 1


def test_internal_compliance_has_no_knowledge_base_link(client, office):
    client.force_login(factories.StaffFactory(office=office, role=Role.COMPLIANCE).user)
    assert f'href="{reverse("tickets:knowledge-base")}"' not in client.get(reverse("tickets:inbox")).content.decode()
    assert client.get(reverse("tickets:knowledge-base")).status_code == 403


def test_one_rule_decides_who_curates_and_the_service_applies_it(office, other_office):
    officer = factories.StaffFactory(office=office, role=Role.OFFICER).user
    coordinator = factories.StaffFactory(office=office, role=Role.COORDINATOR).user
    admin = factories.StaffFactory(office=office, role=Role.ADMIN).user
    theirs = CannedAnswer.objects.create(office=other_office, title="Milik kantor lain", body="...")

    assert not can_curate_knowledge_base(officer)
    assert can_curate_knowledge_base(coordinator) and can_curate_knowledge_base(admin)
    assert not can_curate_knowledge_base(coordinator, national=True)
    assert not can_curate_knowledge_base(admin, answer=theirs)
    with pytest.raises(PermissionDenied):
        canned_answer_save(actor=officer, title="IMEI", body="Daftarkan IMEI.")
    assert canned_answer_save(actor=admin, title="IMEI", body="Daftarkan IMEI.").office == office


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the word search of SQLite")
@pytest.mark.parametrize("q", ["CUKAI", "cukai", "Cukái", "pita cukai", "kafe"])
def test_the_sqlite_word_search_ignores_case_and_accents(logged_in_officer, q):
    CannedAnswer.objects.create(title="Pita Cukai", body="Pita cukai asli dijual di kafé resmi.", tags="cukai")
    CannedAnswer.objects.create(title="Barang kiriman", body="Lacak dengan nomor resi.")

    page = logged_in_officer.get(reverse("tickets:canned-search"), {"q": q}).content.decode()

    assert "Pita Cukai" in page and "Barang kiriman" not in page


@pytest.fixture
def logged_in_officer(client, officer):
    client.force_login(officer)
    return client


def test_the_composer_search_keeps_its_shape(logged_in_officer, imei_answer):
    page = logged_in_officer.get(reverse("tickets:canned-search"), {"q": "imei"}).content.decode()
    assert 'class="canned"' in page and 'data-body="Daftarkan IMEI ponsel' in page


def test_the_demo_ships_real_answers_in_indonesian_and_english(db):
    call_command("load_demo", stdout=io.StringIO())

    national = CannedAnswer.objects.filter(office__isnull=True, is_active=True)
    english = national.filter(tags__regex=r"(^|\s)en(\s|$)")
    indonesian = national.exclude(pk__in=english)
    assert indonesian.count() >= 25 and english.count() == indonesian.count()
    bodies = " ".join(national.values_list("body", flat=True))
    for fact in (
        "USD 500",
        "200 batang",
        "25 batang cerutu",
        "100 gram",
        "1 liter",
        "15 digit",
        "2 unit",
        "AWB",
        "kode billing",
        "rekening pribadi",
        "PEB",
        "PIB",
        "kawasan berikat",
        "NPPBKC",
        "pita cukai",
        "e-CD",
        "impor sementara",
        "gudang",
    ):
        assert fact in bodies, fact

    call_command("load_demo", stdout=io.StringIO())
    assert CannedAnswer.objects.count() == national.count()
