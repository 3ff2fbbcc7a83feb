"""The member row carries the path of its organization (decision 0290).

A member reaches the organization tree through their latest membership row. Every scoped read
of members was therefore a subquery over memberships joined to organizations: a county's name
search read its 28,682 members one by one from the heap of a province's 4.3 million to test
each name (80 ms of the database's CPU a keystroke). `members_member.organization_path` is the
path of the organization of the member's latest membership row ('' while there is none), so a
subtree of members is one range of an index on the member table itself.

The database keeps the column, never our code: triggers on both databases recompute it when a
membership row is inserted, updated or deleted, when an organization's path changes (a move
rewrites the paths of a subtree), and when anything writes the column itself (a member saved
from a stale instance writes back the path it read). Bulk writers (COPY of a roster import or
of the province builder) get it from the membership triggers too; on PostgreSQL those are
statement triggers with transition tables, one UPDATE per statement.

Filling the column for existing members is one UPDATE of every member, before the guard
trigger exists (which would recompute each row).
"""

from django.db import migrations, models

# The path of the member's latest membership row, '' when there is none.
_LATEST_SQLITE = """
COALESCE((
    SELECT o.path FROM members_membership ms
    JOIN organizations_organization o ON o.id = ms.organization_id
    WHERE ms.member_id = {member} AND ms.is_latest
    LIMIT 1
), '')
"""

_LATEST_OF_ROW = _LATEST_SQLITE.format(member="members_member.id")
_LATEST_OF_NEW = _LATEST_SQLITE.format(member="NEW.id")

SQLITE_FILL = f"UPDATE members_member SET organization_path = {_LATEST_OF_ROW}"  # noqa: S608

SQLITE_TRIGGERS = [
    # A new latest row: its organization's path.
    """
    CREATE TRIGGER members_membership_path_insert
    AFTER INSERT ON members_membership WHEN NEW.is_latest
    BEGIN
        UPDATE members_member SET organization_path = (
            SELECT path FROM organizations_organization WHERE id = NEW.organization_id
        ) WHERE id = NEW.member_id;
    END
    """,
    # A row changed (no longer latest, moved to another organization…): what is latest now.
    f"""
    CREATE TRIGGER members_membership_path_update
    AFTER UPDATE ON members_membership
    BEGIN
        UPDATE members_member SET organization_path = {_LATEST_OF_ROW}
        WHERE id IN (NEW.member_id, OLD.member_id);
    END
    """,  # noqa: S608 (constant SQL)
    f"""
    CREATE TRIGGER members_membership_path_delete
    AFTER DELETE ON members_membership
    BEGIN
        UPDATE members_member SET organization_path = {_LATEST_OF_ROW}
        WHERE id = OLD.member_id;
    END
    """,  # noqa: S608 (constant SQL)
    # An organization moved: its members follow (a subtree move updates each organization).
    """
    CREATE TRIGGER organizations_path_members
    AFTER UPDATE OF path ON organizations_organization WHEN NEW.path IS NOT OLD.path
    BEGIN
        UPDATE members_member SET organization_path = NEW.path
        WHERE id IN (
            SELECT member_id FROM members_membership
            WHERE organization_id = NEW.id AND is_latest
        );
    END
    """,
    # Anything else that writes the column writes what the memberships say.
    f"""
    CREATE TRIGGER members_member_path_guard
    AFTER UPDATE OF organization_path ON members_member
    WHEN NEW.organization_path IS NOT {_LATEST_OF_NEW}
    BEGIN
        UPDATE members_member SET organization_path = {_LATEST_OF_NEW}
        WHERE id = NEW.id;
    END
    """,  # noqa: S608 (constant SQL)
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS members_membership_path_insert",
    "DROP TRIGGER IF EXISTS members_membership_path_update",
    "DROP TRIGGER IF EXISTS members_membership_path_delete",
    "DROP TRIGGER IF EXISTS organizations_path_members",
    "DROP TRIGGER IF EXISTS members_member_path_guard",
]

POSTGRESQL_FILL = """
UPDATE members_member m SET organization_path = o.path
FROM members_membership ms
JOIN organizations_organization o ON o.id = ms.organization_id
WHERE ms.member_id = m.id AND ms.is_latest
"""

