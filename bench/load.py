"""Benchmark: a mixed load on the production shape, then a check that nothing was lost or sent twice.

    .venv/bin/python bench/load.py [--seconds 120] [--webhook-threads 4] [--visitors 2] [--officers 2]

The shape, all on this machine and all of its own (tests/faults/services.py): a private PostgreSQL cluster and
redis-server on free ports, the web server (python -m helpdesk.serve, 3 workers), a Celery worker (2 processes)
and beat, the demo data (``load_demo``), and a local HTTP server standing in for Telegram's Bot API and Meta's
Graph API (it answers as they document and counts every message it receives). Loopback only; bounded in time.

Traffic, for ``--seconds``: Telegram and Messenger webhooks to the four demo offices (10 % resent verbatim, as
a platform retries), web-chat visitors opening a chat, writing and polling, officers loading the inbox,
opening conversations and replying (each reply text unique), a supervisor opening the live board and the SLA
report. Then it drains (until nothing is pending or due) and checks PostgreSQL and the stand-in.

Prints throughput, p50/p95/p99 per route, errors, the lag from webhook to inquiry visible in the inbox
(received -> filed, p50/p95), lost (answered 200, never filed), duplicated (a platform message filed twice),
replies delivered not exactly once, and how many conversations a day this shape holds at the measured rate.
Exit status 0 when lost = duplicated = replies-not-once = 0 and no 5xx; 1 otherwise; 2 when it cannot run.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import random
import re
import sys
import threading
import time
import uuid
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg2  # noqa: E402
import requests  # noqa: E402

from tests.faults.services import (  # noqa: E402
    AppProcess,
    PrivatePostgres,
    PrivateRedis,
    app_env,
    free_port,
    manage,
    postgres_available,
    wait_for,
)

OFFICES = {"050100": "soetta", "040300": "priok", "090400": "makassar", "180100": "jayapura"}
PASSWORD = "demo-bea-cukai"
MESSAGES_PER_CONVERSATION = 4  # a question, a reply, a follow-up, the answer: for the conversations-a-day figure


class StandIn(BaseHTTPRequestHandler):
    """Telegram's sendMessage and Meta's Send API, as documented; each received text is counted."""

    received: dict[str, int] = defaultdict(int)
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            payload = {}
        text = payload.get("text") or (payload.get("message") or {}).get("text") or ""
        with self.lock:
            self.received[text] += 1
            n = sum(self.received.values())
        if "/sendMessage" in self.path:
            answer = {"ok": True, "result": {"message_id": n, "date": int(time.time()), "chat": {"id": 1}}}
        else:
            answer = {"recipient_id": payload.get("recipient", {}).get("id", ""), "message_id": f"m_{n}"}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # quiet
        pass


class Stats:
    def __init__(self):
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.lock = threading.Lock()
        self.accepted: set[tuple[str, str]] = set()  # (account slug, platform message id) answered 200
        self.replies: list[str] = []

    def record(self, route: str, started: float, response) -> None:
        elapsed = time.perf_counter() - started
        code = response.status_code if response is not None else 0
        with self.lock:
            self.latency[route].append(elapsed)
            self.status[route][code] += 1


def timed(stats: Stats, route: str, call, *args, **kwargs):
    """Time one request (``call(*args, **kwargs)``) under ``route``; None when it got no answer."""
    started = time.perf_counter()
    try:
        response = call(*args, **kwargs)
    except requests.RequestException:
        response = None
    stats.record(route, started, response)
    return response


def telegram_body(n: int, chat: int) -> bytes:
    return json.dumps(
        {
            "update_id": n,
            "message": {
                "message_id": n,
                "date": int(time.time()),
                "text": f"Pertanyaan beban {n}: paket saya tertahan",
                "chat": {"id": chat, "type": "private"},
                "from": {"id": chat, "is_bot": False, "first_name": "Beban"},
            },
        }
    ).encode()


def messenger_body(n: int, sender: int, code: str) -> bytes:
    page = f"demo-meta-{code}"
    return json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": page,
                    "time": int(time.time() * 1000),
                    "messaging": [
                        {
                            "sender": {"id": str(sender)},
                            "recipient": {"id": page},
                            "timestamp": int(time.time() * 1000),
                            "message": {"mid": f"mid.load.{n}", "text": f"Halo, pertanyaan beban {n}"},
                        }
                    ],
                }
            ],
        }
    ).encode()


def webhooks(base: str, stats: Stats, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    session = requests.Session()
    sent: list[tuple[str, bytes, dict, tuple[str, str]]] = []
    n = seed * 1_000_000
    while not stop.is_set():
        if sent and rng.random() < 0.10:
            url, body, headers, key = rng.choice(sent)  # a platform's retry of an earlier delivery
        else:
            n += 1
            code, short = rng.choice(list(OFFICES.items()))
            if rng.random() < 0.5:
                body = telegram_body(n, 10_000 + n % 500)
                url = f"{base}/intake/telegram/tg-{short}/webhook/"
                headers = {"X-Telegram-Bot-Api-Secret-Token": f"demo-secret-tg-{code}"}
                key = (f"tg-{short}", str(n))
            else:
                body = messenger_body(n, 20_000 + n % 500, code)
                url = f"{base}/intake/meta/meta-{short}/webhook/"
                digest = hmac.new(f"demo-secret-meta-{code}".encode(), body, hashlib.sha256).hexdigest()
                headers = {"X-Hub-Signature-256": f"sha256={digest}"}
                key = (f"meta-{short}", f"mid.load.{n}")
            headers["Content-Type"] = "application/json"
            sent.append((url, body, headers, key))
        kind = "webhook telegram" if "/telegram/" in url else "webhook meta"
        response = timed(stats, kind, session.post, url, data=body, headers=headers, timeout=30)
        if response is not None and response.status_code == 200:
            with stats.lock:
                stats.accepted.add(key)


def visitor(base: str, stats: Stats, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    session = requests.Session()
    while not stop.is_set():
        code = rng.choice(list(OFFICES))
        opened = timed(
            stats, "webchat open", session.post, f"{base}/api/v1/webchat/sessions/", json={"office": code}, timeout=30
        )
        if opened is None or opened.status_code not in (200, 201):
            time.sleep(1)
            continue
        token = {"X-Webchat-Token": opened.json()["token"]}
        for turn in range(3):
            if stop.is_set():
                break
            timed(
                stats,
                "webchat write",
                session.post,
                f"{base}/api/v1/webchat/messages/",
                json={"text": f"Pertanyaan web {turn}"},
                headers=token,
                timeout=30,
            )
            for _ in range(3):
                timed(stats, "webchat poll", session.get, f"{base}/api/v1/webchat/messages/", headers=token, timeout=30)
                time.sleep(2)  # the widget polls every 2 s at the fastest


def login(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=30)
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text) or re.search(
        r'value="([^"]+)" name="csrfmiddlewaretoken"', page.text
    )
    csrf = found.group(1) if found else session.cookies.get("csrftoken", "")
    session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=30,
    )
    return session


def officer(base: str, stats: Stats, stop: threading.Event, username: str, token: str, seed: int) -> None:
    rng = random.Random(seed)
    session = login(base, username)
    api = requests.Session()
    api.headers["Authorization"] = f"Token {token}"
    while not stop.is_set():
        timed(stats, "inbox", session.get, f"{base}/inbox/", timeout=30)
        listed = timed(stats, "api inquiries", api.get, f"{base}/api/v1/inquiries/?status=open", timeout=30)
        results = (listed.json().get("results") or []) if listed is not None and listed.status_code == 200 else []
        if results:
            pick = rng.choice(results)["id"]
            timed(stats, "conversation", session.get, f"{base}/inbox/{pick}/", timeout=30)
            text = f"Jawaban beban {uuid.uuid4().hex[:12]}"
            reply = timed(
                stats,
                "api reply",
                api.post,
                f"{base}/api/v1/inquiries/{pick}/reply/",
                json={"text": text, "kind": "message"},
                timeout=30,
            )
            if reply is not None and reply.status_code in (200, 201):
                with stats.lock:
                    stats.replies.append(text)
        time.sleep(rng.uniform(1, 3))


def supervisor(base: str, stats: Stats, stop: threading.Event) -> None:
    session = login(base, "kepala.soetta")
    while not stop.is_set():
        timed(stats, "live board", session.get, f"{base}/sla/live/", timeout=30)
        timed(stats, "sla report", session.get, f"{base}/sla/", timeout=60)
        time.sleep(5)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--webhook-threads", type=int, default=4)
    parser.add_argument("--visitors", type=int, default=2)
    parser.add_argument("--officers", type=int, default=2)
    parser.add_argument("--drain-timeout", type=int, default=300)
    args = parser.parse_args()
    available, reason = postgres_available()
    if not available:
        print(f"load bench: {reason}", file=sys.stderr)
        return 2
    workdir = Path(__import__("tempfile").mkdtemp(prefix="helpdesk-load-"))
    stand_in = ThreadingHTTPServer(("127.0.0.1", free_port()), StandIn)
    threading.Thread(target=stand_in.serve_forever, daemon=True).start()
    platform = f"http://127.0.0.1:{stand_in.server_address[1]}"
    pg, redis = PrivatePostgres(), PrivateRedis()
    processes: list[AppProcess] = []
    try:
        env = app_env(
            pg.url,
            redis.url,
            TELEGRAM_API_URL=platform,
            META_GRAPH_URL=platform + "/v25.0",
            X_API_URL=platform,
            VAR_DIR=str(workdir / "var"),
            STATIC_ROOT=str(workdir / "static"),
            LOG_LEVEL="WARNING",
            REDRIVE_SECONDS="10",
        )
        print("load bench: migrating and loading the demo…", flush=True)
        manage(env, "migrate", "--noinput")
        manage(env, "load_demo")
        manage(env, "collectstatic", "--noinput")  # as the image does: the pages need the static manifest
        tokens = {}
        for short in ("soetta", "priok"):
            out = manage(env, "drf_create_token", f"petugas1.{short}")
            tokens[f"petugas1.{short}"] = out.split()[2]
        port = free_port()
        processes.append(
            AppProcess(
                [sys.executable, "-m", "helpdesk.serve"],
                {**env, "WEB_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "3"},
                workdir / "web.log",
            )
        )
        processes.append(
            AppProcess(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "helpdesk",
                    "worker",
                    "--concurrency",
                    "2",
                    "--loglevel",
                    "WARNING",
                    "--without-gossip",
                    "--without-mingle",
                ],
                env,
                workdir / "worker.log",
            )
        )
        processes.append(
            AppProcess(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "helpdesk",
                    "beat",
                    "--loglevel",
                    "WARNING",
                    "-s",
                    str(workdir / "beat-schedule"),
                ],
                env,
                workdir / "beat.log",
            )
        )
        base = f"http://127.0.0.1:{port}"
        wait_for(
            lambda: _up(base) and requests.get(f"{base}/healthz", timeout=5).status_code == 200,
            90,
            "the app",
        )
        stats, stop = Stats(), threading.Event()
        threads = [
            threading.Thread(target=webhooks, args=(base, stats, stop, i + 1)) for i in range(args.webhook_threads)
        ]
        threads += [threading.Thread(target=visitor, args=(base, stats, stop, 100 + i)) for i in range(args.visitors)]
        names = list(tokens)
        threads += [
            threading.Thread(
                target=officer, args=(base, stats, stop, names[i % len(names)], tokens[names[i % len(names)]], 200 + i)
            )
            for i in range(args.officers)
        ]
        threads.append(threading.Thread(target=supervisor, args=(base, stats, stop)))
        print(f"load bench: {len(threads)} clients for {args.seconds} s…", flush=True)
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(args.seconds)
        stop.set()
        for thread in threads:
            thread.join(60)
        wall = time.monotonic() - started
        print("load bench: draining…", flush=True)

        def drained():
            rows = query(
                pg.url,
                "SELECT (SELECT count(*) FROM channels_intake_inboundevent WHERE status IN ('pending','failed')),"
                " (SELECT count(*) FROM channels_intake_outboundmessage WHERE status = 'queued')",
            )
            return rows[0] == (0, 0)

        drain_started = time.monotonic()
        wait_for(drained, args.drain_timeout, "the worker to drain the backlog", interval=1)
        drain = time.monotonic() - drain_started
        return report(args, stats, pg.url, wall, drain)
    finally:
        for process in processes:
            process.kill()
        redis.stop()
        pg.remove()
        stand_in.shutdown()


def _up(base: str) -> bool:
    try:
        requests.get(f"{base}/healthz", timeout=5)
        return True
    except requests.RequestException:
        return False


def query(url: str, sql: str) -> list[tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def report(args, stats: Stats, url: str, wall: float, drain: float) -> int:
    total = sum(len(v) for v in stats.latency.values())
    print(f"\nrequests: {total} in {wall:.0f} s = {total / wall:.0f}/s (drained {drain:.0f} s after the load)")
    print(f"{'route':<18}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  statuses")
    errors = 0
    for route in sorted(stats.latency):
        values = stats.latency[route]
        codes = dict(sorted(stats.status[route].items()))
        errors += sum(n for code, n in codes.items() if code == 0 or code >= 500)
        print(
            f"{route:<18}{len(values):>7}{percentile(values, 50) * 1000:>9.0f}{percentile(values, 95) * 1000:>9.0f}"
            f"{percentile(values, 99) * 1000:>9.0f}  {codes}"
        )
    lag = [
        row[0]
        for row in query(
            url,
            "SELECT extract(epoch FROM processed_at - received_at) FROM "
            "channels_intake_inboundevent WHERE processed_at IS NOT NULL",
        )
    ]
    print(
        f"webhook -> inquiry visible (received -> filed): p50 {percentile(lag, 50) * 1000:.0f} ms, "
        f"p95 {percentile(lag, 95) * 1000:.0f} ms"
    )
    # Lost: a platform message answered 200 with no filed message of that platform id.
    accepted = set(stats.accepted)
    message_ids = {row[0] for row in query(url, "SELECT platform_id FROM tickets_message WHERE direction = 'in'")}
    lost = sum(1 for slug, key in accepted if key not in message_ids)
    duplicated = query(
        url,
        "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM tickets_message "
        "WHERE direction = 'in' AND platform_id <> '' GROUP BY inquiry_id, platform_id) d",
    )[0][0]
    # Replies to web-chat inquiries are read by the widget, not sent to a platform: only the others count here.
    platform_replies = {
        text
        for (text,) in query(
            url,
            "SELECT m.text FROM tickets_message m JOIN channels_intake_outboundmessage o ON o.id = m.outbound_id "
            "JOIN channels_intake_channelaccount a ON a.id = o.account_id WHERE a.kind <> 'webchat'",
        )
    }
    not_once = sum(1 for text in stats.replies if text in platform_replies and StandIn.received.get(text, 0) != 1)
    accepted_per_s = sum(len(v) for k, v in stats.latency.items() if k.startswith("webhook")) / wall
    # What the shape sustains is what it files, not what it accepts (accepted events wait in the log): unique
    # platform messages filed over the load and the drain that followed it.
    filed_per_s = len(accepted) / (wall + drain)
    per_day = filed_per_s * 86400 / MESSAGES_PER_CONVERSATION
    print(
        f"lost {lost}, duplicated {duplicated}, replies {len(stats.replies)} ({len(platform_replies)} to a "
        f"platform), delivered not exactly once {not_once}; errors (5xx or no answer) {errors}"
    )
    print(
        f"accepted {accepted_per_s:.0f} webhooks/s; filed {filed_per_s:.0f} unique messages/s sustained (load and "
        f"drain): about {per_day:,.0f} conversations a day at {MESSAGES_PER_CONVERSATION} messages each "
        f"(Chatwoot sizes 4 cores for about 10,000 a day)"
    )
    return 0 if lost == duplicated == not_once == errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
