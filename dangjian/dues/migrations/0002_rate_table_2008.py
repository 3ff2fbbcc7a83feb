"""Seed the 2008 dues table (中组发〔2008〕3号) as the default; reversible."""

from decimal import Decimal

from django.db import migrations

EFFECTIVE_FROM = "2008-04-01"
TIERS = [
    ("employed", Decimal("3000"), Decimal("0.005")),
    ("employed", Decimal("5000"), Decimal("0.01")),
    ("employed", Decimal("10000"), Decimal("0.015")),
    ("employed", None, Decimal("0.02")),
    ("retired", Decimal("5000"), Decimal("0.005")),
    ("retired", None, Decimal("0.01")),
]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    rate_table = apps.get_model("dues", "RateTable")
    rate_tier = apps.get_model("dues", "RateTier")
    table, _created = rate_table.objects.get_or_create(
        effective_from=EFFECTIVE_FROM,
        defaults={
            "name": "2008年党费收缴标准",
            "source": "中组部《关于中国共产党党费收缴、使用和管理的规定》（中组发〔2008〕3号）",
            "fixed_amount": Decimal("0.20"),
            "farmer_min": Decimal("0.20"),
            "farmer_max": Decimal("1.00"),
            "rounding": "ROUND_HALF_UP",
            "central_threshold": Decimal("1000.00"),
        },
    )
    for schedule, up_to, rate in TIERS:
        rate_tier.objects.get_or_create(
            table=table, schedule=schedule, up_to=up_to, defaults={"rate": rate}
        )


def unseed(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("dues", "RateTable").objects.filter(effective_from=EFFECTIVE_FROM).delete()


class Migration(migrations.Migration):
    dependencies = [("dues", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
