"""Benchmark: signed webhooks of all four kinds posted concurrently to the app under its web server + PostgreSQL.

Run from the repository root (PostgreSQL at 127.0.0.1:5432 with trust auth for `postgres`, Redis at
127.0.0.1:6379):

    .venv/bin/python bench/intake.py [--requests 6000] [--concurrency 16] [--server granian|gunicorn]
        [--workers N] [--threads N] [--warmup 200] [--drain-timeout 300] [--redrive-leftovers]

What it does:

1. Uses a bench-only database, ``helpdesk_bench_intake`` (created if missing, migrated; the intake,
   tickets, SLA and audit tables are emptied with ``TRUNCATE … CASCADE`` on every run; the ``helpdesk``
   database is never touched) and Redis db 14 as the broker (flushed at start).
2. Creates one office (``office_create``) and a channel account per webhook kind (meta, whatsapp,
   telegram, x) with known secrets (``channel_account_create``).
3. Starts one Celery worker (``celery -A helpdesk worker --concurrency 2``, running during the load as in
   production, at the CPU priority the product gives it: WORKER_NICE, 10 below the web's by default) and
   the web server on a free loopback port, and waits for ``/healthz``. By default production's:
   ``python -m helpdesk.serve`` (Granian, one worker per core, twice the cores plus one threads each, keep-alive,
   the access log on). ``--server gunicorn`` runs gunicorn 27 instead (gthread workers with keep-alive, the best
   gunicorn setup tried on 2 cores; sync workers cannot keep a connection alive), for the comparison.
4. Sends ``--warmup`` unique webhooks untimed (lazy imports, a database connection per thread), then posts
   ``--requests`` webhooks from ``--concurrency`` persistent HTTP/1.1 connections (a raw asyncio client: no
   dependency, little CPU; latency is send -> full response, a reconnect included). Bodies are the fixtures
   of ``tests/channels_intake/fixtures`` with unique message ids and senders, signed as each platform signs
   them; kinds are mixed evenly and 10 % of the requests resend an earlier body verbatim (a platform retry).
   The CPU used during the load by the bench and by anything else is printed: on a shared machine other
   processes take cores from the server and the figures are pessimistic.
5. Waits until no inbound event is pending (at most ``--drain-timeout`` s; earlier when nothing moved for
   15 s with an empty broker queue), then checks PostgreSQL: *lost* = unique messages answered 200 with no
   ``Message`` row; *duplicated* = extra ``Message`` rows per (account, platform id) plus extra
   ``InboundEvent`` rows per (account, dedupe key). ``--redrive-leftovers`` then re-drives what was left
   pending in-process and counts again, for information.

Prints requests, duplicates sent, accepted/s (200 answers per second of load wall time), p50/p95/p99/max
latency (send → full response), non-200 answers, lost, duplicated and the web server's setup. Exits 0 when
lost == duplicated == 0 and every answer was 200, else 1 (2 when the environment is not usable).
Target on a 2-core machine (issue 17): at least 1,000 accepted/s with p99 under 50 ms.
``--worker-stopped`` starts the Celery worker only after the load: the webhooks measured alone, then drained
and checked the same way.

``--large N`` (another mode): one signed Meta delivery holding N messages (Meta batches many ``entry`` and
``messaging`` items in one POST; ``--per-entry`` messages per entry, 10 by default: 10,000 in 2.6 MB), posted
once to the same web server + worker setup. Prints the time to the 200 (target < 2 s; before the raw delivery was
stored whole: 39 s), the time until the worker has split it into inbound events and the time until every
message is filed as a ``Message`` (before: about 10 minutes), then posts the same body again (a platform's
retry: must add nothing) and checks lost = duplicated = 0.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import http.client
import json
import math
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._benchdb import machine_speed  # noqa: E402 - after the path

HOST = "127.0.0.1"
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
# INTAKE_BENCH_DB / INTAKE_BENCH_REDIS_URL: another bench database (its name must contain "bench") or Redis
# database, for runs side by side on one machine.
DB_NAME = os.environ.get("INTAKE_BENCH_DB", "helpdesk_bench_intake")
DATABASE_URL = f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{DB_NAME}"
REDIS_URL = os.environ.get("INTAKE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
VENV_BIN = ROOT / ".venv" / "bin"
FIXTURES = ROOT / "tests" / "channels_intake" / "fixtures"

# Set (not setdefault): a DATABASE_URL or broker in the caller's environment must never leak into the bench.
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
    "SECRET_KEY": "bench-intake-only-not-a-secret-Vq8zL3wK9pR2mT7xN4bJ6cY1hG5dF0sA",
    "DEBUG": "0",
    "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback
    # No automatic acknowledgement: it would send every new inquiry a reply to the real platform's API, which this
    # bench has no account on (the sends fail and their retries hold the worker); filing is what is measured.
    "SOCIAL_ACKNOWLEDGEMENT": "0",
    "ALLOWED_HOSTS": HOST,
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "CELERY_BROKER_URL": REDIS_URL,
    "CELERY_TASK_ALWAYS_EAGER": "0",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "LOG_LEVEL": "WARNING",
    "PYTHONUNBUFFERED": "1",
}
os.environ.update(BENCH_ENV)

KINDS = ("meta", "whatsapp", "telegram", "x")
SECRETS = {kind: f"bench-{kind}-s3cret" for kind in KINDS}
OFFICE_CODE = "990001"
DUPLICATE_SHARE = 0.10
TARGET_RATE = 1000.0
TARGET_P99_MS = 50.0
TARGET_BACKLOG_S = 10.0  # the backlog filed within this long after the load, when the worker files during it
# Issue 17's table, measured on this machine: this path before the work, the peer, and the physical limit.
BEFORE = "297 accepted/s, p99 122 ms, the backlog filed 67 s after the load"
PEER = "django-helpdesk 2.6.1's public ticket creation, 8 clients: 138/s"
CEILING = "PostgreSQL single-row INSERT … ON CONFLICT DO NOTHING of a webhook-sized row, 8 clients: 10,719 commits/s"
# Truncated on every run (CASCADE also empties whatever references them); offices are kept and reused.
CLEAN_APPS = ("channels_intake", "tickets", "sla", "audit")


def fail(message: str) -> None:
    print(f"intake bench: {message}", file=sys.stderr)
    sys.exit(2)


# --- Bodies ----------------------------------------------------------------------------------------------------
def sign(kind: str, body: bytes) -> tuple[str, str]:
    """The header a platform sends with `body` (computed here independently of the adapters)."""
    secret = SECRETS[kind].encode()
    if kind in ("meta", "whatsapp"):
        return "X-Hub-Signature-256", "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    if kind == "x":
        digest = base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode()
        return "x-twitter-webhooks-signature", "sha256=" + digest
    return "X-Telegram-Bot-Api-Secret-Token", SECRETS[kind]


def load_templates() -> dict[str, dict]:
    files = {
        "meta": "meta/messenger_text.json",
        "whatsapp": "whatsapp/text.json",
        "telegram": "telegram/message_text.json",
        "x": "x/dm_docs_example.json",
    }
    return {kind: json.loads((FIXTURES / name).read_text()) for kind, name in files.items()}


def make_body(kind: str, template: dict, n: int) -> tuple[bytes, str]:
    """Message number `n` of `kind`: the fixture with a unique message id and sender. Returns (body, key)."""
    payload = json.loads(json.dumps(template))  # deep copy
    text = f"Bench question {n}: when does my parcel clear customs?"
    if kind == "meta":
        event = payload["entry"][0]["messaging"][0]
        key = f"m_bench_{n:07d}"
        event["sender"]["id"] = str(7_000_000_000_000_000 + n)
        event["message"]["mid"] = key
        event["message"]["text"] = text
    elif kind == "whatsapp":
        value = payload["entry"][0]["changes"][0]["value"]
        phone = str(62_811_000_000_00 + n)
        key = f"wamid.BENCH{n:07d}"
        value["contacts"][0]["wa_id"] = phone
        value["contacts"][0]["profile"]["name"] = f"Bench Sender {n}"
        value["messages"][0].update({"from": phone, "id": key, "text": {"body": text}})
    elif kind == "telegram":
        update_id = 500_000_000 + n
        key = str(update_id)
        payload["update_id"] = update_id
        message = payload["message"]
        message["message_id"] = 10_000 + n
        message["from"]["id"] = message["chat"]["id"] = 900_000_000 + n
        message["text"] = text
    else:
        event = payload["direct_message_events"][0]
        key = str(1_700_000_000_000_000_000 + n)
        event["id"] = key
        event["message_create"]["sender_id"] = str(3_100_000_000 + n)
        event["message_create"]["message_data"]["text"] = text
    return json.dumps(payload, separators=(",", ":")).encode(), key


def raw_request(kind: str, body: bytes, port: int) -> bytes:
    name, value = sign(kind, body)
    head = (
        f"POST /intake/{kind}/bench-{kind}/webhook/ HTTP/1.1\r\n"
        f"Host: {HOST}:{port}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"{name}: {value}\r\n"
        "\r\n"
    )
    return head.encode("latin-1") + body


@dataclass
class Plan:
    keys: list[tuple[str, str]]  # unique message u -> (kind, dedupe key)
    order: list[int]  # request i -> unique message it carries
    raws: list[bytes]  # unique message u -> raw HTTP request
    duplicates: int
    warmup: int  # the first `warmup` slots: unique messages sent before the timed load


def build_plan(total: int, concurrency: int, seed: int, port: int, warmup: int = 0) -> Plan:
    """`warmup` unique messages, then `total` requests: unique messages round-robin over the kinds, of which
    10 % resend an earlier body verbatim."""
    rng = random.Random(seed)
    templates = load_templates()
    n_dup = round(total * DUPLICATE_SHARE)
    # Duplicates are not placed in the first slots, and repeat a message sent at least `concurrency`
    # requests earlier (a platform retry, not two copies racing from the same batch).
    first = warmup + min(total - n_dup, 2 * concurrency)
    dup_slots = set(rng.sample(range(first, warmup + total), n_dup)) if n_dup else set()
    keys, raws, order = [], [], []
    for slot in range(warmup + total):
        if slot in dup_slots:
            order.append(rng.randrange(0, max(1, len(keys) - concurrency)))
            continue
        u = len(keys)
        kind = KINDS[u % len(KINDS)]
        body, key = make_body(kind, templates[kind], u)
        keys.append((kind, key))
        raws.append(raw_request(kind, body, port))
        order.append(u)
    return Plan(keys=keys, order=order, raws=raws, duplicates=n_dup, warmup=warmup)


# --- Database and accounts -------------------------------------------------------------------------------------
def ensure_database() -> None:
    import psycopg2
    from psycopg2 import sql

    assert DB_NAME != "helpdesk" and "bench" in DB_NAME
    try:
        conn = psycopg2.connect(dbname="postgres", user=PG_USER, host=PG_HOST, port=PG_PORT, connect_timeout=5)
    except psycopg2.OperationalError as exc:
        fail(f"cannot connect to PostgreSQL at {PG_HOST}:{PG_PORT}: {exc}".strip())
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME])
            if not cursor.fetchone():
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))
    finally:
        conn.close()


def prepare_database() -> dict:
    """Migrate, empty the intake/tickets tables, create the office and its four accounts."""
    import django

    django.setup()
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection

    if connection.settings_dict["NAME"] != DB_NAME:
        fail(f"refusing to run against database {connection.settings_dict['NAME']!r}")
    call_command("migrate", verbosity=0, interactive=False)
    existing = set(connection.introspection.table_names())
    tables = sorted(
        model._meta.db_table
        for app in CLEAN_APPS
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
        if model._meta.db_table in existing
    )
    with connection.cursor() as cursor:
        # TRUNCATE fires no row trigger: the audit log's append-only trigger guards UPDATE and DELETE only.
        cursor.execute(f"TRUNCATE {', '.join(connection.ops.quote_name(t) for t in tables)} RESTART IDENTITY CASCADE")
        cursor.execute("SHOW synchronous_commit")
        synchronous_commit = cursor.fetchone()[0]

    from channels_intake.accounts import channel_account_create
    from offices.models import Office, Typology
    from offices.services import office_create

    office = Office.objects.filter(code=OFFICE_CODE).first()
    if office is None:
        typology, _ = Typology.objects.get_or_create(name="Bench KPPBC", defaults={"officer_limit": 3})
        office = office_create(
            code=OFFICE_CODE, name="KPPBC Bench Intake", typology=typology, timezone="Asia/Jakarta", always_open=True
        )
    for kind in KINDS:
        channel_account_create(
            office=office,
            kind=kind,
            slug=f"bench-{kind}",
            secret=SECRETS[kind],
            verify_token=f"bench-{kind}-verify",
            access_token="bench-token-unused",
            external_id=f"bench-{kind}-page",
        )
    connection.close()
    return {"synchronous_commit": synchronous_commit}


def flush_broker() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).flushdb()
    except redis.RedisError as exc:
        fail(f"cannot reach Redis at {REDIS_URL}: {exc}")


# --- Processes -------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start(cmd: list[str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        # Own session: a Ctrl-C reaches only the bench, which then stops these cleanly in `finally`.
        return subprocess.Popen(
            cmd, cwd=ROOT, env={**os.environ, **BENCH_ENV}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(proc: subprocess.Popen | None, grace: float = 15.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)  # the web server: graceful stop; celery: warm shutdown
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the group of the process we started (pool children included)
        proc.wait(5)


def wait_healthy(port: int, proc: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the web server exited with {proc.returncode}:\n{tail(log)}")
        conn = http.client.HTTPConnection(HOST, port, timeout=5)
        try:
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            body = response.read()
            if response.status == 200:
                return
            last = f"{response.status} {body[:300]!r}"
        except OSError as exc:
            last = f"{type(exc).__name__}: {exc}"
        finally:
            conn.close()
        time.sleep(0.3)
    raise RuntimeError(f"/healthz not ready after {timeout:.0f} s ({last}):\n{tail(log)}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- CPU accounting (this machine is shared: show how much of it the bench really had) ---------------------------
def cpu_snapshot() -> tuple[int, int, dict[int, tuple[int, int, str]]]:
    """(busy ticks, all ticks) of the machine and, per process, (parent pid, cpu ticks, name)."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    total = sum(ticks[:8])
    busy = total - ticks[3] - ticks[4]  # minus idle and iowait
    procs = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        procs[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]), name)
    return busy, total, procs


