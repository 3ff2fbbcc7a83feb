from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RosterConfig(AppConfig):
    name = "dangjian.roster"
    verbose_name = _("名册导入导出")

    def ready(self) -> None:
        from dangjian.core import exports
        from dangjian.core.extensions import NavItem, register_nav

        from . import services, tasks

        tasks.register()
        exports.register_producer(
            exports.Producer(kind=services.MEMBER_EXPORT, write=services.member_export_write)
        )

        register_nav(
            NavItem(
                label=_("导入"),
                url_name="roster:import",
                order=80,
                visible=lambda scope: scope.manages_anything,
            )
        )
