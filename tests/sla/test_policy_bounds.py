"""An office's SLA policy stays within the bounds the head office sets with the global policy."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from sla.models import POLICY_FIELDS, SlaPolicySetting
from sla.policies import override_bounds, sla_policy_save
from tests import factories

pytestmark = pytest.mark.django_db


def test_without_a_global_row_the_bounds_are_the_defaults_of_sla_rules():
    bounds = override_bounds()
    assert bounds["response_minutes"] == (1, 55)
    assert bounds["resolution_working_days"] == (1, 2)
    assert bounds["abandon_after_working_days"] == (3, 30)
    assert list(bounds) == list(POLICY_FIELDS)


def test_the_global_policy_sets_the_bounds_and_an_office_override_outside_them_is_refused_in_indonesian(office):
    sla_policy_save(office=None, response_minutes=40, head_escalation_minutes=30)

    with pytest.raises(ValidationError) as error, translation.override("id"):
        sla_policy_save(office=office, response_minutes=45, head_escalation_minutes=30)

    (message,) = error.value.message_dict["response_minutes"]
    assert "dari 1 sampai 40" in message and "45" in message and "Kantor Pusat" in message
    assert not SlaPolicySetting.objects.filter(office=office).exists()

    with pytest.raises(ValidationError) as error:
        sla_policy_save(office=office, response_minutes=30, head_escalation_minutes=30, abandon_after_working_days=2)
    assert set(error.value.message_dict) == {"abandon_after_working_days"}

    saved = sla_policy_save(office=office, response_minutes=30, head_escalation_minutes=15, at_risk_ratio=0.5)
    assert saved.response_minutes == 30


def test_the_global_policy_itself_is_not_bounded(db):
    assert sla_policy_save(office=None, response_minutes=90).response_minutes == 90


def test_a_tighter_global_policy_leaves_saved_overrides_until_they_are_saved_again(office):
    policy = sla_policy_save(office=office, response_minutes=50)
    sla_policy_save(office=None, response_minutes=40)
    policy.refresh_from_db()
    assert policy.response_minutes == 50
    with pytest.raises(ValidationError):
        sla_policy_save(policy=policy, office=office, response_minutes=50, late_window_minutes=60)
    other = factories.OfficeFactory()
    assert sla_policy_save(office=other, response_minutes=40).response_minutes == 40
