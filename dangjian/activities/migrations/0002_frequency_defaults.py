"""Seed the frequency table with the defaults of RULES.md (editable afterwards in the admin)."""

from django.db import migrations

DEFAULTS = [
    ("GENERAL_MEETING", "QUARTER", 1),
    ("COMMITTEE_MEETING", "MONTH", 1),
    ("GROUP_MEETING", "MONTH", 1),
    ("PARTY_LECTURE", "QUARTER", 1),
    ("THEME_DAY", "MONTH", 1),
    ("LIFE_MEETING", "YEAR", 1),
    ("REVIEW_MEETING", "YEAR", 1),
    ("TALK", "YEAR", 1),
]


def seed(apps, schema_editor):
    rule = apps.get_model("activities", "FrequencyRule")
    for kind, period, times in DEFAULTS:
        rule.objects.get_or_create(kind=kind, defaults={"period": period, "times": times})


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
