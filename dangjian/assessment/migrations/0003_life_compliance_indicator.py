from decimal import Decimal

from django.db import migrations


def add(apps, schema_editor):
    Indicator = apps.get_model("assessment", "Indicator")
    if Indicator.objects.filter(source="life_compliance").exists():
        return
    manual = Indicator.objects.filter(source="manual", weight=Decimal("50")).first()
    if manual is not None:  # still the default: make room for the new indicator
        manual.weight = Decimal("20")
        manual.save(update_fields=["weight"])
    Indicator.objects.create(
        name="组织生活落实",
        weight=Decimal("30"),
        source="life_compliance",
        description="年内“三会一课”等应开次数中已开的比例",
        order=1,
    )


class Migration(migrations.Migration):
    dependencies = [("assessment", "0002_default_indicators")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
