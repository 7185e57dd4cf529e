# ruff: noqa: S608 - trigger DDL and reads built from constant table and column names, no input
"""The inbox's change version: what lets a 4-second refresh that finds nothing new cost one query.

`tickets_inboxversion` holds, per office, two counters that database triggers raise (so writes through
`QuerySet.update()`, `bulk_create` or raw SQL count as much as `save()`, which signals would miss):

- ``version``: anything the inbox list shows changed: an inquiry (insert, update, delete: status, assignment,
  SLA stamps, preview...), a message of it, its requester, an SLA notice (the sweep's at-risk and breach marks),
  the office's staff (who is on duty, roles);
- ``calendar``: the office's working calendar changed (weekly hours, holidays, reopened dates, special hours,
  the office's zone or always-open flag); national holidays and special hours raise every office's.

On PostgreSQL they are row-level constraint triggers deferred to the commit: every writing transaction raises its
offices' counters as its last step, so it holds a counter row only while it commits and never waits for another
lock while holding one (raised inside each statement, a filing that locked the counter early and a reply that held
the inquiry row deadlocked). Inside a transaction that is never committed (the test suite's) they do not fire
unless made immediate (`SET CONSTRAINTS … IMMEDIATE`, tests/conftest.py). On SQLite (one writer at a time
anyway) they are per row, immediate.

The triggers are created by migration 0016 and again, idempotently, after every `migrate`
(`TicketsConfig.ready` connects `install` to post_migrate): SQLite rebuilds a table to alter it, which drops its
triggers.
"""

from __future__ import annotations

from dataclasses import dataclass

TABLE = "tickets_inboxversion"

# table -> (counter, how the office ids of the changed rows are found, from rows aliased r)
# "office": the row's office_id; "inquiry": through the row's inquiry_id; "requester": inquiries of the requester;
# "self": the row is the office; "maybe_all": office_id, NULL meaning every office.
WATCHED = {
    "tickets_inquiry": ("version", "office"),
    "tickets_message": ("version", "inquiry"),
    "tickets_requester": ("version", "requester"),
    "sla_slanotice": ("version", "inquiry"),
    "offices_staffprofile": ("version", "office"),
    "offices_weeklyhours": ("calendar", "office"),
    "offices_reopeneddate": ("calendar", "office"),
    "offices_holiday": ("calendar", "maybe_all"),
    "offices_specialhours": ("calendar", "maybe_all"),
    "offices_office": ("calendar", "self"),
}
EVENTS = {"tickets_requester": ("UPDATE",), "offices_office": ("UPDATE",)}  # others: INSERT, UPDATE, DELETE


def _events(table: str) -> tuple[str, ...]:
    return EVENTS.get(table, ("INSERT", "UPDATE", "DELETE"))


