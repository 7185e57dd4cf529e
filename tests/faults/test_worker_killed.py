"""A worker killed (SIGKILL) in the middle of filing a batch and of delivering replies (issue: prove nothing is
lost): a new worker and beat finish the work; every event is filed once and none is left stuck; every reply
reaches the platform's stand-in, none is left queued, and a reply is sent twice at most when the kill lands
between the platform's answer and our record of it (no platform takes an idempotency key).

Private PostgreSQL and redis-server; the web server, Celery workers and beat in their own processes."""

import json
import re
import signal
import threading
import time

import pytest
import requests
from werkzeug import Response

from tests.conftest import need_service

from .services import (
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
from .test_redis_outage import webhook

pytestmark = [pytest.mark.services, pytest.mark.timeout(600)]


@pytest.fixture
def slow_telegram(httpserver):
    """Telegram's sendMessage, answering after 0.3 s (so a kill can land in the middle of a delivery)."""
    sent: list[str] = []
    lock = threading.Lock()

    def send_message(request):
        payload = request.get_json(silent=True) or {}
        time.sleep(0.3)
        with lock:
            sent.append(payload.get("text", ""))
            n = len(sent)
        result = {"message_id": n, "date": 1764300000, "chat": {"id": payload.get("chat_id")}}
        return Response(json.dumps({"ok": True, "result": result}), content_type="application/json")

    httpserver.expect_request(re.compile(r"^/bot[^/]+/sendMessage$"), method="POST").respond_with_handler(send_message)
    return httpserver, sent


@pytest.fixture
def shape(tmp_path, slow_telegram):
    available, reason = postgres_available()
    need_service(available, reason)
    pg, redis = PrivatePostgres(), PrivateRedis()
    server, _sent = slow_telegram
    env = app_env(
        pg.url,
        redis.url,
        TELEGRAM_API_URL=server.url_for("").rstrip("/"),
        REDRIVE_SECONDS="3",
        VAR_DIR=str(tmp_path / "var"),
    )
    token = prepare(env)
    web, base = web_server(env, tmp_path / "web.log")
    beat = start_beat(env, tmp_path)
    processes = [web, beat]
    yield pg, base, token, env, tmp_path, processes
    for process in processes:
        process.kill()
    redis.stop()
    pg.remove()


def test_a_killed_worker_loses_nothing_and_files_each_event_once(shape, slow_telegram):
    pg, base, token, env, tmp_path, processes = shape
    _server, sent = slow_telegram
    first = worker(env, tmp_path / "worker1.log")
    processes.append(first)
    # Filing: 300 events posted while the worker files them; it is killed once 40 are filed, mid-stream. The
    # posts are paced (15 s in all): unpaced, they all arrived while the worker was still starting, it filed the
    # whole backlog in one go, and the kill landed after the work instead of in it.
    answers: list[int] = []

    def post_paced() -> None:
        for n in range(300):
            answers.append(webhook(base, n).status_code)
            time.sleep(0.05)

    poster = threading.Thread(target=post_paced)
    poster.start()
    processed = "SELECT count(*) FROM channels_intake_inboundevent WHERE status = 'processed'"
    wait_for(lambda: query(pg.url, processed)[0][0] >= 40, 120, "the first worker to file some events")
    first.kill(signal.SIGKILL)
    filed_at_kill = query(pg.url, processed)[0][0]
    second = worker(env, tmp_path / "worker2.log")
    processes.append(second)
    poster.join(120)
    assert answers == [200] * 300
    assert filed_at_kill < 300  # the kill landed in the middle of the work
    wait_for(
        lambda: (
            query(pg.url, "SELECT count(*) FROM channels_intake_inboundevent WHERE status <> 'processed'")[0][0] == 0
        ),
        180,
        f"every event to be filed after the kill\n{second.tail()}",
    )
    inbound = query(
        pg.url,
        "SELECT count(*), count(DISTINCT platform_id) FROM tickets_message WHERE direction = 'in'",
    )[0]
    assert inbound == (300, 300)  # each event filed once

    # Delivering: 12 replies; the worker is killed while they go out.
    inquiries = [row[0] for row in query(pg.url, "SELECT id FROM tickets_inquiry ORDER BY id LIMIT 12")]
    auth = {"Authorization": f"Token {token}"}
    texts = [f"Jawaban {i}" for i in inquiries]
    for inquiry_id, text in zip(inquiries, texts, strict=True):
        reply = requests.post(
            f"{base}/api/v1/inquiries/{inquiry_id}/reply/",
            json={"text": text, "kind": "message"},
            headers=auth,
            timeout=30,
        )
        assert reply.status_code in (200, 201), reply.text
    wait_for(lambda: len(sent) >= 3, 60, "some replies to go out")
    second.kill(signal.SIGKILL)
    killed_at = len(sent)
    assert killed_at < len(texts)  # killed while replies were still going out
    third = worker(env, tmp_path / "worker3.log")
    processes.append(third)
    wait_for(
        lambda: query(pg.url, "SELECT count(*) FROM channels_intake_outboundmessage WHERE status <> 'sent'")[0][0] == 0,
        180,
        f"every reply to be delivered after the kill\n{third.tail()}",
    )
    counts = {text: sent.count(text) for text in texts}
    assert all(n >= 1 for n in counts.values()), counts  # none lost, none stuck
    # At most the reply in flight at the kill goes twice (its 200 came back, the record did not).
    assert sum(n - 1 for n in counts.values()) <= 1, (killed_at, counts)


def test_a_worker_killed_in_the_middle_of_a_batch_commits_none_of_it(shape):
    """The batch filer (issue 17): 3,000 events wait in the log; the worker is SIGKILLed while it files them
    200 to a transaction. What it had committed is whole (every processed event has its message, no message
    without its event marked), the batch in flight left nothing behind, and a new worker files the rest once."""
    pg, base, _token, env, tmp_path, processes = shape
    account = query(pg.url, "SELECT id FROM channels_intake_channelaccount WHERE slug = 'tg-faults'")[0][0]
    query(
        pg.url,
        "INSERT INTO channels_intake_inboundevent (account_id, dedupe_key, status, message, raw_body, received_at, "
        "attempts, error, request_id) SELECT %s, 'bulk-' || n, 'pending', json_build_object('channel', 'telegram', "
        "'sender_id', 'chat-' || (n %% 700), 'dedupe_key', 'bulk-' || n, 'text', 'pesan ' || n, 'sender_name', '', "
        "'attachments', json_build_array(), 'sent_at', NULL, 'recipient_id', ''), '', now(), 0, '', '' "
        "FROM generate_series(1, 3000) AS n",
        [account],
    )
    first = worker(env, tmp_path / "worker1.log")
    processes.append(first)
    assert webhook(base, 1).status_code == 200  # the first webhook wakes the filer, as in a burst
    processed = "SELECT count(*) FROM channels_intake_inboundevent WHERE status = 'processed'"
    # A claim in flight: a transaction holding the log's rows FOR UPDATE (RowShareLock on the table).
    claiming = (
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE c.relname = 'channels_intake_inboundevent' AND l.mode = 'RowShareLock'"
    )
    wait_for(lambda: query(pg.url, processed)[0][0] >= 400, 120, f"the worker to file some batches\n{first.tail()}")
    wait_for(lambda: query(pg.url, claiming)[0][0] > 0, 30, "a batch in flight")
    first.kill(signal.SIGKILL)  # the whole process group, pool children included; waits for it to end
    filed_at_kill = query(pg.url, processed)[0][0]
    assert filed_at_kill < 3001  # killed in the middle of the work
    whole = query(
        pg.url,
        "SELECT count(*) FILTER (WHERE e.status = 'processed' AND m.id IS NULL), "
        "count(*) FILTER (WHERE e.status <> 'processed' AND m.id IS NOT NULL) "
        "FROM channels_intake_inboundevent e LEFT JOIN tickets_message m ON m.platform_id = e.dedupe_key "
        "AND m.direction = 'in'",
    )[0]
    assert whole == (0, 0)  # no event marked without its message, no message of an event still pending

    second = worker(env, tmp_path / "worker2.log")
    processes.append(second)
    assert webhook(base, 2).status_code == 200  # wakes the filer again (the beat's re-drive would too)
    wait_for(
        lambda: (
            query(pg.url, "SELECT count(*) FROM channels_intake_inboundevent WHERE status <> 'processed'")[0][0] == 0
        ),
        180,
        f"every event to be filed after the kill\n{second.tail()}",
    )
    inbound = query(pg.url, "SELECT count(*), count(DISTINCT platform_id) FROM tickets_message WHERE direction = 'in'")
    assert inbound[0] == (3002, 3002)  # each event filed once
    opened = query(
        pg.url,
        "SELECT count(*) FROM (SELECT requester_id FROM tickets_inquiry WHERE status <> 'closed' "
        "GROUP BY requester_id HAVING count(*) > 1) twice",
    )[0][0]
    assert opened == 0  # one inquiry per requester, whatever the kill interrupted
