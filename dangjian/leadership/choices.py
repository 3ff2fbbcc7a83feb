"""Coded values of the leadership teams and party-affairs staff (docs/leadership.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Duty(models.TextChoices):
    """A party-affairs duty held beside (or instead of) a 书记/副书记/委员 position: the division
    of work in a committee (组织委员 …) or a staff post (党务工作者). Local practice; no national
    code table lists them."""

    ORGANIZATION = "ORGANIZATION", _("组织委员")
    PROPAGANDA = "PROPAGANDA", _("宣传委员")
    DISCIPLINE = "DISCIPLINE", _("纪检委员")
    STAFF_FULL_TIME = "STAFF_FULL_TIME", _("专职党务工作者")
    STAFF_PART_TIME = "STAFF_PART_TIME", _("兼职党务工作者")


class DutyGrade(models.TextChoices):
    """书记抓基层党建工作述职评议: the four grades of the appraisal (好、较好、一般、差), as the
    central organization department's 述职评议考核 practice uses them."""

    GOOD = "GOOD", _("好")
    FAIRLY_GOOD = "FAIRLY_GOOD", _("较好")
    AVERAGE = "AVERAGE", _("一般")
    POOR = "POOR", _("差")


class TenureBand(models.TextChoices):
    """Years in the post on the day (local bands: a term is 3 or 5 years)."""

    UNDER_1 = "0-1", _("不满1年")
    FROM_1 = "1-3", _("1年至不满3年")
    FROM_3 = "3-5", _("3年至不满5年")
    FROM_5 = "5-10", _("5年至不满10年")
    FROM_10 = "10-", _("10年及以上")

    @property
    def bounds(self) -> tuple[int, int | None]:
        low, _sep, high = self.value.partition("-")
        return int(low), int(high) if high else None
