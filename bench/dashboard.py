"""Benchmark: the period reports (`/sla/`) with 1,000,000 inquiries over a year in PostgreSQL.

Run from the repository root, against a bench-only database (its name must contain "bench"; it is created if
missing, migrated, and its tables are emptied with TRUNCATE … CASCADE on every run):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hd_a1_bench .venv/bin/python bench/dashboard.py \
        [--n 1000000] [--requests 30] [--warmup 3] [--reuse]

Data: a head office, 10 regional offices and 100 service offices under them (10 a region; regions 1–6 in WIB,
7–8 in WITA, 9–10 in WIT), national holidays, 6 officers and a coordinator per office, supervisors in each region
and at the head office, two channel accounts per office and 200 requesters an account (`office_create`,
`staff_assign`, bulk_create). Then N inquiries received over the last 365 days, spread evenly over the offices,
written by one INSERT … SELECT over generate_series (no Python loop): 80 % answered within the target, 10 %
breached (a third never answered), 7 % not counted, the rest running; 15 % late arrivals; 5 % escalated with
their ticket; 70 % tagged with one or two topics; an officer's answer message for half the breached ones. Then
VACUUM (ANALYZE), as autovacuum would have done by the time of use.

Measured in process with Django's test Client (no network, DEBUG off): the office's monthly report as its
coordinator (`/sla/`), the regional roll-up as a regional supervisor (`/sla/`, 10 offices) and the national roll-up
as head-office staff (`/sla/`, 100 offices by region), each ``--warmup`` times untimed, then ``--requests`` times
timed (perf_counter around client.get, queries counted with CaptureQueriesContext, status 200 asserted); the API
(`/api/v1/reports/sla/`) of the national roll-up too.

Prints p50/p95/max latency and queries per request, then EXPLAIN (ANALYZE, BUFFERS) of the heaviest statements
of the national roll-up. Exits 0 when office month p95 <= 150 ms and national p95 <= 500 ms, else 1 (2 when the
environment is not usable).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

from bench._benchdb import check_database_url, clean_slate, ensure_database  # noqa: E402

TARGETS_MS = {"office month": 150.0, "national roll-up": 500.0}
REGIONS = 10
OFFICES_PER_REGION = 10
OFFICERS = 6
REQUESTERS_PER_ACCOUNT = 200


def fail(message: str) -> None:
    print(f"dashboard bench: {message}", file=sys.stderr)
    sys.exit(2)


def zone_of(region: int) -> str:
    return "Asia/Jakarta" if region <= 6 else ("Asia/Makassar" if region <= 8 else "Asia/Jayapura")


def build_structure() -> dict:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from channels_intake.models import ChannelAccount
    from offices.holidays import holidays_load
    from offices.models import Office, Role, Typology
    from offices.services import office_create, staff_assign
    from tickets.models import Requester, Unit

    User = get_user_model()
    kppbc = Typology.objects.create(name="KPPBC TMP B", officer_limit=OFFICERS)
    kanwil = Typology.objects.create(name="Kantor Wilayah", officer_limit=3)
    hq = office_create(code="000000", name="Kantor Pusat DJBC", typology=kanwil, kind=Office.Kind.HEAD_OFFICE)
    year = timezone.now().year
    holidays_load(years=[year - 1, year, year + 1])
    regions, offices = [], []
    hq_user = User.objects.create(username="pusat.supervisor", first_name="Pusat")
    staff_assign(user=hq_user, office=hq, role=Role.SUPERVISOR)
    for r in range(1, REGIONS + 1):
        region = office_create(
            code=f"{r:02d}0000",
            name=f"Kanwil {r}",
            typology=kanwil,
            kind=Office.Kind.REGIONAL,
            parent=hq,
            timezone=zone_of(r),
        )
        regions.append(region)
        user = User.objects.create(username=f"kanwil{r}.supervisor", first_name=f"Kanwil {r}")
        staff_assign(user=user, office=region, role=Role.SUPERVISOR)
        for o in range(1, OFFICES_PER_REGION + 1):
            office = office_create(
                code=f"{r:02d}{o:02d}00", name=f"KPPBC {r}-{o}", typology=kppbc, parent=region, timezone=zone_of(r)
            )
            offices.append(office)
    officers = {}
    for office in offices:
        users = User.objects.bulk_create(
            User(username=f"petugas{i}.{office.code}", first_name=f"Petugas {i}", last_name=office.code)
            for i in range(1, OFFICERS + 1)
        )
        for user in users:
            staff_assign(user=user, office=office, role=Role.OFFICER)
        coordinator = User.objects.create(username=f"koordinator.{office.code}", first_name="Koordinator")
        staff_assign(user=coordinator, office=office, role=Role.COORDINATOR)
        officers[office.pk] = [user.pk for user in users]
    accounts = ChannelAccount.objects.bulk_create(
        ChannelAccount(
            office=office,
            kind=kind,
            slug=f"bench-{office.code}-{kind}",
            name=kind,
            external_id=f"b-{office.code}-{kind}",
        )
        for office in offices
        for kind in ("webchat", "whatsapp")
    )
    Requester.objects.bulk_create(
        Requester(account=account, external_id=f"r{n}", display_name=f"Pemohon {n}")
        for account in accounts
        for n in range(REQUESTERS_PER_ACCOUNT)
    )
    units = Unit.objects.bulk_create(Unit(name=f"Seksi {office.code}", home_office=office) for office in offices)
    return {
        "hq": hq,
        "regions": regions,
        "offices": offices,
        "officers": officers,
        "accounts": accounts,
        "units": units,
    }


def _defaults_for(model, provided: set[str]) -> tuple[list[str], list]:
    """The NOT NULL columns of ``model`` the INSERT does not give, with their model defaults (other apps add
    columns; the bench keeps working)."""
    from django.db import connection

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in provided or field.primary_key or field.null:
            continue
        if (
            not field.has_default()
            and not getattr(field, "auto_now_add", False)
            and not getattr(field, "auto_now", False)
        ):
            if getattr(field, "blank", False):
                columns.append(field.column)
                values.append("")
                continue
            fail(f"{model.__name__}.{field.name} is NOT NULL without a default: teach bench/dashboard.py about it")
        if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
            columns.append(field.column)
            values.append(None)  # replaced by now() below
            continue
        columns.append(field.column)
        values.append(field.get_db_prep_save(field.get_default(), connection))
    return columns, values


def insert_select(model, provided: dict[str, str], tail: str, params: list | None = None) -> int:
    """INSERT INTO model's table (given columns + defaults) SELECT given SQL expressions … ``tail``."""
    from django.db import connection

    extra_columns, extra_values = _defaults_for(model, set(provided))
    columns = list(provided) + extra_columns
    expressions = list(provided.values()) + ["now()" if value is None else "%s" for value in extra_values]
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "  # noqa: S608 - bench SQL, identifiers only
        f"SELECT {', '.join(expressions)} {tail}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for value in extra_values if value is not None] + (params or []))
        return cursor.rowcount


