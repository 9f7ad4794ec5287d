"""Audit rows are append-only: on PostgreSQL a trigger refuses UPDATE and DELETE.

One change is let through: erasing a staff user or an organization sets `actor_id` /
`organization_id` to NULL (on_delete=SET_NULL) and nothing else; `actor_email` and
`target_label` still say who and what. TRUNCATE fires no row trigger, so test-database
teardown still works. SQLite (the embedded default) gets no trigger; there the admin's
missing change/delete permissions are the guard.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION audit_staff_action_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (NEW.actor_id IS NULL OR NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id)
       AND (NEW.organization_id IS NULL OR NEW.organization_id IS NOT DISTINCT FROM OLD.organization_id)
       AND (to_jsonb(NEW) - 'actor_id' - 'organization_id') = (to_jsonb(OLD) - 'actor_id' - 'organization_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'staff audit rows are append-only (% of %)', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_staff_action_append_only
    BEFORE UPDATE OR DELETE ON audit_staffaction
    FOR EACH ROW EXECUTE FUNCTION audit_staff_action_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_staff_action_append_only ON audit_staffaction;
DROP FUNCTION IF EXISTS audit_staff_action_append_only();
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # None: the % in RAISE is not a placeholder

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP), elidable=False),
    ]
