"""The tamper-evident audit trail: rows sealed into one hash chain; a changed, removed or inserted row is found."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from audit.chain import GENESIS, audit_seal, audit_verify, chain_hash
from audit.models import AuditEvent
from audit.services import audit_record

pytestmark = pytest.mark.django_db


def write(n, start=0):
    for i in range(start, start + n):
        audit_record(actor_label="system", action="test.event", object_type="x", object_id=str(i), changes={"n": i})


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_rows_are_sealed_in_order_in_bounded_batches_and_the_chain_holds():
    write(25)
    assert audit_seal(batch=10) == 25
    rows = list(AuditEvent.objects.order_by("seal_seq"))
    assert [r.seal_seq for r in rows] == list(range(1, 26))
    assert rows[0].seal_hash == chain_hash(GENESIS, rows[0])
    assert rows[1].seal_hash == chain_hash(rows[0].seal_hash, rows[1])
    verdict = audit_verify()
    assert verdict.ok and verdict.checked == 25 and verdict.unsealed == 0 and verdict.head == rows[-1].seal_hash
    write(3, start=25)
    assert audit_verify().unsealed == 3 and audit_verify().ok  # not yet sealed is not broken
    assert audit_seal() == 3 and audit_seal() == 0
    assert audit_verify().checked == 28


def tamper(sql, params):
    """What an attacker with database superuser rights does: on PostgreSQL, switch the triggers off first."""
    if connection.vendor == "postgresql":
        raw("SET session_replication_role = replica")
    raw(sql, params)
    if connection.vendor == "postgresql":
        raw("SET session_replication_role = origin")


def test_a_changed_row_is_named():
    write(10)
    audit_seal()
    victim = AuditEvent.objects.get(seal_seq=6)
    tamper("UPDATE audit_auditevent SET actor_label = %s WHERE id = %s", ["someone-else", victim.pk])
    verdict = audit_verify()
    assert not verdict.ok and verdict.broken_seq == 6 and verdict.broken_id == victim.pk and verdict.checked == 5


def test_a_removed_row_is_named():
    write(10)
    audit_seal()
    victim = AuditEvent.objects.get(seal_seq=4)
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk])
    verdict = audit_verify()
    assert not verdict.ok and verdict.broken_seq == 4 and "missing" in verdict.reason


def test_a_rehashed_row_still_breaks_the_next_one():
    """Changing a row and recomputing its own hash does not help: the next row's hash covers the old one."""
    write(5)
    audit_seal()
    victim = AuditEvent.objects.get(seal_seq=2)
    tamper("UPDATE audit_auditevent SET changes = %s WHERE id = %s", ['{"n": 99}', victim.pk])
    victim.refresh_from_db()
    previous = AuditEvent.objects.get(seal_seq=1).seal_hash
    tamper("UPDATE audit_auditevent SET seal_hash = %s WHERE id = %s", [chain_hash(previous, victim), victim.pk])
    verdict = audit_verify()
    assert not verdict.ok and verdict.broken_seq == 3


def test_the_command_exits_0_when_the_chain_holds_and_1_naming_the_row_otherwise():
    write(4)
    out = io.StringIO()
    call_command("audit_verify", "--seal", stdout=out)
    assert "sealed 4 row(s)" in out.getvalue() and "holds: 4 sealed" in out.getvalue()
    victim = AuditEvent.objects.get(seal_seq=3)
    tamper("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["nothing.happened", victim.pk])
    with pytest.raises(CommandError) as refused:
        call_command("audit_verify", stdout=io.StringIO())
    # manage.py exits with the error's return code and prints its message.
    assert refused.value.returncode == 1
    assert f"audit event id {victim.pk}" in str(refused.value) and "position 3" in str(refused.value)


def test_the_model_refuses_to_change_a_sealed_row():
    write(1)
    audit_seal()
    row = AuditEvent.objects.get()
    with pytest.raises(RuntimeError):
        row.save()
    with pytest.raises(RuntimeError):
        AuditEvent.objects.filter(pk=row.pk).update(seal_hash="")


@pytest.mark.services
def test_postgresql_refuses_every_change_but_the_seal(postgres):
    write(1)
    row = AuditEvent.objects.get()
    from django.db import DatabaseError

    for sql, params in (
        ("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", [row.pk]),
        # Sealing while changing the content at the same time is refused too.
        ("UPDATE audit_auditevent SET seal_seq = 1, seal_hash = 'ab', action = 'x' WHERE id = %s", [row.pk]),
        ("DELETE FROM audit_auditevent WHERE id = %s", [row.pk]),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            raw(sql, params)
    assert audit_seal() == 1
    with pytest.raises(DatabaseError), transaction.atomic():
        raw("UPDATE audit_auditevent SET seal_hash = 'cd' WHERE id = %s", [row.pk])  # a sealed row stays sealed
    assert audit_verify().ok


def test_the_admin_page_verifies_the_chain_for_superusers_and_head_office_admins(client):
    from offices.models import Office, Role
    from tests import factories

    write(3)
    audit_seal()
    root = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    listing = client.get("/admin/audit/auditevent/").content.decode()
    assert "/admin/audit/auditevent/verify/" in listing
    page = client.get("/admin/audit/auditevent/verify/")
    assert page.status_code == 200 and "Rantai utuh." in page.content.decode()
    head_office = factories.OfficeFactory(kind=Office.Kind.HEAD_OFFICE)
    head_admin = factories.StaffFactory(office=head_office, role=Role.ADMIN).user
    head_admin.is_staff = True
    head_admin.save()
    office_admin = factories.StaffFactory(role=Role.ADMIN).user
    office_admin.is_staff = True
    office_admin.save()
    client.force_login(office_admin)
    assert client.get("/admin/audit/auditevent/verify/").status_code == 403
    client.force_login(head_admin)
    assert client.get("/admin/audit/auditevent/verify/").status_code == 200
    victim = AuditEvent.objects.filter(seal_seq=2).get()
    tamper("UPDATE audit_auditevent SET object_repr = %s WHERE id = %s", ["changed", victim.pk])
    broken = client.get("/admin/audit/auditevent/verify/")
    assert broken.status_code == 409 and f"{victim.pk}" in broken.content.decode()
