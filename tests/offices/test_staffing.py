"""The typology's officer limit: enforced by the service, the admin and the database constraint."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from audit.models import AuditEvent
from offices.models import Role, StaffProfile, Typology
from offices.services import staff_assign
from tests import factories


@pytest.fixture
def small_office(db):
    typology = factories.TypologyFactory(name="KPPBC TMP C", officer_limit=2)
    return factories.OfficeFactory(typology=typology)


def test_staff_assign_refuses_an_officer_over_the_typology_limit(small_office):
    first, second, third = (factories.UserFactory() for _ in range(3))
    staff_assign(user=first, office=small_office, role=Role.OFFICER)
    staff_assign(user=second, office=small_office, role=Role.OFFICER)

    with pytest.raises(ValidationError) as error, translation.override("en"):
        staff_assign(user=third, office=small_office, role=Role.OFFICER)

    assert "at most 2" in str(error.value)
    assert StaffProfile.objects.filter(office=small_office, role=Role.OFFICER).count() == 2
    assert not StaffProfile.objects.filter(user=third).exists()


def test_other_roles_do_not_count_against_the_officer_limit(small_office):
    for _ in range(2):
        staff_assign(user=factories.UserFactory(), office=small_office, role=Role.OFFICER)
    coordinator = staff_assign(user=factories.UserFactory(), office=small_office, role=Role.COORDINATOR)
    assert coordinator.role == Role.COORDINATOR


def test_inactive_officers_free_their_place(small_office):
    users = [factories.UserFactory() for _ in range(2)]
    for user in users:
        staff_assign(user=user, office=small_office, role=Role.OFFICER)
    users[0].is_active = False
    users[0].save()
    staff_assign(user=factories.UserFactory(), office=small_office, role=Role.OFFICER)
    assert StaffProfile.objects.filter(office=small_office, role=Role.OFFICER).count() == 3


def test_staff_assign_writes_the_audit_log(small_office):
    admin = factories.UserFactory(username="boss")
    user = factories.UserFactory()
    profile = staff_assign(user=user, office=small_office, role=Role.OFFICER, actor=admin)
    event = AuditEvent.objects.get(action="staff.assign", object_id=str(profile.pk))
    assert event.actor == admin
    assert event.changes["after"] == {"office": small_office.code, "role": "officer"}


def test_typology_limit_must_be_between_1_and_6(db):
    with pytest.raises(ValidationError):
        Typology(name="Too big", officer_limit=7).full_clean()
    with pytest.raises(ValidationError):
        Typology(name="Zero", officer_limit=0).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Typology.objects.create(name="Bypass", officer_limit=9)


def test_office_code_is_six_digits(db):
    office = factories.OfficeFactory.build(code="12345", typology=factories.TypologyFactory())
    with pytest.raises(ValidationError) as error:
        office.full_clean()
    assert "code" in error.value.message_dict


def test_admin_shows_a_form_error_and_creates_nothing_when_over_the_limit(english, client, small_office):
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    for _ in range(2):
        staff_assign(user=factories.UserFactory(), office=small_office, role=Role.OFFICER)
    newcomer = factories.UserFactory(username="newcomer")
    client.force_login(admin)

    response = client.post(
        "/admin/offices/staffprofile/add/",
        {"user": newcomer.pk, "office": small_office.pk, "role": Role.OFFICER, "on_duty": "on", "language": "id"},
    )

    assert response.status_code == 200  # the form comes back with its error, no redirect
    assert "at most 2" in response.content.decode()
    assert not StaffProfile.objects.filter(user=newcomer).exists()


def test_admin_office_inline_cannot_add_several_officers_past_the_limit(client, small_office):
    admin = factories.UserFactory(username="root2", is_staff=True, is_superuser=True)
    client.force_login(admin)
    users = [factories.UserFactory() for _ in range(3)]
    data = {
        "code": small_office.code,
        "name": small_office.name,
        "kind": small_office.kind,
        "typology": small_office.typology.pk,
        "timezone": small_office.timezone,
        "is_active": "on",
        "staff-TOTAL_FORMS": "3",
        "staff-INITIAL_FORMS": "0",
        "staff-MIN_NUM_FORMS": "0",
        "staff-MAX_NUM_FORMS": "1000",
        "weekly_hours-TOTAL_FORMS": "0",
        "weekly_hours-INITIAL_FORMS": "0",
        "weekly_hours-MIN_NUM_FORMS": "0",
        "weekly_hours-MAX_NUM_FORMS": "1000",
        "reopened_dates-TOTAL_FORMS": "0",
        "reopened_dates-INITIAL_FORMS": "0",
        "reopened_dates-MIN_NUM_FORMS": "0",
        "reopened_dates-MAX_NUM_FORMS": "1000",
    }
    for index, user in enumerate(users):
        data.update(
            {f"staff-{index}-user": user.pk, f"staff-{index}-role": Role.OFFICER, f"staff-{index}-on_duty": "on"}
        )

    response = client.post(f"/admin/offices/office/{small_office.pk}/change/", data)

    assert response.status_code == 200
    assert StaffProfile.objects.filter(office=small_office).count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_assignments_cannot_both_take_the_last_place(postgres):
    typology = factories.TypologyFactory(name="Solo", officer_limit=1)
    office = factories.OfficeFactory(typology=typology)
    users = [factories.UserFactory() for _ in range(4)]
    barrier = threading.Barrier(len(users))
    outcomes = []

    def assign(user):
        barrier.wait()
        try:
            staff_assign(user=user, office=office, role=Role.OFFICER)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=assign, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]
    assert StaffProfile.objects.filter(office=office, role=Role.OFFICER).count() == 1
