"""A platform is its adapter: account kinds, webhook URLs, system checks, base URLs and reply windows all come
from what each adapter declares, so a new platform is one module and nothing else edited."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.checks import run_checks

from channels_intake import adapters
from channels_intake.accounts import base_url_for
from channels_intake.adapters import ParseResult, ReplyWindowRule, SendResult
from channels_intake.adapters.base import ALWAYS_OPEN, CREDENTIAL_FIELDS, KNOWN_CHANNELS
from channels_intake.models import kind_choices
from channels_intake.services import reply_window
from tests import factories


@pytest.mark.parametrize("kind", adapters.kinds())
def test_every_adapter_declares_what_its_platform_is(kind):
    adapter = adapters.get_adapter(kind)
    assert adapter.kind == kind and adapter.label and adapter.channels and adapter.text_limit > 0
    assert set(adapter.required_credentials) <= set(CREDENTIAL_FIELDS)
    assert adapter.default_base_url.startswith("https://") or not adapter.receives_webhooks
    assert isinstance(adapter.reply_rule, ReplyWindowRule)
    assert set(adapter.channels) <= KNOWN_CHANNELS


class LineAdapter:
    """A platform that does not exist here: registered for one test, to show nothing else needs editing."""

    kind = "line"
    label = "LINE"
    channels = ("line",)
    text_limit = 5000
    receives_webhooks = True
    required_credentials = ("secret", "access_token")
    base_url_setting = "LINE_API_URL"
    default_base_url = "https://api.line.me"
    reply_rule = ALWAYS_OPEN

    def handshake(self, creds, query):
        return None

    def verify_signature(self, creds, headers, body):
        return False

    def parse(self, body):
        return ParseResult()  # never reached: the made-up platform refuses every signature

    def send_text(self, creds, recipient_id, text, *, base_url, timeout=10.0, tag=None, skip=0):
        return SendResult(platform_ids=())


@pytest.fixture
def line_registered(monkeypatch):
    monkeypatch.setattr(adapters.registry, "_items", dict(adapters.registry._items))
    monkeypatch.setattr(adapters.base, "KNOWN_CHANNELS", set(KNOWN_CHANNELS))
    adapters.registry.register("line", LineAdapter())
    yield


def test_a_registered_adapter_is_a_kind_a_webhook_url_and_a_system_check(line_registered, db, client, settings):
    assert ("line", "LINE") in kind_choices()
    assert "line" in adapters.webhook_kinds() and base_url_for("line") == "https://api.line.me"
    settings.LINE_API_URL = "http://127.0.0.1:9/line"  # a setting of the adapter's name overrides the default
    assert base_url_for("line") == "http://127.0.0.1:9/line"

    account = factories.ChannelAccountFactory(kind="line", slug="line-1", secret="", access_token="t")
    errors = [e for e in run_checks(databases=["default"]) if e.id == "channels_intake.E001"]
    assert [e.obj for e in errors] == ["line/line-1"] and "secret" in errors[0].msg

    # Its webhook URL exists (a forged body is refused by its own signature check, not a 404 for the kind).
    assert (
        client.post(f"/intake/line/{account.slug}/webhook/", b"{}", content_type="application/json").status_code == 403
    )


def test_a_kind_without_webhooks_has_no_webhook_url(db, client, office):
    account = factories.ChannelAccountFactory(office=office, kind="webchat")
    response = client.post(f"/intake/webchat/{account.slug}/webhook/", b"{}", content_type="application/json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_reply_windows_come_from_the_adapters_rule():
    last = datetime(2026, 12, 1, 2, tzinfo=UTC)
    assert reply_window(kind="telegram", last_inbound_at=last, now=last + timedelta(days=30)).allowed

    meta_tagged = reply_window(kind="meta", last_inbound_at=last, now=last + timedelta(days=2))
    assert meta_tagged.allowed and meta_tagged.tag == "HUMAN_AGENT"
    meta_closed = reply_window(kind="meta", last_inbound_at=last, now=last + timedelta(days=8), zone="Asia/Jakarta")
    assert not meta_closed.allowed and "08-12-2026 09:00" in meta_closed.reason

    whatsapp = reply_window(kind="whatsapp", last_inbound_at=last, now=last + timedelta(hours=25))
    assert not whatsapp.allowed and whatsapp.closes_at == last + timedelta(hours=24)


def test_every_module_of_the_adapters_package_is_registered_by_discovery():
    import pkgutil

    modules = {info.name for info in pkgutil.iter_modules(adapters.__path__)} - {"base"}
    assert {type(adapters.get_adapter(kind)).__module__.rsplit(".", 1)[1] for kind in adapters.kinds()} == modules
