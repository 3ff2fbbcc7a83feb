from django.db import migrations, models


class Migration(migrations.Migration):
    """A figure's row may be claimed before it is counted (decision 0287): no `computed_at`."""

    dependencies = [
        ("core", "0004_figure_kept_while_recounted"),
    ]

    operations = [
        migrations.AlterField(
            model_name="figure",
            name="computed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
