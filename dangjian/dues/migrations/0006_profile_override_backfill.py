"""Profiles recorded before the category followed the occupation: a category other than the one
the member's occupation gives was chosen by the secretary, so it is kept as an override (it
survives a later change of occupation). Reversible: the flags are cleared."""

from __future__ import annotations

from typing import Any

from django.db import migrations

# The mapping as it stood when this migration was written (dues.choices.OCCUPATION_CATEGORY).
OCCUPATION_CATEGORY = {
    "WORKER": "employed",
    "PROFESSIONAL": "employed",
    "MANAGER": "employed",
    "OFFICIAL": "employed",
    "FARMER": "farmer",
    "STUDENT": "student",
    "RETIRED": "retired",
    "OTHER": "other",
}
REASON = "升级前登记的类别，与职业对应的类别不同，保留为指定类别"


def mark_overrides(apps: Any, schema_editor: Any) -> None:
    DuesProfile = apps.get_model("dues", "DuesProfile")
    working = DuesProfile.objects.filter(member__is_retired=False)
    for occupation, category in OCCUPATION_CATEGORY.items():
        working.filter(member__occupation=occupation).exclude(category=category).update(
            category_overridden=True, override_reason=REASON
        )
    working.exclude(member__occupation__in=list(OCCUPATION_CATEGORY)).exclude(
        category="other"
    ).update(category_overridden=True, override_reason=REASON)
    # A retired member (离退休) pays on the pension, whatever occupation the record keeps.
    DuesProfile.objects.filter(member__is_retired=True).exclude(category="retired").update(
        category_overridden=True, override_reason=REASON
    )


def clear_overrides(apps: Any, schema_editor: Any) -> None:
    DuesProfile = apps.get_model("dues", "DuesProfile")
    DuesProfile.objects.update(category_overridden=False, override_reason="")


class Migration(migrations.Migration):
    dependencies = [("dues", "0005_profile_category_override")]

    operations = [migrations.RunPython(mark_overrides, clear_overrides)]
