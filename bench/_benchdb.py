"""Bench-only PostgreSQL databases, shared by the benches: refuse anything not named *bench*, create it if
missing, empty its tables between runs."""

import os
import time
from collections.abc import Callable

KEEP_TABLES = {"django_migrations", "django_content_type", "auth_permission", "auth_group", "auth_group_permissions"}


def check_database_url(fail: Callable[[str], None], example: str) -> dict:
    import environ

    url = os.environ.get("DATABASE_URL", "")
    if not url:
        fail(f"DATABASE_URL is not set; this bench needs PostgreSQL, e.g. {example}")
    try:
        config = environ.Env.db_url_config(url)
    except Exception as exc:  # noqa: BLE001 - any parse error means: refuse
        fail(f"cannot parse DATABASE_URL ({exc})")
    if config.get("ENGINE") != "django.db.backends.postgresql":
        fail(f"DATABASE_URL must point at PostgreSQL (got engine {config.get('ENGINE')!r}); refusing to run.")
    name = config.get("NAME") or ""
    if name == "helpdesk" or "bench" not in name:
        fail(f"database {name!r} does not look bench-only (its name must contain 'bench'); its tables get emptied.")
    return config


def ensure_database(config: dict, fail: Callable[[str], None]) -> bool:
    """Create the bench database if missing. Returns True when it was created."""
    import psycopg2
    from psycopg2 import sql

    params = {
        "dbname": "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
    }
    try:
        conn = psycopg2.connect(**{key: value for key, value in params.items() if value})
    except psycopg2.OperationalError as exc:
        fail(f"cannot connect to PostgreSQL: {exc}".strip())
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
            if cursor.fetchone():
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            return True
    finally:
        conn.close()


def clean_slate() -> None:
    """Empty every table of the bench database except the migration and permission bookkeeping."""
    from django.db import connection

    tables = sorted(set(connection.introspection.django_table_names(only_existing=True)) - KEEP_TABLES)
    quoted = ", ".join(connection.ops.quote_name(table) for table in tables)
    with connection.cursor() as cursor:
        # TRUNCATE fires no row trigger: the audit log's append-only trigger guards UPDATE and DELETE only.
        cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")


def machine_speed() -> float:
    """CPU seconds of a fixed pure-Python loop (10 million additions): this machine's speed at the moment, to read
    the figures by (a shared machine's speed varies by half within an hour, and by three between days)."""
    started = time.process_time()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.process_time() - started
