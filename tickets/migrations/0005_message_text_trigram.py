"""On PostgreSQL, a trigram index makes the inbox's search in message texts (icontains) an index scan."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS message_text_trgm ON tickets_message USING gin (UPPER(text::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS inquiry_preview_trgm ON tickets_inquiry USING gin (UPPER(preview::text) gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS message_text_trgm", "DROP INDEX IF EXISTS inquiry_preview_trgm"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":  # SQLite (development) searches without it
        for statement in CREATE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0004_inbox_index")]
    operations = [migrations.RunPython(forwards, backwards)]
