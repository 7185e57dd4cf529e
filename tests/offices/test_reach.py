"""The one reach rule: head office sees all, a region sees itself and what is under it, an office itself."""

import pytest
from django.contrib.auth import get_user_model

from offices.models import Office, Role, StaffProfile, Typology
from offices.reach import office_in_reach, offices_in_reach

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    typology = Typology.objects.create(name="T", officer_limit=6)
    head = Office.objects.create(code="001000", name="Pusat", kind=Office.Kind.HEAD_OFFICE, typology=typology)
    region = Office.objects.create(code="090000", name="Kanwil", kind=Office.Kind.REGIONAL, typology=typology)
    under = Office.objects.create(code="090400", name="Makassar", typology=typology, parent=region)
    other = Office.objects.create(code="050100", name="Soetta", typology=typology)
    return head, region, under, other


def staff(office, name, role=Role.SUPERVISOR):
    user = get_user_model().objects.create_user(name)
    StaffProfile.objects.create(user=user, office=office, role=role)
    return user


def test_each_kind_of_office_reaches_what_the_rule_says(tree):
    head, region, under, other = tree
    assert set(offices_in_reach(staff(head, "h"))) == {head, region, under, other}
    assert set(offices_in_reach(staff(region, "r"))) == {region, under}
    assert set(offices_in_reach(staff(under, "u"))) == {under}
    assert not office_in_reach(staff(under, "u2"), other)
    assert office_in_reach(staff(region, "r2"), under)


def test_no_profile_reaches_nothing_and_a_superuser_everything(tree):
    plain = get_user_model().objects.create_user("plain")
    root = get_user_model().objects.create_superuser("root")
    assert list(offices_in_reach(plain)) == []
    assert offices_in_reach(root).count() == 4
