"""Full-text search of the inbox on PostgreSQL: a stored tsvector of every message ('simple' configuration:
Indonesian and English words as written, no stemming) with a GIN index, and an expression GIN index on the
requester's name. Identifiers keep their exact lookup (references) and the previews their trigram index (0005).

SQLite (development) searches without them (tickets.selectors keeps the icontains fallback).
"""

from django.db import migrations

CREATE = [
    "ALTER TABLE tickets_message ADD COLUMN IF NOT EXISTS search tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, COALESCE(text, ''))) STORED",
    "CREATE INDEX IF NOT EXISTS message_search_gin ON tickets_message USING gin (search)",
    "CREATE INDEX IF NOT EXISTS requester_name_fts ON tickets_requester "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(display_name, '')))",
]
DROP = [
    "DROP INDEX IF EXISTS requester_name_fts",
    "DROP INDEX IF EXISTS message_search_gin",
    "ALTER TABLE tickets_message DROP COLUMN IF EXISTS search",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0015_inbox_version")]
    operations = [migrations.RunPython(forwards, backwards)]
