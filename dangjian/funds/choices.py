from django.db import models
from django.utils.translation import gettext_lazy as _


class EntryKind(models.TextChoices):
    ALLOCATION = "ALLOCATION", _("拨付收入")
    SPENDING = "SPENDING", _("支出")


class Category(models.TextChoices):
    # Where an allocation comes from.
    HIGHER_LEVEL = "HIGHER_LEVEL", _("上级党组织拨付")
    FINANCE = "FINANCE", _("财政保障")
    UNIT = "UNIT", _("所在单位列支")
    DUES_RETURNED = "DUES_RETURNED", _("党费返还（下拨）")
    # What spending is for.
    ACTIVITIES = "ACTIVITIES", _("组织活动")
    EDUCATION = "EDUCATION", _("党员教育培训")
    VENUE = "VENUE", _("阵地建设")
    CARE = "CARE", _("走访慰问")
    MATERIALS = "MATERIALS", _("学习资料及办公")
    OTHER = "OTHER", _("其他")


ALLOCATION_CATEGORIES = frozenset(
    {Category.HIGHER_LEVEL, Category.FINANCE, Category.UNIT, Category.DUES_RETURNED}
)
SPENDING_CATEGORIES = frozenset(
    {
        Category.ACTIVITIES,
        Category.EDUCATION,
        Category.VENUE,
        Category.CARE,
        Category.MATERIALS,
        Category.OTHER,
    }
)


class DuesUse(models.TextChoices):
    """What retained dues may pay for: 《关于中国共产党党费收缴、使用和管理的规定》(中组发〔2008〕3号)
    第十九条, the five uses (党费主要作为党员教育经费的补充)."""

    TRAINING = "TRAINING", _("培训党员")
    MATERIALS = "MATERIALS", _("订阅购买党员教育报刊资料、音像制品和设备")
    COMMENDATION = "COMMENDATION", _("表彰先进基层党组织、优秀共产党员和优秀党务工作者")
    HARDSHIP = "HARDSHIP", _("补助生活困难党员")
    DISASTER = "DISASTER", _("补助受灾党员、修缮因灾受损的党员教育设施")
