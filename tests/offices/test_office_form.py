"""The office form fits people: the time zone is chosen from a list, Indonesia's zones first."""

import pytest
from django.core.exceptions import ValidationError

from offices.models import timezone_choices
from tests import factories


def test_the_zone_list_starts_with_indonesias_zones_and_holds_every_iana_zone():
    choices = timezone_choices()
    assert [zone for zone, _label in choices[:4]] == [
        "Asia/Jakarta",
        "Asia/Pontianak",
        "Asia/Makassar",
        "Asia/Jayapura",
    ]
    assert choices[2][1] == "Asia/Makassar (WITA)" and ("Europe/Amsterdam", "Europe/Amsterdam") in choices
    assert len({zone for zone, _label in choices}) == len(choices) > 300


def test_the_admin_office_form_offers_the_zones_as_a_list_and_refuses_free_text(client, db):
    office = factories.OfficeFactory()
    client.force_login(factories.UserFactory(username="root", is_staff=True, is_superuser=True))
    page = client.get(f"/admin/offices/office/{office.pk}/change/").content.decode()
    assert '<select name="timezone"' in page and '<option value="Asia/Makassar">Asia/Makassar (WITA)</option>' in page

    office.timezone = "Mars/Olympus"
    with pytest.raises(ValidationError) as refused:
        office.full_clean()
    assert "timezone" in refused.value.message_dict