def bench_backends() -> tuple[set[int], int | None]:
    """PostgreSQL backends now serving the bench database, and how many sessions it has had so far."""
    import psycopg2

    conn = psycopg2.connect(dbname="postgres", user=PG_USER, host=PG_HOST, port=PG_PORT, connect_timeout=5)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [DB_NAME])
            pids = {row[0] for row in cursor.fetchall()}
            try:
                cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = %s", [DB_NAME])
                sessions = cursor.fetchone()[0]
            except psycopg2.Error:  # PostgreSQL < 14
                sessions = None
            return pids, sessions
    finally:
        conn.close()


@dataclass
class CpuShare:
    busy: float  # cores busy, all processes
    bench: float  # the web server, celery, the client, the live PostgreSQL backends of the bench database, Redis
    others: float  # other live processes (other sessions on a shared machine)
    web_seconds: float  # CPU seconds of the web server (main process and workers) over the interval
    others_top: str
    gone: float  # processes that exited meanwhile (short-lived PostgreSQL backends, other sessions) and kernel
    sessions: int | None  # PostgreSQL sessions opened on the bench database
    parts: dict[str, float] = field(default_factory=dict)  # CPU seconds by part: web, worker, PostgreSQL, ...


def _tree(procs: dict, root: int) -> set[int]:
    tree, grew = {root}, True
    while grew:
        children = {pid for pid, p in procs.items() if p[0] in tree} - tree
        grew = bool(children)
        tree |= children
    return tree


