"""The national time rules of the 细则 (and two local-practice defaults), as rows.

Sources name the document and chapter; local practice is marked so an administrator knows
it may be changed for a subtree (services.time_rule_set_local).
"""

from django.db import migrations

XIZE = "《中国共产党发展党员工作细则》（2014）"
NATIONAL_RULES = [
    # code, from, to, kind, amount, unit, description, source, local practice
    ("first-talk", 1, 2, "MAX", 1, "MONTHS", "收到入党申请书后一个月内派人谈话", XIZE + "第二章", False),
    (
        "application-to-activist",
        1,
        4,
        "MIN",
        6,
        "MONTHS",
        "递交申请书至确定为入党积极分子的间隔",
        "地方通行做法（全国无统一规定，可按本地规定调整）",
        True,
    ),
    ("activist-first-review", 4, 6, "MAX", 6, "MONTHS", "入党积极分子每半年考察一次（首次）", XIZE + "第三章", False),
    ("activist-review", 6, 6, "MAX", 6, "MONTHS", "入党积极分子每半年考察一次", XIZE + "第三章", False),
    ("activist-one-year", 4, 7, "MIN", 1, "YEARS", "经过一年以上培养教育和考察方可确定为发展对象", XIZE + "第四章", False),
    ("training-hours", 11, 11, "MIN", 24, "HOURS", "发展对象短期集中培训不少于3天或24学时", XIZE + "第四章", False),
    (
        "public-notice",
        13,
        14,
        "MIN",
        5,
        "WORKING_DAYS",
        "预审后公示不少于5个工作日",
        "地方通行做法（可按本地规定调整）",
        True,
    ),
    ("admission-approval", 15, 17, "MAX", 3, "MONTHS", "上级党委在支部大会通过后三个月内审批", XIZE + "第五章", False),
    ("probation-one-year", 15, 23, "MIN", 1, "YEARS", "预备期为一年，自支部大会通过之日算起", "《中国共产党章程》第七条", False),
    ("conversion-approval", 23, 24, "MAX", 3, "MONTHS", "上级党委在支部大会通过转正后三个月内审批", XIZE + "第六章", False),
]


def seed(apps, schema_editor):
    TimeRule = apps.get_model("recruitment", "TimeRule")
    TimeRule.objects.bulk_create(
        [
            TimeRule(
                code=code,
                from_step=from_step,
                to_step=to_step,
                kind=kind,
                amount=amount,
                unit=unit,
                description=description,
                source=source,
                is_local_practice=local,
            )
            for code, from_step, to_step, kind, amount, unit, description, source, local in NATIONAL_RULES
        ]
    )


def unseed(apps, schema_editor):
    TimeRule = apps.get_model("recruitment", "TimeRule")
    TimeRule.objects.filter(organization__isnull=True, code__in=[r[0] for r in NATIONAL_RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("recruitment", "0001_applicants_steps_rules")]

    operations = [migrations.RunPython(seed, unseed)]
