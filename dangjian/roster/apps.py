from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RosterConfig(AppConfig):
    name = "dangjian.roster"
    verbose_name = _("名册导入导出")
