"""The member path index gains the status (decision 0291), and the PostgreSQL membership
trigger finds each affected member's latest path once, not twice.

A committee page counts its subtree's roster (`organization_path LIKE … AND status IN …`) and
its mobile members (`… AND status = 'MOBILE'`). With the path alone indexed, PostgreSQL ANDed
the path range of a township (1,204 members) with the status index's 177,726 mobile members of
the province: 18 ms for 80 rows. With the status in the same index both conditions are one
range read.

The trigger's update and delete branch called `members_latest_path(m.id)` in the SET and again
in the WHERE; it is now computed once per distinct member of the statement.
"""

from django.db import migrations, models

MEMBERSHIP_PATHS = """
CREATE OR REPLACE FUNCTION members_membership_paths() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE members_member m SET organization_path = o.path
        FROM changed_rows n
        JOIN organizations_organization o ON o.id = n.organization_id
        WHERE n.is_latest AND m.id = n.member_id
          AND m.organization_path IS DISTINCT FROM o.path;
    ELSE
        UPDATE members_member m SET organization_path = latest.path
        FROM (
            SELECT changed.member_id, members_latest_path(changed.member_id) AS path
            FROM (SELECT DISTINCT member_id FROM changed_rows) changed
        ) latest
        WHERE m.id = latest.member_id
          AND m.organization_path IS DISTINCT FROM latest.path;
    END IF;
    RETURN NULL;
END
$$
"""

# The function as members.0011 created it.
MEMBERSHIP_PATHS_BEFORE = """
CREATE OR REPLACE FUNCTION members_membership_paths() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE members_member m SET organization_path = o.path
        FROM changed_rows n
        JOIN organizations_organization o ON o.id = n.organization_id
        WHERE n.is_latest AND m.id = n.member_id
          AND m.organization_path IS DISTINCT FROM o.path;
    ELSE
        UPDATE members_member m SET organization_path = members_latest_path(m.id)
        WHERE m.id IN (SELECT member_id FROM changed_rows)
          AND m.organization_path IS DISTINCT FROM members_latest_path(m.id);
    END IF;
    RETURN NULL;
END
$$
"""


def replace_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(MEMBERSHIP_PATHS)


def restore_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(MEMBERSHIP_PATHS_BEFORE)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0011_member_organization_path"),
    ]

    operations = [
        migrations.RunPython(replace_function, restore_function, elidable=False),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(
                fields=["organization_path", "status"],
                name="member_org_path_status_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
        ),
        migrations.RemoveIndex(
            model_name="member",
            name="member_org_path_idx",
        ),
    ]