def build_inquiries(n: int, built: dict) -> dict:
    from django.db import connection

    from tickets.models import Inquiry, Message, Requester, Ticket, Topic

    offices = built["offices"]
    office_ids = [office.pk for office in offices]
    # Per office (1-based index i): its accounts, first requester id, first officer id (all contiguous).
    accounts = defaultdict(list)
    for account in built["accounts"]:
        accounts[account.office_id].append(account.pk)
    requester_ids = defaultdict(list)
    for account_id, pk in Requester.objects.order_by("pk").values_list("account_id", "pk"):
        requester_ids[account_id].append(pk)
    arrays = {
        "offices": office_ids,
        "acc0": [accounts[pk][0] for pk in office_ids],
        "acc1": [accounts[pk][1] for pk in office_ids],
        "req0": [requester_ids[accounts[pk][0]][0] for pk in office_ids],
        "req1": [requester_ids[accounts[pk][1]][0] for pk in office_ids],
        "off0": [built["officers"][pk][0] for pk in office_ids],
        "units": [unit.pk for unit in built["units"]],
    }
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_office_map")
        cursor.execute(
            "CREATE TEMP TABLE bench_office_map AS SELECT * FROM unnest(%s::int[], %s::int[], %s::int[], "
            "%s::int[], %s::int[], %s::int[], %s::int[]) "
            "WITH ORDINALITY AS m(office_id, acc0, acc1, req0, req1, off0, unit_id, i)",
            [arrays[key] for key in ("offices", "acc0", "acc1", "req0", "req1", "off0", "units")],
        )
    count = len(office_ids)
    # One row per inquiry: g the sequence number, u/v/w three independent uniform draws.
    source = (
        "FROM (SELECT g, random() AS u, random() AS v, random() AS w, "
        "now() - (random() * interval '365 days') AS rec FROM generate_series(1, %s) AS g) s "
        f"JOIN bench_office_map m ON m.i = 1 + (s.g %% {count})"
    )
    status_case = (
        "CASE WHEN u < 0.80 THEN 'met' WHEN u < 0.90 THEN 'breached' WHEN u < 0.97 THEN 'cancelled' ELSE 'running' END"
    )
    provided = {
        "office_id": "m.office_id",
        "account_id": "CASE WHEN g %% 2 = 0 THEN m.acc0 ELSE m.acc1 END",
        "requester_id": f"CASE WHEN g %% 2 = 0 THEN m.req0 ELSE m.req1 END + (g / 2 %% {REQUESTERS_PER_ACCOUNT})",
        "status": "CASE WHEN u >= 0.97 THEN 'open' ELSE 'closed' END",
        "outcome": "CASE WHEN u >= 0.97 THEN '' WHEN u >= 0.90 THEN 'no_reply' ELSE 'answered' END",
        "assigned_to_id": f"CASE WHEN u BETWEEN 0.86 AND 0.90 THEN NULL ELSE m.off0 + (g / 7 %% {OFFICERS}) END",
        "preview": "'Pertanyaan tentang barang kiriman nomor ' || g",
        "received_at": "rec",
        "last_message_at": "rec",
        "effective_start": "rec",
        "late_arrival": "w < 0.15",
        "response_due": "rec + interval '55 minutes'",
        "response_status": status_case,
        "response_met_at": (
            "CASE WHEN u < 0.80 THEN rec + (v * 50 + 1) * interval '1 minute' "
            "WHEN u < 0.866 THEN rec + (v * 400 + 56) * interval '1 minute' END"
        ),
        "response_met_by_id": f"CASE WHEN u < 0.866 THEN m.off0 + (g / 7 %% {OFFICERS}) END",
        "response_working_seconds": (
            "CASE WHEN u < 0.80 THEN (v * 3000 + 60)::int WHEN u < 0.866 THEN (v * 24000 + 3360)::int END"
        ),
        "resolution_due": "CASE WHEN g %% 20 = 0 AND u < 0.90 THEN rec + interval '2 days' END",
        "resolution_status": (
            "CASE WHEN g %% 20 = 0 AND u < 0.90 THEN (CASE WHEN v < 0.7 THEN 'met' ELSE 'breached' END) ELSE '' END"
        ),
        "resolution_met_at": "CASE WHEN g %% 20 = 0 AND u < 0.90 THEN rec + (v * 4) * interval '1 day' END",
        "paused_working_seconds": "0",
        "closed_at": "CASE WHEN u < 0.97 THEN rec + interval '1 day' END",
    }
    # The summary's change triggers (supervision/migrations/0001) are off for the bulk load: the summary of the
    # whole year is rebuilt after it (build_summary), which is what they would ask for.
    triggers(enabled=False)
    inserted = insert_select(Inquiry, provided, source, [n])
    if not Topic.objects.exists():  # the clean slate emptied the seeded list: seed it again
        import importlib

        seed = importlib.import_module("tickets.migrations.0008_topics").SEED
        Topic.objects.bulk_create(
            Topic(slug=slug, name=name, name_en=name_en, position=i) for i, (slug, name, name_en) in enumerate(seed)
        )
    topics = list(Topic.objects.order_by("pk").values_list("pk", flat=True))
    through = Inquiry.topics.through
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {through._meta.db_table} (inquiry_id, topic_id) "  # noqa: S608
            "SELECT id, (%s::int[])[1 + id %% %s] FROM tickets_inquiry WHERE id %% 10 < 7 "
            "UNION ALL SELECT id, (%s::int[])[1 + (id / 3) %% %s] FROM tickets_inquiry "
            "WHERE id %% 10 = 0 AND (id / 3) %% %s <> id %% %s",
            [topics, len(topics), topics, len(topics), len(topics), len(topics)],
        )
        topic_rows = cursor.rowcount
    messages = insert_select(
        Message,
        {
            "inquiry_id": "i.id",
            "direction": "'out'",
            "kind": "'answer'",
            "author_id": "i.assigned_to_id",
            "text": "'Jawaban'",
            "created_at": "i.response_due - interval '5 minutes'",
        },
        "FROM tickets_inquiry i WHERE i.response_status = 'breached' AND i.id %% 2 = 0",
    )
    tickets = insert_select(
        Ticket,
        {
            "number": "'BC-' || i.id",
            "verification_hash": "'x'",
            "inquiry_id": "i.id",
            "office_id": "i.office_id",
            "unit_id": "m.unit_id",
            "status": "'answered'",
            "summary": "'Eskalasi'",
            "answered_at": "i.resolution_met_at - interval '1 hour'",
            "created_at": "i.received_at",
        },
        "FROM tickets_inquiry i JOIN bench_office_map m ON m.office_id = i.office_id WHERE i.resolution_status <> ''",
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_office_map")
    triggers(enabled=True)
    return {"inquiries": inserted, "topics": topic_rows, "messages": messages, "tickets": tickets}


def triggers(*, enabled: bool) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("tickets_inquiry", "tickets_inquiry_topics"):
            cursor.execute(f"ALTER TABLE {table} {'ENABLE' if enabled else 'DISABLE'} TRIGGER USER")


def build_summary(live: bool, reuse: bool) -> str:
    """The reports' daily summary of the whole year (what the beat task's backfill builds in chunks), or none
    (``--live``: every roll-up read from the inquiries)."""
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from supervision import reports
    from supervision.models import DayFigures, DayMinutes, SummaryChange, SummaryDay

    SummaryChange.objects.all().delete()
    if live:
        SummaryDay.objects.all().delete()
        return "summary removed (--live: roll-ups read from the inquiries)"
    if reuse and SummaryDay.objects.exists():
        reports.refresh_summary()
        return f"summary of the previous run reused ({SummaryDay.objects.count()} office-dates), refreshed"
    today = timezone.now().date()
    call_command(
        "report_summary_rebuild",
        "--from",
        (today - timedelta(days=367)).isoformat(),
        "--to",
        (today + timedelta(days=1)).isoformat(),
        stdout=open(os.devnull, "w"),  # noqa: SIM115
    )
    reports.refresh_summary()  # the beat task's run: refreshed_at, recent dates
    return (
        f"summary: {DayFigures.objects.count()} figure rows, {DayMinutes.objects.count()} minute rows, "
        f"{SummaryDay.objects.count()} office-dates"
    )


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (
            "tickets_inquiry",
            "tickets_inquiry_topics",
            "tickets_message",
            "tickets_ticket",
            "supervision_dayfigures",
            "supervision_dayminutes",
            "supervision_summaryday",
        ):
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def shape(sql: str) -> str:
    return re.sub(r"'[^']*'|\b\d+\b", "?", sql)[:300]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def measure(client, label: str, url: str, requests: int, warmup: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, counts = [], []
    by_shape: dict[str, list[float]] = defaultdict(list)
    sample: dict[str, str] = {}
    for k in range(warmup + requests):
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, secure=True)  # DEBUG off: plain HTTP is redirected to HTTPS
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            fail(f"{label}: GET {url} answered {response.status_code}")
        if k < warmup:
            continue
        times.append(elapsed)
        counts.append(len(captured.captured_queries))
        for query in captured.captured_queries:
            by_shape[shape(query["sql"])].append(float(query["time"]) * 1000)
            sample[shape(query["sql"])] = query["sql"]
    selects = {
        key: ms for key, ms in by_shape.items() if sample[key].lstrip("( ").upper().startswith(("SELECT", "WITH"))
    }
    heavy = sorted(selects.items(), key=lambda item: statistics.median(item[1]), reverse=True)[:4]
    return {
        "label": label,
        "url": url,
        "p50": percentile(times, 0.5),
        "p95": percentile(times, 0.95),
        "max": max(times),
        "queries": (min(counts), max(counts)),
        "heavy": [(sample[key], statistics.median(ms)) for key, ms in heavy],
    }


def explain(sql: str) -> list[str]:
    """The plan as the report runs it: in a transaction with the report's settings (JIT off, work_mem)."""
    from django.db import connection, transaction

    from supervision.reports import REPORT_SETTINGS

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("; ".join(REPORT_SETTINGS))
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [row[0] for row in cursor.fetchall()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="inquiries to load (default 1000000)")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per page first (default 3)")
    parser.add_argument("--reuse", action="store_true", help="keep the data of the previous run (no reload)")
    parser.add_argument("--plans", type=int, default=3, help="EXPLAIN ANALYZE this many statements per page")
    parser.add_argument("--live", action="store_true", help="no daily summary: roll-ups read from the inquiries")
    args = parser.parse_args()
    if args.n < 1000 or args.requests < 1:
        fail("--n must be at least 1000 and --requests at least 1")
    config = check_database_url(fail, "postgres://postgres@127.0.0.1:5432/hd_a1_bench")
    created = ensure_database(config, fail)

    import django

    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings

    from offices.models import Office
    from tickets.models import Inquiry

    print(f"Dashboard bench on {config['NAME']} (database {'created' if created else 'reused'})")
    step = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    if args.reuse and Inquiry.objects.exists():
        print(f"  migrate: {time.perf_counter() - step:.1f} s; data of the previous run reused")
    else:
        clean_slate()
        print(f"  migrate + clean slate: {time.perf_counter() - step:.1f} s")
        step = time.perf_counter()
        built = build_structure()
        print(
            f"  {len(built['offices'])} offices in {len(built['regions'])} regions, staff: "
            f"{time.perf_counter() - step:.1f} s"
        )
        step = time.perf_counter()
        loaded = build_inquiries(args.n, built)
        print(
            f"  loaded {loaded['inquiries']} inquiries, {loaded['topics']} topic tags, {loaded['messages']} messages, "
            f"{loaded['tickets']} tickets: {time.perf_counter() - step:.1f} s"
        )
    step = time.perf_counter()
    built = build_summary(args.live, args.reuse)
    print(f"  {built}: {time.perf_counter() - step:.1f} s")
    step = time.perf_counter()
    vacuum()
    print(f"  VACUUM (ANALYZE): {time.perf_counter() - step:.1f} s")

    User = get_user_model()
    from datetime import timedelta

    from django.utils import timezone

    # The last whole month (the current one may have just begun): what a supervisor reads at the month's end.
    month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    period = f"?period=month&on={month.isoformat()}"
    month_end = timezone.localdate().replace(day=1) - timedelta(days=1)
    api_period = f"?from={month.isoformat()}&to={month_end.isoformat()}"
    office = Office.objects.get(code="010100")
    month_rows = Inquiry.objects.filter(office=office).count() // 12
    pages = [
        ("office month", User.objects.get(username=f"koordinator.{office.code}"), f"/sla/{period}"),
        ("regional roll-up", User.objects.get(username="kanwil1.supervisor"), f"/sla/{period}"),
        ("national roll-up", User.objects.get(username="pusat.supervisor"), f"/sla/{period}"),
        ("national API", User.objects.get(username="pusat.supervisor"), f"/api/v1/reports/sla/{api_period}"),
        (
            "office drill-down",
            User.objects.get(username=f"koordinator.{office.code}"),
            f"/sla/inquiries/{period}&metric=response_breached",
        ),
    ]
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    rows = []
    print(f"  timing {args.requests} requests per page after {args.warmup} warm-up requests …")
    with override_settings(STORAGES=storages):
        for label, user, url in pages:
            client = Client()
            client.force_login(user)
            rows.append(measure(client, label, url, args.requests, args.warmup))

    total = Inquiry.objects.count()
    print(f"\nResults ({total} inquiries; about {month_rows} a month in one office, {total // 12} nationally)")
    header = f"  {'page':20s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s} {'queries':>8s}"
    print(header)
    print("  " + "-" * (len(header) - 2))
    ok = True
    for row in rows:
        low, high = row["queries"]
        target = TARGETS_MS.get(row["label"])
        flag = ""
        if target is not None:
            flag = f"  (target p95 <= {target:.0f} ms: {'ok' if row['p95'] <= target else 'MISSED'})"
            ok = ok and row["p95"] <= target
        queries = f"{low}" if low == high else f"{low}-{high}"
        print(f"  {row['label']:20s} {row['p50']:8.1f} {row['p95']:8.1f} {row['max']:8.1f} {queries:>8s}{flag}")

    for row in rows:
        if row["label"] not in ("office month", "national roll-up"):
            continue
        print(f"\nHeaviest statements of {row['label']} (median ms):")
        for sql, ms in row["heavy"][: args.plans]:
            print(f"\n  {ms:.1f} ms: {sql[:240]}…")
            for line in explain(sql):
                if re.match(r"\s*(Buffers|Planning:|Output)", line):
                    continue
                print(f"    {line}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
