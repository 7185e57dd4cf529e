"""The search indexes leave the automatic messages out (PostgreSQL).

The acknowledgement and the survey question (``Message.Kind.SYSTEM``) are the same sentences in every thread: a
search for one of their words found every inquiry, and each of them cost a burst's filing a tsvector and some
four hundred trigrams in two GIN indexes (a third of the PostgreSQL work of filing a new social inquiry). The
message's tsvector is now NULL for them, its GIN index holds only the others, and the trigram index is partial
(``tickets.selectors`` asks ``kind <> 'system'`` with the identifiers, so it is used).

Re-adding the generated column rewrites ``tickets_message`` (PostgreSQL 15 cannot change a generated column's
expression in place): on a large table, run it in a quiet hour.
"""

from django.db import migrations

SEARCH = "to_tsvector('simple'::regconfig, COALESCE(text, ''))"
CREATE = [
    "DROP INDEX IF EXISTS message_text_trgm",
    "CREATE INDEX message_text_trgm ON tickets_message USING gin (UPPER(text::text) gin_trgm_ops) "
    "WHERE kind <> 'system'",
    "DROP INDEX IF EXISTS message_search_gin",
    "ALTER TABLE tickets_message DROP COLUMN IF EXISTS search",
    "ALTER TABLE tickets_message ADD COLUMN search tsvector "
    f"GENERATED ALWAYS AS (CASE WHEN kind = 'system' THEN NULL ELSE {SEARCH} END) STORED",
    "CREATE INDEX message_search_gin ON tickets_message USING gin (search) WHERE search IS NOT NULL",
]
DROP = [
    "DROP INDEX IF EXISTS message_text_trgm",
    "CREATE INDEX message_text_trgm ON tickets_message USING gin (UPPER(text::text) gin_trgm_ops)",
    "DROP INDEX IF EXISTS message_search_gin",
    "ALTER TABLE tickets_message DROP COLUMN IF EXISTS search",
    f"ALTER TABLE tickets_message ADD COLUMN search tsvector GENERATED ALWAYS AS ({SEARCH}) STORED",
    "CREATE INDEX message_search_gin ON tickets_message USING gin (search)",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":  # SQLite (development) searches without them
        for statement in CREATE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0019_message_withheld_from")]
    operations = [migrations.RunPython(forwards, backwards)]
