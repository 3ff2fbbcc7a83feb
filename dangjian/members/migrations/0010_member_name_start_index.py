"""An index on the member's name in code-point order, for searching a city's or a province's
members by the start of a name (members.selectors.member_list, decision 0286).

PostgreSQL only: `COLLATE "C"` makes a plain b-tree serve both `LIKE '张%'` and the order of
the list whatever the database's collation. SQLite (a county at most) searches without it.
Not in the model's state: Django's Index cannot name a collation SQLite lacks."""

from django.db import migrations

INDEX = "member_name_c_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {INDEX} ON members_member ((name COLLATE "C"), id)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("members", "0009_member_indexes_without_like_twins")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
