import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Decision 0279: indexes that no query uses, maintained for every row an import writes.
# `phone` and `id_number_hash` lose the varchar_pattern_ops twin that a CharField's db_index or
# unique adds on PostgreSQL (the phone is searched with `contains`, which no B-tree serves; the
# hash is compared whole); the plain index and the unique constraint stay, now named in
# Meta. The foreign keys membership.organization and archiveentry.member lose their own index:
# membership_org_latest_idx and archive_member_at_idx begin with the same column.
#
# Django's operations rebuild the phone index and the unique constraint under their new names;
# on PostgreSQL the same end state is reached by dropping the four indexes and renaming the two
# kept ones, which takes no time on a province's millions of members.


def _names(schema_editor, table, column):
    """(plain index, varchar_pattern_ops index, unique constraint) on one column of a table."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    plain = like = unique = None
    for name, info in found.items():
        if info["columns"] != [column] or info["primary_key"] or info["foreign_key"]:
            continue
        if info["unique"]:
            unique = name
        elif name.endswith("_like"):
            like = name
        elif info["index"]:
            plain = name
    return plain, like, unique


class WithoutRebuildOnPostgreSQL(migrations.SeparateDatabaseAndState):
    """Django's operations, except that PostgreSQL drops and renames instead of rebuilding."""

    def __init__(self, operations):
        super().__init__(database_operations=operations, state_operations=operations)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        quote = schema_editor.quote_name
        phone, phone_like, _ = _names(schema_editor, "members_member", "phone")
        _, hash_like, hash_unique = _names(schema_editor, "members_member", "id_number_hash")
        organization, _, _ = _names(schema_editor, "members_membership", "organization_id")
        member, _, _ = _names(schema_editor, "members_archiveentry", "member_id")
        for name in (phone_like, hash_like, organization, member):
            schema_editor.execute(f"DROP INDEX {quote(name)}")
        schema_editor.execute(f"ALTER INDEX {quote(phone)} RENAME TO member_phone_idx")
        schema_editor.execute(
            f"ALTER TABLE members_member RENAME CONSTRAINT {quote(hash_unique)}"
            " TO member_id_number_hash_unique"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0008_family_trips_mass_organizations"),
        ("organizations", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        WithoutRebuildOnPostgreSQL(
            [
                migrations.AlterField(
                    model_name="archiveentry",
                    name="member",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="archive",
                        to="members.member",
                    ),
                ),
                migrations.AlterField(
                    model_name="member",
                    name="id_number_hash",
                    field=models.CharField(
                        editable=False, max_length=64, verbose_name="公民身份号码查找值"
                    ),
                ),
                migrations.AlterField(
                    model_name="member",
                    name="phone",
                    field=models.CharField(blank=True, max_length=20, verbose_name="联系电话"),
                ),
                migrations.AlterField(
                    model_name="membership",
                    name="organization",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="memberships",
                        to="organizations.organization",
                        verbose_name="党组织",
                    ),
                ),
                migrations.AddIndex(
                    model_name="member",
                    index=models.Index(fields=["phone"], name="member_phone_idx"),
                ),
                migrations.AddConstraint(
                    model_name="member",
                    constraint=models.UniqueConstraint(
                        fields=("id_number_hash",), name="member_id_number_hash_unique"
                    ),
                ),
            ]
        ),
    ]
