"""Benchmark: one SLA sweep (`sla.services.sla_sweep`) over N open inquiries on PostgreSQL.

Run from the repository root, against a bench-only database (its name must contain "bench"; it is created
if missing and its tables are emptied on every run):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench .venv/bin/python bench/sla_sweep.py \
        [--n 100000] [--crossing 1000] [--head 300] [--waiting 500] [--abandoned 40] [--seed 2026]

Data (written with bulk_create, not through the services, so 100k rows load in seconds): a few offices
(`office_create`), their officers, coordinator, supervisor and head (`staff_assign`), one channel account
per office, N requesters and N open inquiries whose stored SLA moments are set directly around a fixed
`now` (a Tuesday, 10:00 in Jakarta):

* ``--crossing`` running inquiries whose at-risk moment has just passed (due in the next minutes);
* ``--crossing`` running inquiries whose due time has just passed (their at-risk notice went out earlier);
* ``--head`` inquiries already marked breached whose head-of-office moment has just passed;
* ``--waiting`` paused inquiries (stale due times, most in the past), ``--abandoned`` of them past their
  waiting limit;
* 5 % escalated inquiries (response met, resolution running, due in the coming weeks);
* all the others running, their at-risk moments spread over the next three weeks.

Then three sweeps are timed (wall time, SQL queries, the counts `sla_sweep` returns): at `now` (claims and
delivers the crossing notices), again at `now` (nothing new: the cost of a quiet minute with N open
inquiries), and one minute later. The claim statements of the second sweep are then run under
EXPLAIN (ANALYZE) in a rolled-back transaction to show which indexes they use. E-mails go to Django's
locmem backend (set EMAIL_BACKEND to measure another one).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

# A Tuesday, 10:00 in Asia/Jakarta: inside working hours everywhere.
NOW = datetime(2026, 5, 12, 3, 0, tzinfo=UTC)
BATCH = 5000
TARGET_SECONDS = 2.0
CLAIM_INDEXES = ("inq_resp_risk", "inq_resp_run", "inq_resp_head", "inq_reso_risk", "inq_reso_run", "inq_reso_head")

# Response target of the default policy: 55 working minutes, at risk at 80 %, head one hour after the breach.
RESPONSE = timedelta(minutes=55)
RISK_BEFORE_DUE = timedelta(minutes=11)
HEAD_AFTER_DUE = timedelta(minutes=60)

# code, name, kind, typology, zone, parent code, 24/7
OFFICES = [
    ("090000", "Kanwil DJBC Sulawesi Bagian Selatan", "regional", "Kantor Wilayah", "Asia/Makassar", None, False),
    ("180000", "Kanwil Khusus DJBC Papua", "regional", "Kantor Wilayah", "Asia/Jayapura", None, False),
    ("050100", "KPU BC Tipe C Soekarno-Hatta", "kpu", "KPU", "Asia/Jakarta", None, False),
    ("040300", "KPU BC Tipe A Tanjung Priok", "kpu", "KPU", "Asia/Jakarta", None, True),
    ("090400", "KPPBC TMP B Makassar", "kppbc", "KPPBC TMP B", "Asia/Makassar", "090000", False),
    ("180100", "KPPBC TMP B Jayapura", "kppbc", "KPPBC TMP B", "Asia/Jayapura", "180000", False),
]
SERVICE_OFFICES = ["050100", "040300", "090400", "180100"]
TYPOLOGIES = [("KPU", 6), ("KPPBC TMP B", 3), ("Kantor Wilayah", 3)]
CHANNEL_KINDS = ["webchat", "meta", "whatsapp", "telegram"]


from _benchdb import check_database_url, clean_slate, ensure_database  # noqa: E402


def fail(message: str) -> None:
    print(f"sla_sweep bench: {message}", file=sys.stderr)
    sys.exit(2)


# --- Data ------------------------------------------------------------------------------------------------------
def build_staff() -> tuple[dict, dict]:
    """Typologies, offices, staff and one channel account per service office."""
    from django.contrib.auth import get_user_model

    from channels_intake.models import ChannelAccount
    from offices.models import Role, Typology
    from offices.services import office_create, staff_assign

    User = get_user_model()
    typologies = {name: Typology.objects.create(name=name, officer_limit=limit) for name, limit in TYPOLOGIES}
    offices = {}
    for code, name, kind, typology, zone, parent, always_open in OFFICES:
        offices[code] = office_create(
            code=code,
            name=name,
            typology=typologies[typology],
            timezone=zone,
            kind=kind,
            parent=offices.get(parent),
            always_open=always_open,
        )
    staff, accounts = {}, {}
    for index, code in enumerate(SERVICE_OFFICES):
        office = offices[code]
        plan = [(f"petugas{i}.{code}", Role.OFFICER, i < 3 or index % 2 == 0) for i in range(1, 4)]
        plan += [
            (f"petugas4.{code}", Role.OFFICER, False) if office.typology.officer_limit > 3 else None,
            (f"koordinator.{code}", Role.COORDINATOR, True),
            (f"supervisor.{code}", Role.SUPERVISOR, True),
            (f"kepala.{code}", Role.HEAD, True),
        ]
        officers = []
        for username, role, on_duty in filter(None, plan):
            user = User.objects.create(username=username, email=f"{username}@example.invalid", first_name=username)
            staff_assign(user=user, office=office, role=role, on_duty=on_duty)
            if role == Role.OFFICER:
                officers.append(user.pk)
        staff[office.pk] = officers
        kind = CHANNEL_KINDS[index % len(CHANNEL_KINDS)]
        accounts[office.pk] = ChannelAccount.objects.create(
            office=office, kind=kind, slug=f"bench-{code}", name=f"{kind} {office.name}", external_id=f"bench-{code}"
        )
    return staff, accounts


def build_inquiries(args, staff: dict, accounts: dict) -> dict[str, int]:
    """N requesters and N open inquiries, in batches, with their SLA moments set around NOW."""
    from django.db import connection

    from sla.models import SlaNotice
    from tickets.models import Inquiry, Requester

    rng = random.Random(args.seed)
    office_ids = list(accounts)
    # Which inquiry is in which group, in random order so that ids do not follow groups.
    groups = (
        ["risk"] * args.crossing
        + ["breach"] * args.crossing
        + ["head"] * args.head
        + ["abandon"] * args.abandoned
        + ["waiting"] * (args.waiting - args.abandoned)
        + ["escalated"] * (args.n // 20)
    )
    groups += ["future"] * (args.n - len(groups))
    rng.shuffle(groups)

    requesters = []
    for start in range(0, args.n, BATCH):
        chunk = [
            Requester(
                account=accounts[office_ids[i % len(office_ids)]],
                external_id=f"bench-{i}",
                display_name=f"Requester {i}",
                channel=accounts[office_ids[i % len(office_ids)]].kind,
                language="en" if i % 7 == 0 else "id",
            )
            for i in range(start, min(args.n, start + BATCH))
        ]
        requesters += Requester.objects.bulk_create(chunk, batch_size=BATCH)

    def minutes(low: float, high: float) -> timedelta:
        return timedelta(seconds=rng.uniform(low * 60, high * 60))

    created, prior_notices = {}, []
    for start in range(0, args.n, BATCH):
        batch, kinds = [], []
        for i in range(start, min(args.n, start + BATCH)):
            group = groups[i]
            office_id = office_ids[i % len(office_ids)]
            fields = {"status": Inquiry.Status.OPEN, "response_status": "running"}
            if group == "risk":  # at risk now, due in the next minutes
                at_risk = NOW - minutes(0, 10)
                due = at_risk + RISK_BEFORE_DUE
            elif group == "breach":  # due just passed; its at-risk notice went out earlier
                due = NOW - minutes(0, 10)
                at_risk = due - RISK_BEFORE_DUE
            elif group == "head":  # breached an hour ago; the head of office is told now
                head = NOW - minutes(0, 10)
                due = head - HEAD_AFTER_DUE
                at_risk = due - RISK_BEFORE_DUE
                fields["response_status"] = "breached"
            elif group in ("waiting", "abandon"):  # paused: stored moments are stale until resume
                paused = NOW - minutes(60, 2 * 24 * 60)
                due = paused + minutes(5, 50)
                at_risk = due - RISK_BEFORE_DUE
                limit = NOW - minutes(0, 30) if group == "abandon" else NOW + minutes(60, 3 * 24 * 60)
                fields.update(status=Inquiry.Status.WAITING, paused_at=paused, waiting_until=limit)
            elif group == "escalated":  # answered, the final answer runs for working days
                at_risk = NOW - minutes(2 * 60, 3 * 24 * 60) - RISK_BEFORE_DUE
                due = at_risk + RISK_BEFORE_DUE
                resolution_due = NOW + minutes(4 * 60, 21 * 24 * 60)
                fields.update(
                    status=Inquiry.Status.ESCALATED,
                    response_status="met",
                    response_met_at=due - minutes(1, 30),
                    resolution_status="running",
                    resolution_due=resolution_due,
                    resolution_at_risk_at=resolution_due - timedelta(hours=3, minutes=24),
                    resolution_head_at=resolution_due + HEAD_AFTER_DUE,
                )
            else:  # "future": at risk some time in the next three weeks
                at_risk = NOW + minutes(0.02, 21 * 24 * 60)
                due = at_risk + RISK_BEFORE_DUE
            effective_start = due - RESPONSE
            received = effective_start - minutes(0, 90)
            officers = staff[office_id]
            batch.append(
                Inquiry(
                    office_id=office_id,
                    account=accounts[office_id],
                    requester=requesters[i],
                    assigned_to_id=officers[i % len(officers)] if i % 2 else None,
                    preview="Pertanyaan tentang barang kiriman",
                    received_at=received,
                    last_message_at=received,
                    last_inbound_at=received,
                    effective_start=effective_start,
                    response_due=due,
                    response_at_risk_at=at_risk,
                    response_head_at=due + HEAD_AFTER_DUE,
                    **fields,
                )
            )
            kinds.append(group)
            created[group] = created.get(group, 0) + 1
        Inquiry.objects.bulk_create(batch, batch_size=BATCH)
        for inquiry, group in zip(batch, kinds, strict=True):
            # The notices earlier sweeps already sent: the unique key must turn them away again.
            if group in ("breach", "head"):
                prior_notices.append(SlaNotice(inquiry_id=inquiry.pk, target="response", level="at_risk"))
            if group == "head":
                prior_notices.append(SlaNotice(inquiry_id=inquiry.pk, target="response", level="breached"))
    SlaNotice.objects.bulk_create(prior_notices, batch_size=BATCH)
    created["prior_notices"] = len(prior_notices)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return created


# --- Measuring -------------------------------------------------------------------------------------------------
def table_count(sql: str) -> tuple:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


def timed_sweep(label: str, now: datetime) -> dict:
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sla.services import sla_sweep

    notices_before = table_count("SELECT count(*) FROM sla_slanotice")[0]
    notifications_before = table_count("SELECT count(*) FROM sla_notification")[0]
    outbox_before = len(getattr(mail, "outbox", []))
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        counts = sla_sweep(now=now)
        wall = time.perf_counter() - started
    row = {
        "label": label,
        "now": now,
        "wall": wall,
        "queries": len(captured.captured_queries),
        "sql_time": sum(float(query["time"]) for query in captured.captured_queries),
        "counts": counts,
        "notices": table_count("SELECT count(*) FROM sla_slanotice")[0] - notices_before,
        "notifications": table_count("SELECT count(*) FROM sla_notification")[0] - notifications_before,
        "mails": len(getattr(mail, "outbox", [])) - outbox_before if hasattr(mail, "outbox") else None,
        "captured": list(captured.captured_queries),
    }
    nonzero = {key: value for key, value in counts.items() if value}
    print(
        f"  {label}: {wall:6.3f} s wall, {row['queries']} queries ({row['sql_time']:.3f} s in SQL), "
        f"counts {nonzero or '{}'}; +{row['notices']} notices, +{row['notifications']} notifications"
        + (f", {row['mails']} e-mails" if row["mails"] is not None else "")
    )
    slowest = sorted(captured.captured_queries, key=lambda query: float(query["time"]), reverse=True)[:3]
    for query in slowest:
        print(f"      {float(query['time']) * 1000:8.1f} ms  {shorten(query['sql'])}")
    return row


def shorten(sql: str, width: int = 110) -> str:
    sql = re.sub(r"\s+", " ", sql)
    sql = re.sub(r"IN \((\d+, ){3,}\d+\)", "IN (…)", sql)
    return sql if len(sql) <= width else sql[: width - 1] + "…"


def explain_claims(captured: list[dict]) -> list[tuple[str, list[str], float]]:
    """EXPLAIN (ANALYZE) the claim statements a sweep ran, in a transaction rolled back afterwards."""
    from django.db import connection, transaction

    results = []
    for query in captured:
        sql = query["sql"]
        if not re.match(r"\s*INSERT INTO \"?sla_slanotice\"?", sql) or "ON CONFLICT" not in sql:
            continue
        match = re.search(r"SELECT i\.id, '(\w+)', '(\w+)'", sql)
        name = f"{match.group(1)}.{match.group(2)}" if match else "claim"
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + sql)
                plan = [row[0] for row in cursor.fetchall()]
            transaction.set_rollback(True)
        scans = []
        for line in plan:
            found = re.search(r"(Index Only Scan|Bitmap Index Scan|Index Scan|Seq Scan)(?: using| on)? (\w+)", line)
            if found:
                scans.append(f"{found.group(1)} {found.group(2)}")
        total = next((float(m.group(1)) for line in plan if (m := re.search(r"Execution Time: ([\d.]+)", line))), 0.0)
        results.append((name, scans, total))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="open inquiries (default 100000)")
    parser.add_argument("--crossing", type=int, default=1000, help="inquiries turning at risk, and breached, now")
    parser.add_argument("--head", type=int, default=300, help="breached inquiries whose head moment passes now")
    parser.add_argument("--waiting", type=int, default=500, help="paused inquiries waiting for the requester")
    parser.add_argument("--abandoned", type=int, default=40, help="of the waiting, those past their limit")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if args.abandoned > args.waiting:
        fail("--abandoned cannot exceed --waiting")
    if 2 * args.crossing + args.head + args.waiting + args.n // 20 > args.n:
        fail("--n is too small for --crossing, --head, --waiting and the 5 % escalated inquiries")

    config = check_database_url(fail, "postgres://postgres@127.0.0.1:5432/helpdesk_bench")
    created_db = ensure_database(config, fail)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    total_started = time.perf_counter()
    state = "created" if created_db else "reused"
    print(f"SLA sweep bench on {config['NAME']}@{config.get('HOST') or 'local'} (database {state})")
    step = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    clean_slate()
    print(f"  migrate + clean slate: {time.perf_counter() - step:.1f} s")

    step = time.perf_counter()
    staff, accounts = build_staff()
    created = build_inquiries(args, staff, accounts)
    groups = ", ".join(f"{key} {value}" for key, value in sorted(created.items()))
    print(f"  loaded {args.n} inquiries in {time.perf_counter() - step:.1f} s ({groups}), ANALYZEd")
    print(f"  sweep now = {NOW.isoformat()}")

    rows = [
        timed_sweep("1st sweep", NOW),
        timed_sweep("2nd sweep (same now)", NOW),
        timed_sweep("3rd sweep (+1 min)", NOW + timedelta(minutes=1)),
    ]

    expected = {
        "response.at_risk": args.crossing,
        "response.breached": args.crossing,
        "response.head": args.head,
        "abandoned": args.abandoned,
    }
    got = rows[0]["counts"]
    mismatches = {key: (got.get(key), value) for key, value in expected.items() if got.get(key) != value}
    total, distinct = table_count("SELECT count(*), count(DISTINCT (inquiry_id, target, level)) FROM sla_slanotice")
    open_count = table_count("SELECT count(*) FROM tickets_inquiry WHERE status <> 'closed'")[0]
    breached = table_count("SELECT count(*) FROM tickets_inquiry WHERE response_status = 'breached'")[0]

    print("\nEXPLAIN (ANALYZE) of the claim statements (2nd sweep, rolled back):")
    index_seen = False
    for name, scans, ms in explain_claims(rows[1]["captured"]):
        uses_index = any("Index" in scan for scan in scans)
        index_seen = index_seen or any(any(ix in scan for ix in CLAIM_INDEXES) for scan in scans)
        print(f"  {name:22s} {ms:7.2f} ms  index scan: {'yes' if uses_index else 'NO'}  ({'; '.join(scans)})")
    if connection.vendor == "postgresql" and not index_seen:
        print("  no claim statement used the partial indexes")

    print("\nSummary")
    print(f"  N = {args.n} open inquiries loaded ({open_count} still open after the sweeps, {breached} breached)")
    print(f"  notices: {total} in sla_slanotice ({created['prior_notices']} pre-existing), {distinct} distinct keys")
    print(f"  notices unique per (inquiry, target, level): {'yes' if total == distinct else 'NO'}")
    print(f"  first-sweep counts as expected: {'yes' if not mismatches else 'NO ' + str(mismatches)}")
    header = (
        f"  {'sweep':22s} {'wall s':>7s} {'queries':>7s} {'SQL s':>6s} {'at risk':>7s} {'breach':>6s} "
        f"{'head':>5s} {'aband':>5s} {'+notice':>7s} {'+notif':>6s} {'mails':>6s}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    for row in rows:
        counts = row["counts"]
        risk = counts.get("response.at_risk", 0) + counts.get("resolution.at_risk", 0)
        breach = counts.get("response.breached", 0) + counts.get("resolution.breached", 0)
        head = counts.get("response.head", 0) + counts.get("resolution.head", 0)
        mails = "-" if row["mails"] is None else str(row["mails"])
        print(
            f"  {row['label']:22s} {row['wall']:7.3f} {row['queries']:7d} {row['sql_time']:6.3f} {risk:7d} "
            f"{breach:6d} {head:5d} {counts.get('abandoned', 0):5d} {row['notices']:7d} {row['notifications']:6d} "
            f"{mails:>6s}"
        )
    verdict = "under" if rows[0]["wall"] < TARGET_SECONDS else "OVER"
    elapsed = time.perf_counter() - total_started
    print(f"  first sweep {verdict} the {TARGET_SECONDS:.0f} s target; total bench time {elapsed:.1f} s")
    return 0 if total == distinct else 1


if __name__ == "__main__":
    sys.exit(main())