# --- PostgreSQL -------------------------------------------------------------------------------------------------
PG_TABLE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    office_id bigint PRIMARY KEY,
    version bigint NOT NULL DEFAULT 0,
    calendar bigint NOT NULL DEFAULT 0
)"""

# A new row starts its counters at a random value, not 1: a row created again (a restored database, a test's
# rolled-back transaction) does not repeat the (office, counter) pairs that the caches keyed on them have seen.
PG_START = "(1 + floor(random() * 1e12))::bigint"
SQLITE_START = "(1 + abs(random()) % 1000000000000)"
START = PG_START

# Each office's counter is raised once per firing point, not once per row: the deferred triggers of a transaction
# all fire at its commit, where one raise per office says as much as a batch's thousand (a filing of 200 messages
# upserted the office's row 340 times); made immediate, they fire after each statement, which raises it once. The
# offices raised so far are kept in a transaction-local setting per counter, marked with the firing statement's
# timestamp (the COMMIT's, for the deferred ones), so the next statement starts afresh.
PG_BUMP = f"""
CREATE OR REPLACE FUNCTION tickets_inbox_bump(offices bigint[], counter text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    setting text := 'tickets.inbox_raised_' || counter;
    stamp text := statement_timestamp()::text || '|';
    seen text := current_setting(setting, true);
    todo bigint[];
BEGIN
    IF seen IS NULL OR left(seen, length(stamp)) <> stamp THEN
        seen := stamp || ',';
    END IF;
    SELECT array_agg(o ORDER BY o) INTO todo
    FROM (SELECT DISTINCT o FROM unnest(offices) AS o WHERE o IS NOT NULL AND strpos(seen, ',' || o || ',') = 0) AS t;
    IF todo IS NULL THEN
        RETURN;
    END IF;
    -- In office order: two transactions touching the same offices lock them in the same order.
    IF counter = 'version' THEN
        INSERT INTO {TABLE} AS v (office_id, version, calendar)
        SELECT o, {START}, {START} FROM unnest(todo) AS o ORDER BY o
        ON CONFLICT (office_id) DO UPDATE SET version = v.version + 1;
    ELSE
        INSERT INTO {TABLE} AS v (office_id, version, calendar)
        SELECT o, {START}, {START} FROM unnest(todo) AS o ORDER BY o
        ON CONFLICT (office_id) DO UPDATE SET calendar = v.calendar + 1;
    END IF;
    PERFORM set_config(setting, seen || array_to_string(todo, ',') || ',', true);
END $$"""

# The office ids of one changed row (NEW or OLD), for the row-level deferred triggers.
PG_OFFICES = {
    "office": "SELECT {row}.office_id",
    "inquiry": "SELECT i.office_id FROM tickets_inquiry i WHERE i.id = {row}.inquiry_id",
    "requester": "SELECT i.office_id FROM tickets_inquiry i WHERE i.requester_id = {row}.id",
    "self": "SELECT {row}.id",
    "maybe_all": "SELECT o.id FROM offices_office o WHERE {row}.office_id IS NULL UNION SELECT {row}.office_id",
}


def deferred_trigger(table: str) -> str:
    return f"tickets_inbox_{table}_deferred"


def _pg_statements() -> list[str]:
    """Row-level constraint triggers, deferred to the commit: a writing transaction raises its offices'
    counters as its very last step, so it never holds a counter row while it waits for another lock (raised in
    the statement itself, a counter locked early, then an inquiry row locked by a reply, made filings and replies
    of one office deadlock), and holds it only while it commits."""
    statements = [PG_TABLE, PG_BUMP]
    for table, (counter, how) in WATCHED.items():
        function = f"tickets_inbox_{table}"
        select = PG_OFFICES[how]
        statements.append(
            f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM tickets_inbox_bump(ARRAY({select.format(row="NEW")}), '{counter}');
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM tickets_inbox_bump(ARRAY({select.format(row="NEW")} UNION {select.format(row="OLD")}), '{counter}');
    ELSE
        PERFORM tickets_inbox_bump(ARRAY({select.format(row="OLD")}), '{counter}');
    END IF;
    RETURN NULL;
END $$"""
        )
        for event in ("insert", "update", "delete"):  # the statement-level triggers of the first version
            statements.append(f"DROP TRIGGER IF EXISTS tickets_inbox_{table}_{event} ON {table}")
        statements.append(f"DROP TRIGGER IF EXISTS {deferred_trigger(table)} ON {table}")
        statements.append(
            f"CREATE CONSTRAINT TRIGGER {deferred_trigger(table)} AFTER {' OR '.join(_events(table))} ON {table} "
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {function}()"
        )
    return statements


def _pg_drop() -> list[str]:
    statements = []
    for table in WATCHED:
        for event in ("insert", "update", "delete"):
            statements.append(f"DROP TRIGGER IF EXISTS tickets_inbox_{table}_{event} ON {table}")
        statements.append(f"DROP TRIGGER IF EXISTS {deferred_trigger(table)} ON {table}")
        statements.append(f"DROP FUNCTION IF EXISTS tickets_inbox_{table}()")
    statements += ["DROP FUNCTION IF EXISTS tickets_inbox_bump(bigint[], text)", f"DROP TABLE IF EXISTS {TABLE}"]
    return statements


# --- SQLite -----------------------------------------------------------------------------------------------------
SQLITE_TABLE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    office_id integer PRIMARY KEY,
    version integer NOT NULL DEFAULT 0,
    calendar integer NOT NULL DEFAULT 0
)"""

SQLITE_OFFICES = {
    "office": "SELECT {row}.office_id AS o",
    "inquiry": "SELECT office_id AS o FROM tickets_inquiry WHERE id = {row}.inquiry_id",
    "requester": "SELECT office_id AS o FROM tickets_inquiry WHERE requester_id = {row}.id",
    "self": "SELECT {row}.id AS o",
    "maybe_all": "SELECT {row}.office_id AS o WHERE {row}.office_id IS NOT NULL "
    "UNION SELECT id FROM offices_office WHERE {row}.office_id IS NULL",
}


def _sqlite_bump(select: str, counter: str) -> str:
    # "WHERE": SQLite needs one to read ON CONFLICT after INSERT … SELECT as the upsert clause.
    return (
        f"INSERT INTO {TABLE} (office_id, version, calendar) SELECT o, {SQLITE_START}, {SQLITE_START} "
        f"FROM ({select}) WHERE o IS NOT NULL "
        f"ON CONFLICT(office_id) DO UPDATE SET {counter} = {counter} + 1;"
    )


def _sqlite_statements() -> list[str]:
    # Dropped first, so that an install after an upgrade replaces older definitions (SQLite has no OR REPLACE).
    statements = [SQLITE_TABLE, *_sqlite_drop()[:-1]]
    for table, (counter, how) in WATCHED.items():
        select = SQLITE_OFFICES[how]
        for event in _events(table):
            if event == "INSERT":
                body = _sqlite_bump(select.format(row="NEW"), counter)
            elif event == "DELETE":
                body = _sqlite_bump(select.format(row="OLD"), counter)
            else:
                body = _sqlite_bump(f"{select.format(row='NEW')} UNION {select.format(row='OLD')}", counter)
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS tickets_inbox_{table}_{event.lower()} AFTER {event} ON {table} "
                f"FOR EACH ROW BEGIN {body} END"
            )
    return statements


def _sqlite_drop() -> list[str]:
    statements = [
        f"DROP TRIGGER IF EXISTS tickets_inbox_{table}_{event.lower()}" for table in WATCHED for event in _events(table)
    ]
    return statements + [f"DROP TABLE IF EXISTS {TABLE}"]


def install(connection) -> None:
    """Create the table and the triggers (idempotent)."""
    statements = {"postgresql": _pg_statements, "sqlite": _sqlite_statements}.get(connection.vendor)
    if statements is None:
        return
    with connection.cursor() as cursor:
        for statement in statements():
            cursor.execute(statement)


def uninstall(connection) -> None:
    statements = {"postgresql": _pg_drop, "sqlite": _sqlite_drop}.get(connection.vendor)
    if statements is None:
        return
    with connection.cursor() as cursor:
        for statement in statements():
            cursor.execute(statement)


def reinstall_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate: put back triggers a later migration's table rebuild (SQLite) dropped."""
    from django.db import connections

    connection = connections[using]
    if TABLE in connection.introspection.table_names():
        install(connection)


