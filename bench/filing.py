"""Benchmark: the production worker filing a national burst from the inbound log (issue 17, target 1).

Run from the repository root (PostgreSQL at 127.0.0.1:5432 with trust auth for `postgres`, Redis at
127.0.0.1:6379):

    .venv/bin/python bench/filing.py [--events 20000] [--offices 1] [--compare 2000] [--concurrency 4]
        [--timeout 600] [--seed 2026] [--no-acknowledgement]

What it does:

1. Uses a bench-only database, ``helpdesk_bench_filing`` (created if missing, migrated, its tables emptied with
   ``TRUNCATE … CASCADE``), and Redis db 12 as broker and cache (flushed at start).
2. Creates ``--offices`` service offices (``office_create``, national holidays loaded, working hours Monday to
   Friday; the first is where a burst lands), six officers on duty in each with auto-assignment, and four social
   accounts per office (Telegram, Meta, WhatsApp, X), all sending through a local HTTP stand-in of the platforms
   (the acknowledgements each new inquiry gets are real outbox deliveries).
3. Logs ``--events`` accepted events with ``inbound_events_store`` (the webhook's own INSERT, not queued): about
   70 % open a new inquiry, 30 % follow an earlier message of the same requester; 2 % carry an NIK (a reference
   is stored), 1 % a location (filed one by one: attachments take the single path) and 1 % read "5" (a possible
   survey answer: single path too). Kinds are mixed evenly.
4. Counts the queries per event in process: 1,000 more events of the same mix, on another office, filed with
   ``inbound_events_file`` under ``CaptureQueriesContext``.
5. Starts the production worker (``celery -A helpdesk worker --concurrency N``, prefork, as docker-compose runs
   it), waits until it answers, wakes the filer once (``inbound_wake``, what the first webhook does) and polls the
   log (every 0.5 s) until no event is pending: events/s = events / (the last event's processed_at - wake). The
   CPU of the worker's processes, of the bench database's PostgreSQL backends and of the whole machine over that
   span is printed, and the machine's speed just before (a fixed pure-Python loop, as bench/intake.py prints it).
6. Checks every event was filed once (processed, one attempt, one ``Message`` per platform id, one open inquiry
   per requester), and waits for the acknowledgements to reach the stand-in (for information).
7. ``--compare N``: the path before batches, in the same run: N more events queued as one ``process_inbound`` task
   each (the per-event path the worker still has for retries), filed by the same worker; events/s side by side.

Prints the figures beside issue 17's (before: 64 to 150 events/s, about 22 queries per event; target: at least
1,000 events/s and at most 6 queries per event; PostgreSQL's single-row INSERT … ON CONFLICT of a webhook-sized
row with 8 clients on this machine: 10,719 commits/s, the physical ceiling of one-event-per-transaction designs).
Exits 0 when the target is met and nothing was lost or duplicated, 1 otherwise, 2 when the environment is not usable.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DB_NAME = "helpdesk_bench_filing"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = "redis://127.0.0.1:6379/12"
KINDS = ("telegram", "meta", "whatsapp", "x")
TARGET_RATE = 1000.0
TARGET_QUERIES = 6.0
BEFORE = "64–150 events/s, ~22 queries/event"
PEER_LIMIT = "PostgreSQL single-row INSERT … ON CONFLICT, 8 clients: 10,719 commits/s"


def fail(message: str, code: int = 2) -> None:
    print(f"filing bench: {message}", file=sys.stderr)
    raise SystemExit(code)


class StandIn(BaseHTTPRequestHandler):
    """Telegram's, Meta's and X's send endpoints, answering each platform's documented success shape, with
    keep-alive connections as theirs."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no delayed-ACK wait on a kept-alive connection
    sent = 0
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 - the http.server API
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        with StandIn.lock:
            StandIn.sent += 1
            n = StandIn.sent
        if "/bot" in self.path:
            body = {"ok": True, "result": {"message_id": n, "date": 1764300000, "chat": {"id": 1}}}
        elif "/2/dm_conversations" in self.path:
            body = {"data": {"dm_conversation_id": "1-2", "dm_event_id": str(n)}}
        else:
            body = {"recipient_id": "1", "message_id": f"m_{n}", "messages": [{"id": f"wamid.{n}"}]}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # quiet
        pass


