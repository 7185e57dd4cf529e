"""PostgreSQL restarted under load (issue: prove nothing is lost): while it is down the app answers 503 with the
JSON error and Retry-After (a status the platforms retry), /healthz says so; the app and the worker recover by
themselves; nothing accepted before the restart is lost and everything sent again afterwards is filed once.

Runs against a private PostgreSQL cluster and redis-server (tests/faults/services.py), with the production
processes: the web server and a Celery worker, in their own processes."""

import json

import psycopg2
import pytest
import requests

from tests.conftest import need_service

from .services import (
    TELEGRAM_SECRET,
    PrivatePostgres,
    PrivateRedis,
    app_env,
    get,
    postgres_available,
    prepare,
    wait_for,
    web_server,
    worker,
)

pytestmark = [pytest.mark.services, pytest.mark.timeout(600)]


def update(n: int) -> bytes:
    return json.dumps(
        {
            "update_id": 5000 + n,
            "message": {
                "message_id": n,
                "date": 1764300000 + n,
                "text": f"Pertanyaan nomor {n}",
                "chat": {"id": 900 + n % 7, "type": "private"},
                "from": {"id": 900 + n % 7, "is_bot": False, "first_name": "Uji"},
            },
        }
    ).encode()


def send(base: str, n: int):
    try:
        return requests.post(
            f"{base}/intake/telegram/tg-faults/webhook/",
            data=update(n),
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
            timeout=15,
        )
    except requests.RequestException:
        return None


def counts(url: str) -> tuple[int, int, int]:
    """(events stored, events filed, messages in inquiries), read straight from the private database."""
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'processed') FROM channels_intake_inboundevent"
        )
        stored, filed = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM tickets_message")
        return stored, filed, cursor.fetchone()[0]


@pytest.fixture
def shape(tmp_path):
    available, reason = postgres_available()
    need_service(available, reason)
    pg = PrivatePostgres()
    redis = PrivateRedis()
    env = app_env(pg.url, redis.url, CONN_MAX_AGE="60")
    prepare(env)
    web, base = web_server(env, tmp_path / "web.log")
    filer = worker(env, tmp_path / "worker.log")
    yield pg, base, web, filer
    web.kill()
    filer.kill()
    redis.stop()
    pg.remove()


def test_a_restart_answers_503_while_down_and_loses_nothing(shape):
    pg, base, web, filer = shape
    before = [send(base, n) for n in range(20)]
    assert [r.status_code for r in before] == [200] * 20, web.tail()

    pg.stop("fast")
    down = [send(base, n) for n in range(20, 30)]
    assert all(r is not None for r in down), web.tail()
    assert {r.status_code for r in down} == {503}, [r.text[:200] for r in down]
    body = down[0].json()
    assert body["error"]["code"] == "unavailable" and down[0].headers["Retry-After"] == "30"
    health = get(f"{base}/healthz")
    assert health.status_code == 503 and "database" in health.json()["down"]

    pg.start()  # waits until the server accepts connections
    # The platform redelivers what was not acknowledged; the app answers again without being restarted.
    after = [send(base, n) for n in range(20, 40)]
    assert [r.status_code if r is not None else None for r in after] == [200] * 20, web.tail()
    assert get(f"{base}/healthz").status_code in (200, 503)  # the broker is up; filing may still be catching up

    # The worker recovers by itself too: every event stored once and filed once, as one message each.
    wait_for(lambda: counts(pg.url)[1] == 40, 120, f"the worker to file all 40 events\n{filer.tail()}")
    stored, filed, messages = counts(pg.url)
    assert (stored, filed, messages) == (40, 40, 40)
    assert get(f"{base}/healthz").status_code == 200


def test_a_restart_between_two_webhooks_costs_none_a_503(shape):
    """The connections the web's threads kept from before a restart are dead. A webhook's first statement on one
    fails, is seen to, and runs again on a new connection: every webhook after the restart is accepted at once."""
    pg, base, web, _filer = shape
    before = [send(base, n) for n in range(10)]
    assert [r.status_code for r in before] == [200] * 10, web.tail()
    pg.stop("fast")
    pg.start()
    after = [send(base, n) for n in range(10, 30)]
    assert [r.status_code if r is not None else None for r in after] == [200] * 20, web.tail()
    wait_for(lambda: counts(pg.url)[1] == 30, 120, "the worker to file all 30 events")
    assert counts(pg.url) == (30, 30, 30)


def test_a_database_refusing_writes_to_the_inbound_log_never_gets_a_200(shape):
    """Disk full, as PostgreSQL reports it (SQLSTATE 53100) on the inbound log's inserts: the webhook answers 503,
    which the platform retries; once writes pass again, the redelivery is stored and filed."""
    pg, base, web, _filer = shape
    with psycopg2.connect(pg.url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION disk_full() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'could not extend file' "
            "USING ERRCODE = 'disk_full'; END; $$ LANGUAGE plpgsql;"
            "CREATE TRIGGER disk_full BEFORE INSERT ON channels_intake_inboundevent "
            "FOR EACH ROW EXECUTE FUNCTION disk_full();"
        )
    refused = send(base, 1)
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "unavailable", refused.text[:300]
    assert refused.headers["Retry-After"] == "30"
    # A standby promoted late, or a database set read-only (SQLSTATE 25006, an InternalError): the same answer.
    with psycopg2.connect(pg.url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "CREATE OR REPLACE FUNCTION disk_full() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'read-only' "
            "USING ERRCODE = 'read_only_sql_transaction'; END; $$ LANGUAGE plpgsql;"
        )
    read_only = send(base, 1)
    assert read_only.status_code == 503 and read_only.headers["Retry-After"] == "30", read_only.text[:300]
    assert counts(pg.url)[0] == 0
    with psycopg2.connect(pg.url) as conn, conn.cursor() as cursor:
        cursor.execute("DROP TRIGGER disk_full ON channels_intake_inboundevent")
    assert send(base, 1).status_code == 200, web.tail()
    wait_for(lambda: counts(pg.url) == (1, 1, 1), 60, "the redelivery to be filed")
