"""Attendance keeps the date of its held activity (decision 0261), indexed with the member."""

from typing import Any

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps: Any, schema_editor: Any) -> None:
    """Every row of a held activity gets the activity's date."""
    Activity = apps.get_model("activities", "Activity")
    Attendance = apps.get_model("activities", "Attendance")
    held = Activity.objects.filter(pk=OuterRef("activity_id"), status="HELD").values("on")[:1]
    Attendance.objects.filter(activity__status="HELD").update(held_on=Subquery(held))


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0005_leadership_kinds_and_follow_ups"),
        ("members", "0008_family_trips_mass_organizations"),
        ("organizations", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="attendance", name="attendance_member_idx"),
        migrations.AddField(
            model_name="attendance",
            name="held_on",
            field=models.DateField(blank=True, editable=False, null=True, verbose_name="召开日期"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="attendance",
            index=models.Index(
                fields=["member", "status", "held_on"], name="attendance_member_held_idx"
            ),
        ),
    ]
