"""PostgreSQL keeps 1,000 buckets of statistics on the organization path (decision 0286).

Every scoped read asks for a subtree (`path LIKE '/915/916/1/%'`); with the default 100
buckets a county of 914 organizations inside a province of 211,533 was estimated at 21 rows,
and its member list fetched all 28,682 members to sort them (228 ms) instead of walking the
name index for the first 25 (under 1 ms). SQLite has no such statistics."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE organizations_organization ALTER COLUMN path SET STATISTICS 1000"
        )
        schema_editor.execute("ANALYZE organizations_organization")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE organizations_organization ALTER COLUMN path SET STATISTICS -1"
        )


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