def cpu_share(
    before: tuple,
    after: tuple,
    roots: list[int],
    sessions_before: int | None,
    web: int | None = None,
    worker: int | None = None,
) -> CpuShare:
    busy0, total0, procs0 = before
    busy1, total1, procs1 = after
    span = (total1 - total0) / (os.cpu_count() or 1) or 1  # ticks of one core over the interval
    backends, sessions = bench_backends()
    ours = set(roots) | backends | {pid for pid, p in procs1.items() if p[2] == "redis-server"}
    grew = True
    while grew:  # descendants of the processes we started
        children = {pid for pid, p in procs1.items() if p[0] in ours} - ours
        grew = bool(children)
        ours |= children
    used = Counter()
    for pid, (_, ticks, name) in procs1.items():
        used["\0bench" if pid in ours else name] += ticks - procs0.get(pid, (0, 0, ""))[1]
    bench = used.pop("\0bench", 0) / span
    others = sum(used.values()) / span
    busy = (busy1 - busy0) / span
    top = ", ".join(f"{name} {ticks / span:.2f}" for name, ticks in used.most_common(3) if ticks > 0.02 * span)
    opened = sessions - sessions_before if sessions is not None and sessions_before is not None else None
    hertz = os.sysconf("SC_CLK_TCK") or 100

    def seconds(pids: set[int]) -> float:
        return sum(procs1[pid][1] - procs0.get(pid, (0, 0, ""))[1] for pid in pids if pid in procs1) / hertz

    web_seconds = seconds(_tree(procs1, web)) if web else 0.0
    parts = {"web": web_seconds}
    if worker:
        parts["worker"] = seconds(_tree(procs1, worker))
    parts["PostgreSQL"] = seconds(backends)
    parts["client"] = seconds({os.getpid()})
    parts["Redis"] = seconds({pid for pid, p in procs1.items() if p[2] == "redis-server"})
    gone = max(0.0, busy - bench - others)
    return CpuShare(busy, bench, others, web_seconds, top, gone, opened, parts)


