# Indexes for the staff analytics (analytics/selectors.py), built without blocking writes.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL (the table stays writable while it builds);
    a plain CREATE INDEX elsewhere (SQLite, the embedded default)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("aigen", "0001_initial")]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="aiusagelog",
            index=models.Index(
                fields=["created_at"],
                include=("endpoint", "provider", "status", "duration_ms", "cost_usd", "cache_hit"),
                name="aigen_usage_created_cover",
            ),
        ),
    ]
