from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "dangjian.funds"
    verbose_name = _("党组织工作经费")

    def ready(self) -> None:
        from dangjian.core.extensions import DemoStep, NavItem, register_demo_step, register_nav

        from .demo import build_demo_funds

        register_demo_step(DemoStep("工作经费", 60, build_demo_funds))
        register_nav(NavItem(_("经费"), "funds:index", 45, lambda scope: scope.reads_anything))