# --- Load ------------------------------------------------------------------------------------------------------
@dataclass
class Results:
    status: list[int]
    latency: list[float]
    accepted: list[int]  # the "accepted" count each 200 answer reported (-1 if unreadable)
    retries: int = 0
    connects: int = 0
    errors: Counter = field(default_factory=Counter)


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    version, status = lines[0].split(" ", 2)[:2]
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
        keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        await reader.readuntil(b"\r\n")
        body = b"".join(parts)
        keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    else:
        body, keep = await reader.read(), False
    return int(status), body, keep


async def run_load(
    plan: Plan, slots: range, results: Results, port: int, concurrency: int, request_timeout: float, overall: float
) -> None:
    """Send the requests of `slots` over `concurrency` connections; fill `results` in place."""
    slots = iter(slots)

    async def client() -> None:
        reader = writer = None
        for slot in slots:  # shared iterator: each slot goes to exactly one client
            raw = plan.raws[plan.order[slot]]
            start = time.perf_counter()
            for attempt in (1, 2):
                reused = writer is not None
                try:
                    if writer is None:
                        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), request_timeout)
                        results.connects += 1
                    writer.write(raw)
                    await writer.drain()
                    status, body, keep = await asyncio.wait_for(read_response(reader), request_timeout)
                except (ConnectionError, asyncio.IncompleteReadError, TimeoutError, OSError) as exc:
                    if writer is not None:
                        writer.close()
                    reader = writer = None
                    if reused and attempt == 1 and not isinstance(exc, TimeoutError):
                        results.retries += 1  # a keep-alive connection closed under us: resend once
                        continue
                    results.errors[type(exc).__name__] += 1
                    results.latency[slot] = time.perf_counter() - start
                    break
                results.latency[slot] = time.perf_counter() - start
                results.status[slot] = status
                if status == 200:
                    try:
                        results.accepted[slot] = int(json.loads(body).get("accepted", -1))
                    except (ValueError, AttributeError):
                        pass
                if not keep:
                    writer.close()
                    reader = writer = None
                break
        if writer is not None:
            writer.close()

    tasks = [asyncio.create_task(client()) for _ in range(concurrency)]
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), overall)
    except TimeoutError:
        results.errors["overall timeout"] += 1


