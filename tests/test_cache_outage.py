"""While Redis (the cache) is down, nothing the public sends is refused: rate limits give way, with a warning."""

import logging

import pytest
from django.core.cache import cache
from django.test import override_settings

from tests import factories

DEAD = {
    "default": {
        "BACKEND": "common.cache.ResilientRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there: a real refused connection
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@override_settings(CACHES=DEAD)
def test_reads_give_the_default_and_writes_do_nothing(caplog, monkeypatch):
    import common.cache

    monkeypatch.setattr(common.cache, "_last_warning", -1e9)  # no warning given yet in this process
    with caplog.at_level(logging.WARNING, logger="common.cache"):
        assert cache.get("k", "fallback") == "fallback"
        cache.set("k", 1)
        assert cache.add("k", 1) is False and cache.incr("k", 3) == 3 and cache.get_many(["a"]) == {}
        assert cache.has_key("k") is False
    warnings = [r for r in caplog.records if "cache unavailable" in r.getMessage()]
    assert len(warnings) == 1  # once, not once per call


@pytest.mark.django_db
@override_settings(CACHES=DEAD)
def test_a_visitor_still_opens_a_chat_and_writes_while_the_cache_is_down(client):
    office = factories.OfficeFactory()
    factories.ChannelAccountFactory(office=office, kind="webchat")
    session = client.post("/api/v1/webchat/sessions/", {"office": office.code}, content_type="application/json")
    assert session.status_code in (200, 201), session.content
    token = session.json()["token"]
    sent = client.post(
        "/api/v1/webchat/messages/", {"text": "Halo"}, content_type="application/json", HTTP_X_WEBCHAT_TOKEN=token
    )
    assert sent.status_code in (200, 201), sent.content
