"""The typology's officer limit holds on every path, and its errors give the real numbers once, in Indonesian."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from offices.models import Role, StaffProfile
from offices.services import staff_assign, typology_update
from tests import factories


@pytest.fixture
def full_office(db):
    """A TMP C office (limit 2) with its two officers."""
    office = factories.OfficeFactory(typology=factories.TypologyFactory(name="KPPBC TMP C", officer_limit=2))
    for _ in range(2):
        factories.StaffFactory(office=office, role=Role.OFFICER)
    return office


def test_full_clean_refuses_a_profile_that_would_pass_the_limit(full_office):
    profile = StaffProfile(user=factories.UserFactory(), office=full_office, role=Role.OFFICER)

    with pytest.raises(ValidationError) as error, translation.override("id"):
        profile.full_clean()

    message = " ".join(error.value.message_dict["role"])
    assert "kini memiliki 2 petugas aktif dan akan menjadi 3" in message
    assert "paling banyak 2" in message


def test_full_clean_of_an_officer_already_there_passes(full_office):
    full_office.staff.first().full_clean()


def test_full_clean_refuses_a_role_change_or_a_move_into_a_full_office(full_office):
    coordinator = factories.StaffFactory(office=full_office, role=Role.COORDINATOR)
    coordinator.role = Role.OFFICER
    with pytest.raises(ValidationError):
        coordinator.full_clean()

    elsewhere = factories.StaffFactory(role=Role.OFFICER)
    elsewhere.office = full_office
    with pytest.raises(ValidationError):
        elsewhere.full_clean()


def test_a_role_change_to_officer_and_a_move_are_refused_by_the_service(full_office):
    coordinator = factories.StaffFactory(office=full_office, role=Role.COORDINATOR)
    with pytest.raises(ValidationError):
        staff_assign(user=coordinator.user, office=full_office, role=Role.OFFICER)
    mover = factories.StaffFactory(role=Role.OFFICER)
    with pytest.raises(ValidationError):
        staff_assign(user=mover.user, office=full_office, role=Role.OFFICER)
    mover.refresh_from_db()
    assert mover.office != full_office


def test_lowering_a_limit_names_every_office_over_it_with_its_real_count_once(db):
    typology = factories.TypologyFactory(name="KPPBC TMP A", officer_limit=4)
    crowded = factories.OfficeFactory(typology=typology, name="KPPBC Ramai")
    fuller = factories.OfficeFactory(typology=typology, name="KPPBC Sedang")
    roomy = factories.OfficeFactory(typology=typology, name="KPPBC Lega")
    for office, count in ((crowded, 3), (fuller, 2), (roomy, 1)):
        for _ in range(count):
            factories.StaffFactory(office=office, role=Role.OFFICER)

    with pytest.raises(ValidationError) as error, translation.override("id"):
        typology_update(typology=typology, name=typology.name, officer_limit=1)

    (message,) = error.value.message_dict["officer_limit"]
    assert f"{crowded} sudah memiliki 3 petugas aktif" in message
    assert f"{fuller} sudah memiliki 2 petugas aktif" in message
    assert roomy.code not in message
    assert len(re.findall(r"\b3\b", message)) == 1 and len(re.findall(r"\b2\b", message)) == 1
    typology.refresh_from_db()
    assert typology.officer_limit == 4


@pytest.fixture
def root_client(client, db):
    client.force_login(factories.UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("language, text", [("en", "3 of 4 officers"), ("id", "3 dari 4 petugas")])
def test_the_office_admin_shows_officers_of_the_limit(root_client, language, text):
    office = factories.OfficeFactory(typology=factories.TypologyFactory(name="KPPBC TMP A", officer_limit=4))
    for _ in range(3):
        factories.StaffFactory(office=office, role=Role.OFFICER)
    factories.StaffFactory(office=office, role=Role.OFFICER, user__is_active=False)
    root_client.cookies["django_language"] = language

    listing = root_client.get("/admin/offices/office/").content.decode()
    page = root_client.get(f"/admin/offices/office/{office.pk}/change/").content.decode()

    assert text in listing
    assert text in page


def test_reactivating_an_officer_of_a_full_office_is_refused_in_the_user_admin(root_client, full_office):
    sleeper = factories.StaffFactory(office=full_office, role=Role.OFFICER, user__is_active=False).user
    root_client.cookies["django_language"] = "id"
    form = {
        "username": sleeper.username,
        "is_active": "on",
        "date_joined_0": sleeper.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": sleeper.date_joined.strftime("%H:%M:%S"),
    }

    response = root_client.post(f"/admin/auth/user/{sleeper.pk}/change/", form)

    assert response.status_code == 200
    assert "kini memiliki 2 petugas aktif dan akan menjadi 3" in response.content.decode()
    sleeper.refresh_from_db()
    assert sleeper.is_active is False


def test_reactivating_an_officer_with_room_left_is_accepted(root_client, full_office):
    full_office.staff.first().user.__class__.objects.filter(pk=full_office.staff.first().user_id).update(
        is_active=False
    )
    sleeper = full_office.staff.select_related("user").filter(user__is_active=False).get().user
    form = {
        "username": sleeper.username,
        "is_active": "on",
        "date_joined_0": sleeper.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": sleeper.date_joined.strftime("%H:%M:%S"),
    }

    response = root_client.post(f"/admin/auth/user/{sleeper.pk}/change/", form)

    assert response.status_code == 302
    sleeper.refresh_from_db()
    assert sleeper.is_active is True


def test_a_typology_change_in_the_office_admin_is_refused_once_with_the_real_count(root_client):
    from tests.offices.test_admin_writes import office_form

    office = factories.OfficeFactory(typology=factories.TypologyFactory(name="KPPBC TMP A", officer_limit=4))
    for _ in range(3):
        factories.StaffFactory(office=office, role=Role.OFFICER)
    small = factories.TypologyFactory(name="KPPBC TMP C", officer_limit=2)
    root_client.cookies["django_language"] = "id"

    form = office_form(office, staff=list(office.staff.select_related("user")), typology=small.pk)
    page = root_client.post(f"/admin/offices/office/{office.pk}/change/", form).content.decode()

    assert page.count("petugas aktif") == 1
    assert "kini memiliki 3 petugas aktif dan akan menjadi 3" in page and "paling banyak 2" in page
    office.refresh_from_db()
    assert office.typology.name == "KPPBC TMP A"


# --- Reactivation outside the admin, and the models' own full_clean ------------------------------------------
def test_reactivating_through_the_service_is_refused_over_the_limit_and_audited_within_it(full_office):
    from audit.models import AuditEvent
    from offices.services import user_active_set

    sleeper = factories.StaffFactory(office=full_office, role=Role.OFFICER, user__is_active=False).user
    with pytest.raises(ValidationError) as error, translation.override("id"):
        user_active_set(user=sleeper, active=True)
    assert "kini memiliki 2 petugas aktif dan akan menjadi 3" in " ".join(error.value.message_dict["is_active"])
    sleeper.refresh_from_db()
    assert sleeper.is_active is False

    leaver = full_office.staff.select_related("user").exclude(user=sleeper).first().user
    assert user_active_set(user=leaver, active=False) is True
    assert user_active_set(user=sleeper, active=True) is True
    sleeper.refresh_from_db()
    assert sleeper.is_active is True
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="user.").order_by("id")] == [
        "user.deactivate",
        "user.activate",
    ]


def test_a_plain_user_save_cannot_reactivate_an_officer_over_the_limit(full_office):
    sleeper = factories.StaffFactory(office=full_office, role=Role.OFFICER, user__is_active=False).user
    sleeper.is_active = True
    with pytest.raises(ValidationError):
        sleeper.save()
    sleeper.refresh_from_db()
    assert sleeper.is_active is False
    sleeper.first_name = "Masih nonaktif"
    sleeper.save()  # other changes of an inactive officer are fine
    sleeper.save(update_fields=["last_login"])


def test_a_login_save_costs_no_limit_query(full_office, django_assert_num_queries):
    user = full_office.staff.select_related("user").first().user
    with django_assert_num_queries(1):
        user.save(update_fields=["last_login"])


def test_an_office_full_clean_refuses_a_typology_too_small(db):
    office = factories.OfficeFactory(typology=factories.TypologyFactory(name="KPPBC TMP A", officer_limit=4))
    for _ in range(3):
        factories.StaffFactory(office=office, role=Role.OFFICER)
    office.typology = factories.TypologyFactory(name="KPPBC TMP C", officer_limit=2)
    with pytest.raises(ValidationError) as error, translation.override("id"):
        office.full_clean()
    (message,) = error.value.message_dict["typology"]
    assert "kini memiliki 3 petugas aktif dan akan menjadi 3" in message and "paling banyak 2" in message


def test_a_typology_full_clean_refuses_a_limit_below_an_office(db):
    typology = factories.TypologyFactory(name="KPPBC TMP A", officer_limit=4)
    office = factories.OfficeFactory(typology=typology)
    for _ in range(3):
        factories.StaffFactory(office=office, role=Role.OFFICER)
    typology.officer_limit = 2
    with pytest.raises(ValidationError) as error, translation.override("id"):
        typology.full_clean()
    assert f"{office} sudah memiliki 3 petugas aktif" in error.value.message_dict["officer_limit"][0]
    typology.officer_limit = 3
    typology.full_clean()


def test_an_admin_role_gives_access_to_the_admin_site(db):
    from audit.models import AuditEvent

    office = factories.OfficeFactory()
    user = factories.UserFactory()
    profile = staff_assign(user=user, office=office, role=Role.ADMIN)
    user.refresh_from_db()
    assert user.is_staff is True
    assert AuditEvent.objects.get(action="staff.assign", object_id=str(profile.pk)).changes["is_staff"] is True
