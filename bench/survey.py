"""Benchmark: the satisfaction-survey figures (`/sla/survey/`) and their comments over a year of inquiries.

Run from the repository root, against a bench-only database (its name must contain "bench"; created if missing,
migrated, its tables emptied on every run unless --reuse):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hd_survey_bench .venv/bin/python bench/survey.py \
        [--n 200000] [--requests 20] [--warmup 3] [--reuse]

Data: the structure and inquiries of bench/dashboard.py (100 offices in 10 regions, N inquiries over 365 days),
then one UPDATE gives every answered inquiry (response target met) a survey as the survey module leaves it:
60 % answered (rating 1–5 spread evenly, a comment on a third of them), 20 % asked without an answer, 10 % not
asked because the reply window had closed, 10 % skipped. Then VACUUM (ANALYZE).

Measured in process with Django's test Client (DEBUG off): the office's month as its coordinator, the regional and
the national roll-up, and the national comments list; each --warmup times untimed, then --requests times timed.
Prints p50/p95/max latency and queries per request. Exits 0 when the national page's p95 <= 500 ms, else 1 (2 when
the environment is not usable).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import dashboard  # noqa: E402  (sets the environment for Django, shares the data builders)
from bench._benchdb import check_database_url, clean_slate, ensure_database  # noqa: E402

NATIONAL_TARGET_MS = 500.0

SURVEY_SQL = """
UPDATE tickets_inquiry SET
  survey_status = CASE WHEN id % 10 < 6 THEN 'answered' WHEN id % 10 < 8 THEN 'sent'
                       WHEN id % 10 = 8 THEN 'window_closed' ELSE 'skipped' END,
  survey_sent_at = CASE WHEN id % 10 < 8 THEN received_at + interval '30 minutes' END,
  rating = CASE WHEN id % 10 < 6 THEN 1 + (id / 10) % 5 END,
  rated_at = CASE WHEN id % 10 < 6 THEN received_at + interval '1 hour' END,
  rating_comment = CASE WHEN id % 10 < 6 AND id % 3 = 0 THEN 'Pelayanan cepat, terima kasih' ELSE '' END
WHERE response_status = 'met'
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="inquiries to load (default 200000)")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per page first (default 3)")
    parser.add_argument("--reuse", action="store_true", help="keep the data of the previous run (no reload)")
    args = parser.parse_args()
    if args.n < 1000 or args.requests < 1:
        dashboard.fail("--n must be at least 1000 and --requests at least 1")
    config = check_database_url(dashboard.fail, "postgres://postgres@127.0.0.1:5432/hd_survey_bench")
    created = ensure_database(config, dashboard.fail)

    import django

    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    from offices.models import Office
    from tickets.models import Inquiry

    print(f"Survey bench on {config['NAME']} (database {'created' if created else 'reused'})")
    step = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    if not (args.reuse and Inquiry.objects.exists()):
        clean_slate()
        built = dashboard.build_structure()
        loaded = dashboard.build_inquiries(args.n, built)
        print(f"  loaded {loaded['inquiries']} inquiries: {time.perf_counter() - step:.1f} s")
    step = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(SURVEY_SQL)
        surveyed = cursor.rowcount
    dashboard.vacuum()
    print(f"  {surveyed} surveys stamped, VACUUM (ANALYZE): {time.perf_counter() - step:.1f} s")

    User = get_user_model()
    month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    period = f"?period=month&on={month.isoformat()}"
    office = Office.objects.get(code="010100")
    pages = [
        ("office month", User.objects.get(username=f"koordinator.{office.code}"), f"/sla/survey/{period}"),
        ("regional roll-up", User.objects.get(username="kanwil1.supervisor"), f"/sla/survey/{period}"),
        ("national roll-up", User.objects.get(username="pusat.supervisor"), f"/sla/survey/{period}"),
        (
            "national comments",
            User.objects.get(username="pusat.supervisor"),
            f"/sla/survey/comments/{period}&comments=1",
        ),
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
            rows.append(dashboard.measure(client, label, url, args.requests, args.warmup))

    total = Inquiry.objects.count()
    print(f"\nResults ({total} inquiries, {surveyed} with a survey; measured on a shared, loaded machine)")
    print(f"  {'page':20s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s} {'queries':>8s}")
    for row in rows:
        low, high = row["queries"]
        queries = str(low) if low == high else f"{low}-{high}"
        print(f"  {row['label']:20s} {row['p50']:8.1f} {row['p95']:8.1f} {row['max']:8.1f} {queries:>8s}")
    national = next(row for row in rows if row["label"] == "national roll-up")
    return 0 if national["p95"] <= NATIONAL_TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
