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

    dependencies = [("credits", "0003_open_existing_accounts")]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="credittransaction",
            index=models.Index(
                condition=models.Q(("type", "usage")),
                fields=["created_at"],
                include=("id", "feature", "amount", "organization"),
                name="credit_tx_usage_created",
            ),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="credittransaction",
            index=models.Index(
                condition=models.Q(("type", "refund")),
                fields=["created_at"],
                include=("refund_of",),
                name="credit_tx_refund_created",
            ),
        ),
    ]