POSTGRESQL_TRIGGERS = [
    """
    CREATE FUNCTION members_latest_path(for_member bigint) RETURNS varchar
    LANGUAGE sql STABLE AS $$
        SELECT COALESCE((
            SELECT o.path FROM members_membership ms
            JOIN organizations_organization o ON o.id = ms.organization_id
            WHERE ms.member_id = for_member AND ms.is_latest
            LIMIT 1
        ), '')
    $$
    """,
    # Statement triggers: one UPDATE for a COPY of a million rows, not a million.
    """
    CREATE FUNCTION members_membership_paths() RETURNS trigger
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
    """,
    """
    CREATE TRIGGER members_membership_path_insert
    AFTER INSERT ON members_membership REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION members_membership_paths()
    """,
    # An update may move a row from one member to another: the old rows' members are listed
    # by the second trigger (a trigger names one transition table per side it reads).
    """
    CREATE TRIGGER members_membership_path_update
    AFTER UPDATE ON members_membership REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION members_membership_paths()
    """,
    """
    CREATE TRIGGER members_membership_path_update_old
    AFTER UPDATE ON members_membership REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION members_membership_paths()
    """,
    """
    CREATE TRIGGER members_membership_path_delete
    AFTER DELETE ON members_membership REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION members_membership_paths()
    """,
    """
    CREATE FUNCTION organizations_path_members() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE members_member m SET organization_path = n.path
        FROM new_organizations n
        JOIN old_organizations o ON o.id = n.id
        JOIN members_membership ms ON ms.organization_id = n.id AND ms.is_latest
        WHERE o.path IS DISTINCT FROM n.path AND m.id = ms.member_id;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER organizations_path_members
    AFTER UPDATE ON organizations_organization
    REFERENCING OLD TABLE AS old_organizations NEW TABLE AS new_organizations
    FOR EACH STATEMENT EXECUTE FUNCTION organizations_path_members()
    """,
    # Anything but these triggers that changes the column gets what the memberships say.
    """
    CREATE FUNCTION members_member_path_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF pg_trigger_depth() > 1 THEN
            RETURN NEW;
        END IF;
        NEW.organization_path := members_latest_path(NEW.id);
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER members_member_path_guard
    BEFORE UPDATE ON members_member FOR EACH ROW
    WHEN (NEW.organization_path IS DISTINCT FROM OLD.organization_path)
    EXECUTE FUNCTION members_member_path_guard()
    """,
]

POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS members_member_path_guard ON members_member",
    "DROP TRIGGER IF EXISTS organizations_path_members ON organizations_organization",
    "DROP TRIGGER IF EXISTS members_membership_path_insert ON members_membership",
    "DROP TRIGGER IF EXISTS members_membership_path_update ON members_membership",
    "DROP TRIGGER IF EXISTS members_membership_path_update_old ON members_membership",
    "DROP TRIGGER IF EXISTS members_membership_path_delete ON members_membership",
    "DROP FUNCTION IF EXISTS members_member_path_guard()",
    "DROP FUNCTION IF EXISTS organizations_path_members()",
    "DROP FUNCTION IF EXISTS members_membership_paths()",
    "DROP FUNCTION IF EXISTS members_latest_path(bigint)",
    "ALTER TABLE members_member ALTER COLUMN organization_path SET STATISTICS -1",
]
# As on the organization path (organizations.0002, decision 0286): a county's 0.7 % of a
# province's members is estimated from 1,000 buckets, not 100.
POSTGRESQL_STATISTICS = (
    "ALTER TABLE members_member ALTER COLUMN organization_path SET STATISTICS 1000"
)


def fill_and_keep(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute(POSTGRESQL_FILL if postgresql else SQLITE_FILL)
    if postgresql:
        schema_editor.execute(POSTGRESQL_STATISTICS)
    for statement in POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRESQL_DROP if postgresql else SQLITE_DROP:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0010_member_name_start_index"),
        ("organizations", "0002_path_statistics"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="organization_path",
            field=models.CharField(
                db_default="",
                editable=False,
                max_length=255,
                verbose_name="所在党组织路径",
            ),
        ),
        migrations.RunPython(fill_and_keep, drop_triggers, elidable=False),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(
                fields=["organization_path"],
                name="member_org_path_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ),
    ]