# --- Processing and verification -------------------------------------------------------------------------------
def wait_processed(timeout: float, stall: float = 15.0) -> tuple[float, dict, bool]:
    """Poll until no inbound event is pending, for at most `timeout` s, giving up early when nothing moved for
    `stall` s while the broker queue is empty (the worker has nothing left to do: the rest is stuck).

    Returns (seconds waited, events by status, stalled).
    """
    import redis
    from django.db import connection
    from django.db.models import Count

    from channels_intake.models import InboundEvent

    broker = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    started = time.monotonic()
    last, moved, stalled = None, started, False
    while True:
        pending = InboundEvent.objects.filter(status=InboundEvent.Status.PENDING).count()
        now = time.monotonic()
        if pending != last:
            last, moved = pending, now
        if not pending or now - started > timeout:
            break
        if now - moved > stall and not broker.llen("celery") and not broker.hlen("unacked"):
            stalled = True
            break
        time.sleep(0.5)
    waited = time.monotonic() - started
    by_status = dict(InboundEvent.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    connection.close()
    return waited, by_status, stalled


def redrive_leftovers() -> int:
    """What `channels_intake.redrive_inbound` (beat, every minute) would do for the events left behind."""
    from datetime import timedelta

    from django.db import connection

    from channels_intake.inbound import inbound_redrive

    filed = 0
    while n := inbound_redrive(older_than=timedelta(0), limit=500):
        filed += n
    connection.close()
    return filed


def verify(plan: Plan, results: Results, logged_only: bool = False) -> dict:
    """Lost and duplicated messages; ``logged_only`` (--no-filing): counted on the inbound log, not on the filed
    messages."""
    from django.db import connection
    from django.db.models import Count

    from channels_intake.models import InboundEvent
    from tickets.models import Message

    answered = {plan.order[slot] for slot, status in enumerate(results.status) if status == 200}
    expected = {plan.keys[u] for u in answered}
    if logged_only:
        stored = set(InboundEvent.objects.values_list("account__kind", "dedupe_key"))
    else:
        stored = set(
            Message.objects.filter(direction=Message.Direction.INBOUND).values_list(
                "inquiry__account__kind", "platform_id"
            )
        )
    lost = len(expected - stored)
    stray = len(stored - set(plan.keys))
    extra_messages = sum(
        row["n"] - 1
        for row in Message.objects.filter(direction=Message.Direction.INBOUND)
        .values("inquiry__account_id", "platform_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    extra_events = sum(
        row["n"] - 1
        for row in InboundEvent.objects.values("account_id", "dedupe_key").annotate(n=Count("id")).filter(n__gt=1)
    )
    events = InboundEvent.objects.count()
    messages = Message.objects.filter(direction=Message.Direction.INBOUND).count()
    connection.close()
    return {
        "unique_answered": len(expected),
        "lost": lost,
        "duplicated": extra_messages + extra_events,
        "extra_messages": extra_messages,
        "extra_events": extra_events,
        "stray": stray,
        "events": events,
        "messages": messages,
    }


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return math.nan
    return sorted_values[max(0, math.ceil(p * len(sorted_values)) - 1)]


# --- Main ------------------------------------------------------------------------------------------------------
def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--server",
        choices=["granian", "gunicorn"],
        default="granian",
        help="granian: production's web server (python -m helpdesk.serve, the default); gunicorn: gunicorn 27's "
        "gthread workers with keep-alive on the same app, for comparison (pip install gunicorn==27.0.1 first)",
    )
    parser.add_argument("--workers", type=int, default=None, help="web worker processes (default: helpdesk.serve's)")
    parser.add_argument("--threads", type=int, default=None, help="threads per worker (default: helpdesk.serve's)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--warmup", type=int, default=200, help="unique messages sent first, untimed (checked like the others)"
    )
    parser.add_argument("--request-timeout", type=float, default=30.0)
    parser.add_argument("--drain-timeout", type=float, default=300.0, help="max wait for pending events (s)")
    parser.add_argument(
        "--redrive-leftovers",
        action="store_true",
        help="after counting, re-drive events left pending/failed in-process and count again (information only)",
    )
    parser.add_argument(
        "--worker-stopped",
        action="store_true",
        help="start the Celery worker only after the load (the webhooks measured alone), then drain and check",
    )
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=None,
        metavar="N",
        help="the worker's WORKER_NICE (default: the setting's, 10: the web first, filing may lag, a webhook "
        "answer may not; 0: the same priority as the web)",
    )
    parser.add_argument(
        "--no-filing",
        action="store_true",
        help="with --worker-stopped: no worker at all; lost/duplicated counted on the inbound log (quick runs)",
    )
    parser.add_argument("--large", type=int, default=0, metavar="N", help="one Meta delivery of N messages instead")
    parser.add_argument("--per-entry", type=int, default=10, help="--large: messaging items per entry")
    args = parser.parse_args()
    if args.no_filing and not args.worker_stopped:
        parser.error("--no-filing goes with --worker-stopped")
    if args.large < 0 or args.per_entry < 1:
        parser.error("--large must not be negative and --per-entry must be positive")
    from helpdesk.serve import server_options

    options = server_options()
    args.workers = args.workers or options["workers"]
    args.threads = args.threads or options["blocking_threads"]
    if min(args.requests, args.concurrency, args.workers, args.threads) < 1 or args.warmup < 0:
        parser.error("--requests, --concurrency, --workers and --threads must be positive, --warmup not negative")
    return args


def web_command(args: argparse.Namespace, port: int) -> tuple[list[str], str]:
    """The web server's command line and a description of its setup."""
    if args.server == "gunicorn":
        binary = VENV_BIN / "gunicorn"
        if not binary.exists():
            fail("--server gunicorn needs gunicorn in .venv: .venv/bin/pip install gunicorn==27.0.1")
        cmd = [str(binary), "helpdesk.wsgi:application", "--bind", f"{HOST}:{port}", "--workers", str(args.workers)]
        cmd += ["--worker-class", "gthread", "--threads", str(args.threads), "--keep-alive", "5", "--timeout", "300"]
        cmd += ["--access-logfile", "-", "--log-level", "warning"]
        return cmd, f"gunicorn, {args.workers} gthread worker(s) x {args.threads} threads, keep-alive 5 s"
    os.environ.update(
        {"WEB_BIND": f"{HOST}:{port}", "WEB_CONCURRENCY": str(args.workers), "WEB_THREADS": str(args.threads)}
    )
    cmd = [sys.executable, "-m", "helpdesk.serve"]
    return cmd, f"Granian (python -m helpdesk.serve), {args.workers} worker(s) x {args.threads} threads, keep-alive"


