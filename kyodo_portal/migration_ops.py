"""Migration operations that only apply on PostgreSQL (search indexes SQLite has no equivalent of)."""

from django.db import migrations


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """RunSQL that is a no-op on other databases, so one migration history serves both."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def search_indexes(table: str) -> list[migrations.operations.base.Operation]:
    """Trigram and short-gram GIN indexes for a table carrying search_document and search_grams."""
    return [
        RunSQLOnPostgreSQL(
            sql=f"CREATE INDEX {table}_search_trgm ON {table} USING gin (search_document gin_trgm_ops)",
            reverse_sql=f"DROP INDEX IF EXISTS {table}_search_trgm",
        ),
        RunSQLOnPostgreSQL(
            sql=(f"CREATE INDEX {table}_search_grams ON {table} USING gin (string_to_array(search_grams, ' '))"),
            reverse_sql=f"DROP INDEX IF EXISTS {table}_search_grams",
        ),
    ]
