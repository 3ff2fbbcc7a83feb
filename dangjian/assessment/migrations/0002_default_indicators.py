from decimal import Decimal

from django.db import migrations

DEFAULTS = [
    ("预警处理", Decimal("30"), "open_alerts", "未处理的预警越少得分越高"),
    ("按期换届", Decimal("20"), "term_on_time", "任期届满按期换届"),
    ("书记抓党建述职评议", Decimal("50"), "manual", "上级党委根据述职评议结果评分"),
]


def seed(apps, schema_editor):
    Indicator = apps.get_model("assessment", "Indicator")
    if Indicator.objects.exists():
        return
    for order, (name, weight, source, description) in enumerate(DEFAULTS):
        Indicator.objects.create(name=name, weight=weight, source=source, description=description, order=order)


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