# --- Large deliveries -------------------------------------------------------------------------------------------
LARGE_TARGET_SECONDS = 2.0
LARGE_BEFORE = "39 s to the 200, about 10 min to file (one run, before the raw delivery was stored whole)"


def large_body(count: int, per_entry: int) -> tuple[bytes, list[str]]:
    """A Messenger delivery of `count` text messages from distinct senders, `per_entry` per entry."""
    template = load_templates()["meta"]
    event_template = template["entry"][0]["messaging"][0]
    page = template["entry"][0]["id"]
    keys, entries = [], []
    for first in range(0, count, per_entry):
        messaging = []
        for n in range(first, min(first + per_entry, count)):
            event = json.loads(json.dumps(event_template))
            key = f"m_large_{n:07d}"
            event["sender"]["id"] = str(7_200_000_000_000_000 + n)
            event["message"]["mid"] = key
            event["message"]["text"] = f"Bench question {n}: when does my parcel clear customs?"
            messaging.append(event)
            keys.append(key)
        entries.append({"id": page, "time": template["entry"][0].get("time", 0), "messaging": messaging})
    payload = {"object": template["object"], "entry": entries}
    return json.dumps(payload, separators=(",", ":")).encode(), keys


def post_once(port: int, body: bytes, timeout: float = 300.0) -> tuple[int, dict, float]:
    """POST a signed Meta body on a fresh connection; (status, JSON answer, seconds from send to full answer)."""
    name, value = sign("meta", body)
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        started = time.perf_counter()
        conn.request(
            "POST",
            "/intake/meta/bench-meta/webhook/",
            body=body,
            headers={"Content-Type": "application/json", name: value},
        )
        response = conn.getresponse()
        raw = response.read()
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
    try:
        answer = json.loads(raw)
    except ValueError:
        answer = {"raw": raw[:200].decode("latin-1")}
    return response.status, answer, elapsed


def wait_large(keys: list[str], started: float, timeout: float) -> tuple[float | None, float | None]:
    """Poll until the delivery is split and every message is filed; (seconds to split, seconds to filed) since
    `started` (None: not within `timeout`)."""
    from django.db import connection

    from channels_intake.models import InboundDelivery
    from tickets.models import Message

    split_at = filed_at = None
    inbound = Message.objects.filter(direction=Message.Direction.INBOUND, inquiry__account__kind="meta")
    while time.perf_counter() - started < timeout:
        if split_at is None and not InboundDelivery.objects.filter(status=InboundDelivery.Status.PENDING).exists():
            split_at = time.perf_counter() - started
        if split_at is not None and inbound.filter(platform_id__startswith="m_large_").count() >= len(keys):
            filed_at = time.perf_counter() - started
            break
        time.sleep(0.25)
    connection.close()
    return split_at, filed_at


def verify_large(keys: list[str]) -> dict:
    from django.db import connection
    from django.db.models import Count

    from channels_intake.models import InboundDelivery, InboundEvent
    from tickets.models import Message

    inbound = Message.objects.filter(direction=Message.Direction.INBOUND, platform_id__startswith="m_large_")
    stored = set(inbound.values_list("platform_id", flat=True))
    extra_messages = sum(row["n"] - 1 for row in inbound.values("platform_id").annotate(n=Count("id")).filter(n__gt=1))
    extra_events = sum(
        row["n"] - 1
        for row in InboundEvent.objects.values("account_id", "dedupe_key").annotate(n=Count("id")).filter(n__gt=1)
    )
    result = {
        "lost": len(set(keys) - stored),
        "duplicated": extra_messages + extra_events,
        "deliveries": InboundDelivery.objects.count(),
        "events": InboundEvent.objects.filter(dedupe_key__startswith="m_large_").count(),
    }
    connection.close()
    return result


