import io

import pytest
from django.core.checks import run_checks
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from channels_intake.models import ChannelAccount
from tests import factories


def test_channel_account_add_creates_an_account_and_never_prints_the_secret(office):
    out = io.StringIO()
    call_command(
        "channel_account_add",
        "--kind",
        "whatsapp",
        "--office",
        office.code,
        "--slug",
        "wa-kantor",
        "--secret",
        "APP-SECRET-123",
        "--verify-token",
        "VT",
        "--access-token",
        "TOKEN-XYZ",
        "--external-id",
        "1234567890",
        stdout=out,
    )
    account = ChannelAccount.objects.get(slug="wa-kantor")
    assert (account.kind, account.office, account.secret, account.external_id) == (
        "whatsapp",
        office,
        "APP-SECRET-123",
        "1234567890",
    )
    assert "/intake/whatsapp/wa-kantor/webhook/" in out.getvalue()
    assert "APP-SECRET-123" not in out.getvalue() and "TOKEN-XYZ" not in out.getvalue()
    event = AuditEvent.objects.get(action="channel.create")
    assert "APP-SECRET-123" not in str(event.changes)


def test_channel_account_add_refuses_bad_input(office):
    with pytest.raises(CommandError, match="No office"):
        call_command("channel_account_add", "--kind", "telegram", "--office", "999999", "--slug", "t")
    call_command(
        "channel_account_add", "--kind", "telegram", "--office", office.code, "--slug", "t", stdout=io.StringIO()
    )
    with pytest.raises(CommandError):
        call_command("channel_account_add", "--kind", "telegram", "--office", office.code, "--slug", "t")
    with pytest.raises(CommandError):
        call_command("channel_account_add", "--kind", "telegram", "--office", office.code, "--slug", "bad slug!")


def test_system_check_flags_accounts_missing_what_their_kind_needs(office):
    factories.ChannelAccountFactory(office=office, kind="meta", slug="meta-ok")
    factories.ChannelAccountFactory(office=office, kind="x", slug="x-bad", secret="", external_id="")
    errors = [e for e in run_checks(databases=["default"]) if e.id == "channels_intake.E001"]
    assert len(errors) == 1 and "x/x-bad" in errors[0].msg and "secret" in errors[0].msg


def test_the_admin_never_shows_secrets_back(client, office):
    account = factories.ChannelAccountFactory(office=office, kind="telegram", secret="TOP-SECRET-VALUE-9876")
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get(f"/admin/channels_intake/channelaccount/{account.pk}/change/").content.decode()
    assert "TOP-SECRET-VALUE-9876" not in page and "9876" in page  # masked, last four shown


def test_cors_only_for_configured_origins(api_client, office, settings):
    factories.ChannelAccountFactory(office=office, kind="webchat", allowed_origins="https://kantor.example.go.id")
    ok = api_client.options("/api/v1/webchat/sessions/", HTTP_ORIGIN="https://kantor.example.go.id")
    assert ok["Access-Control-Allow-Origin"] == "https://kantor.example.go.id"
    assert "X-Webchat-Token" in ok["Access-Control-Allow-Headers"]
    other = api_client.options("/api/v1/webchat/sessions/", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other
    refused = api_client.post(
        "/api/v1/webchat/sessions/", {"office": office.code}, format="json", HTTP_ORIGIN="https://evil.example"
    )
    assert refused.status_code == 403
    allowed = api_client.post(
        "/api/v1/webchat/sessions/", {"office": office.code}, format="json", HTTP_ORIGIN="https://kantor.example.go.id"
    )
    assert allowed.status_code == 201


def test_web_chat_rate_limits_per_session(api_client, office, settings):
    from rest_framework.settings import api_settings

    factories.ChannelAccountFactory(office=office, kind="webchat")
    token = api_client.post("/api/v1/webchat/sessions/", {"office": office.code}, format="json").json()["token"]
    api_client.credentials(HTTP_X_WEBCHAT_TOKEN=token)
    rate = api_settings.DEFAULT_THROTTLE_RATES["webchat_message"]
    limit = int(rate.split("/")[0])
    codes = [
        api_client.post("/api/v1/webchat/messages/", {"text": f"pesan {i}"}, format="json").status_code
        for i in range(limit + 1)
    ]
    assert codes[:limit] == [201] * limit and codes[-1] == 429


def test_web_chat_text_is_stored_as_text_and_the_widget_escapes_it(api_client, office):
    from pathlib import Path

    factories.ChannelAccountFactory(office=office, kind="webchat")
    token = api_client.post("/api/v1/webchat/sessions/", {"office": office.code}, format="json").json()["token"]
    api_client.credentials(HTTP_X_WEBCHAT_TOKEN=token)
    api_client.post("/api/v1/webchat/messages/", {"text": "<script>alert(1)</script>"}, format="json")
    assert api_client.get("/api/v1/webchat/messages/").json()["messages"][0]["text"] == "<script>alert(1)</script>"
    widget = (Path(__file__).resolve().parents[2] / "static" / "webchat" / "widget.js").read_text()
    assert ".innerHTML = msg" not in widget and "textContent = msg.text" in widget


def _account_form(account, **changes):
    data = {
        "office": account.office_id,
        "kind": account.kind,
        "slug": account.slug,
        "name": account.name,
        "external_id": account.external_id,
        "secret": "",
        "verify_token": "",
        "access_token": "",
        "allowed_origins": account.allowed_origins,
        "is_active": "on",
    }
    return data | changes


def test_an_admin_edit_goes_through_the_service_keeps_blank_secrets_and_is_audited_without_them(client, office):
    account = factories.ChannelAccountFactory(office=office, kind="telegram", secret="OLD-SECRET-1234")
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)

    response = client.post(
        f"/admin/channels_intake/channelaccount/{account.pk}/change/",
        _account_form(account, name="Telegram Soetta", access_token="NEW-TOKEN-5678"),
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.name == "Telegram Soetta" and account.secret == "OLD-SECRET-1234"
    assert account.access_token == "NEW-TOKEN-5678"
    event = AuditEvent.objects.get(action="channel.update")
    assert event.actor == admin and event.changes == {"name": "Telegram Soetta", "access_token_set": True}
    assert "NEW-TOKEN" not in str(event.changes) and "OLD-SECRET" not in str(event.changes)


def test_an_invalid_admin_edit_is_a_form_error_and_changes_nothing(client, office):
    account = factories.ChannelAccountFactory(office=office, kind="telegram", slug="tg-a")
    factories.ChannelAccountFactory(office=office, kind="telegram", slug="tg-b")
    client.force_login(factories.UserFactory(username="root", is_staff=True, is_superuser=True))

    response = client.post(
        f"/admin/channels_intake/channelaccount/{account.pk}/change/", _account_form(account, slug="tg-b")
    )

    assert response.status_code == 200 and response.context["adminform"].form.errors
    account.refresh_from_db()
    assert account.slug == "tg-a" and not AuditEvent.objects.filter(action="channel.update").exists()
