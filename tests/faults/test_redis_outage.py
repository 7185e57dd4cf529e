"""Redis stopped during a stream of webhooks, web-chat messages and officers' replies (issue: prove nothing is
lost): every request still answers 200 and is stored; once Redis is back, the worker and beat file everything
and deliver every reply exactly once to the platform's stand-in, with nobody doing anything.

Private PostgreSQL and redis-server (tests/faults/services.py); the web server, a Celery worker and beat in their own
processes; a local HTTP server speaking Telegram's Bot API stands in for Telegram."""

import json
import re

import pytest
import requests
from werkzeug import Response

from tests.conftest import need_service

from .services import (
    TELEGRAM_SECRET,
    PrivatePostgres,
    PrivateRedis,
    app_env,
    postgres_available,
    prepare,
    query,
    wait_for,
    web_server,
    worker,
)
from .services import beat as start_beat

pytestmark = [pytest.mark.services, pytest.mark.timeout(600)]


def update(n: int) -> bytes:
    return json.dumps(
        {
            "update_id": 7000 + n,
            "message": {
                "message_id": n,
                "date": 1764300000 + n,
                "text": f"Pertanyaan nomor {n}",
                "chat": {"id": 700 + n, "type": "private"},
                "from": {"id": 700 + n, "is_bot": False, "first_name": "Uji"},
            },
        }
    ).encode()


def webhook(base: str, n: int):
    return requests.post(
        f"{base}/intake/telegram/tg-faults/webhook/",
        data=update(n),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
        timeout=30,
    )


def drains_over(filer) -> bool:
    """Every drain task the worker took has ended: after letting go of its wake a drain waits, then looks at the
    log once more and files what came in meanwhile, so a wake gone is not yet a drain over."""
    log = filer.tail(10_000_000)
    taken = set(re.findall(r"channels_intake\.file_inbound\[([0-9a-f-]+)\] received", log))
    ended = set(re.findall(r"channels_intake\.file_inbound\[([0-9a-f-]+)\] (?:succeeded|raised|failed|retry)", log))
    return taken <= ended


def drains(redis) -> list:
    """The wake keys of the drains queued or running (channels_intake.inbound.WAKE_KEY, in the cache's Redis)."""
    import redis as redis_client

    return redis_client.Redis.from_url(redis.url).keys("*inbound:filer:*")


@pytest.fixture
def telegram(httpserver):
    """Telegram's sendMessage, as documented: {"ok": true, "result": <Message>}; every call is kept."""
    sent = []

    def send_message(request):
        payload = request.get_json(silent=True) or dict(request.form)
        sent.append(payload)
        result = {"message_id": len(sent), "date": 1764300000, "chat": {"id": payload.get("chat_id")}}
        return Response(json.dumps({"ok": True, "result": result}), content_type="application/json")

    httpserver.expect_request(re.compile(r"^/bot[^/]+/sendMessage$"), method="POST").respond_with_handler(send_message)
    return httpserver, sent


@pytest.fixture
def shape(tmp_path, telegram):
    available, reason = postgres_available()
    need_service(available, reason)
    pg = PrivatePostgres()
    redis = PrivateRedis()
    server, _sent = telegram
    env = app_env(
        pg.url,
        redis.url,
        TELEGRAM_API_URL=server.url_for("").rstrip("/"),
        REDRIVE_SECONDS="3",
        VAR_DIR=str(tmp_path / "var"),
    )
    token = prepare(env, webchat=True)
    web, base = web_server(env, tmp_path / "web.log")
    filer = worker(env, tmp_path / "worker.log")
    beat = start_beat(env, tmp_path)
    yield pg, redis, base, token, web, filer, beat
    for process in (web, filer, beat):
        process.kill()
    redis.stop()
    pg.remove()


def test_nothing_is_lost_while_redis_is_down_and_everything_arrives_once_after(shape, telegram):
    pg, redis, base, token, web, filer, beat = shape
    _server, sent = telegram
    assert all(webhook(base, n).status_code == 200 for n in range(5)), web.tail()
    wait_for(lambda: query(pg.url, "SELECT count(*) FROM tickets_inquiry")[0][0] == 5, 60, f"filing\n{filer.tail()}")
    inquiries = [row[0] for row in query(pg.url, "SELECT id FROM tickets_inquiry ORDER BY id")]
    # The outage begins once the worker's drain has let go of its wake (a drain still running, or waiting for a
    # stream's next messages, would file what comes next without the broker: good, but not what is tested here).
    wait_for(lambda: not drains(redis) and drains_over(filer), 30, f"the drain to end\n{filer.tail()}")

    redis.stop()
    during = [webhook(base, n) for n in range(5, 15)]
    assert [r.status_code for r in during] == [200] * 10, web.tail()
    session = requests.post(f"{base}/api/v1/webchat/sessions/", json={"office": "050100"}, timeout=30)
    assert session.status_code in (200, 201), session.text
    chat = {"X-Webchat-Token": session.json()["token"]}
    for text in ("Halo, paket saya tertahan", "Nomor resi 123-12345675", "Terima kasih"):
        answer = requests.post(f"{base}/api/v1/webchat/messages/", json={"text": text}, headers=chat, timeout=30)
        assert answer.status_code in (200, 201), answer.text
    auth = {"Authorization": f"Token {token}"}
    for inquiry_id in inquiries[:3]:
        reply = requests.post(
            f"{base}/api/v1/inquiries/{inquiry_id}/reply/",
            json={"text": f"Jawaban untuk {inquiry_id}", "kind": "message"},
            headers=auth,
            timeout=30,
        )
        assert reply.status_code in (200, 201), reply.text
    stored = query(
        pg.url, "SELECT count(*), count(*) FILTER (WHERE status = 'pending') FROM channels_intake_inboundevent"
    )
    assert stored[0][0] >= 15 and stored[0][1] >= 10  # durable before the 200, waiting for the broker
    assert sent == []  # nothing could be delivered yet

    redis.start()  # same port: the worker and beat reconnect by themselves
    wait_for(
        lambda: (
            query(pg.url, "SELECT count(*) FROM channels_intake_inboundevent WHERE status <> 'processed'")[0][0] == 0
        ),
        120,
        f"every event to be filed\n{filer.tail()}\n{beat.tail()}",
    )
    wait_for(lambda: len(sent) >= 3, 120, f"the three replies to reach Telegram\n{filer.tail()}")
    telegram_messages = query(
        pg.url,
        "SELECT count(*) FROM tickets_message m JOIN tickets_inquiry i ON i.id = m.inquiry_id "
        "JOIN channels_intake_channelaccount a ON a.id = i.account_id WHERE a.kind = 'telegram' AND m.direction = 'in'",
    )[0][0]
    assert telegram_messages == 15  # every webhook message filed, once
    webchat_messages = query(
        pg.url,
        "SELECT count(*) FROM tickets_message m JOIN tickets_inquiry i ON i.id = m.inquiry_id "
        "JOIN channels_intake_channelaccount a ON a.id = i.account_id WHERE a.kind = 'webchat' AND m.direction = 'in'",
    )[0][0]
    assert webchat_messages == 3
    outbox = query(
        pg.url,
        "SELECT o.status, count(*) FROM channels_intake_outboundmessage o "
        "JOIN channels_intake_channelaccount a ON a.id = o.account_id WHERE a.kind = 'telegram' GROUP BY o.status",
    )
    assert dict(outbox) == {"sent": 3}
    assert sorted(p["text"] for p in sent) == sorted(f"Jawaban untuk {i}" for i in inquiries[:3])  # once each