def main_large(args: argparse.Namespace) -> int:
    ensure_database()
    prepare_database()
    flush_broker()
    port = free_port()
    body, keys = large_body(args.large, args.per_entry)
    logs = Path(tempfile.mkdtemp(prefix="bench-intake-large-"))
    web_cmd, setup = web_command(args, port)
    celery = [str(VENV_BIN / "celery"), "-A", "helpdesk", "worker", "--concurrency", "2", "-l", "WARNING"]
    celery += ["-n", f"bench-intake-large-{os.getpid()}@%h"]
    web = worker = None
    ok = False
    try:
        worker = start(celery, logs / "celery.log")
        web = start(web_cmd, logs / "web.log")
        wait_healthy(port, web, logs / "web.log")
        # Warm-up, untimed: every web worker imports the adapters and opens its database connection.
        warm, _ = large_body(2, 1)
        for _ in range(2 * args.workers):
            post_once(port, warm.replace(b"m_large_", b"m_warmup_"))
        cpu_before = cpu_snapshot()
        started = time.perf_counter()
        status, answer, to_200 = post_once(port, body)
        split_s, filed_s = wait_large(keys, started, args.drain_timeout) if status == 200 else (None, None)
        cpu = cpu_share(cpu_before, cpu_snapshot(), [os.getpid(), web.pid, worker.pid], None)
        again_status, again, again_s = post_once(port, body)
        checks = verify_large(keys)

        print(
            f"delivery            1 signed Meta POST of {args.large} messages, {args.per_entry} per entry, "
            f"{len(body) / 1e6:.2f} MB"
        )
        print(f"web server          {setup}; celery worker --concurrency 2")
        print(f"answer              {status} {answer}")
        print(f"time to 200         {to_200:.2f} s   (target < {LARGE_TARGET_SECONDS:.0f} s; before: {LARGE_BEFORE})")
        print(
            f"time to split       {split_s:.1f} s"
            if split_s is not None
            else "time to split       not within --drain-timeout"
        )
        print(
            f"time to filed       {filed_s:.1f} s   (every message a Message row, from the POST)"
            if filed_s is not None
            else f"time to filed       not within --drain-timeout ({args.drain_timeout:.0f} s)"
        )
        if filed_s:
            print(f"filing rate         {args.large / filed_s:.0f} messages/s end to end")
        print(f"repeat delivery     {again_status} {again} in {again_s:.2f} s (must add nothing)")
        print(
            f"stored              {checks['events']} inbound events, {checks['deliveries']} stored deliveries; "
            f"lost {checks['lost']}, duplicated {checks['duplicated']}"
        )
        print(
            f"CPU                 {cpu.busy:.2f} of {os.cpu_count()} cores busy: bench {cpu.bench:.2f}, "
            f"other live processes {cpu.others:.2f}"
            + (f" ({cpu.others_top})   <- shared machine: figures are pessimistic" if cpu.others > 0.2 else "")
        )
        met = status == 200 and to_200 < LARGE_TARGET_SECONDS
        print(f"target              {'met' if met else 'MISSED'}")
        ok = (
            status == 200
            and again_status == 200
            and filed_s is not None
            and checks["lost"] == 0
            and checks["duplicated"] == 0
            and checks["deliveries"] == 1
        )
        return 0 if ok else 1
    finally:
        stop(web)
        stop(worker)
        if ok:
            shutil.rmtree(logs, ignore_errors=True)
        else:
            print(f"logs kept in {logs}", file=sys.stderr)


