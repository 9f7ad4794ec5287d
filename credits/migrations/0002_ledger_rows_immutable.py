"""Ledger rows are immutable: on PostgreSQL a trigger refuses UPDATE and DELETE.

One change is let through: a deleted user's rows lose their `user_id` (on_delete=SET_NULL)
and nothing else, so people can be erased while the amounts stay. TRUNCATE fires no row
trigger, so test-database teardown still works. SQLite (the embedded default) gets no
trigger; there the services are the only guard.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION credits_ledger_row_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.user_id IS NULL
       AND (to_jsonb(NEW) - 'user_id') = (to_jsonb(OLD) - 'user_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'credit ledger rows are immutable (% of %): write a correcting row instead',
        TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER credits_ledger_row_immutable
    BEFORE UPDATE OR DELETE ON credits_credittransaction
    FOR EACH ROW EXECUTE FUNCTION credits_ledger_row_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS credits_ledger_row_immutable ON credits_credittransaction;
DROP FUNCTION IF EXISTS credits_ledger_row_immutable();
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # None: the % in RAISE is not a placeholder

    return run


class Migration(migrations.Migration):
    dependencies = [("credits", "0001_initial")]

    operations = [
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP), elidable=False),
    ]
