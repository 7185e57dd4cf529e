"""Benchmark: the officer scorecards (`/sla/officers/`) on the dashboard bench's data, in PostgreSQL.

Run from the repository root, against a bench-only database (its name must contain "bench"; created if missing,
migrated, its tables emptied on every run unless ``--reuse``):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hd_scorecards_bench .venv/bin/python bench/scorecards.py \
        [--n 300000] [--requests 20] [--warmup 2] [--reuse]

Data: ``bench/dashboard.py``'s offices, staff and inquiries (100 offices in 10 regions, 6 officers an office,
N inquiries over the last 365 days, 86.6 % answered and credited to an officer), plus a survey rating on 30 % of
the answered inquiries (one UPDATE) and 2,000 substantiated complaints about officers over the year.

Measured in process with Django's test Client: last month's scorecards of one office as its coordinator, of a
region (10 offices, 60 officers) as its supervisor, nationally (100 offices, 600 officers) as head-office staff,
and the national XLSX. Prints p50/p95/max latency and the queries per request.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

from bench._benchdb import check_database_url, clean_slate, ensure_database  # noqa: E402


def fail(message: str) -> None:
    print(f"scorecards bench: {message}", file=sys.stderr)
    sys.exit(2)


def add_ratings_and_complaints() -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tickets_inquiry SET rating = 1 + (id % 5), rated_at = response_met_at + interval '1 hour' "
            "WHERE response_met_by_id IS NOT NULL AND id % 10 < 3"
        )
        rated = cursor.rowcount
        cursor.execute(
            "INSERT INTO complaints_complaint (office_id, handling_office_id, kind, channel, register_number, "
            "sipuma_number, anonymous, complainant_name, complainant_contact, language, concerns, matter, place, "
            "parties, chronology, evidence, about_user_id, status, substantiated, resolution, action_taken, "
            "informed_note, created_at, concluded_at) "
            "SELECT p.office_id, p.office_id, 'complaint', 'web_form', '', '', false, '', '', 'id', 'officer', "
            "'bench', '', '', '', '', p.user_id, 'concluded', true, '', '', '', now(), "
            "now() - random() * interval '365 days' "
            "FROM generate_series(1, 2000) g JOIN LATERAL (SELECT office_id, user_id FROM offices_staffprofile "
            "WHERE role = 'officer' ORDER BY id OFFSET (g % 600) LIMIT 1) p ON true"
        )
        complaints = cursor.rowcount
        cursor.execute("VACUUM (ANALYZE) tickets_inquiry")
        cursor.execute("VACUUM (ANALYZE) complaints_complaint")
    return rated, complaints


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300_000, help="inquiries to load (default 300000)")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page (default 20)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests per page first (default 2)")
    parser.add_argument("--reuse", action="store_true", help="keep the data of the previous run (no reload)")
    args = parser.parse_args()
    if args.n < 1000 or args.requests < 1:
        fail("--n must be at least 1000 and --requests at least 1")
    config = check_database_url(fail, "postgres://postgres@127.0.0.1:5432/hd_scorecards_bench")
    created = ensure_database(config, fail)

    import django

    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    from bench.dashboard import build_inquiries, build_structure, measure
    from tickets.models import Inquiry

    print(f"Scorecards bench on {config['NAME']} (database {'created' if created else 'reused'})")
    step = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    if args.reuse and Inquiry.objects.exists():
        print(f"  migrate: {time.perf_counter() - step:.1f} s; data of the previous run reused")
        if not Inquiry.objects.filter(rating__isnull=False).exists():
            rated, complaints = add_ratings_and_complaints()
            print(f"  {rated} ratings, {complaints} complaints added")
    else:
        clean_slate()
        built = build_structure()
        loaded = build_inquiries(args.n, built)
        rated, complaints = add_ratings_and_complaints()
        print(
            f"  loaded {loaded['inquiries']} inquiries ({rated} rated), {complaints} complaints: "
            f"{time.perf_counter() - step:.1f} s"
        )
    User = get_user_model()
    month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    query = f"?month={month:%Y-%m}"
    pages = [
        ("office month", User.objects.get(username="koordinator.010100"), f"/sla/officers/{query}"),
        ("region (60 officers)", User.objects.get(username="kanwil1.supervisor"), f"/sla/officers/{query}"),
        ("national (600)", User.objects.get(username="pusat.supervisor"), f"/sla/officers/{query}"),
        ("national XLSX", User.objects.get(username="pusat.supervisor"), f"/sla/officers/{query}&format=xlsx"),
    ]
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    rows = []
    with override_settings(STORAGES=storages):
        for label, user, url in pages:
            client = Client()
            client.force_login(user)
            rows.append(measure(client, label, url, args.requests, args.warmup))
    total = Inquiry.objects.count()
    print(f"\nResults ({total} inquiries, month {month:%Y-%m}; the machine is shared: figures under contention)")
    header = f"  {'page':22s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s} {'queries':>8s}"
    print(header)
    print("  " + "-" * (len(header) - 2))
    for row in rows:
        low, high = row["queries"]
        queries = f"{low}" if low == high else f"{low}-{high}"
        print(f"  {row['label']:22s} {row['p50']:8.1f} {row['p95']:8.1f} {row['max']:8.1f} {queries:>8s}")
        for sql, ms in row["heavy"][:1]:
            print(f"      heaviest statement {ms:.1f} ms: {sql[:120]}…")
    return 0


if __name__ == "__main__":
    sys.exit(main())
