"""SLA policy rows are written through ``sla.policies``: from the admin too, audited, and deadlines follow.

Dates: the week of Monday 2026-12-07 has no holiday (as in tests/sla/test_engine.py).
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from sla.models import SlaPolicySetting
from sla.policies import sla_policy_delete, sla_policy_save
from tests import factories
from tests.factories import response_due as due
from tests.factories import running_inquiry

WIB = ZoneInfo("Asia/Jakarta")
MON = date(2026, 12, 7)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(MON, time(hour, minute), tzinfo=WIB)


@pytest.fixture
def root(db):
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, root):
    client.force_login(root)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def account(office):
    return factories.ChannelAccountFactory(office=office, kind="webchat")


def policy_form(office=None, **values) -> dict:
    data = {
        "office": office.pk if office is not None else "",
        "response_minutes": 55,
        "late_window_minutes": 120,
        "resolution_working_days": 2,
        "at_risk_ratio": 0.8,
        "abandon_after_working_days": 3,
        "head_escalation_minutes": 60,
    }
    data.update(values)
    return data


def test_a_global_policy_saved_in_the_admin_is_audited_and_moves_every_running_deadline(
    admin_client, root, account, django_capture_on_commit_callbacks
):
    mine = running_inquiry(account, at(9))
    other = running_inquiry(factories.ChannelAccountFactory(office=factories.OfficeFactory()), at(9))
    assert mine.response_due == at(9, 55)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/sla/slapolicysetting/add/", policy_form(response_minutes=30))

    assert response.status_code == 302
    policy = SlaPolicySetting.objects.get()
    event = AuditEvent.objects.get(action="sla_policy.save", object_id=str(policy.pk))
    assert event.actor == root and event.changes["after"]["response_minutes"] == 30
    assert due(mine) == due(other) == at(9, 30)


def test_an_office_policy_changed_in_the_admin_moves_only_that_office(
    admin_client, account, office, django_capture_on_commit_callbacks
):
    policy = SlaPolicySetting.objects.create(office=office, response_minutes=45)
    mine = running_inquiry(account, at(9))
    other = running_inquiry(factories.ChannelAccountFactory(office=factories.OfficeFactory()), at(9))
    assert mine.response_due == at(9, 45)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/sla/slapolicysetting/{policy.pk}/change/", policy_form(office, response_minutes=20)
        )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="sla_policy.save")
    assert event.office_code == office.code
    assert event.changes == {"before": {"response_minutes": 45}, "after": {"response_minutes": 20}}
    assert due(mine) == at(9, 20) and due(other) == at(9, 55)


def test_deleting_a_policy_in_the_admin_is_audited_and_falls_back_to_the_defaults(
    admin_client, account, office, django_capture_on_commit_callbacks
):
    policy = SlaPolicySetting.objects.create(office=office, response_minutes=30)
    inquiry = running_inquiry(account, at(9))
    assert inquiry.response_due == at(9, 30)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/sla/slapolicysetting/{policy.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not SlaPolicySetting.objects.exists()
    assert AuditEvent.objects.filter(action="sla_policy.delete", object_id=str(policy.pk)).exists()
    assert due(inquiry) == at(9, 55)


def test_bulk_deleting_policies_goes_through_the_service(admin_client, account, django_capture_on_commit_callbacks):
    rows = [SlaPolicySetting.objects.create(office=None, response_minutes=30)]
    rows.append(SlaPolicySetting.objects.create(office=factories.OfficeFactory(), response_minutes=20))
    inquiry = running_inquiry(account, at(9))
    assert inquiry.response_due == at(9, 30)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/sla/slapolicysetting/",
            {"action": "delete_selected", "_selected_action": [row.pk for row in rows], "post": "yes"},
        )

    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="sla_policy.delete").count() == 2
    assert due(inquiry) == at(9, 55)


def test_a_second_global_policy_is_a_form_error(admin_client, django_capture_on_commit_callbacks):
    SlaPolicySetting.objects.create(office=None)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post("/admin/sla/slapolicysetting/add/", policy_form(response_minutes=10))
    assert response.status_code == 200
    assert "already a global policy" in response.content.decode()
    assert SlaPolicySetting.objects.count() == 1 and callbacks == []


def test_the_services_refuse_bad_values_and_leave_the_rows(db, office):
    with pytest.raises(ValidationError) as error:
        sla_policy_save(office=office, response_minutes=0)
    assert "response_minutes" in error.value.message_dict
    policy = sla_policy_save(office=office, response_minutes=40)
    with pytest.raises(ValidationError):
        sla_policy_save(office=office, response_minutes=30)  # a second row for one office
    sla_policy_delete(policy=policy)
    assert not SlaPolicySetting.objects.exists()
    assert [e.action for e in AuditEvent.objects.order_by("id")] == ["sla_policy.save", "sla_policy.delete"]
