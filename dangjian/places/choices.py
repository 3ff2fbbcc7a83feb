"""Coded values of host places."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlaceKind(models.TextChoices):
    BRANCH = "branch", _("欢迎流动党员参加活动的党支部")
    SERVICE_CENTRE = "centre", _("党员服务中心")


class Weekday(models.IntegerChoices):
    MONDAY = 1, _("周一")
    TUESDAY = 2, _("周二")
    WEDNESDAY = 3, _("周三")
    THURSDAY = 4, _("周四")
    FRIDAY = 5, _("周五")
    SATURDAY = 6, _("周六")
    SUNDAY = 7, _("周日")


class WeekOfMonth(models.IntegerChoices):
    FIRST = 1, _("第一个")
    SECOND = 2, _("第二个")
    THIRD = 3, _("第三个")
    FOURTH = 4, _("第四个")
    LAST = 5, _("最后一个")