def main() -> int:
    args = parse_args()
    if args.large:
        return main_large(args)
    ensure_database()
    db_info = prepare_database()
    flush_broker()
    port = free_port()
    plan = build_plan(args.requests, args.concurrency, args.seed, port, warmup=args.warmup)

    celery = [str(VENV_BIN / "celery"), "-A", "helpdesk", "worker", "--concurrency", "2", "-l", "WARNING"]
    celery += ["-n", f"bench-intake-{os.getpid()}@%h"]
    if args.worker_nice is not None:
        os.environ["WORKER_NICE"] = str(args.worker_nice)
    from django.conf import settings as django_settings  # the worker reads the same settings

    worker_nice = int(os.environ["WORKER_NICE"]) if "WORKER_NICE" in os.environ else django_settings.WORKER_NICE

    speed = machine_speed()  # before anything of the bench runs
    logs = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    web_cmd, setup = web_command(args, port)
    web = worker = None
    ok = False
    try:
        if not args.worker_stopped:
            worker = start(celery, logs / "celery.log")
        web = start(web_cmd, logs / "web.log")
        wait_healthy(port, web, logs / "web.log")
        if worker is not None and worker.poll() is not None:
            raise RuntimeError(f"celery worker exited with {worker.returncode}:\n{tail(logs / 'celery.log')}")

        n = len(plan.order)
        results = Results(status=[0] * n, latency=[math.nan] * n, accepted=[-1] * n)
        overall = max(120.0, args.requests / 20)
        load = (port, args.concurrency, args.request_timeout, overall)
        asyncio.run(run_load(plan, range(plan.warmup), results, *load))  # lazy imports, connections per thread
        sessions_before = bench_backends()[1]
        cpu_before = cpu_snapshot()
        started = time.perf_counter()
        asyncio.run(run_load(plan, range(plan.warmup, n), results, *load))
        wall = time.perf_counter() - started
        roots = [os.getpid(), web.pid] + ([worker.pid] if worker is not None else [])
        cpu = cpu_share(
            cpu_before, cpu_snapshot(), roots, sessions_before, web=web.pid, worker=worker.pid if worker else None
        )
        timed = range(plan.warmup, n)
        if worker is None and not args.no_filing:  # --worker-stopped: the load is over; now the worker files
            worker = start(celery, logs / "celery.log")

        if args.no_filing:
            drained, by_status, stalled = 0.0, {}, False
        else:
            drained, by_status, stalled = wait_processed(args.drain_timeout)
        checks = verify(plan, results, logged_only=args.no_filing)
        after_redrive = None
        if args.redrive_leftovers and by_status.get("pending", 0) + by_status.get("failed", 0):
            filed = redrive_leftovers()
            after_redrive = (filed, verify(plan, results))

        lat = sorted(results.latency[i] * 1000 for i in timed if not math.isnan(results.latency[i]))
        ok200 = sum(1 for i in timed if results.status[i] == 200)
        non200 = sum(1 for s in results.status if s != 200)  # warm-up included
        codes = Counter(s for s in results.status if s != 200)
        rate = ok200 / wall if wall else 0.0
        p50, p95, p99 = (percentile(lat, p) for p in (0.50, 0.95, 0.99))
        server_accepted = sum(a for a in results.accepted if a > 0)

        during = "started after the load" if args.worker_stopped else "running during the load"
        during += f", WORKER_NICE {worker_nice}"
        print(f"web server          {setup}; celery worker --concurrency 2 ({during})")
        print(f"database            {DB_NAME} (synchronous_commit={db_info['synchronous_commit']}); broker {REDIS_URL}")
        print(
            f"requests            {args.requests} from {args.concurrency} concurrent HTTP/1.1 clients "
            f"({', '.join(KINDS)} evenly), after {plan.warmup} untimed warm-up requests; "
            f"{results.connects} TCP connections opened"
        )
        print(
            f"unique / duplicates {len(plan.keys)} unique messages (warm-up included) / "
            f"{plan.duplicates} duplicate requests sent"
        )
        print(f"machine speed       {speed:.2f} s of CPU for a pure-Python loop of 10M additions before the run")
        print(f"load wall time      {wall:.2f} s (load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())})")
        opened = f"; {cpu.sessions} PostgreSQL sessions opened on {DB_NAME}" if cpu.sessions is not None else ""
        print(
            f"CPU during the load {cpu.busy:.2f} of {os.cpu_count()} cores busy: bench {cpu.bench:.2f} (web server, "
            f"celery, client, live PostgreSQL backends, Redis), exited processes {cpu.gone:.2f}{opened}, "
            f"other live processes {cpu.others:.2f}"
            + (f" ({cpu.others_top})   <- shared machine: figures are pessimistic" if cpu.others > 0.2 else "")
        )
        print(
            f"web server CPU      {cpu.web_seconds:.2f} s for {len(timed)} requests: "
            f"{cpu.web_seconds / max(1, len(timed)) * 1000:.2f} ms per request (master and workers)"
        )
        per = max(1, len(timed)) / 1000  # CPU seconds -> ms per request
        split = ", ".join(f"{name} {secs / per:.2f}" for name, secs in cpu.parts.items())
        print(
            f"CPU a request       {split} ms (sum {sum(cpu.parts.values()) / per:.2f}; "
            f"{1000 * os.cpu_count() / TARGET_RATE:.2f} ms of the {os.cpu_count()} cores at {TARGET_RATE:.0f}/s)"
        )
        print(f"accepted/s          {rate:.0f}   (target >= {TARGET_RATE:.0f})")
        print(
            f"latency ms          p50 {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f}  max {lat[-1] if lat else math.nan:.1f}"
            f"   (target p99 < {TARGET_P99_MS:.0f})"
        )
        detail = ", ".join(f"{code or 'no answer'}: {n}" for code, n in sorted(codes.items()))
        print(f"non-200             {non200}{f' ({detail})' if detail else ''}")
        if results.retries or results.errors:
            print(f"client              {results.retries} resent on a closed keep-alive; errors {dict(results.errors)}")
        print(f"server 'accepted'   {server_accepted} new events reported by the 200 answers")
        waited = "stalled: no progress with an empty broker queue" if stalled else "gave up: --drain-timeout"
        if not by_status.get("pending"):
            waited = "nothing pending"
        print(
            f"processing          {drained:.1f} s after the load ({waited}); events by status "
            f"{dict(sorted(by_status.items()))}"
        )
        print(
            f"stored              {checks['messages']} inbound messages, {checks['events']} inbound events "
            f"for {checks['unique_answered']} unique messages answered 200"
        )
        print(f"lost                {checks['lost']}")
        print(
            f"duplicated          {checks['duplicated']}   "
            f"(extra Message rows {checks['extra_messages']}, extra InboundEvent rows {checks['extra_events']})"
        )
        if by_status.get("pending") and stalled:
            print(
                "                    events left pending while the worker was idle: process_inbound returned "
                "without filing them (only the re-drive, every minute under beat, would pick them up)"
            )
        if after_redrive is not None:
            filed, again = after_redrive
            print(
                f"after a re-drive    {filed} events filed in-process; lost {again['lost']}, "
                f"duplicated {again['duplicated']} (information only: the exit code uses the figures above)"
            )
        if checks["stray"]:
            print(f"stray               {checks['stray']} stored messages that were never sent")
        print(f"before / peer       before this work: {BEFORE}; {PEER}")
        print(f"physical limit      {CEILING}")
        # The backlog's deadline applies when the worker files during the load (else it starts after it).
        gate_backlog = not (args.worker_stopped or args.no_filing)
        backlog_ok = not gate_backlog or (not by_status.get("pending") and drained <= TARGET_BACKLOG_S)
        lossless = checks["lost"] == 0 and checks["duplicated"] == 0
        met = rate >= TARGET_RATE and p99 < TARGET_P99_MS and lossless and backlog_ok
        wanted = f">= {TARGET_RATE:.0f}/s, p99 < {TARGET_P99_MS:.0f} ms, lost 0, duplicated 0"
        if gate_backlog:
            wanted += f", backlog filed <= {TARGET_BACKLOG_S:.0f} s after the load"
        print(f"target              {'met' if met else 'MISSED'}   ({wanted})")
        ok = lossless and non200 == 0 and not results.errors
        return 0 if ok else 1
    finally:
        stop(web)
        stop(worker)
        if ok:
            shutil.rmtree(logs, ignore_errors=True)
        else:
            print(f"logs kept in {logs}", file=sys.stderr)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("intake bench: interrupted", file=sys.stderr)
        sys.exit(130)