def setup_django(platform: str, workdir: Path, acknowledge: bool = True) -> dict:
    env = {
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "TELEGRAM_API_URL": platform,
        "META_GRAPH_URL": platform + "/v25.0",
        "X_API_URL": platform,
        "VAR_DIR": str(workdir / "var"),
        "LOG_LEVEL": "WARNING",
        "SOCIAL_ACKNOWLEDGEMENT": "1" if acknowledge else "0",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
    }
    os.environ.update(env)
    import psycopg2
    from psycopg2 import sql

    try:
        conn = psycopg2.connect(dbname="postgres", user="postgres", host="127.0.0.1", port=5432, connect_timeout=5)
    except psycopg2.OperationalError as exc:
        fail(f"cannot connect to PostgreSQL: {exc}".strip())
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME])
        if not cursor.fetchone():
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))
    conn.close()
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).flushdb()
    except redis.RedisError as exc:
        fail(f"cannot reach Redis at {REDIS_URL}: {exc}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from bench._benchdb import clean_slate

    clean_slate()
    call_command("load_holidays", verbosity=0)
    return env


def make_offices(count: int) -> list[dict]:
    from channels_intake.accounts import channel_account_create
    from offices.models import Role, Typology
    from offices.services import office_create, staff_assign

    typology, _ = Typology.objects.get_or_create(name="Bench KPPBC", defaults={"officer_limit": 6})
    offices = []
    from django.contrib.auth import get_user_model

    User = get_user_model()  # noqa: N806
    for n in range(count):
        office = office_create(
            code=f"9{n:05d}",
            name=f"KPPBC Bench Filing {n}",
            typology=typology,
            timezone="Asia/Jakarta",
            auto_assign=True,
        )
        for k in range(6):
            user = User.objects.create_user(username=f"petugas{k}.bench{n}", password=secrets.token_urlsafe(16))
            staff_assign(user=user, office=office, role=Role.OFFICER, on_duty=True)
        accounts = {
            kind: channel_account_create(
                office=office,
                kind=kind,
                slug=f"bench{n}-{kind}",
                secret=f"bench-{kind}-secret",
                verify_token=f"bench-{kind}-verify",
                access_token="bench-token",
                external_id=f"bench{n}-{kind}-page",
            )
            for kind in KINDS
        }
        offices.append({"office": office, "accounts": accounts})
    return offices


def message_plan(count: int, accounts: list, rng: random.Random, prefix: str) -> list[tuple]:
    """(account, InboundMessage) in the order received: 70 % first messages, 30 % follow-ups."""
    from channels_intake.adapters import Attachment, InboundMessage

    plan, senders = [], []
    for n in range(count):
        if senders and rng.random() < 0.3:
            account, sender = rng.choice(senders)
        else:
            account = accounts[len(senders) % len(accounts)]
            sender = f"{prefix}-s{len(senders)}"
            senders.append((account, sender))
        roll = rng.random()
        attachments = ()
        if roll < 0.02:
            text = f"NIK saya 3171012501{n % 10}00001, paket saya tertahan di bandara"
        elif roll < 0.03:
            text, attachments = "", (Attachment(kind="location", latitude=-6.12, longitude=106.65),)
        elif roll < 0.04:
            text = "5"
        else:
            text = rng.choice(
                [
                    "Selamat siang, paket kiriman saya dari luar negeri tertahan, berapa bea masuknya?",
                    "Apakah barang bawaan penumpang senilai USD 600 kena pajak?",
                    "Bagaimana cara mengurus izin impor sementara untuk pameran?",
                    "Nomor resi saya JX123456789ID, statusnya masih di gudang",
                ]
            )
        channel = {"meta": "messenger"}.get(account.kind, account.kind)
        plan.append(
            (
                account,
                InboundMessage(
                    channel=channel,
                    sender_id=sender,
                    dedupe_key=f"{prefix}-m{n}",
                    text=text,
                    sender_name=f"Pengguna {sender}",
                    sent_at=None,
                    recipient_id=account.external_id,
                    attachments=attachments,
                ),
            )
        )
    return plan


def log_plan(plan: list[tuple]) -> list[int]:
    from channels_intake.services import inbound_events_store

    ids = []
    for account, message in plan:  # one INSERT per event, as one webhook each
        ids += inbound_events_store(account=account, messages=[message], queue=False)
    return ids


def queries_per_event(plan: list[tuple]) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from channels_intake.inbound import inbound_events_file

    log_plan(plan)
    filed = 0
    with CaptureQueriesContext(connection) as captured:
        while done := inbound_events_file():
            filed += done
    return len(captured.captured_queries) / max(filed, 1), len(captured.captured_queries), filed


def pg_backends() -> set[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [DB_NAME])
        return {row[0] for row in cursor.fetchall()}


def proc_ticks(pids: set[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            continue
    return total


def tree(root: int) -> set[int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
    found, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in found} - found
        found |= more
        grew = bool(more)
    return found


def machine_busy() -> tuple[int, int]:
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    total = sum(ticks[:8])
    return total - ticks[3] - ticks[4], total


def wait_filed(ids: list[int], timeout: float, woke: float) -> tuple[float, int]:
    """Poll until none of ``ids`` is pending; (seconds from ``woke``, a wall-clock time, to the last event's
    ``processed_at``, still pending). The poll is light (every 0.5 s: a count over the pending index costs the
    database some milliseconds, which a tighter poll takes from the worker) and its period does not round the
    figure: the end is when the worker stamped the last event."""
    from django.db.models import Max

    from channels_intake.models import InboundEvent

    started = time.monotonic()
    low, high = min(ids), max(ids)
    events = InboundEvent.objects.filter(pk__gte=low, pk__lte=high)
    while True:
        pending = events.filter(status__in=["pending", "failed"]).count()
        if pending == 0 or time.monotonic() - started > timeout:
            break
        time.sleep(0.5)
    last = events.aggregate(last=Max("processed_at"))["last"]
    seconds = last.timestamp() - woke if last is not None and not pending else time.monotonic() - started
    return max(seconds, 1e-3), pending


def run_worker(env: dict, concurrency: int, log: Path) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "helpdesk",
        "worker",
        f"--concurrency={concurrency}",
        "--loglevel=WARNING",
        "--without-gossip",
        "--without-mingle",
    ]
    with open(log, "wb") as out:
        return subprocess.Popen(  # noqa: S603
            cmd, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def wait_worker(proc: subprocess.Popen, log: Path) -> None:
    from helpdesk.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            fail(f"the worker exited with {proc.returncode}:\n{log.read_text(errors='replace')[-2000:]}")
        if app.control.ping(timeout=1.0):
            return
    fail("the worker did not answer within 60 s")


def timed_filing(ids: list[int], worker: subprocess.Popen, start, timeout: float) -> dict:
    backends_before = pg_backends()
    pids = tree(worker.pid)
    worker_before, pg_before = proc_ticks(pids), proc_ticks(backends_before)
    busy0, total0 = machine_busy()
    load0 = os.getloadavg()[0]
    began, woke = time.monotonic(), time.time()
    start()
    seconds, pending = wait_filed(ids, timeout, woke)
    wall = time.monotonic() - began
    busy1, total1 = machine_busy()
    backends = pg_backends() | backends_before
    hz = os.sysconf("SC_CLK_TCK")
    span = (total1 - total0) / (os.cpu_count() or 1) or 1
    return {
        "began": began,
        "seconds": seconds,
        "wall": wall,
        "pending": pending,
        "rate": (len(ids) - pending) / seconds if seconds else 0.0,
        "worker_cores": (proc_ticks(tree(worker.pid)) - worker_before) / hz / wall,
        "pg_cores": (proc_ticks(backends) - pg_before) / hz / wall,
        "machine_cores": (busy1 - busy0) / span,
        "load": (load0, os.getloadavg()[0]),
    }


def verify(ids: list[int]) -> dict:
    from django.db import connection

    low, high = min(ids), max(ids)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE status = 'processed' AND attempts = 1), count(*) FILTER (WHERE status <> "
            "'processed') FROM channels_intake_inboundevent WHERE id BETWEEN %s AND %s",
            [low, high],
        )
        once, not_filed = cursor.fetchone()
        cursor.execute(
            "SELECT count(DISTINCT (i.account_id, m.platform_id)), count(*) FROM tickets_message m "
            "JOIN tickets_inquiry i ON i.id = m.inquiry_id "
            "JOIN channels_intake_inboundevent e ON e.account_id = i.account_id "
            "AND e.dedupe_key = m.platform_id WHERE m.direction = 'in' AND e.id BETWEEN %s AND %s",
            [low, high],
        )
        distinct, rows = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM (SELECT requester_id FROM tickets_inquiry WHERE status <> 'closed' "
            "GROUP BY requester_id HAVING count(*) > 1) twice"
        )
        (two_open,) = cursor.fetchone()
    return {
        "filed_once": once,
        "not_filed": not_filed,
        "messages": rows,
        "lost": len(ids) - distinct,
        "duplicated": rows - distinct,
        "requesters_with_two_open": two_open,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--offices", type=int, default=1)
    parser.add_argument("--compare", type=int, default=2_000, help="events filed the per-event way (0: skip)")
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes (docker-compose: 4)")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--no-acknowledgement",
        action="store_true",
        help="switch the social acknowledgement off (SOCIAL_ACKNOWLEDGEMENT=0): filing without its deliveries",
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="helpdesk-filing-"))
    stand_in = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    threading.Thread(target=stand_in.serve_forever, daemon=True).start()
    env = setup_django(
        f"http://127.0.0.1:{stand_in.server_address[1]}", workdir, acknowledge=not args.no_acknowledgement
    )
    offices = make_offices(args.offices + 1)
    sample_office, burst_offices = offices[-1], offices[:-1]
    accounts = [account for office in burst_offices for account in office["accounts"].values()]
    print(f"filing bench: logging {args.events:,} events for {args.offices} office(s)…", flush=True)
    per_event, total, sampled = queries_per_event(
        message_plan(1000, list(sample_office["accounts"].values()), rng, "q")
    )
    ids = log_plan(message_plan(args.events, accounts, rng, "b"))
    compare_ids = log_plan(message_plan(args.compare, accounts, rng, "c")) if args.compare else []
    if compare_ids:  # not pending until their turn: the batch filer must not take them
        from channels_intake.models import InboundEvent

        InboundEvent.objects.filter(pk__in=compare_ids).update(status="failed", attempts=0)
    from django.db import connection

    connection.close()

    worker = run_worker(env, args.concurrency, workdir / "worker.log")
    try:
        wait_worker(worker, workdir / "worker.log")
        from bench._benchdb import machine_speed

        speed = machine_speed()  # the worker idle: this machine's speed at the moment
        from channels_intake.inbound import inbound_wake

        batch = timed_filing(ids, worker, inbound_wake, args.timeout)
        checked = verify(ids)
        compare = None
        if compare_ids:
            from channels_intake.inbound import process_inbound
            from channels_intake.models import InboundEvent

            InboundEvent.objects.filter(pk__in=compare_ids).update(status="pending")

            def queue_each():
                for event_id in compare_ids:
                    process_inbound.delay(event_id)

            compare = timed_filing(compare_ids, worker, queue_each, args.timeout)
        from django.db.models import Count

        from channels_intake.models import OutboundMessage

        deadline = time.monotonic() + 180
        while OutboundMessage.objects.filter(status="queued").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        acknowledged_after = time.monotonic() - batch["began"]
        outbox = dict(OutboundMessage.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    finally:
        stop(worker)
        stand_in.shutdown()

    ok = (
        batch["pending"] == 0
        and checked["lost"] == 0
        and checked["duplicated"] == 0
        and checked["requesters_with_two_open"] == 0
        and checked["filed_once"] == len(ids)
    )
    met = ok and batch["rate"] >= TARGET_RATE and per_event <= TARGET_QUERIES
    print()
    print(
        f"filing bench: {len(ids):,} events, {args.offices} office(s), worker --concurrency {args.concurrency}, "
        f"acknowledgements {'off' if args.no_acknowledgement else 'on'}"
    )
    print(f"  machine speed      {speed:.2f} s of CPU for a pure-Python loop of 10M additions before the filing")
    print(
        f"  batch filer        {batch['rate']:8.0f} events/s   ({batch['seconds']:.1f} s to file all; "
        f"target ≥ {TARGET_RATE:,.0f}; before: {BEFORE})"
    )
    if compare:
        print(
            f"  per-event tasks    {compare['rate']:8.0f} events/s   ({len(compare_ids):,} events, same worker, "
            "same run: the path before batches)"
        )
    print(
        f"  queries per event  {per_event:8.2f}            ({total:,} queries for {sampled:,} events in process; "
        f"target ≤ {TARGET_QUERIES:g})"
    )
    print(
        f"  CPU while filing   worker {batch['worker_cores']:.2f} cores, PostgreSQL backends {batch['pg_cores']:.2f}, "
        f"machine {batch['machine_cores']:.2f} of {os.cpu_count()} "
        f"(load {batch['load'][0]:.1f} → {batch['load'][1]:.1f})"
    )
    print(f"  physical ceiling   {PEER_LIMIT}")
    print(
        f"  correctness        filed once {checked['filed_once']:,}/{len(ids):,}, lost {checked['lost']}, "
        f"duplicated {checked['duplicated']}, requesters with two open inquiries {checked['requesters_with_two_open']}"
    )
    print(
        f"  acknowledgements   outbox {outbox}, the last delivered {acknowledged_after:.1f} s after the wake "
        f"(to the local stand-in, {StandIn.sent:,} requests; they wait while a burst is filed, 30 s at most)"
    )
    print(f"  {'target met' if met else 'target NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
