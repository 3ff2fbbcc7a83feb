from django.db import migrations

from dangjian.rectification.defaults import seed_criteria


def seed(apps, schema_editor):
    seed_criteria(apps.get_model("rectification", "Criterion"))


class Migration(migrations.Migration):
    dependencies = [("rectification", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
