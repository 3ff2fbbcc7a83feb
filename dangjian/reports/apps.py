from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "dangjian.reports"
    verbose_name = _("统计")

    def ready(self) -> None:
        from . import tasks

        tasks.register()
        from dangjian.core.extensions import NavItem, register_nav

        register_nav(
            NavItem(
                label=_("统计"),
                url_name="reports:index",
                order=80,
                visible=lambda scope: scope.reads_anything,
            )
        )
