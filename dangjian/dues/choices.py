"""Coded values of dues (RULES.md "Dues"; 中组发〔2008〕3号)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DuesCategory(models.TextChoices):
    """How a member's monthly dues are worked out. The values are the API's slugs."""

    EMPLOYED = "employed", _("在职")
    ANNUAL_SALARY = "annual_salary", _("年薪制")
    SELF_EMPLOYED = "self_employed", _("个体")
    RETIRED = "retired", _("离退休")
    FARMER = "farmer", _("农民")
    STUDENT = "student", _("学生")
    UNEMPLOYED = "unemployed", _("下岗失业")
    PENSION_RELIEF = "pension_relief", _("依靠抚恤或救济")
    SUBSISTENCE = "subsistence", _("低保")
    OTHER = "other", _("其他")


# Categories whose dues are a rate on a monthly base, and which schedule of the table applies.
EMPLOYED_SCHEDULE = "employed"
RETIRED_SCHEDULE = "retired"
BASE_SCHEDULE: dict[str, str] = {
    DuesCategory.EMPLOYED: EMPLOYED_SCHEDULE,
    DuesCategory.ANNUAL_SALARY: EMPLOYED_SCHEDULE,
    DuesCategory.SELF_EMPLOYED: EMPLOYED_SCHEDULE,
    DuesCategory.OTHER: EMPLOYED_SCHEDULE,
    DuesCategory.RETIRED: RETIRED_SCHEDULE,
}
# Categories that pay the table's fixed amount (0.2 yuan in 2008).
FIXED_CATEGORIES = frozenset(
    {
        DuesCategory.STUDENT,
        DuesCategory.UNEMPLOYED,
        DuesCategory.PENSION_RELIEF,
        DuesCategory.SUBSISTENCE,
    }
)


# The category a member's occupation gives (RULES.md "Dues", 中组发〔2008〕3号: wage earners
# pay on their wage, retired members on their pension, farmers the branch's amount, students
# the fixed amount). The occupation codes are the statistics' (members.choices.Occupation);
# 其他职业人员 pays on a base (no national rule: local practice). The categories no occupation
# gives (年薪制, 个体, 下岗失业, 依靠抚恤或救济, 低保) are always chosen by the secretary.
OCCUPATION_CATEGORY: dict[str, str] = {
    "WORKER": DuesCategory.EMPLOYED,
    "PROFESSIONAL": DuesCategory.EMPLOYED,
    "MANAGER": DuesCategory.EMPLOYED,
    "OFFICIAL": DuesCategory.EMPLOYED,
    "FARMER": DuesCategory.FARMER,
    "STUDENT": DuesCategory.STUDENT,
    "RETIRED": DuesCategory.RETIRED,
    "OTHER": DuesCategory.OTHER,
}


def category_for_occupation(occupation: str, is_retired: bool = False) -> DuesCategory:
    """The dues category an occupation gives; a retired member (离退休, whatever occupation is
    kept on the record) pays on the pension; an unknown code pays on a base (其他)."""
    if is_retired:
        return DuesCategory.RETIRED
    return DuesCategory(OCCUPATION_CATEGORY.get(occupation, DuesCategory.OTHER))


class Schedule(models.TextChoices):
    EMPLOYED = EMPLOYED_SCHEDULE, _("在职党员（按月工资收入）")
    RETIRED = RETIRED_SCHEDULE, _("离退休党员（按月退休费）")


class Rounding(models.TextChoices):
    """How an amount is rounded to the fen; the names are those of the decimal module."""

    HALF_UP = "ROUND_HALF_UP", _("四舍五入")
    HALF_EVEN = "ROUND_HALF_EVEN", _("四舍六入五成双")
    DOWN = "ROUND_DOWN", _("舍去")
    UP = "ROUND_UP", _("进一")


class PaymentMethod(models.TextChoices):
    CASH = "CASH", _("现金")
    TRANSFER = "TRANSFER", _("转账")
    ONLINE = "ONLINE", _("线上")


class Rule(models.TextChoices):
    """Which rule produced a monthly amount (shown next to every amount)."""

    TIER = "tier", _("按比例")
    FIXED = "fixed", _("固定数额")
    FARMER = "farmer", _("农民党员（支部确定）")
    REDUCED = "reduced", _("经批准少交")
    EXEMPT = "exempt", _("经批准免交")
