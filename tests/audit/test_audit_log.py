import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AppendOnlyError, AuditEvent
from audit.services import audit_record
from tests import factories


def test_audit_record_keeps_who_what_which_and_changes(db):
    user = factories.UserFactory(username="petugas")
    office = factories.OfficeFactory()
    event = audit_record(actor=user, action="office.edit", obj=office, changes={"name": ["a", "b"]})
    event.refresh_from_db()
    assert (event.actor_label, event.action, event.object_type, event.object_id) == (
        "petugas",
        "office.edit",
        "offices.office",
        str(office.pk),
    )
    assert event.changes == {"name": ["a", "b"]}
    assert event.created_at is not None


def test_system_actions_are_labelled(db):
    event = audit_record(action="sla.sweep", object_type="sla", object_id="-")
    assert event.actor is None and event.actor_label == "system"


def test_events_cannot_be_changed_or_deleted_through_the_orm(db):
    event = audit_record(action="x", object_type="t", object_id="1")
    event.action = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "x"


def test_postgresql_refuses_raw_updates_of_the_audit_log(postgres):
    event = audit_record(action="x", object_type="t", object_id="1")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'tampered' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])


def test_admin_audit_log_is_read_only(client, db):
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    event = audit_record(actor=admin, action="x", object_type="t", object_id="1")
    client.force_login(admin)
    assert client.get("/admin/audit/auditevent/").status_code == 200
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    page = client.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert page.status_code == 200 and b'name="action"' not in page.content
    assert client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