# --- Reading ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class InboxVersion:
    office_id: int | None  # None: a superuser (every office)
    version: int
    calendar: int


def inbox_version(user) -> InboxVersion | None:
    """The counters of the office the user works in, in one query; None for a user without an office.

    The same query reads the user's staff profile and caches it on the user (`user.staff`), so the page that
    goes on to check permissions asks no second time. A superuser sees every office: the sums of every office's
    counters (they only grow, so any change moves them)."""
    from django.db import connection

    from offices.models import StaffProfile

    with connection.cursor() as cursor:
        if getattr(user, "is_superuser", False):
            cursor.execute(f"SELECT SUM(version), SUM(calendar) FROM {TABLE}")
            version, calendar = cursor.fetchone()
            return InboxVersion(None, int(version or 0), int(calendar or 0))
        fields = StaffProfile._meta.concrete_fields
        columns = ", ".join(f"p.{connection.ops.quote_name(field.column)}" for field in fields)
        cursor.execute(
            f"SELECT {columns}, v.version, v.calendar FROM offices_staffprofile p "
            f"LEFT JOIN {TABLE} v ON v.office_id = p.office_id WHERE p.user_id = %s",
            [user.pk],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    link = StaffProfile._meta.get_field("user")
    if not link.remote_field.is_cached(user):
        converters = connection.ops.get_db_converters
        values = list(row[: len(fields)])
        for index, field in enumerate(fields):
            column = field.get_col("p")
            for converter in converters(column) + column.get_db_converters(connection):
                values[index] = converter(values[index], column, connection)
        profile = StaffProfile.from_db(connection.alias, [field.attname for field in fields], values)
        link.set_cached_value(profile, user)
        link.remote_field.set_cached_value(user, profile)
    office_id, version, calendar = row[[f.attname for f in fields].index("office_id")], row[-2], row[-1]
    return InboxVersion(int(office_id), int(version or 0), int(calendar or 0))


def poll_state(user_id) -> tuple[bool, str, bool, InboxVersion | None] | None:
    """What the inbox refresh's early answer (``LivePollMiddleware``) needs of a user, in one query: whether the
    account is active, its password hash (what the session's auth hash is checked against), whether it is a
    superuser, and the counters ``inbox_version`` would give it. None when there is no such user."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from offices.models import StaffProfile

    user_model = get_user_model()
    quote = connection.ops.quote_name
    meta = user_model._meta
    columns = [quote(meta.get_field(name).column) for name in ("is_active", "password", "is_superuser")]
    profiles = StaffProfile._meta.db_table
    sql = (
        f"SELECT u.{columns[0]}, u.{columns[1]}, u.{columns[2]}, p.office_id, "
        f"CASE WHEN u.{columns[2]} THEN (SELECT SUM(version) FROM {TABLE}) ELSE v.version END, "
        f"CASE WHEN u.{columns[2]} THEN (SELECT SUM(calendar) FROM {TABLE}) ELSE v.calendar END "
        f"FROM {quote(meta.db_table)} u LEFT JOIN {profiles} p ON p.user_id = u.{quote(meta.pk.column)} "
        f"LEFT JOIN {TABLE} v ON v.office_id = p.office_id WHERE u.{quote(meta.pk.column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    is_active, password, is_superuser, office_id, version, calendar = row
    if is_superuser:
        live = InboxVersion(None, int(version or 0), int(calendar or 0))
    elif office_id is None:
        live = None
    else:
        live = InboxVersion(int(office_id), int(version or 0), int(calendar or 0))
    return bool(is_active), password or "", bool(is_superuser), live
