"""An admin can give dead and failed events another round once the cause is fixed."""

from audit.models import AuditEvent
from channels_intake.models import InboundEvent
from tests import factories
from tickets.models import Message


def event(account, key, status, attempts):
    return InboundEvent.objects.create(
        account=account,
        dedupe_key=key,
        status=status,
        attempts=attempts,
        error="OperationalError: database is down",
        message={
            "dedupe_key": key,
            "sender_id": f"u-{key}",
            "sender_name": "Budi",
            "text": "Halo",
            "sent_at": None,
            "recipient_id": "",
            "channel": "telegram",
        },
    )


def test_the_admin_action_refiles_dead_and_failed_events_and_leaves_unreadable_ones(
    client, office, django_capture_on_commit_callbacks
):
    account = factories.ChannelAccountFactory(office=office, kind="telegram")
    dead = event(account, "1", InboundEvent.Status.DEAD, 20)
    failed = event(account, "2", InboundEvent.Status.FAILED, 3)
    unreadable = InboundEvent.objects.create(
        account=account, dedupe_key="invalid:x", status=InboundEvent.Status.INVALID, raw_body="{", error="not_json"
    )
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/channels_intake/inboundevent/",
            {"action": "retry", "_selected_action": [dead.pk, failed.pk, unreadable.pk]},
        )

    assert response.status_code == 302
    assert set(Message.objects.values_list("platform_id", flat=True)) == {"1", "2"}
    statuses = dict(InboundEvent.objects.values_list("pk", "status"))
    assert statuses == {dead.pk: "processed", failed.pk: "processed", unreadable.pk: "invalid"}
    assert AuditEvent.objects.get(action="inbound.retry").changes == {"events": sorted([dead.pk, failed.pk])}
